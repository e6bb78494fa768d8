// String columns of a DataFrame, encoded inside a ColumnTransformer (a OneHotEncoder or OrdinalEncoder,
// with a SimpleImputer on strings before it or not). Such a feature becomes a category in the card, its
// categories the encoder's, and reaches the graph one of two ways:
//   as text in a string input, where it has no missing value: a LabelEncoder turns it into its code;
//   as its code in the numeric input (NaN when missing), where a SimpleImputer fills missing strings or
//   the encoder has NaN as a category: a string tensor cannot carry a missing value, a code can.
// Either way the encoder's steps then compute on codes (an index in the categories, -1 for a category
// the encoder never saw), in double precision like every other column.
import { attr, type GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import { DataType } from '../onnx/proto.js';
import type { Column } from './columns.js';
import { ModelImportError, UnsupportedModelError } from './errors.js';
import { elementsOf } from './numpy.js';
import { Estimator } from './state.js';
import { NdArray, NpScalar, PyTuple, type PyValue } from './values.js';

/** An input feature that is a string column, as its encoder's fitted state says. */
export interface TextFeature {
  /** The encoder's categories that are strings, in its order: a category's code is its index here. */
  categories: string[];
  /** The encoder also has NaN as a category (fitted on missing strings without an imputer). */
  nanCategory: boolean;
  /** 'strings': fed as text in a string input; 'codes': as its code in the numeric input. */
  feed: 'strings' | 'codes';
  /** The encoder raises on a category it never saw (handle_unknown="error"). */
  refusesUnknown: boolean;
  /** An unknown category becomes NaN (OrdinalEncoder's unknown_value=NaN). */
  unknownIsNan: boolean;
}

/** The input-level fact a code column starts from: which feature, and the categories its codes index. */
export interface Codes {
  feature: number;
  categories: readonly string[];
}

const ENCODERS = new Set(['OneHotEncoder', 'OrdinalEncoder']);

function plain(v: PyValue): PyValue {
  return v instanceof NpScalar ? (v.value as PyValue) : v;
}

/** An encoder's categories_ entry as strings (and whether NaN is among them); undefined for numbers. */
function textCategories(est: Estimator, cats: PyValue): { strings: string[]; nan: boolean } | undefined {
  if (!(cats instanceof NdArray) || !cats.objects) return undefined;
  const values = elementsOf(cats).map(plain);
  const strings = values.filter((v): v is string => typeof v === 'string');
  if (strings.length === 0) return undefined;
  const nan = values.some((v) => typeof v === 'number' && Number.isNaN(v));
  if (strings.length + (nan ? 1 : 0) !== values.length)
    throw new UnsupportedModelError(
      `a ${est.name} over a column that mixes strings and numbers (modelgate reads a column as one or the other)`,
    );
  return { strings, nan };
}

/** The steps of a ColumnTransformer entry: a Pipeline's, or the one transformer. */
function entrySteps(transformer: PyValue): Estimator[] {
  const t = Estimator.of(transformer, 'a ColumnTransformer entry');
  return t.name === 'Pipeline' ? t.steps().map((s) => s.estimator) : [t];
}

/**
 * The string columns a model's first step (a ColumnTransformer) encodes, by input feature: found from the
 * fitted encoders, before the graph is built, because they decide the graph's inputs. `select` resolves an
 * entry's columns to feature indices.
 */
export function findTextFeatures(
  first: Estimator,
  select: (spec: PyValue) => number[],
): Map<number, TextFeature> {
  const found = new Map<number, TextFeature>();
  if (first.name !== 'ColumnTransformer') return found;
  const fitted = first.raw('transformers_');
  if (!Array.isArray(fitted)) return found;
  for (const entry of fitted) {
    const [, transformer, columns] = entry instanceof PyTuple ? entry.items : [];
    if (transformer === 'drop' || transformer === 'passthrough' || !transformer) continue;
    const steps = entrySteps(transformer);
    const at = steps.findIndex((s) => ENCODERS.has(s.name));
    const encoder = steps[at];
    if (!encoder) continue;
    const categories = encoder.raw('categories_');
    if (!Array.isArray(categories)) continue;
    const text = categories.map((c) => textCategories(encoder, c));
    if (text.every((t) => t === undefined)) continue;
    if (text.some((t) => t === undefined))
      throw new UnsupportedModelError(
        `a ${encoder.name} over both string and numeric columns (encode them in separate ColumnTransformer entries)`,
      );
    const before = steps.slice(0, at);
    if (before.some((s) => s.name !== 'SimpleImputer'))
      throw new UnsupportedModelError(
        `a ${before.map((s) => s.name).join(', ')} before a ${encoder.name} over string columns (modelgate takes a SimpleImputer there)`,
      );
    const cols = select(columns ?? null);
    if (cols.length !== text.length)
      throw new ModelImportError(
        `the ${encoder.name} was fitted on ${text.length} columns; its ColumnTransformer entry selects ${cols.length}`,
      );
    const unknown = encoder.string('handle_unknown', 'error');
    const unknownValue = encoder.raw('unknown_value');
    cols.forEach((c, j) => {
      if (found.has(c))
        throw new UnsupportedModelError(
          'a string column that two ColumnTransformer entries read (modelgate encodes each string column once)',
        );
      const t = text[j] as { strings: string[]; nan: boolean };
      found.set(c, {
        categories: t.strings,
        nanCategory: t.nan,
        feed: before.length > 0 || t.nan ? 'codes' : 'strings',
        refusesUnknown: unknown === 'error',
        unknownIsNan:
          encoder.name === 'OrdinalEncoder' &&
          unknown === 'use_encoded_value' &&
          typeof plain(unknownValue ?? null) === 'number' &&
          Number.isNaN(plain(unknownValue ?? null) as number),
      });
    });
  }
  return found;
}

/** The graph so far over code columns (the part of a Flow these steps read and write). */
export interface CodeFlow {
  b: GraphBuilder;
  x: string;
  width: number;
  columns: Column[];
  /** Per column: the feature and the categories its codes index. Unset once encoded. */
  codes?: Codes[];
  rules: { refuseMissing(features: Iterable<number>, by: string): void };
}

const double = (b: GraphBuilder, label: string, dims: number[], values: ArrayLike<number>) =>
  b.constant(tensor.double(b.fresh(label), dims, values));

/**
 * The codes [N, 1] of one string column [N, 1]: ai.onnx.ml's LabelEncoder maps each category to its index
 * (exact in float), anything else to -1, then Cast to double.
 */
export function codesOfText(b: GraphBuilder, column: string, categories: readonly string[]): string {
  const [codes] = b.node(
    'LabelEncoder',
    [column],
    [
      attr.strings('keys_strings', categories),
      attr.floats(
        'values_floats',
        categories.map((_, i) => i),
      ),
      attr.float('default_float', -1),
    ],
    { domain: ML_DOMAIN },
  ) as [string];
  return b.op('Cast', [codes], [attr.int('to', DataType.DOUBLE)]);
}

function codesOf(f: CodeFlow, what: string): Codes[] {
  if (!f.codes) throw new Error(`internal: the ${what} step over codes has no codes`);
  return f.codes;
}

/**
 * A SimpleImputer over string columns: a missing code (NaN) becomes its statistic's code, or -1 where
 * the encoder after it never saw the statistic (a constant fill_value no training cell was missing for).
 */
export function imputeCodes(est: Estimator, f: CodeFlow): void {
  const codes = codesOf(f, 'SimpleImputer');
  const missing = plain(est.raw('missing_values') ?? null);
  if (!(typeof missing === 'number' && Number.isNaN(missing)))
    throw new UnsupportedModelError(
      'a SimpleImputer over string columns whose missing_values is not NaN (modelgate imputes missing values only)',
    );
  if (est.has('indicator_')) throw new UnsupportedModelError('a SimpleImputer with add_indicator=True');
  const stats = est.raw('statistics_');
  const values = stats instanceof NdArray ? elementsOf(stats).map(plain) : [];
  if (values.length !== f.width || !values.every((v) => typeof v === 'string'))
    throw new ModelImportError(
      `the SimpleImputer over ${f.width} string columns does not hold one string statistic for each`,
    );
  const filled = codes.map((c, j) => c.categories.indexOf(values[j] as string));
  f.x = f.b.op('Where', [f.b.op('IsNaN', [f.x]), double(f.b, 'statistics', [1, f.width], filled), f.x]);
  f.columns = f.columns.map((col) => ({ ...col, nanFrom: [] }));
}

/** drop_idx_ as one index (or null) per feature, as the numeric OneHotEncoder reads it. */
function droppedIndices(est: Estimator): (number | null)[] | null {
  const drop = est.raw('drop_idx_');
  if (!(drop instanceof NdArray)) return null;
  return elementsOf(drop).map((v) => {
    const n = plain(v as PyValue);
    return typeof n === 'number' || typeof n === 'bigint' ? Number(n) : null;
  });
}

/**
 * A OneHotEncoder over code columns: a 0/1 column per category (codes 0..k-1, then NaN where NaN is one),
 * less the dropped one. An unknown code (-1) or an unlisted NaN matches none: all zeros, as
 * handle_unknown="ignore" encodes it; where the encoder refuses unknown categories the card refuses them.
 */
export function oneHotCodes(est: Estimator, f: CodeFlow): void {
  const codes = codesOf(f, 'OneHotEncoder');
  const dropped = droppedIndices(est);
  if (est.string('handle_unknown', 'error') === 'error')
    codes.forEach((c, j) => {
      if (!hasNanCategory(est, j) && (f.columns[j]?.nanFrom.length ?? 0) > 0)
        f.rules.refuseMissing(
          [c.feature],
          'a OneHotEncoder(handle_unknown="error") without NaN as a category',
        );
    });
  const blocks: string[] = [];
  let width = 0;
  codes.forEach((c, j) => {
    const nan = hasNanCategory(est, j);
    const slots = [...c.categories.map((_, k) => k), ...(nan ? [Number.NaN] : [])];
    const kept = slots.filter(
      (_, k) => dropped?.[j] === undefined || dropped[j] === null || dropped[j] !== k,
    );
    if (kept.length === 0) return;
    const column = f.b.op(
      'Gather',
      [f.x, f.b.constant(tensor.int64(f.b.fresh('column'), [1], [j]))],
      [attr.int('axis', 1)],
    );
    let hits = f.b.op('Equal', [column, double(f.b, 'codes', [1, kept.length], kept)]);
    const nanAt = kept.findIndex(Number.isNaN);
    if (nanAt >= 0) {
      const mask = f.b.op(
        'Cast',
        [
          double(
            f.b,
            'nan_mask',
            [1, kept.length],
            kept.map((_, k) => (k === nanAt ? 1 : 0)),
          ),
        ],
        [attr.int('to', DataType.BOOL)],
      );
      hits = f.b.op('Or', [hits, f.b.op('And', [f.b.op('IsNaN', [column]), mask])]);
    }
    blocks.push(f.b.op('Cast', [hits], [attr.int('to', DataType.DOUBLE)]));
    width += kept.length;
  });
  if (blocks.length === 0) throw new UnsupportedModelError('a OneHotEncoder that drops every category');
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = width;
  f.columns = Array.from({ length: width }, () => ({ nanFrom: [] }));
  f.codes = undefined;
}

function hasNanCategory(est: Estimator, j: number): boolean {
  const cats = (est.raw('categories_') as PyValue[])[j];
  return cats instanceof NdArray && elementsOf(cats).some((v) => typeof plain(v as PyValue) === 'number');
}

/**
 * An OrdinalEncoder over code columns: a category's code is its ordinal already (the card's categories
 * are the encoder's, in its order); an unknown code (-1) becomes unknown_value, a missing one
 * encoded_missing_value where NaN is a category, else unknown_value (scikit-learn takes an unlisted NaN
 * for an unknown category).
 */
export function ordinalCodes(est: Estimator, f: CodeFlow): void {
  const codes = codesOf(f, 'OrdinalEncoder');
  const unknown = est.string('handle_unknown', 'error');
  const unknownValue =
    unknown === 'use_encoded_value' ? Number(plain(est.raw('unknown_value') ?? null)) : Number.NaN;
  const missingValue = Number(plain(est.raw('encoded_missing_value') ?? Number.NaN));
  const nanCats = codes.map((_, j) => hasNanCategory(est, j));
  if (unknown === 'error')
    codes.forEach((c, j) => {
      if (!nanCats[j] && (f.columns[j]?.nanFrom.length ?? 0) > 0)
        f.rules.refuseMissing(
          [c.feature],
          'an OrdinalEncoder(handle_unknown="error") without NaN as a category',
        );
    });
  const forUnknown = new Array(f.width).fill(unknownValue);
  const forMissing = nanCats.map((nan) => (nan ? missingValue : unknownValue));
  const zero = double(f.b, 'zero', [1], [0]);
  let y = f.b.op('Where', [
    f.b.op('Less', [f.x, zero]),
    double(f.b, 'unknown_value', [1, f.width], forUnknown),
    f.x,
  ]);
  y = f.b.op('Where', [f.b.op('IsNaN', [f.x]), double(f.b, 'missing_value', [1, f.width], forMissing), y]);
  f.x = y;
  // A column holds NaN where a missing code stays missing, or where an unknown category is NaN.
  f.columns = f.columns.map((col, j) => {
    const feature = (codes[j] as Codes).feature;
    const nan =
      (Number.isNaN(forMissing[j] as number) && col.nanFrom.length > 0) ||
      (unknown !== 'error' && Number.isNaN(unknownValue));
    return { nanFrom: nan ? [feature] : [] };
  });
  f.codes = undefined;
}
