// A model card checked against its graph: the card's promises (features, input type, classes, which
// outputs carry what) against what the graph says of its inputs and outputs. One check serves the
// Predictor at load (with onnxruntime's description of the session, shapes inferred) and pack before it
// writes (with the graph's own declarations). A card that disagrees with its graph would otherwise be
// answered with wrong numbers (2 classes over a 3-wide probability output reads every row shifted) or,
// under batching, with another request's rows.
import {
  type ClassLabel,
  graphInputs,
  type InputType,
  MAX_CLASSES,
  MAX_FEATURES,
  type ModelCard,
  type ModelInput,
} from './card.js';
import { CardGraphMismatchError } from './errors.js';
import { DataType, type GraphProto, type ValueInfoProto } from './proto.js';

/** An input or output of the graph, as onnxruntime describes it (-1 is a dimension it does not fix). */
export interface GraphValue {
  name: string;
  isTensor: boolean;
  type?: number;
  shape?: readonly number[];
}

/** onnxruntime-node's names of the element types. */
export const TYPE_NAMES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.FLOAT16]: 'float16',
  [DataType.STRING]: 'string',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.INT16]: 'int16',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.UINT16]: 'uint16',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.BOOL]: 'bool',
};

const typeName = (t: number | undefined): string =>
  t === undefined ? 'not a tensor' : (TYPE_NAMES[t] ?? `ONNX type ${t}`);
const shapeText = (s: readonly number[] | undefined): string =>
  s ? `[${s.map((d) => (d < 0 ? '?' : String(d))).join(', ')}]` : 'of unknown shape';
const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE]);
const INTEGERS = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.INT16,
  DataType.INT8,
  DataType.UINT8,
  DataType.UINT16,
  DataType.UINT32,
  DataType.UINT64,
]);

function mismatch(card: ModelCard, what: string): never {
  throw new CardGraphMismatchError(`the model card of "${card.name}" and its graph disagree: ${what}`);
}

/** The graph's declared inputs (initializers aside) and outputs, described as onnxruntime does. */
export function declaredValues(graph: GraphProto): { inputs: GraphValue[]; outputs: GraphValue[] } {
  const initialized = new Set(graph.initializer.map((t) => t.name));
  const describe = (v: ValueInfoProto): GraphValue => {
    const t = v.type?.tensorType;
    if (!t) return { name: v.name, isTensor: false };
    return { name: v.name, isTensor: true, type: t.elemType, shape: t.shape?.map((d) => d.dimValue ?? -1) };
  };
  return {
    inputs: graph.input.filter((i) => !initialized.has(i.name)).map(describe),
    outputs: graph.output.map(describe),
  };
}

/** The element types a label output may have for these classes (as the card spells them). */
function labelTypes(classes: readonly ClassLabel[]): Set<number> {
  if (classes.every((c) => typeof c === 'string')) return new Set([DataType.STRING]);
  if (classes.every((c) => typeof c === 'boolean')) return new Set([DataType.BOOL, DataType.STRING]);
  if (classes.every((c) => typeof c === 'number' && Number.isInteger(c)))
    return new Set([...INTEGERS, DataType.STRING]);
  return new Set([DataType.STRING, ...FLOATS]);
}

/** A [rows] or [rows, 1] output: true when the shape allows it. */
function perRowShape(shape: readonly number[] | undefined): boolean {
  if (!shape) return true;
  return shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || (shape[1] as number) < 0));
}

/**
 * Throws CardGraphMismatchError unless the card and the graph agree: the card's input is the graph's one
 * input, of the card's element type, [rows, features] wide; every output the card names is a tensor
 * output of the graph, of a type and width that fit what the card says it carries; every dimension the
 * card relies on is within a stated bound. (validateCard has already refused repeated classes.)
 */
export function checkSignature(
  card: ModelCard,
  inputs: readonly GraphValue[],
  outputs: readonly GraphValue[],
): void {
  const features = card.features.length;
  if (features > MAX_FEATURES)
    mismatch(card, `the card lists ${features} features, over the limit of ${MAX_FEATURES}`);

  const fed = graphInputs(card);
  const found = fed.map((want) => graphInput(card, want, inputs, outputs));
  if (inputs.length !== fed.length)
    mismatch(
      card,
      fed.length === 1
        ? `the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); modelgate feeds one [rows, features] tensor`
        : `the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); the card feeds ${fed.length} (${fed.map((i) => i.name).join(', ')})`,
    );
  fed.forEach((want, k) => {
    checkInput(card, want, found[k] as GraphValue, fed.length);
  });

  const classes = card.classes ?? [];
  if (classes.length > MAX_CLASSES)
    mismatch(card, `the card lists ${classes.length} classes, over the limit of ${MAX_CLASSES}`);

  const named = (role: string, name: string | undefined): GraphValue | undefined => {
    if (name === undefined) return undefined;
    const out = outputs.find((o) => o.name === name);
    if (!out) {
      const asInput = inputs.some((i) => i.name === name);
      mismatch(
        card,
        `the card's ${role} output "${name}" is ${asInput ? 'an input' : 'not an output'} of the graph (outputs: ${outputs.map((o) => o.name).join(', ') || 'none'})`,
      );
    }
    if (!out.isTensor)
      mismatch(
        card,
        `the card's ${role} output "${name}" is not a tensor (a sequence or map, such as a ZipMap's; \`modelgate pack\` serves the tensor it reads)`,
      );
    return out;
  };

  if (card.task === 'regression') {
    const value = named('value', card.io.value) as GraphValue;
    if (!FLOATS.has(value.type as number))
      mismatch(card, `the value output "${value.name}" is ${typeName(value.type)}, not float32 or float64`);
    const t = card.targets?.length;
    if (t !== undefined) {
      const s = value.shape;
      if (s && (s.length !== 2 || ((s[1] as number) >= 0 && s[1] !== t)))
        mismatch(
          card,
          `the card lists ${t} targets, the graph's value output "${value.name}" is ${shapeText(s)}`,
        );
      return;
    }
    if (!perRowShape(value.shape))
      mismatch(
        card,
        `the value output "${value.name}" is ${shapeText(value.shape)}; a regressor answers one value per row`,
      );
    return;
  }

  const refused = named('refused-rows', card.io.refused);
  if (refused && (refused.type !== DataType.BOOL || !perRowShape(refused.shape)))
    mismatch(
      card,
      `the refused-rows output "${refused.name}" is ${typeName(refused.type)} ${shapeText(refused.shape)}; it must be bool, one per row`,
    );

  if (card.task === 'clustering' || card.task === 'outlier-detection') {
    const label = named('label', card.io.label) as GraphValue;
    if (!INTEGERS.has(label.type as number) || !perRowShape(label.shape))
      mismatch(
        card,
        `the label output "${label.name}" is ${typeName(label.type)} ${shapeText(label.shape)}; a ${card.task === 'clustering' ? 'clusterer answers one cluster index' : 'outlier detector answers one 1 or -1'} per row, as integers`,
      );
    if (card.task === 'outlier-detection') {
      const score = named('score', card.io.score) as GraphValue;
      if (!FLOATS.has(score.type as number) || !perRowShape(score.shape))
        mismatch(
          card,
          `the score output "${score.name}" is ${typeName(score.type)} ${shapeText(score.shape)}; an outlier detector answers one float32 or float64 score per row`,
        );
      return;
    }
    const k = card.clusters as number;
    for (const role of ['distances', 'probabilities'] as const) {
      const matrix = named(role, card.io[role]);
      if (!matrix) continue;
      const s = matrix.shape;
      if (
        !FLOATS.has(matrix.type as number) ||
        (s && (s.length !== 2 || ((s[1] as number) >= 0 && s[1] !== k)))
      )
        mismatch(
          card,
          `the ${role} output "${matrix.name}" is ${typeName(matrix.type)} ${shapeText(s)}; the card has ${k} clusters, so float32 or float64 [rows, ${k}]`,
        );
    }
    return;
  }

  for (const role of ['probabilities', 'scores'] as const) {
    const matrix = named(role === 'scores' ? 'score' : 'probability', card.io[role]);
    if (!matrix) continue;
    if (!FLOATS.has(matrix.type as number))
      mismatch(
        card,
        `the ${role} output "${matrix.name}" is ${typeName(matrix.type)}, not float32 or float64`,
      );
    const s = matrix.shape;
    if (s && (s.length !== 2 || ((s[1] as number) >= 0 && s[1] !== classes.length)))
      mismatch(
        card,
        `the card lists ${classes.length} classes, the graph's ${role} output "${matrix.name}" is ${shapeText(s)}`,
      );
  }
  const label = named('label', card.io.label);
  if (label) {
    if (!labelTypes(classes).has(label.type as number))
      mismatch(
        card,
        `the label output "${label.name}" is ${typeName(label.type)}, which cannot carry the card's classes (${classes
          .slice(0, 5)
          .map((c) => JSON.stringify(c))
          .join(', ')}${classes.length > 5 ? ', ...' : ''})`,
      );
    if (!perRowShape(label.shape))
      mismatch(card, `the label output "${label.name}" is ${shapeText(label.shape)}, not one label per row`);
  }
  if (card.io.labelIsArgmax && card.io.probabilities === undefined && card.io.scores === undefined)
    mismatch(card, 'the card computes labels from probabilities or scores, but names neither output');
}

const ELEMENT: Record<InputType, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  string: DataType.STRING,
};

/** The graph's input of the name the card feeds. */
function graphInput(
  card: ModelCard,
  fed: ModelInput,
  inputs: readonly GraphValue[],
  outputs: readonly GraphValue[],
): GraphValue {
  const input = inputs.find((i) => i.name === fed.name);
  if (!input) {
    const asOutput = outputs.some((o) => o.name === fed.name);
    mismatch(
      card,
      `the card's input "${fed.name}" is ${asOutput ? 'an output' : 'not an input'} of the graph (inputs: ${inputs.map((i) => i.name).join(', ') || 'none'})`,
    );
  }
  return input;
}

/** One input the card feeds, against the graph's: of that element type, [rows, its features] wide. */
function checkInput(card: ModelCard, fed: ModelInput, input: GraphValue, count: number): void {
  const features = fed.features.length;
  if (!input.isTensor || input.type !== ELEMENT[fed.type])
    mismatch(
      card,
      `the card feeds ${fed.type}, the graph's input "${input.name}" takes ${typeName(input.isTensor ? input.type : undefined)}`,
    );
  const shape = input.shape;
  if (shape) {
    if (shape.length !== 2)
      mismatch(
        card,
        `the graph's input "${input.name}" is ${shapeText(shape)}; modelgate feeds [rows, features]`,
      );
    const [batch, width] = shape as [number, number];
    if (width >= 0 && width !== features)
      mismatch(
        card,
        count === 1
          ? `the card lists ${features} features, the graph's input "${input.name}" is ${width} wide`
          : `the card puts ${features} features in the graph's input "${input.name}", which is ${width} wide`,
      );
    if (batch >= 0)
      mismatch(
        card,
        `the graph's input "${input.name}" takes a fixed batch of ${batch} row${batch === 1 ? '' : 's'}; export it with a dynamic first dimension`,
      );
  }
}
