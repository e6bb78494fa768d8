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
import { TEXT_VECTORIZERS } from './estimators/text.js';
import { asFloat64, elementsOf } from './numpy.js';
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
  /** Free text a text vectorizer reads (no categories): any string, fed as is. */
  free?: boolean;
}

/** A column of free text, as a text vectorizer reads it. */
const FREE_TEXT: TextFeature = {
  categories: [],
  nanCategory: false,
  feed: 'strings',
  refusesUnknown: false,
  unknownIsNan: false,
  free: true,
};

/** The input-level fact a code column starts from: which feature, and the categories its codes index. */
export interface Codes {
  feature: number;
  categories: readonly string[];
}

const ENCODERS = new Set(['OneHotEncoder', 'OrdinalEncoder', 'TargetEncoder']);

/** An encoder's handle_unknown: a TargetEncoder has none, it answers an unknown category with the target mean. */
function unknownHandling(encoder: Estimator): string {
  return encoder.name === 'TargetEncoder' ? 'ignore' : encoder.string('handle_unknown', 'error');
}

function plain(v: PyValue): PyValue {
  return v instanceof NpScalar ? (v.value as PyValue) : v;
}

/**
 * An encoder's categories_ entry as strings, and whether a missing value (NaN, or None) is among them
 * (last, where scikit-learn keeps it); undefined for numbers.
 */
function textCategories(est: Estimator, cats: PyValue): { strings: string[]; nan: boolean } | undefined {
  if (!(cats instanceof NdArray) || !cats.objects) return undefined;
  const values = elementsOf(cats).map(plain);
  const strings = values.filter((v): v is string => typeof v === 'string');
  if (strings.length === 0) return undefined;
  const nan = values.filter((v) => typeof v === 'number' && Number.isNaN(v)).length;
  const none = values.filter((v) => v === null).length;
  if (nan > 0 && none > 0)
    throw new UnsupportedModelError(
      `a ${est.name} fitted on a column holding both None and NaN (a request's missing value could be either)`,
    );
  if (
    strings.length + nan + none !== values.length ||
    values.slice(0, strings.length).some((v) => typeof v !== 'string')
  )
    throw new UnsupportedModelError(
      `a ${est.name} over a column that mixes strings and numbers (modelgate reads a column as one or the other)`,
    );
  return { strings, nan: nan + none > 0 };
}

/**
 * The encoder answers a missing string it has no category for (OneHotEncoder: all zeros or the infrequent
 * category; OrdinalEncoder: unknown_value; TargetEncoder: the target mean): such a feature is fed as a
 * code, which can be missing.
 */
function answersMissing(encoder: Estimator): boolean {
  const unknown = unknownHandling(encoder);
  return encoder.name === 'OrdinalEncoder' ? unknown === 'use_encoded_value' : unknown !== 'error';
}

/** The steps of a ColumnTransformer entry: a Pipeline's (nested ones flattened), or the one transformer. */
function entrySteps(transformer: PyValue): Estimator[] {
  const t = Estimator.of(transformer, 'a ColumnTransformer entry');
  return t.name === 'Pipeline' ? t.steps().flatMap((s) => entrySteps(s.estimator.obj)) : [t];
}

/** A numeric column that an encoder over string columns also reads: fed as a number, encoded as its code. */
export interface NumberCodes {
  /** The encoder's categories that are numbers, in its order: a category's code is its index here. */
  values: number[];
  /** The encoder raises on a number it never saw (handle_unknown="error"). */
  refusesUnknown: boolean;
}

/** An encoder's categories_ entry that holds numbers: those other than NaN, in order. */
function numberCategories(est: Estimator, cats: PyValue): number[] {
  const values = cats instanceof NdArray ? elementsOf(cats).map(plain) : [];
  if (!values.every((v) => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'))
    throw new UnsupportedModelError(
      `a ${est.name} over a column that mixes strings and numbers (modelgate reads a column as one or the other)`,
    );
  return values.map(Number).filter((v) => !Number.isNaN(v));
}

/** A ColumnTransformer has an encoder over string columns in one of its entries, at any depth. */
function encodesText(columns: Estimator): boolean {
  const fitted = columns.raw('transformers_');
  if (!Array.isArray(fitted)) return false;
  return fitted.some((entry) => {
    const [, transformer] = entry instanceof PyTuple ? entry.items : [];
    if (typeof transformer === 'string' || !transformer) return false;
    return entrySteps(transformer).some((s) => {
      if (s.name === 'ColumnTransformer') return encodesText(s);
      const categories = s.raw('categories_');
      return (
        ENCODERS.has(s.name) &&
        Array.isArray(categories) &&
        categories.some((c) => c instanceof NdArray && c.objects?.some((v) => typeof plain(v) === 'string'))
      );
    });
  });
}

/**
 * The string columns a model's steps encode, by input feature (and the numeric ones an encoder over strings
 * reads beside them): in its first step's entries, a ColumnTransformer's, or by an encoder over every
 * column at the top of the Pipeline. Found from the fitted encoders, before the graph is built, because
 * they decide the graph's inputs. `select` resolves an entry's columns to feature indices.
 */
export function findTextFeatures(
  steps: readonly Estimator[],
  width: number,
  select: (spec: PyValue) => number[],
): { text: Map<number, TextFeature>; numbers: Map<number, NumberCodes> } {
  const found = { text: new Map<number, TextFeature>(), numbers: new Map<number, NumberCodes>() };
  const first = steps[0];
  if (first && TEXT_VECTORIZERS.has(first.name)) {
    found.text.set(0, FREE_TEXT);
    return found;
  }
  if (first?.name !== 'ColumnTransformer') {
    // An encoder over every column, at the top of the Pipeline (a SimpleImputer before it or not).
    const upTo = steps.findIndex((s) => s.name !== 'SimpleImputer');
    if (upTo >= 0 && ENCODERS.has((steps[upTo] as Estimator).name))
      entryFeatures(
        steps.slice(0, upTo + 1),
        Array.from({ length: width }, (_, i) => i),
        'the Pipeline',
        found,
      );
    return found;
  }
  const fitted = first.raw('transformers_');
  if (!Array.isArray(fitted)) return found;
  for (const entry of fitted) {
    const [, transformer, columns] = entry instanceof PyTuple ? entry.items : [];
    if (transformer === 'drop' || transformer === 'passthrough' || !transformer) continue;
    const inEntry = entrySteps(transformer);
    if (inEntry.some((s) => s.name === 'ColumnTransformer' && encodesText(s)))
      throw new UnsupportedModelError(
        "a ColumnTransformer inside a ColumnTransformer entry that encodes string columns (modelgate encodes string columns in the outer ColumnTransformer's entries)",
      );
    const reader = inEntry[0];
    if (reader && TEXT_VECTORIZERS.has(reader.name)) {
      textColumn(reader, columns, select, found);
      continue;
    }
    entryFeatures(inEntry, () => select(columns ?? null), 'its ColumnTransformer entry', found);
  }
  return found;
}

/**
 * The column a text vectorizer in a ColumnTransformer entry reads: one, named by itself (a string or an
 * int), as scikit-learn hands a vectorizer a 1-D column only then (a list gives it a DataFrame, whose
 * iteration is its column names).
 */
function textColumn(
  vectorizer: Estimator,
  columns: PyValue | undefined,
  select: (spec: PyValue) => number[],
  found: { text: Map<number, TextFeature> },
): void {
  const one = plain(columns ?? null);
  if (typeof one !== 'string' && typeof one !== 'number' && typeof one !== 'bigint')
    throw new UnsupportedModelError(
      `a ${vectorizer.name} in a ColumnTransformer entry that selects a list of columns (scikit-learn then reads the column names as its text): select one column, by its name as a string`,
    );
  const [column] = select(one);
  if (column === undefined) throw new ModelImportError(`the ${vectorizer.name}'s column is not a feature`);
  if (found.text.has(column))
    throw new UnsupportedModelError(
      'a text column that two ColumnTransformer entries read (modelgate vectorizes each text column once)',
    );
  found.text.set(column, FREE_TEXT);
}

/** The string (and numeric) columns one encoder reads, from the steps it is among and their columns. */
function entryFeatures(
  steps: readonly Estimator[],
  columns: number[] | (() => number[]),
  where: string,
  found: { text: Map<number, TextFeature>; numbers: Map<number, NumberCodes> },
): void {
  const at = steps.findIndex((s) => ENCODERS.has(s.name));
  const encoder = steps[at];
  if (!encoder) return;
  const categories = encoder.raw('categories_');
  if (!Array.isArray(categories)) return;
  const text = categories.map((c) => textCategories(encoder, c));
  if (text.every((t) => t === undefined)) return;
  const before = steps.slice(0, at);
  if (before.some((s) => s.name !== 'SimpleImputer'))
    throw new UnsupportedModelError(
      `a ${before.map((s) => s.name).join(', ')} before a ${encoder.name} over string columns (modelgate takes a SimpleImputer there)`,
    );
  const mixed = text.some((t) => t === undefined);
  if (mixed && before.length > 0)
    throw new UnsupportedModelError(
      `a SimpleImputer before a ${encoder.name} over both string and numeric columns (impute them in separate ColumnTransformer entries)`,
    );
  const cols = typeof columns === 'function' ? columns() : columns;
  if (cols.length !== text.length)
    throw new ModelImportError(
      `the ${encoder.name} was fitted on ${text.length} columns; ${where} selects ${cols.length}`,
    );
  const unknown = unknownHandling(encoder);
  const unknownValue = encoder.raw('unknown_value');
  cols.forEach((c, j) => {
    if (found.text.has(c))
      throw new UnsupportedModelError(
        'a string column that two ColumnTransformer entries read (modelgate encodes each string column once)',
      );
    if (found.numbers.has(c))
      throw new UnsupportedModelError(
        'a numeric column that two encoders over string columns read (modelgate encodes it once)',
      );
    const t = text[j];
    if (t === undefined) {
      found.numbers.set(c, {
        values: numberCategories(encoder, categories[j] ?? null),
        refusesUnknown: unknown === 'error',
      });
      return;
    }
    found.text.set(c, {
      categories: t.strings,
      nanCategory: t.nan,
      feed: before.length > 0 || t.nan || answersMissing(encoder) ? 'codes' : 'strings',
      refusesUnknown: unknown === 'error',
      unknownIsNan:
        encoder.name === 'OrdinalEncoder' &&
        unknown === 'use_encoded_value' &&
        typeof plain(unknownValue ?? null) === 'number' &&
        Number.isNaN(plain(unknownValue ?? null) as number),
    });
  });
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

/**
 * The codes [N, 1] of one numeric column [N, 1] that an encoder over string columns reads: the index of
 * the category it equals, -1 for any other number, NaN kept (the encoder decides what a missing value is).
 */
export function codesOfNumbers(b: GraphBuilder, column: string, values: readonly number[]): string {
  if (values.length === 0)
    return b.op('Where', [b.op('IsNaN', [column]), column, double(b, 'unknown', [1], [-1])]);
  const hits = b.op(
    'Cast',
    [b.op('Equal', [column, double(b, 'categories', [1, values.length], values)])],
    [attr.int('to', DataType.DOUBLE)],
  );
  const plusOne = b.op('MatMul', [
    hits,
    double(
      b,
      'codes',
      [values.length, 1],
      values.map((_, k) => k + 1),
    ),
  ]);
  const code = b.op('Sub', [plusOne, double(b, 'one', [1], [1])]);
  return b.op('Where', [b.op('IsNaN', [column]), column, code]);
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

/** A list attribute's entry j as numbers (an infrequent mapping), or undefined where it is None. */
function numbersAt(est: Estimator, attr: string, j: number): number[] | undefined {
  const list = est.raw(attr);
  const v = Array.isArray(list) ? plain(list[j] ?? null) : undefined;
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof NdArray))
    throw new ModelImportError(`the ${est.name}'s ${attr} is not a list of arrays`);
  return Array.from(asFloat64(v));
}

/**
 * Column j's categories_ as the encoder keeps them: how many (the missing value's category included),
 * and where the missing one is (NaN or None, last) and which.
 */
function categoriesAt(
  est: Estimator,
  j: number,
): { count: number; missingAt?: number; missingIsNan: boolean } {
  const cats = (est.raw('categories_') as PyValue[])[j];
  const values = cats instanceof NdArray ? elementsOf(cats).map(plain) : [];
  const last = values[values.length - 1];
  const missing = last === null || (typeof last === 'number' && Number.isNaN(last));
  return {
    count: values.length,
    ...(missing ? { missingAt: values.length - 1 } : {}),
    missingIsNan: missing && last !== null,
  };
}

/**
 * Column j of the codes as the row of a table each code selects: 0 for an unknown category (-1, and a
 * missing value where the encoder has no category for it), 1 + the category's index in categories_
 * otherwise (a missing value's is its own category's, last). Gathered from `table` ([rows, w]): [N, w].
 */
function lookUp(f: CodeFlow, j: number, missingAt: number | undefined, table: number[][]): string {
  const b = f.b;
  const column = b.op(
    'Gather',
    [f.x, b.constant(tensor.int64(b.fresh('column'), [1], [j]))],
    [attr.int('axis', 1)],
  );
  const coded = b.op('Where', [
    b.op('IsNaN', [column]),
    double(b, 'missing_code', [1], [missingAt ?? -1]),
    column,
  ]);
  const row = b.op('Add', [coded, double(b, 'one', [1], [1])]);
  const index = b.op('Reshape', [
    b.op('Cast', [row], [attr.int('to', DataType.INT64)]),
    b.constant(tensor.int64(b.fresh('flat'), [1], [-1])),
  ]);
  const w = table[0]?.length ?? 0;
  return b.op('Gather', [double(b, 'table', [table.length, w], table.flat()), index], [attr.int('axis', 0)]);
}

/** Refuses a feature's missing value where the encoder raises on it (handle_unknown="error", NaN no category). */
function refuseUnansweredMissing(est: Estimator, f: CodeFlow, codes: Codes[]): void {
  if (unknownHandling(est) !== 'error') return;
  codes.forEach((_, j) => {
    if (categoriesAt(est, j).missingAt === undefined)
      f.rules.refuseMissing(
        f.columns[j]?.nanFrom ?? [],
        `a ${est.name}(handle_unknown="error") without NaN as a category`,
      );
  });
}

/**
 * A OneHotEncoder over code columns: a 0/1 column per category after infrequent ones are grouped (the
 * group last), less the dropped one (_drop_idx_after_grouping, an index among the grouped). An unknown
 * category, or a missing value where NaN is none, is the infrequent group where handle_unknown is
 * "infrequent_if_exist" or "warn" and the column has one, else all zeros; where the encoder refuses
 * unknown categories the card refuses them.
 */
export function oneHotCodes(est: Estimator, f: CodeFlow): void {
  const codes = codesOf(f, 'OneHotEncoder');
  const unknown = est.string('handle_unknown', 'error');
  refuseUnansweredMissing(est, f, codes);
  const drops = est.has('_drop_idx_after_grouping')
    ? est.raw('_drop_idx_after_grouping')
    : (est.raw('drop_idx_') ?? null);
  const dropAt = (j: number): number | undefined => {
    if (!(drops instanceof NdArray)) return undefined;
    const d = plain(elementsOf(drops)[j] as PyValue);
    return typeof d === 'number' || typeof d === 'bigint' ? Number(d) : undefined;
  };
  const blocks: string[] = [];
  let width = 0;
  codes.forEach((_, j) => {
    const { count, missingAt } = categoriesAt(est, j);
    const grouping = numbersAt(est, '_default_to_infrequent_mappings', j);
    const groups = grouping ? Math.max(...grouping) + 1 : count;
    const infrequent =
      grouping && (unknown === 'infrequent_if_exist' || unknown === 'warn') ? groups - 1 : undefined;
    const drop = dropAt(j);
    const out = groups - (drop === undefined ? 0 : 1);
    if (out === 0) return;
    const table = Array.from({ length: count + 1 }, (_, row) => {
      const g = row === 0 ? infrequent : (grouping?.[row - 1] ?? row - 1);
      const at = g === undefined || g === drop ? undefined : drop !== undefined && g > drop ? g - 1 : g;
      return Array.from({ length: out }, (_, k) => (k === at ? 1 : 0));
    });
    blocks.push(lookUp(f, j, missingAt, table));
    width += out;
  });
  if (blocks.length === 0) throw new UnsupportedModelError('a OneHotEncoder that drops every category');
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = width;
  f.columns = Array.from({ length: width }, () => ({ nanFrom: [] }));
  f.codes = undefined;
}

/**
 * An OrdinalEncoder over code columns: a category's ordinal is its index in categories_, or its group's
 * where infrequent ones are grouped (the group last); an unknown category is unknown_value, a missing one
 * encoded_missing_value where NaN is a category (never grouped), else unknown_value (scikit-learn takes an
 * unlisted NaN for an unknown category). A None category is a category like any string.
 */
export function ordinalCodes(est: Estimator, f: CodeFlow): void {
  const codes = codesOf(f, 'OrdinalEncoder');
  const unknown = est.string('handle_unknown', 'error');
  const unknownValue =
    unknown === 'use_encoded_value' ? Number(plain(est.raw('unknown_value') ?? null)) : Number.NaN;
  const missingValue = Number(plain(est.raw('encoded_missing_value') ?? Number.NaN));
  refuseUnansweredMissing(est, f, codes);
  const blocks = codes.map((_, j) => {
    const { count, missingAt, missingIsNan } = categoriesAt(est, j);
    const grouping = numbersAt(est, '_default_to_infrequent_mappings', j);
    const table = Array.from({ length: count + 1 }, (_, row) => {
      if (row === 0) return [unknownValue];
      if (missingIsNan && row - 1 === missingAt) return [missingValue];
      return [grouping?.[row - 1] ?? row - 1];
    });
    return lookUp(f, j, missingAt, table);
  });
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  // A column holds NaN where a missing code stays missing, or where an unknown category is NaN.
  f.columns = f.columns.map((col, j) => {
    const feature = (codes[j] as Codes).feature;
    const { missingAt, missingIsNan } = categoriesAt(est, j);
    const missingGives = missingAt === undefined ? unknownValue : missingIsNan ? missingValue : 0;
    const fromMissing = Number.isNaN(missingGives) ? col.nanFrom : [];
    const fromUnknown = unknown !== 'error' && Number.isNaN(unknownValue) ? [feature] : [];
    return { nanFrom: [...new Set([...fromMissing, ...fromUnknown])] };
  });
  f.codes = undefined;
}

/** A list attribute of numbers (a TargetEncoder's target_mean_, a float or an array) as numbers. */
function numbersOf(est: Estimator, attr: string): number[] {
  const v = plain(est.raw(attr) ?? null);
  if (typeof v === 'number') return [v];
  if (v instanceof NdArray) return Array.from(asFloat64(v));
  throw new ModelImportError(`the ${est.name}'s ${attr} is not a number or an array of numbers`);
}

/**
 * A TargetEncoder over code columns: each category becomes its fitted encoding (encodings_, one array per
 * column, or per column and class for a multiclass target, class inner), an unknown category, or a
 * missing value where NaN was not seen in training, the target mean (target_mean_). transform's
 * encodings, as predict uses them; fit_transform's cross fitting only shapes what the model was fitted on.
 */
export function targetCodes(est: Estimator, f: CodeFlow): void {
  const codes = codesOf(f, 'TargetEncoder');
  const type = est.string('target_type_');
  if (type !== 'binary' && type !== 'continuous' && type !== 'multiclass')
    throw new UnsupportedModelError(`a TargetEncoder with target_type_ ${JSON.stringify(type)}`);
  const means = numbersOf(est, 'target_mean_');
  const k = type === 'multiclass' ? means.length : 1;
  const encodings = est.matrices('encodings_').map((m) => Array.from(m.values));
  if (means.length !== k || encodings.length !== codes.length * k)
    throw new ModelImportError(
      `the TargetEncoder holds ${encodings.length} encodings and ${means.length} target means for ${codes.length} columns`,
    );
  const blocks = codes.map((_, j) => {
    const { count, missingAt } = categoriesAt(est, j);
    const mine = encodings.slice(j * k, (j + 1) * k);
    if (mine.some((e) => e.length !== count))
      throw new ModelImportError(`the TargetEncoder's encodings for column ${j} do not match its categories`);
    const table = Array.from({ length: count + 1 }, (_, row) =>
      row === 0 ? means : mine.map((e) => e[row - 1] as number),
    );
    return lookUp(f, j, missingAt, table);
  });
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = codes.length * k;
  f.columns = Array.from({ length: f.width }, () => ({ nanFrom: [] }));
  f.codes = undefined;
}
