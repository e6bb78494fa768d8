// The last step of every producer (the trainer, the scikit-learn converters, the LightGBM reader): the
// card's provenance stamped the same way, and the model built with its card, the card checked as serve
// reads it and against the graph it describes, so no producer writes a card that disagrees with its graph.
import { VERSION } from '../version.js';
import { buildModel, type GraphBuilder } from './builder.js';
import { type ClassLabel, cardEntry, type ModelCard, type ModelSource, validateCard } from './card.js';
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

/** What an importer of a boosting library's model (LightGBM, XGBoost) is told besides the file. */
export interface BoosterImportOptions {
  /** The model's name in its card. */
  name: string;
  /** Where the file came from, for the card. */
  source: string;
  /** Feature names in place of the model's own. */
  features?: string[];
  /** The classes of a classifier, in the library's class order (a wrapper's classes_). */
  classes?: ClassLabel[];
  /** How many iterations to use (the library's best iteration); all when undefined or <= 0. */
  iterations?: number;
  /** The estimator named in the card (LGBMClassifier, XGBClassifier, Booster, ...). */
  estimator?: string;
  /** What the file was: 'text', 'json', 'ubjson', 'pickle', 'joblib'. */
  format?: string;
}
