// Encoders over numeric columns, and over string columns' codes (text.ts): OneHotEncoder, OrdinalEncoder,
// TargetEncoder.
import { attr, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { preimage } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, double, type Family, type Flow, gather } from '../flow.js';
import { asFloat64, elementsOf } from '../numpy.js';
import type { Estimator } from '../state.js';
import { codesOfNumbers, oneHotCodes, ordinalCodes, targetCodes } from '../text.js';
import { NdArray, NpScalar, type PyValue } from '../values.js';

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

export const family: Family = {
  family: 'encoders',
  transformers: {
    OneHotEncoder: oneHotEncoder,
    OrdinalEncoder: ordinalEncoder,
    TargetEncoder: targetEncoder,
  },
  overCodes: ['OneHotEncoder', 'OrdinalEncoder', 'TargetEncoder'],
};
