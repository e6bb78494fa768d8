// ColumnTransformer (each fitted transformer over its columns, side by side) and the identity
// FunctionTransformer; a Pipeline's steps are flattened by the converter itself (convert.ts).
import { attr } from '../../onnx/builder.js';
import type { Column } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { type Family, type Feeds, type Flow, gather } from '../flow.js';
import { elementsOf } from '../numpy.js';
import { Estimator } from '../state.js';
import { codesOfNumbers, codesOfText, type NumberCodes } from '../text.js';
import { NdArray, PyObject, PySlice, PyTuple, type PyValue } from '../values.js';

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
export function selectedColumns(spec: PyValue, width: number, names: string[] | undefined): number[] {
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
      dispatch: f.dispatch,
    };
    if (f.feeds) fed(f.feeds, cols, sub);
    if (transformer !== 'passthrough') {
      const t = Estimator.of(transformer ?? null, `the ColumnTransformer's ${JSON.stringify(name)}`);
      for (const step of f.dispatch.steps(t)) f.dispatch.transform(step, sub);
    }
    if (sub.freeText)
      throw new UnsupportedModelError(
        `a text column that reaches the ${String(name)} step unvectorized (modelgate reads text with a CountVectorizer or TfidfVectorizer)`,
      );
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

/**
 * A ColumnTransformer entry's columns from the graph inputs of a model with string columns: numeric
 * features from the numeric input; string columns as codes, by a LabelEncoder from the string input or
 * as fed in the numeric one. An entry holds one kind or the other.
 */
export function fed(feeds: Feeds, cols: readonly number[], sub: Flow): void {
  const text = cols.map((c) => feeds.text.get(c));
  if (text.some((t) => t?.free)) {
    // A text column, read by the text vectorizer the entry starts with (findTextFeatures saw to it).
    const at = feeds.place[cols[0] as number] as { column: number };
    sub.x = gather(sub.b, feeds.strings as string, [at.column]);
    sub.freeText = true;
    return;
  }
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

export const family: Family = {
  family: 'compose',
  transformers: { ColumnTransformer: columnTransformer, FunctionTransformer: functionTransformer },
  parts: {
    // the fitted transformers_ have already resolved the selector to the columns it chose
    make_column_selector: "a ColumnTransformer's column selector (a pattern and dtypes)",
    _RemainderColsList: "a ColumnTransformer's remainder columns (scikit-learn 1.5-1.7)",
    LabelEncoder: "the encoder of a classifier's targets, saved beside it (labels.ts)",
  },
};
