// The features pack reads from a foreign graph's inputs. One numeric [rows, features] input is the plain
// case. Several inputs, or a string one, are what converters write for a table of mixed columns
// (skl2onnx gives each DataFrame column its own [rows, 1] input): each numeric input's columns are
// number features, and a string input is one category feature whose categories are those of the
// encoder that reads it, which also says what happens to an unknown one.
import { type FeatureSpec, MAX_FEATURES, type ModelInput } from './card.js';
import { PackError } from './errors.js';
import { dims, typeName } from './graph-check.js';
import { AttributeType, DataType, type GraphProto, type NodeProto, type ValueInfoProto } from './proto.js';

const ML_DOMAIN = 'ai.onnx.ml';

export interface PackedInputs {
  features: FeatureSpec[];
  /** The one numeric input (the plain card), or undefined where `inputs` lists several. */
  single?: { name: string; type: 'float32' | 'float64' };
  /** Every input with its features (format 2's io.inputs), where there are several or a string one. */
  inputs?: ModelInput[];
  notes: string[];
}

const NUMERIC: Record<number, 'float32' | 'float64'> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
};

/** The graph's inputs (initializers apart) as card features; `names` are --features, in input order. */
export function packInputs(graph: GraphProto, names: string[] | undefined): PackedInputs {
  const initialized = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initialized.has(i.name));
  if (inputs.length === 0) throw new PackError('the model has no input to feed');
  if (names && names.length > MAX_FEATURES)
    throw new PackError(
      `--features names ${names.length} features; modelgate serves at most ${MAX_FEATURES}`,
    );
  const widths = inputs.map((input) => inputWidth(input, inputs.length === 1 ? names : undefined));
  const total = widths.reduce((a, w) => a + w, 0);
  if (total > MAX_FEATURES)
    throw new PackError(
      `the model's inputs take ${total} features; modelgate serves at most ${MAX_FEATURES}`,
    );
  if (names && names.length !== total)
    throw new PackError(
      inputs.length === 1
        ? `--features names ${names.length} features; the input ${inputs[0]?.name} takes ${total}`
        : `--features names ${names.length} features; the model's ${inputs.length} inputs take ${total} (${inputs.map((input, i) => `${input.name}: ${widths[i]}`).join(', ')})`,
    );
  const only = inputs[0] as ValueInfoProto;
  const onlyType = NUMERIC[only.type?.tensorType?.elemType ?? -1];
  if (inputs.length === 1 && onlyType) {
    const features = (names ?? Array.from({ length: total }, (_, i) => `x${i}`)).map(
      (name): FeatureSpec => ({ name, type: 'number' }),
    );
    return { features, single: { name: only.name, type: onlyType }, notes: [] };
  }

  const notes: string[] = [];
  const features: FeatureSpec[] = [];
  const fed: ModelInput[] = [];
  let next = 0;
  inputs.forEach((input, i) => {
    const width = widths[i] as number;
    const own = names?.slice(next, next + width) ?? defaultNames(input.name, width);
    next += width;
    const elemType = input.type?.tensorType?.elemType;
    if (elemType === DataType.STRING) {
      const feature = stringFeature(graph, input, own[0] as string, width);
      features.push(feature);
      fed.push({ name: input.name, type: 'string', features: [feature.name] });
      notes.push(
        `the string input ${input.name} is the category ${feature.name} (${feature.categories?.length} categories; an unknown one is ${feature.unknown === 'pass' ? 'passed to the graph, which encodes it as its encoder does' : 'refused'})`,
      );
      return;
    }
    const type = NUMERIC[elemType ?? -1];
    if (!type)
      throw new PackError(
        `the input ${input.name} is ${typeName(input)}; modelgate feeds float, double or string inputs${elemType === DataType.INT64 ? ' (cast integer columns to float when converting)' : ''}`,
      );
    for (const name of own) features.push({ name, type: 'number' });
    fed.push({ name: input.name, type, features: own });
  });
  return { features, inputs: fed, notes };
}

/** An input's declared width, checked to be a [rows, k] tensor; `names` stand in for an open width. */
function inputWidth(input: ValueInfoProto, names: string[] | undefined): number {
  if (!input.type?.tensorType)
    throw new PackError(`the input ${input.name} is ${typeName(input)}; modelgate feeds tensors`);
  const d = dims(input);
  if (d && d.length !== 2)
    throw new PackError(
      `the input ${input.name} has ${d.length} dimensions; modelgate feeds [rows, features]`,
    );
  // Bounded before anything is sized by it: a file of a hundred bytes can declare 10^8 features.
  const declared = d?.[1];
  if (declared !== undefined && (declared < 1 || declared > MAX_FEATURES))
    throw new PackError(
      `the input ${input.name} declares ${declared} features; modelgate serves 1 to ${MAX_FEATURES}`,
    );
  const width = declared ?? names?.length;
  if (width === undefined)
    throw new PackError(
      names === undefined && input.type.tensorType.elemType !== undefined
        ? `the input ${input.name} does not say how many features it takes: give --features`
        : `the input ${input.name} does not say how many features it takes`,
    );
  return width;
}

/** A 1-wide input's feature is named after it (a column's input, as skl2onnx writes); wider ones are numbered. */
function defaultNames(input: string, width: number): string[] {
  return width === 1 ? [input] : Array.from({ length: width }, (_, j) => `${input}_${j}`);
}

/**
 * A string input as one category feature: its categories are those of the encoders reading it
 * (OneHotEncoder, LabelEncoder or CategoryMapper of ai.onnx.ml), which must agree. An unknown category
 * is passed on only where a OneHotEncoder with zeros=1 reads it (all zeros, as scikit-learn's
 * handle_unknown="ignore" answers); a LabelEncoder's or CategoryMapper's default value is the graph's
 * choice, not known to be the source library's answer, so an unknown category is refused.
 */
function stringFeature(graph: GraphProto, input: ValueInfoProto, name: string, width: number): FeatureSpec {
  if (width !== 1)
    throw new PackError(
      `the string input ${input.name} is ${width} columns wide; modelgate feeds a string input of one column (one category feature)`,
    );
  const readers = graph.node.filter((n) => n.input.includes(input.name));
  if (readers.length === 0) throw new PackError(`the string input ${input.name} is read by no node`);
  let categories: string[] | undefined;
  let pass = true;
  for (const node of readers) {
    const read = categoriesOf(node);
    if (!read)
      throw new PackError(
        `the string input ${input.name} is read by a ${node.opType} node; modelgate knows a string input's categories from a OneHotEncoder, LabelEncoder or CategoryMapper (ai.onnx.ml) reading it`,
      );
    if (categories && !sameSet(categories, read.categories))
      throw new PackError(`the encoders reading the string input ${input.name} know different categories`);
    categories ??= read.categories;
    pass &&= read.pass;
  }
  const list = categories as string[];
  if (list.length === 0)
    throw new PackError(`the encoder reading the string input ${input.name} knows no category`);
  if (new Set(list).size !== list.length)
    throw new PackError(`the encoder reading the string input ${input.name} lists a category twice`);
  return { name, type: 'category', categories: list, unknown: pass ? 'pass' : 'reject', missing: 'reject' };
}

function categoriesOf(node: NodeProto): { categories: string[]; pass: boolean } | undefined {
  if (node.domain !== ML_DOMAIN) return undefined;
  const strings = (key: string) => {
    const a = node.attribute.find((x) => x.name === key);
    return a?.type === AttributeType.STRINGS
      ? (a.strings ?? []).map((s) => new TextDecoder().decode(s))
      : undefined;
  };
  const int = (key: string) => node.attribute.find((x) => x.name === key)?.i;
  if (node.opType === 'OneHotEncoder') {
    const categories = strings('cats_strings');
    // zeros=1 (the default): an unknown category is all zeros; zeros=0: the runtime fails on it.
    return categories && { categories, pass: Number(int('zeros') ?? 1) === 1 };
  }
  if (node.opType === 'LabelEncoder') {
    const categories = strings('keys_strings');
    return categories && { categories, pass: false };
  }
  if (node.opType === 'CategoryMapper') {
    const categories = strings('cats_strings');
    return categories && { categories, pass: false };
  }
  return undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return a.length === b.length && b.every((x) => s.has(x));
}
