// What pack reads of a graph's declared values (element types, dimensions), and the card it writes
// checked against them: it must never disagree with the graph in names, element types, widths or class
// counts. Dimensions the graph leaves symbolic cannot be checked here; the Predictor sees them on a run.
import type { ModelCard } from './card.js';
import { DataType, type GraphProto, type ValueInfoProto } from './proto.js';
import { checkSignature, declaredValues } from './signature.js';

export const LABEL_TYPES = new Set<number>([DataType.INT64, DataType.INT32, DataType.STRING, DataType.BOOL]);

export const TYPE_NAMES: Record<number, string> = {
  1: 'float',
  2: 'uint8',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'double',
};

export function typeName(v: ValueInfoProto | undefined): string {
  const t = v?.type?.tensorType;
  if (!t) return v?.type?.sequenceType ? 'a sequence' : v?.type?.mapType ? 'a map' : 'not a tensor';
  return TYPE_NAMES[t.elemType] ?? `element type ${t.elemType}`;
}

/** The declared dimensions: a number where fixed, undefined where symbolic; undefined without a shape. */
export function dims(v: ValueInfoProto): (number | undefined)[] | undefined {
  return v.type?.tensorType?.shape?.map((d) => d.dimValue);
}

/**
 * Throws a CardGraphMismatchError (a ModelCardError) naming the first place the card and the graph's
 * own declarations disagree: the check the Predictor makes at load, here before pack writes anything.
 */
export function checkCardAgainstGraph(card: ModelCard, graph: GraphProto): void {
  const { inputs, outputs } = declaredValues(graph);
  checkSignature(card, inputs, outputs);
}
