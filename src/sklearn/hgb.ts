// HistGradientBoosting with categorical features. A model fitted by scikit-learn 1.6 or 1.9 (the versions
// tested) with any categorical feature (by index, mask, feature name or "from_dtype") holds a preprocessor,
// `_preprocessor`: a ColumnTransformer whose OrdinalEncoder (unknown categories and missing values both
// NaN) turns the categorical columns into codes and puts them first, the numeric columns after them as
// they are. Its trees test a code against a bitset of the categories that go left; NaN, a negative value
// and a code the model never saw go where the node sends missing values.
//
// modelgate builds the same decisions without the reordering: each tree node reads the input column
// itself, and a categorical node is an ai.onnx.ml 5 TreeEnsemble BRANCH_MEMBER node listing the
// categories of the side missing values do not take (the other side gets NaN and everything unlisted,
// as scikit-learn sends it). When the model is the file's first step, its categorical columns are input
// features and the request encoder is the OrdinalEncoder: the card types them as categories (their
// values as strings) fed as codes, and the members are codes. Behind other steps the graph computes the
// column, so the members are the encoder's categories themselves.
import { type GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import { BRANCH_LEQ, BRANCH_MEMBER, type Child, TreeEnsembleNodes } from '../onnx/tree-ensemble.js';
import { ModelImportError, UnsupportedModelError } from './errors.js';
import { asFloat64, elementsOf, field } from './numpy.js';
import { Estimator } from './state.js';
import type { TextFeature } from './text.js';
import { NdArray, NpScalar, PyObject, PyTuple, type PyValue } from './values.js';

/** How a HistGradientBoosting model's trees see its input columns. */
export interface CategoricalLayout {
  /** The input column each of the trees' features reads (the preprocessor's output order). */
  source: number[];
  /** Per tree feature: the OrdinalEncoder's categories (NaN left out) for a categorical one. */
  categories: (PyValue[] | undefined)[];
}

function plain(v: PyValue): PyValue {
  return v instanceof NpScalar ? (v.value as PyValue) : v;
}

const isNan = (v: PyValue) => typeof v === 'number' && Number.isNaN(v);

/**
 * The model's categorical layout from `is_categorical_` and its `_preprocessor`; undefined for a model
 * without categorical features. Refuses a preprocessor of another shape than scikit-learn builds.
 */
export function categoricalLayout(est: Estimator, width: number): CategoricalLayout | undefined {
  const pre = est.raw('_preprocessor');
  if (!(pre instanceof PyObject)) return undefined;
  const mask = est.raw('is_categorical_');
  if (!(mask instanceof NdArray) || mask.size !== width)
    throw new ModelImportError(`the ${est.name}'s is_categorical_ does not mark its ${width} features`);
  const isCat = elementsOf(mask).map((v) => Boolean(plain(v as PyValue)));
  const preprocessor = Estimator.of(pre, `the ${est.name}'s preprocessor`);
  const entries = preprocessor.raw('transformers_');
  const first = Array.isArray(entries) && entries[0] instanceof PyTuple ? entries[0].items : [];
  const encoder = first[1] instanceof PyObject ? new Estimator(first[1]) : undefined;
  if (
    preprocessor.name !== 'ColumnTransformer' ||
    first[0] !== 'encoder' ||
    encoder?.name !== 'OrdinalEncoder'
  )
    throw new UnsupportedModelError(
      `a ${est.name} whose categorical preprocessor is not the ColumnTransformer with an OrdinalEncoder scikit-learn builds`,
    );
  const fitted = encoder.raw('categories_');
  const cats = isCat.flatMap((c, i) => (c ? [i] : []));
  if (!Array.isArray(fitted) || fitted.length !== cats.length)
    throw new ModelImportError(
      `the ${est.name}'s OrdinalEncoder holds categories for ${Array.isArray(fitted) ? fitted.length : 0} columns, its is_categorical_ marks ${cats.length}`,
    );
  const unknownValue = plain(encoder.raw('unknown_value') ?? null);
  if (
    encoder.string('handle_unknown', 'error') !== 'use_encoded_value' ||
    !isNan(unknownValue) ||
    !isNan(plain(encoder.raw('encoded_missing_value') ?? Number.NaN))
  )
    throw new UnsupportedModelError(
      `a ${est.name} whose OrdinalEncoder does not encode unknown and missing categories as NaN`,
    );
  const categories = fitted.map((c, j) => {
    if (!(c instanceof NdArray))
      throw new ModelImportError(`the ${est.name}'s OrdinalEncoder has no categories for column ${cats[j]}`);
    const values = elementsOf(c).map((v) => plain(v as PyValue));
    // The encoder lists NaN last where training had missing values: the trees send those with the missing.
    return values.length > 0 && isNan(values[values.length - 1] as PyValue) ? values.slice(0, -1) : values;
  });
  const numeric = isCat.flatMap((c, i) => (c ? [] : [i]));
  return {
    source: [...cats, ...numeric],
    categories: [...categories, ...numeric.map(() => undefined)],
  };
}

/** A category's text in the card: a string as it is, a number as JavaScript writes it (as a request's number reads). */
function categoryText(est: Estimator, v: PyValue, column: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  throw new UnsupportedModelError(
    `a ${est.name} whose categorical feature ${JSON.stringify(column)} has a category that is neither a string nor a number`,
  );
}

/**
 * The categorical input features of a model that is the file's first step, as the card's categories fed
 * as codes: a code is the OrdinalEncoder's, an unknown category is passed as -1 (which the trees send
 * with the missing values, as scikit-learn sends its NaN), a missing one is NaN.
 */
export function categoricalInputs(est: Estimator, names: readonly string[]): Map<number, TextFeature> {
  const found = new Map<number, TextFeature>();
  const layout = categoricalLayout(est, names.length);
  if (!layout) return found;
  layout.categories.forEach((cats, j) => {
    if (!cats) return;
    const column = layout.source[j] as number;
    const name = names[column] as string;
    const texts = cats.map((c) => categoryText(est, c, name));
    if (new Set(texts).size !== texts.length)
      throw new UnsupportedModelError(
        `a ${est.name} whose categorical feature ${JSON.stringify(name)} has two categories of the same text`,
      );
    found.set(column, {
      categories: texts,
      nanCategory: false,
      feed: 'codes',
      refusesUnknown: false,
      unknownIsNan: true,
    });
  });
  return found;
}

/** One TreePredictor's nodes, categorical splits included. */
export interface PredictorNodes {
  left: number[];
  right: number[];
  feature: number[];
  threshold: Float64Array;
  missingLeft: boolean[];
  values: Float64Array;
  /** Per node: the categories' codes that go left, for a categorical split. */
  leftCodes: (number[] | undefined)[];
}

function nodeColumn(est: Estimator, nodes: NdArray, name: string): number[] {
  const column = field(nodes, name);
  if (!column) throw new ModelImportError(`the ${est.name}'s tree nodes have no ${name}`);
  return elementsOf(column).map((v) => Number(v));
}

/** A HistGradientBoosting TreePredictor's nodes; a categorical split's left codes from raw_left_cat_bitsets. */
export function predictorNodes(est: Estimator, predictor: Estimator): PredictorNodes {
  const nodes = predictor.raw('nodes');
  if (!(nodes instanceof NdArray)) throw new UnsupportedModelError(`a tree of the ${est.name} has no nodes`);
  const column = (name: string) => nodeColumn(est, nodes, name);
  const isLeaf = column('is_leaf');
  const leaf = (n: number) => isLeaf[n] !== 0;
  const categorical = field(nodes, 'is_categorical')
    ? column('is_categorical')
    : new Array<number>(nodes.size).fill(0);
  const leftCodes: (number[] | undefined)[] = new Array(nodes.size).fill(undefined);
  if (categorical.some((c, n) => c !== 0 && !leaf(n))) {
    const bitsets = predictor.raw('raw_left_cat_bitsets');
    if (!(bitsets instanceof NdArray) || bitsets.shape.length !== 2 || bitsets.shape[1] !== 8)
      throw new ModelImportError(`a tree of the ${est.name} has categorical splits without their bitsets`);
    const words = asFloat64(bitsets);
    const rows = bitsets.shape[0] as number;
    const index = column('bitset_idx');
    categorical.forEach((c, n) => {
      if (c === 0 || leaf(n)) return;
      const at = index[n] as number;
      if (at >= rows) throw new ModelImportError(`a tree of the ${est.name} names a bitset it does not hold`);
      const codes: number[] = [];
      for (let code = 0; code < 256; code++)
        if (((words[at * 8 + (code >> 5)] as number) >>> (code & 31)) & 1) codes.push(code);
      leftCodes[n] = codes;
    });
  }
  return {
    left: column('left').map((v, n) => (leaf(n) ? -1 : v)),
    right: column('right').map((v, n) => (leaf(n) ? -1 : v)),
    feature: column('feature_idx'),
    threshold: Float64Array.from(column('num_threshold')),
    missingLeft: column('missing_go_to_left').map((v) => v !== 0),
    values: Float64Array.from(column('value')),
    leftCodes,
  };
}

/**
 * The trees of a model with categorical splits as one ai.onnx.ml 5 TreeEnsemble over the input columns,
 * interior nodes and leaves numbered apart. `member(feature, code)` is the value a categorical column
 * holds for a code (the code itself when fed as codes, else the category).
 */
export class CategoricalEnsemble {
  private readonly nodes = new TreeEnsembleNodes();

  constructor(
    private readonly est: Estimator,
    private readonly layout: CategoricalLayout,
    private readonly member: (categories: PyValue[], code: number) => number,
  ) {}

  add(tree: PredictorNodes, target: number): void {
    const count = tree.left.length;
    const leafOf = (n: number) => (tree.left[n] as number) < 0;
    if (count === 0) throw new ModelImportError(`a tree of the ${this.est.name} has no nodes`);
    const at = this.nodes.tree(count, leafOf, target, (n) => tree.values[n] as number);
    if (leafOf(0)) {
      this.nodes.lone(at[0] as number);
      return;
    }
    for (let n = 0; n < count; n++) {
      if (leafOf(n)) continue;
      const feature = tree.feature[n] as number;
      const source = this.layout.source[feature];
      if (source === undefined)
        throw new ModelImportError(
          `the ${this.est.name}'s trees split on feature ${feature}, but it takes ${this.layout.source.length}`,
        );
      const left = tree.left[n] as number;
      const right = tree.right[n] as number;
      if (left >= count || right >= count)
        throw new ModelImportError(`a tree of the ${this.est.name} has a child outside it`);
      const to = (child: number): Child => [at[child] as number, leafOf(child) ? 1 : 0];
      const codes = tree.leftCodes[n];
      if (!codes) {
        this.nodes.branch(
          BRANCH_LEQ,
          source,
          tree.threshold[n] as number,
          to(left),
          to(right),
          tree.missingLeft[n],
        );
        continue;
      }
      const categories = this.layout.categories[feature];
      if (!categories)
        throw new ModelImportError(
          `the ${this.est.name}'s trees split feature ${feature} by category, but it is not categorical`,
        );
      // The listed side is the one missing values do not take; NaN and unlisted values take the other.
      const missingLeft = tree.missingLeft[n] as boolean;
      const inLeft = new Set(codes);
      const listed = categories
        .map((_, code) => code)
        .filter((code) => inLeft.has(code) !== missingLeft)
        .map((code) => this.member(categories, code));
      const [yes, no] = missingLeft ? [to(right), to(left)] : [to(left), to(right)];
      if (listed.length === 0) {
        // Nothing listed: every value takes the missing side (x <= -inf holds for none, NaN included).
        this.nodes.branch(BRANCH_LEQ, source, Number.NEGATIVE_INFINITY, yes, no, false);
        continue;
      }
      this.nodes.branch(BRANCH_MEMBER, source, 0, yes, no, false, listed);
    }
  }

  /** The summed leaf values plus `base`, [N, targets], double, from the double input `x`. */
  apply(b: GraphBuilder, x: string, targets: number, base: ArrayLike<number>): string {
    b.requireOpset(ML_DOMAIN, 5);
    const sums = b.op('TreeEnsemble', [x], this.nodes.attributes(targets), ML_DOMAIN);
    return b.op('Add', [sums, b.constant(tensor.double(b.fresh('baseline'), [targets], base))]);
  }
}

/** The member value of a code behind other steps: the category, a number (a string never reaches there). */
export function categoryValue(est: Estimator): (categories: PyValue[], code: number) => number {
  return (categories, code) => {
    const v = categories[code];
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw new UnsupportedModelError(
      `a ${est.name} with string categories behind other steps (modelgate reads them when the model is the first step)`,
    );
  };
}
