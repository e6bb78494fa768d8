// A rebuilt scikit-learn estimator as one ONNX graph with a model card. The graph computes in double
// precision, as scikit-learn does, from a float64 input of the features in fitted order:
// transformers (a Pipeline's steps) rewrite the feature matrix, and the final estimator turns it into
// class probabilities (and the label, their argmax) or a value.
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import { CARD_FORMAT, type ClassLabel, cardEntry, MAX_FEATURES, type ModelCard } from '../onnx/card.js';
import { DataType, type ModelProto } from '../onnx/proto.js';
import { VERSION } from '../version.js';
import { type Column, InputRules, inputColumns, preimage, throughImputer, throughStep } from './columns.js';
import { ModelImportError, UnsupportedModelError } from './errors.js';
import {
  CategoricalEnsemble,
  categoricalInputs,
  categoricalLayout,
  categoryValue,
  type PredictorNodes,
  predictorNodes,
} from './hgb.js';
import { relabel, unbundle } from './labels.js';
import { kNeighbors } from './neighbors.js';
import { asFloat64, elementsOf, field } from './numpy.js';
import { againstPoints } from './points.js';
import { Estimator, type Matrix } from './state.js';
import {
  type Codes,
  codesOfNumbers,
  codesOfText,
  findTextFeatures,
  imputeCodes,
  type NumberCodes,
  oneHotCodes,
  ordinalCodes,
  type TextFeature,
  targetCodes,
} from './text.js';
import { NdArray, NpScalar, PyObject, PySlice, PyTuple, type PyValue } from './values.js';

export const INPUT_NAME = 'input';
/** The string input of a model with string columns fed as text. */
export const TEXT_INPUT_NAME = 'text';

/** Where each input feature of a model with string columns is fed: which graph input, which column. */
interface Feeds {
  numeric: string | undefined;
  strings: string | undefined;
  place: { input: 'numeric' | 'strings'; column: number }[];
  text: ReadonlyMap<number, TextFeature>;
  /** Numeric features an encoder over string columns also reads. */
  numbers: ReadonlyMap<number, NumberCodes>;
}

/** The graph so far: the builder and the current feature matrix ([N, width], double). */
export interface Flow {
  b: GraphBuilder;
  x: string;
  width: number;
  /** The arithmetic of neural-network layers (everything else computes in double). */
  layers: LayerPrecision;
  /** What each of the `width` columns holds (kept by the transformers; the final estimator reads it). */
  columns: Column[];
  /** What each input feature takes, as the steps so far decide it (shared by a ColumnTransformer's parts). */
  rules: InputRules;
  /** Set while the columns hold string columns' codes (before their encoder): which feature, which categories. */
  codes?: Codes[];
  /** The top of a model with string columns: x is not the feature matrix, the inputs are these. */
  feeds?: Feeds;
}

/**
 * float32: the weights stored and multiplied in single precision, as ONNX models of neural networks
 * usually are; onnxruntime's float32 matrix kernels are many times faster than its double ones and the
 * file is half the size. float64: scikit-learn's own precision.
 */
export type LayerPrecision = 'float32' | 'float64';

export type Output =
  /** labelScores: where the label is not the most probable class (SVC's votes), the scores it is the argmax of. */
  (
    | { kind: 'probabilities'; name: string; classes: ClassLabel[]; labelScores?: string }
    /** A classifier without probabilities (LinearSVC, hinge-loss SGD): scores whose argmax is the class. */
    | { kind: 'scores'; name: string; classes: ClassLabel[] }
    | { kind: 'value'; name: string }
  ) & {
    /** The graph sends missing values (NaN) somewhere itself, as scikit-learn 1.3+ trees do. */
    acceptsMissing?: boolean;
  };

const double = (b: GraphBuilder, name: string, dims: number[], values: ArrayLike<number>) =>
  b.constant(tensor.double(name, dims, values));
const float = (b: GraphBuilder, name: string, dims: number[], values: ArrayLike<number>) =>
  b.constant(tensor.float(name, dims, values));
const cast = (b: GraphBuilder, x: string, to: number) => b.op('Cast', [x], [attr.int('to', to)]);

/** Rows times a coefficient matrix: x [N, d] · W [d, k] + bias [k], in double unless `constant` says float. */
function affine(
  f: Flow,
  weights: Matrix,
  bias: Matrix | undefined,
  transposed: boolean,
  constant = double,
): string {
  const [rows, cols] =
    weights.shape.length === 1 ? [1, weights.shape[0] as number] : (weights.shape as [number, number]);
  if (rows * cols !== weights.values.length)
    throw new ModelImportError(
      `the model's weights of shape (${weights.shape.join(', ')}) are not a matrix of ${weights.values.length} values`,
    );
  // scikit-learn's linear models keep coef_ as [k, d]; MLP keeps [d, k].
  const d = transposed ? cols : rows;
  const k = transposed ? rows : cols;
  if (d !== f.width)
    throw new ModelImportError(`the model's weights take ${d} features, but ${f.width} reach them`);
  const w = new Float64Array(d * k);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < k; j++)
      w[i * k + j] = transposed
        ? (weights.values[j * d + i] as number)
        : (weights.values[i * k + j] as number);
  let y = f.b.op('MatMul', [f.x, constant(f.b, f.b.fresh('weights'), [d, k], w)]);
  if (bias) {
    const bv =
      bias.values.length === 1 && k > 1 ? new Float64Array(k).fill(bias.values[0] as number) : bias.values;
    y = f.b.op('Add', [y, constant(f.b, f.b.fresh('bias'), [k], bv)]);
  }
  return y;
}

/** Probabilities [N, 2] from the positive class's probability [N, 1]. */
function twoClasses(f: Flow, p1: string): string {
  const one = double(f.b, f.b.fresh('one'), [1], [1]);
  return f.b.op('Concat', [f.b.op('Sub', [one, p1]), p1], [attr.int('axis', 1)]);
}

// ---------------------------------------------------------------- transformers

function simpleImputer(est: Estimator, f: Flow): void {
  if (f.codes) {
    imputeCodes(est, f);
    return;
  }
  const missing = est.raw('missing_values');
  if (!(typeof missing === 'number' && Number.isNaN(missing)))
    throw new UnsupportedModelError(
      'a SimpleImputer whose missing_values is not NaN (modelgate imputes NaN only)',
    );
  if (est.has('indicator_')) throw new UnsupportedModelError('a SimpleImputer with add_indicator=True');
  const stats = est.matrix('statistics_').values;
  if (stats.length !== f.width)
    throw new ModelImportError(
      `the SimpleImputer was fitted on ${stats.length} features, ${f.width} reach it`,
    );
  const isMissing = f.b.op('IsNaN', [f.x]);
  f.x = f.b.op('Where', [isMissing, double(f.b, f.b.fresh('statistics'), [1, stats.length], stats), f.x]);
  f.columns = f.columns.map((col, i) => throughImputer(col, stats[i] as number));
  // Columns that were empty when fitted have no statistic and are dropped, as scikit-learn does.
  const kept = [...stats.keys()].filter((i) => !Number.isNaN(stats[i] as number));
  if (kept.length < stats.length && !est.raw('keep_empty_features')) {
    f.x = f.b.op(
      'Gather',
      [f.x, f.b.constant(tensor.int64(f.b.fresh('kept'), [kept.length], kept))],
      [attr.int('axis', 1)],
    );
    f.width = kept.length;
    f.columns = kept.map((i) => f.columns[i] as Column);
  }
}

/** Each ONNX operator a scaler applies, as double arithmetic on one number (IEEE, as onnxruntime's). */
const ELEMENTWISE: Record<string, (y: number, v: number) => number> = {
  Sub: (y, v) => y - v,
  Div: (y, v) => y / v,
  Mul: (y, v) => y * v,
  Add: (y, v) => y + v,
};

/**
 * The rows combined with one fitted value per column (a scaler's mean_, scale_, min_, center_): x op v.
 * Missing values pass through (scikit-learn's scalers keep NaN); the step is monotone where it adds or
 * subtracts a finite number, or multiplies or divides by a positive one.
 */
function perColumn(f: Flow, op: string, est: Estimator, attr: string): void {
  const values = est.matrix(attr).values;
  if (values.length !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s ${attr} holds ${values.length} columns, but ${f.width} reach it`,
    );
  const name = f.b.fresh(attr.replace(/_$/, ''));
  f.x = f.b.op(op, [f.x, double(f.b, name, [1, f.width], values)]);
  const apply = ELEMENTWISE[op] as (y: number, v: number) => number;
  f.columns = f.columns.map((col, i) => {
    const v = values[i] as number;
    const monotone = Number.isFinite(v) && (op === 'Sub' || op === 'Add' || v > 0);
    return throughStep(col, (y) => apply(y, v), `a ${est.name}`, monotone);
  });
}

/** Every column clipped to [lo, hi] (Max then Min: onnxruntime's keep NaN, as numpy's clip does). */
function clipColumns(f: Flow, est: Estimator, lo: number, hi: number): void {
  f.x = f.b.op('Max', [f.x, double(f.b, f.b.fresh('low'), [1], [lo])]);
  f.x = f.b.op('Min', [f.x, double(f.b, f.b.fresh('high'), [1], [hi])]);
  const clip = (y: number) => (Number.isNaN(y) ? y : Math.min(Math.max(y, lo), hi));
  f.columns = f.columns.map((col) => throughStep(col, clip, `a ${est.name}`, true));
}

/**
 * StandardScaler: x - mean_ unless with_mean=False, then / scale_ unless with_std=False. mean_ is fitted
 * whenever the variance is (so with_mean=False still stores one): the flags decide, not the attributes.
 */
function standardScaler(est: Estimator, f: Flow): void {
  if (est.raw('with_mean') !== false && est.has('mean_')) perColumn(f, 'Sub', est, 'mean_');
  if (est.raw('with_std') !== false && est.has('scale_')) perColumn(f, 'Div', est, 'scale_');
}

function minMaxScaler(est: Estimator, f: Flow): void {
  perColumn(f, 'Mul', est, 'scale_');
  perColumn(f, 'Add', est, 'min_');
  if (est.raw('clip') === true) {
    const range = est.raw('feature_range');
    const [lo, hi] = range instanceof PyTuple ? range.items : Array.isArray(range) ? range : [];
    if (!Number.isFinite(Number(lo)) || !Number.isFinite(Number(hi)))
      throw new ModelImportError("the MinMaxScaler's feature_range is not two numbers");
    clipColumns(f, est, Number(lo), Number(hi));
  }
}

/** MaxAbsScaler: / scale_, then (scikit-learn 1.8's clip=True) clipped to [-1, 1]. */
function maxAbsScaler(est: Estimator, f: Flow): void {
  perColumn(f, 'Div', est, 'scale_');
  if (est.raw('clip') === true) clipColumns(f, est, -1, 1);
}

/** RobustScaler: - center_ unless with_centering=False, / scale_ unless with_scaling=False (each then None). */
function robustScaler(est: Estimator, f: Flow): void {
  if (est.raw('with_centering') !== false && est.has('center_')) perColumn(f, 'Sub', est, 'center_');
  if (est.raw('with_scaling') !== false && est.has('scale_')) perColumn(f, 'Div', est, 'scale_');
}

/**
 * A OneHotEncoder that refuses categories it never saw (handle_unknown="error") reads column i: the
 * input feature behind it takes only the numbers that land on one of its categories, and a missing
 * value only where NaN lands on one (NaN is a category, or an imputer before fills in one). scikit-learn's
 * predict raises on anything else, so such a request is refused, not encoded as all zeros.
 */
function takesOnlyCategories(
  f: Flow,
  i: number,
  categories: readonly number[],
  by = 'a OneHotEncoder',
): void {
  const s = f.columns[i]?.source;
  if (!s?.monotone)
    throw new UnsupportedModelError(
      `${by}(handle_unknown="error") over a column that is not one input feature through imputers and scalers (modelgate could not tell which numbers it refuses)`,
    );
  const name = JSON.stringify(f.rules.names[s.feature]);
  const numbers = categories.filter((c) => !Number.isNaN(c));
  const values: number[] = [];
  for (const c of numbers) {
    // Through an imputer or selections only, the category is the number sent; else the one number
    // that the steps before turn into it exactly.
    const x = s.identity ? c : preimage(s.at, c);
    if (x === 'several')
      throw new UnsupportedModelError(
        `${by}(handle_unknown="error") after ${s.via.join(' and ')} that turns several numbers of feature ${name} into its category ${c} (modelgate could not list the numbers it takes: encode the column before scaling it, or use handle_unknown="ignore")`,
      );
    if (x !== undefined) values.push(x);
  }
  if (values.length === 0)
    throw new UnsupportedModelError(
      `${by}(handle_unknown="error") none of whose categories any number of feature ${name} reaches after ${s.via.join(' and ')} (scikit-learn refuses every row)`,
    );
  f.rules.restrict(s.feature, values);
  const nan = s.at(Number.NaN);
  if (!(Number.isNaN(nan) ? categories.some(Number.isNaN) : numbers.includes(nan)))
    f.rules.refuseMissing([s.feature], `${by}(handle_unknown="error") without NaN as a category`);
}

/**
 * OneHotEncoder over numeric columns: one 0/1 column per category, in categories_ order, less the dropped
 * ones. A missing value is NaN's own category where it has one, else all zeros (handle_unknown="ignore"),
 * or refused ("error"): the encoded columns never hold NaN.
 */
function oneHotEncoder(est: Estimator, f: Flow): void {
  if (f.codes) {
    oneHotCodes(est, f);
    return;
  }
  if (est.raw('_infrequent_enabled') === true) {
    numbersAsCodes(est, f);
    oneHotCodes(est, f);
    return;
  }
  const categories = est.raw('categories_');
  if (!Array.isArray(categories) || categories.length !== f.width)
    throw new ModelImportError(`the OneHotEncoder's categories_ do not match its ${f.width} features`);
  // drop_idx_: one index per feature, or None where nothing is dropped; an object array (of numpy
  // integers) whenever a feature drops nothing or drop lists the categories by value.
  const drop = est.raw('drop_idx_');
  const dropped =
    drop instanceof NdArray
      ? elementsOf(drop).map((v) => {
          const n = v instanceof NpScalar ? v.value : v;
          return typeof n === 'number' || typeof n === 'bigint' ? Number(n) : null;
        })
      : null;
  // "infrequent_if_exist" and "warn" encode an unknown category as "ignore" does when, as here, no
  // category is infrequent; files older than handle_unknown refuse unknown categories.
  const refusesUnknown = est.string('handle_unknown', 'error') === 'error';
  const blocks: string[] = [];
  let width = 0;
  categories.forEach((cats, i) => {
    if (!(cats instanceof NdArray) || cats.objects || cats.dtype.kind === 'U' || cats.dtype.kind === 'S')
      throw new UnsupportedModelError(
        'a OneHotEncoder over text categories (modelgate serves numeric features)',
      );
    const dropIndex = dropped?.[i];
    const all = Array.from(asFloat64(cats));
    if (refusesUnknown) takesOnlyCategories(f, i, all);
    const values = all.filter((_, c) => dropIndex === undefined || dropIndex === null || dropIndex !== c);
    if (values.length === 0) return;
    const column = f.b.op(
      'Gather',
      [f.x, f.b.constant(tensor.int64(f.b.fresh('column'), [1], [i]))],
      [attr.int('axis', 1)],
    );
    // NaN stays NaN in the constant: Equal is false against it, so a NaN category is never matched by a
    // number (a stand-in such as 0 would also match every real 0).
    let hits = f.b.op('Equal', [column, double(f.b, f.b.fresh('categories'), [1, values.length], values)]);
    const nanAt = values.findIndex((v) => Number.isNaN(v));
    if (nanAt >= 0) {
      // NaN is a category of its own (scikit-learn keeps it last).
      const mask = values.map((_, c) => (c === nanAt ? 1 : 0));
      const isNan = f.b.op('And', [
        f.b.op('IsNaN', [column]),
        f.b.op(
          'Cast',
          [double(f.b, f.b.fresh('nan_mask'), [1, values.length], mask)],
          [attr.int('to', DataType.BOOL)],
        ),
      ]);
      hits = f.b.op('Or', [hits, isNan]);
    }
    blocks.push(cast(f.b, hits, DataType.DOUBLE));
    width += values.length;
  });
  f.x = f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = width;
  f.columns = Array.from({ length: width }, () => ({ nanFrom: [] }));
}

function plain(v: PyValue): PyValue {
  return v instanceof NpScalar ? (v.value as PyValue) : v;
}

/**
 * Numeric columns as the codes an encoder over them computes on (the index of the category each equals,
 * -1 for another number, NaN kept), so that the encoders over string columns' codes serve them too. Where
 * the encoder refuses numbers it never saw, the card lists those it takes, as OneHotEncoder's own path does.
 */
function numbersAsCodes(est: Estimator, f: Flow): void {
  const categories = est.raw('categories_');
  if (!Array.isArray(categories) || categories.length !== f.width)
    throw new ModelImportError(`the ${est.name}'s categories_ do not match its ${f.width} features`);
  const by = est.name === 'OrdinalEncoder' ? 'an OrdinalEncoder' : `a ${est.name}`;
  const refusesUnknown = est.string('handle_unknown', 'error') === 'error';
  const unknownValue = plain(est.raw('unknown_value') ?? null);
  // An unknown number made NaN is one NaN with a missing value past the encoder, and no card rule
  // refuses the one and takes the other where the estimator after refuses NaN.
  if (
    est.name === 'OrdinalEncoder' &&
    est.string('handle_unknown', 'error') === 'use_encoded_value' &&
    typeof unknownValue === 'number' &&
    Number.isNaN(unknownValue)
  )
    throw new UnsupportedModelError('an OrdinalEncoder over numeric columns with unknown_value=NaN');
  const parts = categories.map((cats, i) => {
    if (!(cats instanceof NdArray) || cats.objects || cats.dtype.kind === 'U' || cats.dtype.kind === 'S')
      throw new UnsupportedModelError(`${by} over text categories in a column modelgate reads as numbers`);
    const all = Array.from(asFloat64(cats));
    if (refusesUnknown) takesOnlyCategories(f, i, all, by);
    const numbers = all.filter((v) => !Number.isNaN(v));
    return { x: codesOfNumbers(f.b, gather(f.b, f.x, [i]), numbers), numbers };
  });
  f.x =
    parts.length === 1
      ? (parts[0]?.x as string)
      : f.b.op(
          'Concat',
          parts.map((p) => p.x),
          [attr.int('axis', 1)],
        );
  // The feature behind a derived column is unknown (-1): what reads `feature` (refusing an unknown NaN)
  // only runs for string columns, the missing values follow each column's nanFrom.
  f.codes = f.columns.map((c, i) => ({
    feature: c.source?.feature ?? -1,
    categories: (parts[i]?.numbers ?? []).map(String),
  }));
}

/** OrdinalEncoder over string columns' codes, or over numeric columns as codes. */
function ordinalEncoder(est: Estimator, f: Flow): void {
  if (!f.codes) numbersAsCodes(est, f);
  ordinalCodes(est, f);
}

/** TargetEncoder: over string columns (and numeric ones beside them in the same encoder) only. */
function targetEncoder(est: Estimator, f: Flow): void {
  if (!f.codes)
    throw new UnsupportedModelError(
      'a TargetEncoder over numeric columns only (modelgate converts one over string columns, numeric ones beside them)',
    );
  targetCodes(est, f);
}

/** A feature's index by its name, or an error naming the column. */
function columnIndex(name: string, names: string[] | undefined): number {
  const at = names?.indexOf(name) ?? -1;
  if (at < 0)
    throw new UnsupportedModelError(
      `a ColumnTransformer column ${JSON.stringify(name)} that is not a feature`,
    );
  return at;
}

/**
 * A slice over the columns as pandas and numpy take it: by position (Python's slice semantics: negative
 * positions count from the end, the stop is excluded), or by name, where pandas includes the stop.
 */
function sliceColumns(spec: PySlice, width: number, names: string[] | undefined): number[] {
  const [start, stop, step] = spec.args.map((x) => (x === null || x === undefined ? undefined : x));
  const by = typeof start === 'string' || typeof stop === 'string';
  const position = (x: PyValue | undefined, fallback: number): number => {
    if (x === undefined) return fallback;
    if (typeof x === 'string') return columnIndex(x, names);
    const n = typeof x === 'bigint' ? Number(x) : x;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new UnsupportedModelError('a ColumnTransformer with a slice it cannot read');
    return Math.min(Math.max(n < 0 ? width + n : n, 0), width);
  };
  const stride = step === undefined ? 1 : Number(step);
  if (!Number.isInteger(stride) || stride <= 0)
    throw new UnsupportedModelError('a ColumnTransformer with a slice that does not step forwards');
  const first = position(start, 0);
  const end = by && stop !== undefined ? position(stop, width) + 1 : position(stop, width);
  const out: number[] = [];
  for (let i = first; i < end; i += stride) out.push(i);
  return out;
}

/**
 * The column indices a ColumnTransformer entry selects: ints, a slice, a boolean mask or names. The
 * fitted transformers_ hold what the columns resolved to (a make_column_selector has been applied); the
 * remainder of scikit-learn 1.5 to 1.7 is a _RemainderColsList, a list subclass that keeps its items in
 * its `data` attribute.
 */
function selectedColumns(spec: PyValue, width: number, names: string[] | undefined): number[] {
  const items = (v: PyValue): PyValue[] =>
    v instanceof NdArray
      ? (elementsOf(v) as PyValue[])
      : v instanceof PyObject
        ? v.listItems.length === 0 && Array.isArray(v.dict?.get('data'))
          ? (v.dict?.get('data') as PyValue[])
          : v.listItems
        : Array.isArray(v)
          ? v
          : v instanceof PyTuple
            ? v.items
            : [v];
  if (spec instanceof PySlice) return sliceColumns(spec, width, names);
  const list = items(spec);
  if (list.length > 0 && list.every((x) => typeof x === 'boolean')) {
    if (list.length !== width)
      throw new UnsupportedModelError(
        `a ColumnTransformer boolean mask of ${list.length} columns over ${width} features`,
      );
    return list.flatMap((x, i) => (x ? [i] : []));
  }
  return list.map((x) => {
    if (typeof x === 'string') return columnIndex(x, names);
    const n = typeof x === 'bigint' ? Number(x) : x;
    if (typeof n !== 'number' || !Number.isInteger(n) || n >= width || n < -width)
      throw new UnsupportedModelError('a ColumnTransformer with a column it cannot read');
    return n < 0 ? width + n : n;
  });
}

/** ColumnTransformer: each fitted transformer over its columns, the blocks side by side in order. */
function columnTransformer(est: Estimator, f: Flow): void {
  const fitted = est.raw('transformers_');
  if (!Array.isArray(fitted)) throw new ModelImportError('the ColumnTransformer was not fitted');
  const names = est.featureNames();
  const blocks: string[] = [];
  const notes: Column[] = [];
  let width = 0;
  for (const entry of fitted) {
    const [name, transformer, columns] = entry instanceof PyTuple ? entry.items : [];
    if (transformer === 'drop') continue;
    const cols = selectedColumns(columns ?? null, f.width, names);
    if (cols.length === 0) continue;
    const sub: Flow = {
      b: f.b,
      x: f.feeds ? '' : gather(f.b, f.x, cols),
      width: cols.length,
      layers: f.layers,
      columns: cols.map((c) => f.columns[c] as Column),
      rules: f.rules,
    };
    if (f.feeds) fed(f.feeds, cols, sub);
    if (transformer !== 'passthrough') {
      const t = Estimator.of(transformer ?? null, `the ColumnTransformer's ${JSON.stringify(name)}`);
      for (const step of chain(t)) applyTransformer(step, sub);
    }
    if (sub.codes)
      throw new UnsupportedModelError(
        `string columns that reach the ${String(name)} step unencoded (modelgate encodes strings with a OneHotEncoder or OrdinalEncoder)`,
      );
    blocks.push(sub.x);
    notes.push(...sub.columns);
    width += sub.width;
  }
  if (blocks.length === 0) throw new UnsupportedModelError('a ColumnTransformer that keeps no columns');
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = width;
  f.columns = notes;
  f.feeds = undefined;
}

function gather(b: GraphBuilder, x: string, cols: readonly number[]): string {
  return b.op(
    'Gather',
    [x, b.constant(tensor.int64(b.fresh('columns'), [cols.length], cols))],
    [attr.int('axis', 1)],
  );
}

/**
 * A ColumnTransformer entry's columns from the graph inputs of a model with string columns: numeric
 * features from the numeric input; string columns as codes, by a LabelEncoder from the string input or
 * as fed in the numeric one. An entry holds one kind or the other.
 */
function fed(feeds: Feeds, cols: readonly number[], sub: Flow): void {
  const text = cols.map((c) => feeds.text.get(c));
  const numericAt = (c: number) => (feeds.place[c] as { column: number }).column;
  if (text.every((t) => t === undefined)) {
    sub.x = gather(sub.b, feeds.numeric as string, cols.map(numericAt));
    return;
  }
  const numbers = cols.map((c) => feeds.numbers.get(c));
  if (text.some((t, j) => t === undefined && numbers[j] === undefined))
    throw new UnsupportedModelError(
      'a ColumnTransformer entry over both string and numeric columns that its encoder does not encode together (encode the strings in an entry of their own)',
    );
  const parts = cols.map((c, j) => {
    const t = text[j];
    const at = feeds.place[c] as { input: 'numeric' | 'strings'; column: number };
    if (t === undefined) {
      const n = numbers[j] as NumberCodes;
      // scikit-learn raises on a number the encoder never saw: the card lists the ones it takes.
      if (n.refusesUnknown) sub.rules.restrict(c, n.values);
      return codesOfNumbers(sub.b, gather(sub.b, feeds.numeric as string, [at.column]), n.values);
    }
    if (at.input === 'numeric') return gather(sub.b, feeds.numeric as string, [at.column]);
    return codesOfText(sub.b, gather(sub.b, feeds.strings as string, [at.column]), t.categories);
  });
  sub.x = parts.length === 1 ? (parts[0] as string) : sub.b.op('Concat', parts, [attr.int('axis', 1)]);
  sub.codes = cols.map((c, j) => ({
    feature: c,
    categories: text[j]?.categories ?? (numbers[j] as NumberCodes).values.map(String),
  }));
}

/** FunctionTransformer without a function: the identity (ColumnTransformer fits 'passthrough' as one). */
function functionTransformer(est: Estimator): void {
  if (est.raw('func') !== null && est.raw('func') !== undefined)
    throw new UnsupportedModelError('a FunctionTransformer with a function of its own');
}

const TRANSFORMERS: Record<string, (est: Estimator, f: Flow) => void> = {
  FunctionTransformer: functionTransformer,
  SimpleImputer: simpleImputer,
  StandardScaler: standardScaler,
  MinMaxScaler: minMaxScaler,
  MaxAbsScaler: maxAbsScaler,
  RobustScaler: robustScaler,
  OneHotEncoder: oneHotEncoder,
  OrdinalEncoder: ordinalEncoder,
  TargetEncoder: targetEncoder,
  ColumnTransformer: columnTransformer,
};

/** The steps that read string columns' codes (before their encoder). */
const OVER_CODES = new Set(['SimpleImputer', 'OneHotEncoder', 'OrdinalEncoder', 'TargetEncoder']);

/** How a step rewrites the feature matrix, or an error naming it and what is supported. */
function transformerFor(step: Estimator): (est: Estimator, f: Flow) => void {
  const apply = TRANSFORMERS[step.name];
  if (!apply)
    throw new UnsupportedModelError(
      `a ${step.name} step (supported here: ${Object.keys(TRANSFORMERS).join(', ')})`,
    );
  return apply;
}

function applyTransformer(step: Estimator, f: Flow): void {
  if (f.codes && !OVER_CODES.has(step.name))
    throw new UnsupportedModelError(
      `a ${step.name} over string columns (modelgate takes a SimpleImputer, then a OneHotEncoder or OrdinalEncoder, there)`,
    );
  if (f.feeds && step.name !== 'ColumnTransformer')
    throw new UnsupportedModelError(
      `a ${step.name} before the ColumnTransformer that encodes the string columns`,
    );
  transformerFor(step)(step, f);
  // Every transformer keeps one entry per column: what decides the card's missing values reads them.
  if (f.columns.length !== f.width)
    throw new Error(
      `internal: the ${step.name} left ${f.columns.length} column notes for ${f.width} columns`,
    );
}

// ---------------------------------------------------------------- final estimators

/**
 * Label columns [N, 2] for a binary decision s [N, 1]: their argmax is the positive class where s > 0, or
 * where s >= 0 when `inclusive`, which is how predict decides (not by the probabilities, which saturate).
 */
function decisionColumns(f: Flow, s: string, inclusive = false): string {
  const zero = double(f.b, f.b.fresh('zero'), [1], [0]);
  const positive = cast(f.b, f.b.op(inclusive ? 'GreaterOrEqual' : 'Greater', [s, zero]), DataType.DOUBLE);
  const negative = f.b.op('Sub', [double(f.b, f.b.fresh('one'), [1], [1]), positive]);
  return f.b.op('Concat', [negative, positive], [attr.int('axis', 1)]);
}

/** The label columns of a linear decision function: [N, k] scores, or binary [N, 1] by its sign. */
function decisionLabels(f: Flow, scores: string, binary: boolean): string {
  return binary ? decisionColumns(f, scores) : scores;
}

/**
 * One-vs-rest probabilities: each class's value over the row's sum. Where every value is 0, scikit-learn
 * answers uniform probabilities for SGD's modified Huber loss and, from 1.9, for the sigmoids of
 * `_predict_proba_lr`; before 1.9 the latter divided by zero, and the graph does too (NaN, which the
 * server refuses to serve rather than invent an answer).
 */
function normalizedRows(f: Flow, p: string, k: number, uniformWhenZero = true): string {
  const sum = f.b.op(
    'ReduceSum',
    [p, f.b.constant(tensor.int64(f.b.fresh('axes'), [1], [1]))],
    [attr.int('keepdims', 1)],
  );
  const normalized = f.b.op('Div', [p, sum]);
  if (!uniformWhenZero) return normalized;
  const zero = f.b.op('Equal', [sum, double(f.b, f.b.fresh('zero'), [1], [0])]);
  const uniform = double(f.b, f.b.fresh('uniform'), [1], [1 / k]);
  return f.b.op('Where', [zero, uniform, normalized]);
}

/** Sigmoids normalized over the classes, as LinearClassifierMixin._predict_proba_lr gives them. */
function sigmoidsOverClasses(est: Estimator, f: Flow, scores: string, k: number): string {
  return normalizedRows(f, f.b.op('Sigmoid', [scores]), k, est.savedBy(1, 9));
}

/**
 * LogisticRegression: the label by the decision function, as predict gives it. Probabilities: binary,
 * the sigmoid; with multi_class="multinomial" (scikit-learn 1.7 and older) a softmax over [-z, z],
 * i.e. the sigmoid of 2z; 3+ classes, the softmax, or normalized sigmoids one-vs-rest (multi_class="ovr",
 * or "auto"/"warn" with liblinear: scikit-learn 1.8 removed the option).
 */
function logisticRegression(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const scores = affine(f, est.matrix('coef_'), est.matrix('intercept_'), true);
  const binary = classes.length === 2;
  const labelScores = decisionLabels(f, scores, binary);
  const multiClass = est.string('multi_class', 'auto');
  const ovr =
    multiClass === 'ovr' ||
    multiClass === 'warn' ||
    (multiClass !== 'multinomial' && (binary || est.string('solver', 'lbfgs') === 'liblinear'));
  if (binary && ovr)
    return { kind: 'probabilities', name: twoClasses(f, f.b.op('Sigmoid', [scores])), classes, labelScores };
  if (binary)
    return {
      kind: 'probabilities',
      name: f.b.op('Softmax', [twoScores(f, scores)], [attr.int('axis', 1)]),
      classes,
      labelScores,
    };
  if (!ovr)
    return {
      kind: 'probabilities',
      name: f.b.op('Softmax', [scores], [attr.int('axis', 1)]),
      classes,
      labelScores,
    };
  return {
    kind: 'probabilities',
    name: sigmoidsOverClasses(est, f, scores, classes.length),
    classes,
    labelScores,
  };
}

/** Binary scores [N, 1] as two columns [-s, s], so that argmax picks the positive class when s > 0. */
function twoScores(f: Flow, s: string): string {
  return f.b.op('Concat', [f.b.op('Neg', [s]), s], [attr.int('axis', 1)]);
}

/** intercept_: an array, or the plain 0.0 that liblinear's models (LinearSVC, LinearSVR) keep without one. */
function interceptOf(est: Estimator): Matrix {
  return est.raw('intercept_') instanceof NdArray
    ? est.matrix('intercept_')
    : { values: Float64Array.of(est.number('intercept_', 0)), shape: [1] };
}

/**
 * LinearSVC and SGDClassifier: scores from coef_ and intercept_, the label by them (predict takes the
 * decision function's argmax, or its sign when binary, never the probabilities' argmax: modified Huber's
 * clip to [-1, 1] makes many classes tie at 1); probabilities when the loss gives them.
 */
function linearClassifier(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const scores = affine(f, est.matrix('coef_'), interceptOf(est), true);
  const loss = est.name === 'SGDClassifier' ? est.string('loss', 'hinge') : 'hinge';
  const binary = classes.length === 2;
  const labelScores = decisionLabels(f, scores, binary);
  if (loss === 'log_loss' || loss === 'log') {
    const name = binary
      ? twoClasses(f, f.b.op('Sigmoid', [scores]))
      : sigmoidsOverClasses(est, f, scores, classes.length);
    return { kind: 'probabilities', name, classes, labelScores };
  }
  if (loss === 'modified_huber') {
    const clipped = f.b.op('Clip', [
      scores,
      double(f.b, f.b.fresh('lo'), [], [-1]),
      double(f.b, f.b.fresh('hi'), [], [1]),
    ]);
    const half = double(f.b, f.b.fresh('half'), [1], [0.5]);
    const p = f.b.op('Mul', [f.b.op('Add', [clipped, double(f.b, f.b.fresh('one'), [1], [1])]), half]);
    return {
      kind: 'probabilities',
      name: binary ? twoClasses(f, p) : normalizedRows(f, p, classes.length),
      classes,
      labelScores,
    };
  }
  return { kind: 'scores', name: labelScores, classes };
}

function linearRegressor(est: Estimator, f: Flow): Output {
  const coef = est.matrix('coef_');
  if (coef.shape.length === 2 && coef.shape[0] !== 1)
    throw new UnsupportedModelError(`a ${est.name} with ${coef.shape[0]} targets (modelgate serves one)`);
  const bias = interceptOf(est);
  // coef_ as one row of as many weights as it has: affine checks them against the features that reach it
  // (read as [1, width], a short coef_ was read past its end into NaN weights).
  const value = affine(f, { values: coef.values, shape: [1, coef.values.length] }, bias, true);
  return { kind: 'value', name: value };
}

const ACTIVATIONS: Record<string, string | null> = {
  relu: 'Relu',
  tanh: 'Tanh',
  logistic: 'Sigmoid',
  identity: null,
};

function mlp(est: Estimator, f: Flow): Output {
  const coefs = est.matrices('coefs_');
  const intercepts = est.matrices('intercepts_');
  const hidden = est.string('activation', 'relu');
  if (!(hidden in ACTIVATIONS))
    throw new UnsupportedModelError(`an ${est.name} with activation ${JSON.stringify(hidden)}`);
  const single = f.layers === 'float32';
  if (single) f.x = cast(f.b, f.x, DataType.FLOAT);
  coefs.forEach((w, i) => {
    f.x = affine(f, w, intercepts[i], false, single ? float : double);
    f.width = w.shape[1] as number;
    const op = i < coefs.length - 1 ? ACTIVATIONS[hidden] : null;
    if (op) f.x = f.b.op(op, [f.x]);
  });
  // The output activation in double, as everything after the layers.
  if (single) f.x = cast(f.b, f.x, DataType.DOUBLE);
  const out = est.string('out_activation_', 'identity');
  if (est.name === 'MLPRegressor') {
    if (f.width !== 1)
      throw new UnsupportedModelError(`an MLPRegressor with ${f.width} targets (modelgate serves one)`);
    return { kind: 'value', name: f.x };
  }
  const classes = est.classes();
  if (out === 'softmax')
    return { kind: 'probabilities', name: f.b.op('Softmax', [f.x], [attr.int('axis', 1)]), classes };
  if (out === 'logistic' && f.width === 1 && classes.length === 2)
    return { kind: 'probabilities', name: twoClasses(f, f.b.op('Sigmoid', [f.x])), classes };
  throw new UnsupportedModelError(
    `an MLPClassifier with output ${out} over ${classes.length} classes (multi-label is not served)`,
  );
}

// ---------------------------------------------------------------- trees

/** One fitted sklearn Tree: its nodes (children, feature, threshold, where missing values go) and leaf values. */
interface TreeNodes {
  left: number[];
  right: number[];
  feature: number[];
  threshold: Float64Array;
  missingLeft: boolean[] | undefined;
  /** [node][outputs * classes] */
  values: Float64Array;
  perNode: number;
}

/** A field of a tree's structured node array, or an error naming the estimator and the field. */
function nodeField(est: Estimator, nodes: NdArray, name: string): NdArray {
  const column = field(nodes, name);
  if (!column) throw new ModelImportError(`the ${est.name}'s tree nodes have no ${name}`);
  return column;
}

function treeNodes(est: Estimator): TreeNodes {
  const tree = est.estimator('tree_');
  const nodes = tree.raw('nodes');
  const values = tree.raw('values');
  if (!(nodes instanceof NdArray) || !(values instanceof NdArray))
    throw new ModelImportError(`the ${est.name}'s tree has no nodes or values`);
  const column = (name: string) => nodeField(est, nodes, name);
  const ints = (name: string) => elementsOf(column(name)).map((v) => Number(v));
  const missing = field(nodes, 'missing_go_to_left');
  const count = nodes.size;
  const flat = asFloat64(values);
  return {
    left: ints('left_child'),
    right: ints('right_child'),
    feature: ints('feature'),
    threshold: asFloat64(column('threshold')),
    missingLeft: missing ? elementsOf(missing).map((v) => Number(v) !== 0) : undefined,
    values: flat,
    perNode: count === 0 ? 0 : flat.length / count,
  };
}

/** TreeEnsembleRegressor attributes over trees, each leaf contributing `weights(tree, node)` to the targets. */
class Ensemble {
  private readonly a = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    missingTrue: [] as number[],
    tTree: [] as number[],
    tNode: [] as number[],
    tTarget: [] as number[],
    tWeight: [] as number[],
  };
  private trees = 0;

  add(tree: TreeNodes, weights: (node: number) => ArrayLike<number>): void {
    const id = this.trees++;
    const a = this.a;
    for (let n = 0; n < tree.left.length; n++) {
      const leaf = (tree.left[n] as number) < 0;
      a.treeIds.push(id);
      a.nodeIds.push(n);
      a.featureIds.push(leaf ? 0 : (tree.feature[n] as number));
      a.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      a.values.push(leaf ? 0 : (tree.threshold[n] as number));
      a.trueIds.push(leaf ? 0 : (tree.left[n] as number));
      a.falseIds.push(leaf ? 0 : (tree.right[n] as number));
      a.missingTrue.push(tree.missingLeft?.[n] ? 1 : 0);
      if (leaf) {
        const w = weights(n);
        for (let t = 0; t < w.length; t++) {
          a.tTree.push(id);
          a.tNode.push(n);
          a.tTarget.push(t);
          a.tWeight.push(w[t] as number);
        }
      }
    }
  }

  /**
   * The summed leaf weights plus `base`, [N, targets], as double. scikit-learn's classic trees compare
   * the features as float32 (`float32Features`); histogram gradient boosting compares them as float64.
   */
  apply(f: Flow, targets: number, base: ArrayLike<number>, float32Features = true): string {
    const a = this.a;
    // A split on a feature the graph does not carry would import and then fail every prediction.
    let widest = -1;
    for (const id of a.featureIds) widest = Math.max(widest, id);
    if (widest >= f.width)
      throw new ModelImportError(
        `the trees split on feature ${widest}, but only ${f.width} features reach them`,
      );
    const x = float32Features
      ? f.b.op('Cast', [cast(f.b, f.x, DataType.FLOAT)], [attr.int('to', DataType.DOUBLE)])
      : f.x;
    const y = f.b.op(
      'TreeEnsembleRegressor',
      [x],
      [
        attr.string('aggregate_function', 'SUM'),
        attr.int('n_targets', targets),
        attr.string('post_transform', 'NONE'),
        attr.tensor('base_values_as_tensor', tensor.double('', [targets], base)),
        attr.ints('nodes_treeids', a.treeIds),
        attr.ints('nodes_nodeids', a.nodeIds),
        attr.ints('nodes_featureids', a.featureIds),
        attr.strings('nodes_modes', a.modes),
        attr.tensor('nodes_values_as_tensor', tensor.double('', [a.values.length], a.values)),
        attr.ints('nodes_truenodeids', a.trueIds),
        attr.ints('nodes_falsenodeids', a.falseIds),
        attr.ints('nodes_missing_value_tracks_true', a.missingTrue),
        attr.ints('target_treeids', a.tTree),
        attr.ints('target_nodeids', a.tNode),
        attr.ints('target_ids', a.tTarget),
        attr.tensor('target_weights_as_tensor', tensor.double('', [a.tWeight.length], a.tWeight)),
      ],
      ML_DOMAIN,
    );
    return cast(f.b, y, DataType.DOUBLE);
  }
}

/** The trees of a single tree or a forest. */
function forestTrees(est: Estimator): Estimator[] {
  if (
    est.name.startsWith('DecisionTree') ||
    (est.name.startsWith('ExtraTree') && !est.name.startsWith('ExtraTrees'))
  )
    return [est];
  const list = est.raw('estimators_');
  if (!Array.isArray(list) || list.length === 0)
    throw new ModelImportError(`the ${est.name} has no fitted trees`);
  return list.map((t) => Estimator.of(t, `a tree of the ${est.name}`));
}

const CLASSIFIER_CRITERIA_WITH_MISSING = ['gini', 'entropy', 'log_loss'];
const REGRESSOR_CRITERIA_WITH_MISSING = ['squared_error', 'friedman_mse', 'poisson'];

/**
 * Whether the scikit-learn that saved this tree or forest sends NaN down its branches at predict rather
 * than raise: DecisionTree* from 1.3 with splitter="best" (1.6: "random" too), RandomForest* from 1.4,
 * ExtraTree(s)* from 1.6; before 1.9 only with the criteria above and no monotonic_cst (1.9 takes every
 * criterion and monotonic constraints). A file without a version counts as older than all of them.
 */
function treesTakeMissing(est: Estimator): boolean {
  const forest = est.name.startsWith('RandomForest');
  const extra = est.name.startsWith('ExtraTree');
  const since: [number, number] = extra ? [1, 6] : forest ? [1, 4] : [1, 3];
  if (!est.savedBy(...since)) return false;
  const splitter = est.string('splitter', 'best');
  if (!forest && !est.name.startsWith('ExtraTrees')) {
    // A single tree: its own splitter decides (ExtraTree* takes missing values with "random" only).
    if (extra ? splitter !== 'random' : splitter !== 'best' && !(est.savedBy(1, 6) && splitter === 'random'))
      return false;
  }
  if (est.savedBy(1, 9)) return true;
  const criteria = est.name.endsWith('Classifier')
    ? CLASSIFIER_CRITERIA_WITH_MISSING
    : REGRESSOR_CRITERIA_WITH_MISSING;
  const criterion = est.string('criterion', est.name.endsWith('Classifier') ? 'gini' : 'squared_error');
  const monotonic = est.raw('monotonic_cst');
  return criteria.includes(criterion) && (monotonic === undefined || monotonic === null);
}

function forestClassifier(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const trees = forestTrees(est);
  const ens = new Ensemble();
  let acceptsMissing = true;
  for (const t of trees) {
    const nodes = treeNodes(t);
    // Files from before scikit-learn 1.3 have no missing_go_to_left (nor any missing-value support).
    acceptsMissing &&= nodes.missingLeft !== undefined;
    if (nodes.perNode !== classes.length)
      throw new UnsupportedModelError(`a multi-output ${est.name} (modelgate serves one target)`);
    // predict_proba: each tree's leaf class fractions, averaged over the trees.
    ens.add(nodes, (n) => {
      const v = nodes.values.subarray(n * nodes.perNode, (n + 1) * nodes.perNode);
      const total = v.reduce((s, x) => s + x, 0);
      return Array.from(v, (x) => (total > 0 ? x / total : 0) / trees.length);
    });
  }
  return {
    kind: 'probabilities',
    name: ens.apply(f, classes.length, new Float64Array(classes.length)),
    classes,
    acceptsMissing: acceptsMissing && treesTakeMissing(est),
  };
}

function forestRegressor(est: Estimator, f: Flow): Output {
  const trees = forestTrees(est);
  const ens = new Ensemble();
  let acceptsMissing = true;
  for (const t of trees) {
    const nodes = treeNodes(t);
    acceptsMissing &&= nodes.missingLeft !== undefined;
    if (nodes.perNode !== 1)
      throw new UnsupportedModelError(`a multi-output ${est.name} (modelgate serves one target)`);
    ens.add(nodes, (n) => [(nodes.values[n] as number) / trees.length]);
  }
  return {
    kind: 'value',
    name: ens.apply(f, 1, [0]),
    acceptsMissing: acceptsMissing && treesTakeMissing(est),
  };
}

/** GradientBoosting's stages: estimators_ is an object array [stages, K] of regression trees. */
function boostingStages(est: Estimator): { trees: Estimator[]; k: number } {
  const arr = est.raw('estimators_');
  if (!(arr instanceof NdArray) || !arr.objects || arr.shape.length !== 2)
    throw new ModelImportError(`the ${est.name} has no fitted stages`);
  const k = arr.shape[1] as number;
  return { trees: arr.objects.map((t) => Estimator.of(t, `a stage of the ${est.name}`)), k };
}

const EPS32 = 2 ** -23;

/** What DummyClassifier.predict_proba answers for every row, by its strategy. */
function dummyProbabilities(est: Estimator, dummy: Estimator): number[] {
  const strategy = dummy.string('_strategy', dummy.string('strategy', 'prior'));
  const prior = Array.from(dummy.matrix('class_prior_').values);
  const oneHot = (at: number) => prior.map((_, c) => (c === at ? 1 : 0));
  switch (strategy) {
    case 'prior':
      return prior;
    case 'most_frequent':
      // numpy's argmax: the first of equal maxima
      return oneHot(prior.indexOf(Math.max(...prior)));
    case 'uniform':
      return prior.map(() => 1 / prior.length);
    case 'constant': {
      const constant = dummy.raw('constant');
      const at = dummy.classes().findIndex((c) => c === constant || Number(c) === Number(constant));
      if (at < 0)
        throw new ModelImportError(`the ${est.name}'s DummyClassifier constant is not one of its classes`);
      return oneHot(at);
    }
    default:
      throw new UnsupportedModelError(
        `a ${est.name} with init DummyClassifier(strategy=${JSON.stringify(strategy)}) (its predictions are drawn at random at predict time, so no graph can give scikit-learn's answer)`,
      );
  }
}

/**
 * The raw score the boosting starts from, as _init_raw_predictions gives it: "zero"; a regressor's
 * predict; a classifier's predict_proba (the positive class's when binary), clipped to
 * [eps, 1 - eps] (float32's eps) and through the loss's link: log-odds (half of them for the exponential
 * loss), or log for the multinomial (scikit-learn 1.4+ subtracts the row's mean log, which the softmax
 * does not see). A DummyClassifier or DummyRegressor is a constant row; any other estimator modelgate
 * converts is computed by the graph from the same features. [N, k], or the constant row.
 */
function boostingInit(
  est: Estimator,
  f: Flow,
  k: number,
  classifier: boolean,
  exponential: boolean,
): { base: number[]; graph?: string } {
  if (est.raw('init_') === 'zero') return { base: new Array(k).fill(0) };
  const init = est.estimator('init_');
  if (!classifier) {
    if (init.name === 'DummyRegressor') return { base: [init.matrix('constant_').values[0] as number] };
    const convert = FINAL[init.name];
    const out = convert?.(init, { ...f });
    if (out?.kind !== 'value')
      throw new UnsupportedModelError(
        `a ${est.name} with init ${init.name} (modelgate converts regressors there)`,
      );
    return { base: [0], graph: out.name };
  }
  const link = (p: number) => (exponential ? 0.5 : 1) * Math.log(p / (1 - p));
  const clip = (p: number) => Math.min(Math.max(p, EPS32), 1 - EPS32);
  if (init.name === 'DummyClassifier') {
    const p = dummyProbabilities(est, init).map(clip);
    return { base: k === 1 ? [link(p[1] as number)] : p.map((q) => Math.log(q)) };
  }
  const convert = FINAL[init.name];
  const out = convert?.(init, { ...f });
  if (out?.kind !== 'probabilities')
    throw new UnsupportedModelError(
      `a ${est.name} with init ${init.name} (modelgate converts classifiers with probabilities there)`,
    );
  const { b } = f;
  const clipped = b.op('Clip', [
    out.name,
    double(b, b.fresh('eps'), [], [EPS32]),
    double(b, b.fresh('one_less_eps'), [], [1 - EPS32]),
  ]);
  if (k > 1) return { base: new Array(k).fill(0), graph: b.op('Log', [clipped]) };
  const positive = b.op(
    'Gather',
    [clipped, b.constant(tensor.int64(b.fresh('positive'), [1], [1]))],
    [attr.int('axis', 1)],
  );
  const odds = b.op('Log', [
    b.op('Div', [positive, b.op('Sub', [double(b, b.fresh('one'), [1], [1]), positive])]),
  ]);
  return {
    base: [0],
    graph: exponential ? b.op('Mul', [odds, double(b, b.fresh('half'), [1], [0.5])]) : odds,
  };
}

/**
 * GradientBoosting: the init's raw score plus learning_rate times each stage's trees. Classifiers'
 * probabilities: the sigmoid of the raw score (of twice it for the exponential loss), the softmax for
 * 3+ classes. The label by the raw score as predict decides it: from scikit-learn 1.4 its argmax, or
 * raw >= 0 when binary; before 1.4 the probabilities' argmax (raw > 0), except the exponential loss's
 * raw >= 0.
 */
function gradientBoosting(est: Estimator, f: Flow): Output {
  const classifier = est.name === 'GradientBoostingClassifier';
  const { trees, k } = boostingStages(est);
  const rate = est.number('learning_rate');
  const loss = est.string('loss', classifier ? 'log_loss' : 'squared_error');
  const exponential = classifier && loss === 'exponential';
  const init = boostingInit(est, f, k, classifier, exponential);
  const ens = new Ensemble();
  trees.forEach((t, i) => {
    const nodes = treeNodes(t);
    const target = i % k;
    ens.add(nodes, (n) => {
      const w = new Float64Array(k);
      w[target] = rate * (nodes.values[n] as number);
      return w;
    });
  });
  const trunk = ens.apply(f, k, init.base);
  const raw = init.graph ? f.b.op('Add', [init.graph, trunk]) : trunk;
  if (!classifier) return { kind: 'value', name: raw };
  const classes = est.classes();
  if (k === 1) {
    const z = exponential ? f.b.op('Mul', [raw, double(f.b, f.b.fresh('two'), [1], [2])]) : raw;
    const modern = est.savedBy(1, 4);
    return {
      kind: 'probabilities',
      name: twoClasses(f, f.b.op('Sigmoid', [z])),
      classes,
      ...(modern || exponential ? { labelScores: decisionColumns(f, raw, true) } : {}),
    };
  }
  return {
    kind: 'probabilities',
    name: f.b.op('Softmax', [raw], [attr.int('axis', 1)]),
    classes,
    ...(est.savedBy(1, 4) ? { labelScores: raw } : {}),
  };
}

/**
 * HistGradientBoosting: the baseline plus every iteration's trees, which compare the features as float64.
 * A model with categorical features takes the ai.onnx.ml 5 TreeEnsemble of hgb.ts; as the file's first
 * step its categorical columns arrive as the card's codes (in the numeric input, in feature order).
 */
function histGradientBoosting(est: Estimator, f: Flow): Output {
  const classifier = est.name === 'HistGradientBoostingClassifier';
  const iterations = est.raw('_predictors');
  if (!Array.isArray(iterations)) throw new ModelImportError(`the ${est.name} has no fitted trees`);
  const baseline = est.matrix('_baseline_prediction').values;
  const k = baseline.length;
  const layout = categoricalLayout(est, est.featureCount() ?? f.width);
  if (layout && layout.source.length !== f.width)
    throw new ModelImportError(
      `the ${est.name} takes ${layout.source.length} features, but ${f.width} reach it`,
    );
  const trees: { nodes: PredictorNodes; target: number }[] = [];
  for (const iteration of iterations) {
    if (!Array.isArray(iteration) || iteration.length !== k)
      throw new ModelImportError(`the ${est.name}'s trees are malformed`);
    iteration.forEach((p, target) => {
      const nodes = predictorNodes(est, Estimator.of(p, `a tree of the ${est.name}`));
      if (!layout && nodes.leftCodes.some((c) => c !== undefined))
        throw new UnsupportedModelError(
          `a ${est.name} with categorical splits and no categorical preprocessor (an older scikit-learn's file, whose trees test the raw values: refit it with scikit-learn 1.6 or later)`,
        );
      trees.push({ nodes, target });
    });
  }
  let raw: string;
  if (layout) {
    const feeds = f.feeds;
    let member = categoryValue(est);
    if (feeds) {
      // The first step: every feature, codes included, is a column of the numeric input in order.
      if (!feeds.numeric || feeds.place.some((p, i) => p.input !== 'numeric' || p.column !== i))
        throw new Error(`internal: the ${est.name}'s features are not all in the numeric input`);
      f.x = feeds.numeric;
      f.feeds = undefined;
      member = (_, code) => code;
    }
    const ens = new CategoricalEnsemble(est, layout, member);
    for (const t of trees) ens.add(t.nodes, t.target);
    raw = ens.apply(f.b, f.x, k, baseline);
  } else {
    const ens = new Ensemble();
    for (const { nodes, target } of trees)
      ens.add({ ...nodes, perNode: 1 }, (n) => {
        const w = new Float64Array(k);
        w[target] = nodes.values[n] as number;
        return w;
      });
    raw = ens.apply(f, k, baseline, false);
  }
  if (!classifier) {
    const loss = est.string('loss', 'squared_error');
    const exp = loss === 'poisson' || loss === 'gamma';
    return { kind: 'value', name: exp ? f.b.op('Exp', [raw]) : raw, acceptsMissing: true };
  }
  const classes = est.classes();
  // The label: from scikit-learn 1.4 by the raw score (raw > 0 when binary, else its argmax), before
  // that the probabilities' argmax.
  const modern = est.savedBy(1, 4);
  if (k === 1)
    return {
      kind: 'probabilities',
      name: twoClasses(f, f.b.op('Sigmoid', [raw])),
      classes,
      acceptsMissing: true,
      ...(modern ? { labelScores: decisionColumns(f, raw) } : {}),
    };
  return {
    kind: 'probabilities',
    name: f.b.op('Softmax', [raw], [attr.int('axis', 1)]),
    classes,
    acceptsMissing: true,
    ...(modern ? { labelScores: raw } : {}),
  };
}

/** libsvm's fitted state as scikit-learn keeps it (the private, unflipped coefficients). */
function libsvm(est: Estimator) {
  const kernel = est.string('kernel', 'rbf');
  if (!['linear', 'rbf', 'poly', 'sigmoid'].includes(kernel))
    throw new UnsupportedModelError(`a ${est.name} with the ${kernel} kernel`);
  const sv = est.matrix('support_vectors_');
  const nSupport = est.has('_n_support') ? est.matrix('_n_support') : est.matrix('n_support_');
  return {
    kernel,
    gamma: est.number('_gamma'),
    coef0: est.number('coef0', 0),
    degree: est.number('degree', 3),
    sv,
    nSV: sv.shape[0] as number,
    dual: est.matrix(est.has('_dual_coef_') ? '_dual_coef_' : 'dual_coef_'),
    intercept: est.matrix(est.has('_intercept_') ? '_intercept_' : 'intercept_').values,
    perClass: Array.from(nSupport.values),
  };
}

/** The kernel between the rows and the support vectors, [N, nSV], in double precision. */
function kernelMatrix(f: Flow, m: ReturnType<typeof libsvm>): string {
  const { b } = f;
  const d = f.width;
  if ((m.sv.shape[1] as number) !== d)
    throw new ModelImportError(`the support vectors have ${m.sv.shape[1]} features, ${d} reach them`);
  const points = againstPoints(f.b, f.x, m.sv, 'sv');
  const { dot } = points;
  const scalar = (name: string, v: number) => double(b, b.fresh(name), [1], [v]);
  if (m.kernel === 'linear') return dot;
  if (m.kernel === 'rbf')
    return b.op('Exp', [b.op('Mul', [points.squaredDistances(), scalar('neg_gamma', -m.gamma)])]);
  const scaled = b.op('Add', [b.op('Mul', [dot, scalar('gamma', m.gamma)]), scalar('coef0', m.coef0)]);
  return m.kernel === 'poly' ? b.op('Pow', [scaled, scalar('degree', m.degree)]) : b.op('Tanh', [scaled]);
}

function svr(est: Estimator, f: Flow): Output {
  const m = libsvm(est);
  const k = kernelMatrix(f, m);
  const value = f.b.op('Add', [
    f.b.op('MatMul', [k, double(f.b, f.b.fresh('dual'), [m.nSV, 1], m.dual.values)]),
    double(f.b, f.b.fresh('intercept'), [1], [m.intercept[0] as number]),
  ]);
  return { kind: 'value', name: value };
}

/**
 * SVC(break_ties=True) with 3+ classes labels by the argmax of its one-vs-rest decision function
 * (_ovr_decision_function): each class's votes (a pair's decision >= 0 votes its first class) plus its
 * summed confidences c scaled to c / (3 (|c| + 1)), which break ties between equal votes.
 */
function brokenTies(est: Estimator, f: Flow, decision: string, pairs: [number, number][], c: number): string {
  if (est.string('decision_function_shape', 'ovr') !== 'ovr')
    throw new UnsupportedModelError(
      'an SVC with break_ties and decision_function_shape="ovo" (scikit-learn refuses to predict with it)',
    );
  const { b } = f;
  const first = new Float64Array(pairs.length * c);
  const second = new Float64Array(pairs.length * c);
  const signs = new Float64Array(pairs.length * c);
  pairs.forEach(([i, j], p) => {
    first[p * c + i] = 1;
    second[p * c + j] = 1;
    signs[p * c + i] = 1;
    signs[p * c + j] = -1;
  });
  const toFirst = cast(
    b,
    b.op('GreaterOrEqual', [decision, double(b, b.fresh('zero'), [1], [0])]),
    DataType.DOUBLE,
  );
  const toSecond = b.op('Sub', [double(b, b.fresh('one'), [1], [1]), toFirst]);
  const votes = b.op('Add', [
    b.op('MatMul', [toFirst, double(b, b.fresh('ovr_first'), [pairs.length, c], first)]),
    b.op('MatMul', [toSecond, double(b, b.fresh('ovr_second'), [pairs.length, c], second)]),
  ]);
  const confidence = b.op('MatMul', [decision, double(b, b.fresh('ovr_signs'), [pairs.length, c], signs)]);
  const scaled = b.op('Div', [
    confidence,
    b.op('Mul', [
      double(b, b.fresh('three'), [1], [3]),
      b.op('Add', [b.op('Abs', [confidence]), double(b, b.fresh('one'), [1], [1])]),
    ]),
  ]);
  return b.op('Add', [votes, scaled]);
}

/**
 * SVC: libsvm's one-vs-one decisions in double precision, the label by their votes (as predict does),
 * and with probability=True the probabilities from onnxruntime's SVMClassifier, which applies Platt's
 * sigmoids and couples the pairwise estimates iteratively, stopping where libsvm stops.
 */
/** The most one-vs-one weights and votes an SVC's graph may hold (2^26 doubles, 512 MiB). */
const MAX_SVC_WEIGHTS = 2 ** 26;

function svc(est: Estimator, f: Flow): Output {
  const m = libsvm(est);
  const classes = est.classes();
  const c = classes.length;
  const { b } = f;
  // libsvm's one-vs-one layout, checked before the loops below take their counts from it (a support
  // vector count of 1e15 looped for ever), and the dense weights and votes they build, bounded.
  const pairCount = (c * (c - 1)) / 2;
  const counts = m.perClass;
  if (
    m.intercept.length !== pairCount ||
    counts.length !== c ||
    !counts.every((n) => Number.isInteger(n) && n >= 0) ||
    counts.reduce((sum, n) => sum + n, 0) !== m.nSV ||
    m.dual.values.length !== (c - 1) * m.nSV
  )
    throw new ModelImportError(
      `the ${est.name}'s intercept_, n_support_ and dual_coef_ do not fit its ${c} classes and ${m.nSV} support vectors`,
    );
  if ((m.nSV + 2 * c) * pairCount > MAX_SVC_WEIGHTS)
    throw new UnsupportedModelError(
      `${est.name === 'SVC' ? 'an' : 'a'} ${est.name} of ${c} classes and ${m.nSV} support vectors (its one-vs-one weights would take ${(m.nSV + 2 * c) * pairCount} values; modelgate builds at most ${MAX_SVC_WEIGHTS})`,
    );
  const pairs: [number, number][] = [];
  for (let i = 0; i < c; i++) for (let j = i + 1; j < c; j++) pairs.push([i, j]);
  // Where each class's support vectors start.
  const start = [0];
  for (const n of m.perClass) start.push((start[start.length - 1] as number) + n);
  const w = new Float64Array(m.nSV * pairs.length);
  pairs.forEach(([i, j], p) => {
    for (let s = start[i] as number; s < (start[i + 1] as number); s++)
      w[s * pairs.length + p] = m.dual.values[(j - 1) * m.nSV + s] as number;
    for (let s = start[j] as number; s < (start[j + 1] as number); s++)
      w[s * pairs.length + p] = m.dual.values[i * m.nSV + s] as number;
  });
  const kernel = kernelMatrix(f, m);
  const decision = b.op('Add', [
    b.op('MatMul', [kernel, double(b, b.fresh('pair_coef'), [m.nSV, pairs.length], w)]),
    double(b, b.fresh('pair_intercept'), [pairs.length], m.intercept),
  ]);
  // Votes: a positive decision for (i, j) votes i, otherwise j.
  const positive = b.op(
    'Cast',
    [b.op('Greater', [decision, double(b, b.fresh('zero'), [1], [0])])],
    [attr.int('to', DataType.DOUBLE)],
  );
  const toFirst = new Float64Array(pairs.length * c);
  const toSecond = new Float64Array(pairs.length * c);
  pairs.forEach(([i, j], p) => {
    toFirst[p * c + i] = 1;
    toSecond[p * c + j] = 1;
  });
  const negative = b.op('Sub', [double(b, b.fresh('one'), [1], [1]), positive]);
  const votes = b.op('Add', [
    b.op('MatMul', [positive, double(b, b.fresh('votes_first'), [pairs.length, c], toFirst)]),
    b.op('MatMul', [negative, double(b, b.fresh('votes_second'), [pairs.length, c], toSecond)]),
  ]);
  const labelScores =
    est.raw('break_ties') === true && c > 2 ? brokenTies(est, f, decision, pairs, c) : votes;
  const probA = est.raw('_probA') ?? est.raw('probA_');
  const hasProbability = probA instanceof NdArray && probA.size > 0;
  if (!hasProbability) return { kind: 'scores', name: labelScores, classes };
  const a = est.matrix(est.has('_probA') ? '_probA' : 'probA_').values;
  const bb = est.matrix(est.has('_probB') ? '_probB' : 'probB_').values;
  const [, scores] = b.node(
    'SVMClassifier',
    [f.x],
    [
      attr.string('kernel_type', m.kernel.toUpperCase()),
      attr.floats('kernel_params', [m.gamma, m.coef0, m.degree]),
      attr.floats('support_vectors', m.sv.values),
      attr.ints('vectors_per_class', m.perClass),
      attr.floats('coefficients', m.dual.values),
      attr.floats('rho', m.intercept),
      attr.floats('prob_a', a),
      attr.floats('prob_b', bb),
      attr.ints(
        'classlabels_ints',
        classes.map((_, i) => i),
      ),
      attr.string('post_transform', 'NONE'),
    ],
    { domain: ML_DOMAIN, outputs: 2 },
  ) as [string, string];
  const probabilities = cast(b, scores, DataType.DOUBLE);
  return { kind: 'probabilities', name: probabilities, classes, labelScores };
}

const FINAL: Record<string, (est: Estimator, f: Flow) => Output> = {
  SVC: svc,
  SVR: svr,
  KNeighborsClassifier: kNeighbors,
  KNeighborsRegressor: kNeighbors,
  HistGradientBoostingClassifier: histGradientBoosting,
  HistGradientBoostingRegressor: histGradientBoosting,
  DecisionTreeClassifier: forestClassifier,
  ExtraTreeClassifier: forestClassifier,
  RandomForestClassifier: forestClassifier,
  ExtraTreesClassifier: forestClassifier,
  DecisionTreeRegressor: forestRegressor,
  ExtraTreeRegressor: forestRegressor,
  RandomForestRegressor: forestRegressor,
  ExtraTreesRegressor: forestRegressor,
  GradientBoostingClassifier: gradientBoosting,
  GradientBoostingRegressor: gradientBoosting,
  LogisticRegression: logisticRegression,
  LinearSVC: linearClassifier,
  SGDClassifier: linearClassifier,
  LinearSVR: linearRegressor,
  LinearRegression: linearRegressor,
  Ridge: linearRegressor,
  Lasso: linearRegressor,
  ElasticNet: linearRegressor,
  MLPClassifier: mlp,
  MLPRegressor: mlp,
};

// ---------------------------------------------------------------- the model

export interface ImportOptions {
  /** The model's name in its card. */
  name: string;
  /** Feature names when the estimator was not fitted on a DataFrame. */
  features?: string[];
  /** Where the file came from, for the card. */
  source: string;
  /** Neural-network layers' arithmetic (default float32). */
  layers?: LayerPrecision;
  /** The labels of a classifier trained on LabelEncoder codes (the encoder's classes_, `--labels`). */
  labels?: ClassLabel[];
}

function classTensor(b: GraphBuilder, classes: readonly ClassLabel[]): { name: string; type: number } {
  if (classes.every((c) => typeof c === 'number' && Number.isInteger(c)))
    return {
      name: b.constant(tensor.int64('classes', [classes.length], classes as number[])),
      type: DataType.INT64,
    };
  return {
    name: b.constant(tensor.string('classes', [classes.length], classes.map(String))),
    type: DataType.STRING,
  };
}

/** The estimators a file holds, outermost first: the Pipeline's steps, or the one estimator. */
function chain(root: Estimator): Estimator[] {
  return root.name === 'Pipeline' ? root.steps().flatMap((s) => chain(s.estimator)) : [root];
}

/**
 * The card's features and missing values as scikit-learn's predict decides them: a feature may be
 * missing unless its NaN reaches a step that raises on it (an estimator that takes no NaN, an encoder
 * refusing unknown categories); the card says 'impute' when every feature may be, else 'reject' with
 * the features that may be marked one by one. An encoder that refuses unknown categories lists the
 * numbers its feature takes.
 */
function featuresAndMissing(
  names: readonly string[],
  rules: InputRules,
  text: ReadonlyMap<number, TextFeature>,
): Pick<ModelCard, 'features' | 'missing'> {
  // A string input has no missing value; a code's NaN is refused where any NaN of it is (an unknown
  // category an OrdinalEncoder makes NaN, too: the two are not told apart past the encoder).
  const takes = names.map(
    (_, i) => rules.missingRefusedBy[i] === undefined && text.get(i)?.feed !== 'strings',
  );
  const missing = takes.every(Boolean) ? 'impute' : 'reject';
  return {
    missing,
    features: names.map((name, i) => {
      const values = rules.values[i];
      const t = text.get(i);
      const typed = t
        ? {
            type: 'category' as const,
            categories: t.categories,
            unknown:
              t.refusesUnknown || (t.unknownIsNan && rules.missingRefusedBy[i] !== undefined)
                ? ('reject' as const)
                : ('pass' as const),
          }
        : { type: 'number' as const, ...(values ? { values } : {}) };
      return {
        name,
        ...typed,
        ...(missing === 'reject' && takes[i] ? { missing: 'impute' as const } : {}),
      };
    }),
  };
}

/**
 * The graph inputs of a model with string columns: the numeric features and the string columns fed as
 * codes in one float64 input, the string columns fed as text in a string input, each in feature order.
 */
function typedInputs(
  b: GraphBuilder,
  names: readonly string[],
  text: ReadonlyMap<number, TextFeature>,
  numbers: ReadonlyMap<number, NumberCodes>,
): { feeds: Feeds; inputs: NonNullable<ModelCard['io']['inputs']> } {
  const numeric: string[] = [];
  const strings: string[] = [];
  const place = names.map((name, i) => {
    const list = text.get(i)?.feed === 'strings' ? strings : numeric;
    list.push(name);
    return { input: list === strings ? ('strings' as const) : ('numeric' as const), column: list.length - 1 };
  });
  const inputs: NonNullable<ModelCard['io']['inputs']> = [];
  if (numeric.length > 0) inputs.push({ name: INPUT_NAME, type: 'float64', features: numeric });
  if (strings.length > 0) inputs.push({ name: TEXT_INPUT_NAME, type: 'string', features: strings });
  return {
    feeds: {
      numeric: numeric.length > 0 ? b.input(INPUT_NAME, DataType.DOUBLE, ['N', numeric.length]) : undefined,
      strings:
        strings.length > 0 ? b.input(TEXT_INPUT_NAME, DataType.STRING, ['N', strings.length]) : undefined,
      place,
      text,
      numbers,
    },
    inputs,
  };
}

/** The ONNX model (with its card) for a scikit-learn estimator read from a pickle or joblib file. */
export function sklearnToOnnx(
  value: PyValue,
  options: ImportOptions,
): { model: ModelProto; card: ModelCard } {
  // The model, and its labels where a LabelEncoder was saved with it (a dict or tuple of both).
  const bundle = unbundle(value);
  if (bundle.labels && options.labels)
    throw new ModelImportError('the file holds a LabelEncoder beside the model already: leave out --labels');
  const labels = options.labels ?? bundle.labels;
  const root = Estimator.of(bundle.model, 'the file');
  const steps = chain(root);
  const last = steps[steps.length - 1];
  if (!last) throw new ModelImportError('the Pipeline has no steps');
  // Every step is known before anything is built.
  for (const step of steps.slice(0, -1)) transformerFor(step);
  if (!FINAL[last.name])
    throw new UnsupportedModelError(`a ${last.name} (supported here: ${Object.keys(FINAL).join(', ')})`);

  const first = steps[0] as Estimator;
  const width = first.featureCount() ?? options.features?.length;
  if (width === undefined)
    throw new ModelImportError('the file does not say how many features the model takes: give --features');
  // Everything below is built in proportion to the width: bounded before any of it.
  // Every width the converter builds from is this or an array's own length, so no file makes it work
  // past both (MAX_FEATURES is what a model card may list).
  if (!Number.isInteger(width) || width < 1 || width > MAX_FEATURES)
    throw new ModelImportError(
      `the ${first.name} takes ${width} features (${first.featureCount() === undefined ? '--features' : 'n_features_in_'}); modelgate imports models of 1 to ${MAX_FEATURES} features`,
    );
  const fitted = first.featureNames();
  if (fitted && fitted.length !== width)
    throw new ModelImportError(
      `the ${first.name}'s feature_names_in_ names ${fitted.length} features; its n_features_in_ says ${width}`,
    );
  if (options.features && options.features.length !== width)
    throw new ModelImportError(
      `--features names ${options.features.length} features; the model takes ${width}`,
    );
  const names = fitted ?? options.features ?? Array.from({ length: width }, (_, i) => `x${i}`);

  const b = new GraphBuilder(options.name);
  // A HistGradientBoosting model's own categorical columns, or the string columns of the encoders.
  const hgb = first.name.startsWith('HistGradientBoosting');
  const { text, numbers } = hgb
    ? { text: categoricalInputs(first, names), numbers: new Map<number, NumberCodes>() }
    : findTextFeatures(steps.slice(0, -1), width, (spec) => selectedColumns(spec, width, fitted));
  const typed = text.size > 0 ? typedInputs(b, names, text, numbers) : undefined;
  const f: Flow = {
    b,
    x: typed ? '' : b.input(INPUT_NAME, DataType.DOUBLE, ['N', width]),
    width,
    layers: options.layers ?? 'float32',
    // A string fed as text is never missing.
    columns: inputColumns(width).map((c, i) => (text.get(i)?.feed === 'strings' ? { ...c, nanFrom: [] } : c)),
    rules: new InputRules(names),
    ...(typed ? { feeds: typed.feeds } : {}),
  };
  if (typed && !hgb && first.name !== 'ColumnTransformer') {
    // An encoder over every column at the top: the steps start from the columns as codes.
    fed(
      typed.feeds,
      names.map((_, i) => i),
      f,
    );
    f.feeds = undefined;
  }
  for (const step of steps.slice(0, -1)) applyTransformer(step, f);
  // The input features whose missing values reach the final estimator (no imputer or encoder took them).
  const reaching = f.columns.flatMap((c) => c.nanFrom);
  const out = FINAL[last.name]?.(last, f) as Output;
  if (labels) {
    if (out.kind === 'value')
      throw new ModelImportError(
        `labels are for a classifier's classes, and the ${last.name} is a regressor`,
      );
    out.classes = relabel(last.name, out.classes, labels);
  }
  if (!out.acceptsMissing) f.rules.refuseMissing(reaching, `the ${last.name}`);

  let io: ModelCard['io'];
  const fedBy: ModelCard['io'] = typed
    ? { inputs: typed.inputs }
    : { input: INPUT_NAME, inputType: 'float64' };
  let classes: ClassLabel[] | undefined;
  if (out.kind === 'probabilities') {
    classes = out.classes;
    const probabilities = b.op('Identity', [out.name], [], undefined, 'probabilities');
    // The label is the most probable class, except where the estimator decides otherwise (SVC votes).
    const index = b.op(
      'ArgMax',
      [out.labelScores ?? probabilities],
      [attr.int('axis', 1), attr.int('keepdims', 0)],
    );
    const labels = classTensor(b, classes);
    b.op('Gather', [labels.name, index], [attr.int('axis', 0)], undefined, 'label');
    b.output('probabilities', DataType.DOUBLE, ['N', classes.length]);
    b.output('label', labels.type, ['N']);
    io = {
      ...fedBy,
      probabilities: 'probabilities',
      label: 'label',
      labelIsArgmax: out.labelScores === undefined,
    };
  } else if (out.kind === 'scores') {
    classes = out.classes;
    const index = b.op('ArgMax', [out.name], [attr.int('axis', 1), attr.int('keepdims', 0)]);
    const labels = classTensor(b, classes);
    b.op('Gather', [labels.name, index], [attr.int('axis', 0)], undefined, 'label');
    b.output('label', labels.type, ['N']);
    io = { ...fedBy, label: 'label' };
  } else {
    b.op('Reshape', [out.name, b.constant(tensor.int64('value_shape', [1], [-1]))], [], undefined, 'value');
    b.output('value', DataType.DOUBLE, ['N']);
    io = { ...fedBy, value: 'value' };
  }
  const described = root.name === 'Pipeline' ? `Pipeline(${steps.map((s) => s.name).join(', ')})` : root.name;
  const version = root.raw('_sklearn_version');
  const card: ModelCard = {
    format: CARD_FORMAT,
    name: options.name,
    task: out.kind === 'value' ? 'regression' : 'classification',
    ...featuresAndMissing(names, f.rules, text),
    ...(classes ? { classes } : {}),
    io,
    provenance: {
      source: 'sklearn',
      tool: `modelgate ${VERSION}`,
      createdAt: new Date().toISOString(),
      estimator: described,
      params: { file: options.source, ...(typeof version === 'string' ? { sklearnVersion: version } : {}) },
    },
  };
  return {
    model: buildModel(b, {
      producerVersion: VERSION,
      metadata: [cardEntry(card)],
      docString: `${described} imported by modelgate ${VERSION}`,
    }),
    card,
  };
}
