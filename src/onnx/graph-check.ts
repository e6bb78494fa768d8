// A model card checked against the graph it describes, from the graph's own declarations: what pack
// writes (a card it derived or one it kept) must never disagree with the graph in names, element
// types, widths or class counts. Dimensions the graph leaves symbolic cannot be checked here.
import type { ModelCard } from './card.js';
import { ModelCardError } from './errors.js';
import { DataType, type GraphProto, type ValueInfoProto } from './proto.js';

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE]);
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

/** Throws a ModelCardError naming the first place the card and the graph disagree. */
export function checkCardAgainstGraph(card: ModelCard, graph: GraphProto): void {
  const problem = disagreement(card, graph);
  if (problem) throw new ModelCardError(`the model card disagrees with the graph: ${problem}`);
}

function disagreement(card: ModelCard, graph: GraphProto): string | undefined {
  const initialized = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.find((i) => i.name === card.io.input && !initialized.has(i.name));
  if (!input) return `the card's input "${card.io.input}" is not an input of the graph`;
  const want = card.io.inputType === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  if (input.type?.tensorType?.elemType !== want)
    return `the card feeds ${card.io.inputType}; the input "${input.name}" is ${typeName(input)}`;
  const inputDims = dims(input);
  if (inputDims && inputDims.length !== 2)
    return `the input "${input.name}" has ${inputDims.length} dimensions, not [rows, features]`;
  if (inputDims?.[1] !== undefined && inputDims[1] !== card.features.length)
    return `the card lists ${card.features.length} features; the input "${input.name}" takes ${inputDims[1]}`;

  const outputs = new Map(graph.output.map((o) => [o.name, o]));
  const named = (role: string, name: string | undefined): ValueInfoProto | string | undefined => {
    if (name === undefined) return undefined;
    return outputs.get(name) ?? `the card's ${role} output "${name}" is not an output of the graph`;
  };
  const label = named('label', card.io.label);
  if (typeof label === 'string') return label;
  if (label && !LABEL_TYPES.has(label.type?.tensorType?.elemType ?? -1))
    return `the label output "${label.name}" is ${typeName(label)}, not integers, strings or booleans`;
  for (const [role, name] of [
    ['probabilities', card.io.probabilities],
    ['scores', card.io.scores],
  ] as const) {
    const out = named(role, name);
    if (typeof out === 'string') return out;
    if (!out) continue;
    if (!FLOAT_TYPES.has(out.type?.tensorType?.elemType ?? -1))
      return `the ${role} output "${out.name}" is ${typeName(out)}, not float or double`;
    const d = dims(out);
    if (d && d.length !== 2)
      return `the ${role} output "${out.name}" has ${d.length} dimensions, not [rows, classes]`;
    const k = card.classes?.length ?? 0;
    if (d?.[1] !== undefined && d[1] !== k)
      return `the card lists ${k} classes; the ${role} output "${out.name}" has ${d[1]} columns`;
  }
  const value = named('value', card.io.value);
  if (typeof value === 'string') return value;
  if (value) {
    if (!FLOAT_TYPES.has(value.type?.tensorType?.elemType ?? -1))
      return `the value output "${value.name}" is ${typeName(value)}, not float or double`;
    const d = dims(value);
    if (d && !(d.length === 1 || (d.length === 2 && d[1] === 1)))
      return `the value output "${value.name}" is not one value per row ([rows] or [rows, 1])`;
  }
  return undefined;
}
