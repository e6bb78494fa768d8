// The last step of every producer (the trainer, the scikit-learn converters, the LightGBM reader): the
// card's provenance stamped the same way, and the model built with its card, the card checked as serve
// reads it and against the graph it describes, so no producer writes a card that disagrees with its graph.
import { VERSION } from '../version.js';
import { buildModel, type GraphBuilder } from './builder.js';
import { cardEntry, type ModelCard, type ModelSource, validateCard } from './card.js';
import { checkCardAgainstGraph } from './graph-check.js';
import type { ModelProto } from './proto.js';

/** A card's provenance: where the model came from, by which modelgate, when. */
export function provenance(
  source: ModelSource,
  rest: Omit<ModelCard['provenance'], 'source' | 'tool' | 'createdAt'> = {},
): ModelCard['provenance'] {
  return { source, tool: `modelgate ${VERSION}`, createdAt: new Date().toISOString(), ...rest };
}

/**
 * The model of the builder's graph with the card in its metadata. A card the checks refuse is a
 * defect of the producer (ModelCardError), never written.
 */
export function modelWithCard(b: GraphBuilder, card: ModelCard, docString: string): ModelProto {
  const model = buildModel(b, { producerVersion: VERSION, metadata: [cardEntry(card)], docString });
  validateCard(JSON.parse(JSON.stringify(card)));
  checkCardAgainstGraph(card, model.graph);
  return model;
}
