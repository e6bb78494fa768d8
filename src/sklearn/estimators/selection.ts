// Feature selection: the columns get_support keeps, gathered, with the mask computed from the fitted
// state as scikit-learn computes it (VarianceThreshold, the univariate selectors, SelectFromModel over a
// linear model) or read from it (support_: RFE, RFECV, SequentialFeatureSelector); RFE and RFECV also
// predict through their estimator_. FeatureUnion: its transformers' blocks side by side.
import { attr } from '../../onnx/builder.js';
import { type Column, throughStep } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Final, type Flow, gather } from '../flow.js';
import { asFloat64, elementsOf, field } from '../numpy.js';
import { Estimator } from '../state.js';
import { NdArray, NpScalar, PyDict, PyTuple, type PyValue } from '../values.js';

/** The most negative double (np.finfo(float64).min), which _clean_nans puts in place of a NaN score. */
const LOWEST = -Number.MAX_VALUE;

/** Estimators whose input tags allow NaN, so that a selector around them passes NaN on. */
function takesMissing(inner: Estimator): boolean {
  return inner.name.startsWith('HistGradientBoosting');
}

/**
 * The kept columns, gathered. `keepsNan`: the selector lets NaN through (VarianceThreshold, or one
 * around an estimator that takes NaN), else it raises on a missing value in any column it reads.
 */
function keep(f: Flow, mask: readonly boolean[], by: string, keepsNan: boolean): void {
  if (mask.length !== f.width)
    throw new ModelImportError(`${by}'s mask covers ${mask.length} features, but ${f.width} reach it`);
  const kept = mask.flatMap((m, i) => (m ? [i] : []));
  if (kept.length === 0)
    throw new UnsupportedModelError(`${by} that keeps no feature (scikit-learn answers an empty matrix)`);
  if (!keepsNan)
    f.rules.refuseMissing(
      f.columns.flatMap((c) => c.nanFrom),
      by,
    );
  if (kept.length < f.width) f.x = gather(f.b, f.x, kept);
  f.columns = kept.map((i) => {
    const c = f.columns[i] as Column;
    return keepsNan ? c : { ...c, nanFrom: [] };
  });
  f.width = kept.length;
}

function numbers(est: Estimator, name: string): number[] {
  return Array.from(est.matrix(name).values);
}

function bools(est: Estimator, name: string): boolean[] {
  const v = est.raw(name);
  if (!(v instanceof NdArray)) throw new ModelImportError(`the ${est.name} has no array ${name}`);
  return elementsOf(v).map((x) => Boolean(x instanceof NpScalar ? x.value : x));
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** A setting as a number (a numpy scalar or a Python int or float), or undefined. */
function plainNumber(v: PyValue | undefined): number | undefined {
  const n = v instanceof NpScalar ? v.value : v;
  return typeof n === 'number' ? n : typeof n === 'bigint' ? Number(n) : undefined;
}

/** Indices in the order of a stable ascending sort by key (numpy's argsort(kind="mergesort")). */
function stableOrder(keys: readonly number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
}

function cleanNans(scores: readonly number[]): number[] {
  return scores.map((s) => (Number.isNaN(s) ? LOWEST : s));
}

/** SelectKBest's mask: the k best scores, ties to the later feature (the last k of a stable sort). */
function kBest(scores: readonly number[], k: PyValue | undefined): boolean[] {
  if (k === 'all') return scores.map(() => true);
  const n = plainNumber(k);
  if (n === undefined || !Number.isInteger(n))
    throw new UnsupportedModelError('a SelectKBest whose k is not a number');
  const mask = scores.map(() => false);
  if (n === 0) return mask;
  for (const i of stableOrder(cleanNans(scores)).slice(-n)) mask[i] = true;
  return mask;
}

/** np.percentile(a, q) with the default linear method, in numpy's order of operations. */
export function percentile(a: readonly number[], q: number): number {
  const sorted = [...a].sort((x, y) => x - y);
  const n = sorted.length;
  const quantile = q / 100;
  const virtual = n * quantile + (1 + quantile * (1 - 1 - 1)) - 1;
  const previous = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
  const next = Math.min(previous + 1, n - 1);
  const gamma = virtual - Math.floor(virtual);
  const lo = sorted[previous] as number;
  const hi = sorted[next] as number;
  const diff = hi - lo;
  return gamma >= 0.5 ? hi - diff * (1 - gamma) : lo + diff * gamma;
}

/** SelectPercentile's mask: above the percentile, then ties at it in feature order up to the count. */
function percentileMask(scores: readonly number[], p: number): boolean[] {
  if (p === 100) return scores.map(() => true);
  if (p === 0) return scores.map(() => false);
  const s = cleanNans(scores);
  const threshold = percentile(s, 100 - p);
  const mask = s.map((v) => v > threshold);
  const ties = s.flatMap((v, i) => (v === threshold ? [i] : []));
  const room = Math.trunc((s.length * p) / 100) - mask.filter(Boolean).length;
  for (const i of ties.slice(0, Math.max(room, 0))) mask[i] = true;
  return mask;
}

function fdrMask(p: readonly number[], alpha: number): boolean[] {
  const n = p.length;
  const sorted = [...p].sort((x, y) => x - y);
  const selected = sorted.filter((v, i) => v <= (alpha / n) * (i + 1));
  if (selected.length === 0) return p.map(() => false);
  const top = Math.max(...selected);
  return p.map((v) => v <= top);
}

/** The mask of a univariate selector of this kind with this parameter (GenericUnivariateSelect's modes). */
function univariateMask(est: Estimator, mode: string, param: PyValue | undefined): boolean[] {
  const scores = () => numbers(est, 'scores_');
  const pvalues = () => numbers(est, 'pvalues_');
  const alpha = () => {
    const a = plainNumber(param);
    if (a === undefined) throw new UnsupportedModelError(`${article(est.name)} whose alpha is not a number`);
    return a;
  };
  switch (mode) {
    case 'k_best':
      return kBest(scores(), param);
    case 'percentile': {
      const p = plainNumber(param);
      if (p === undefined)
        throw new UnsupportedModelError(`${article(est.name)} whose percentile is not a number`);
      return percentileMask(scores(), p);
    }
    case 'fpr':
      return pvalues().map((v) => v < alpha());
    case 'fdr':
      return fdrMask(pvalues(), alpha());
    case 'fwe': {
      const p = pvalues();
      return p.map((v) => v < alpha() / p.length);
    }
    default:
      throw new UnsupportedModelError(`a GenericUnivariateSelect with mode=${JSON.stringify(mode)}`);
  }
}

const UNIVARIATE: Record<string, { mode: string; param: string; fallback: number }> = {
  SelectKBest: { mode: 'k_best', param: 'k', fallback: 10 },
  SelectPercentile: { mode: 'percentile', param: 'percentile', fallback: 10 },
  SelectFpr: { mode: 'fpr', param: 'alpha', fallback: 0.05 },
  SelectFdr: { mode: 'fdr', param: 'alpha', fallback: 0.05 },
  SelectFwe: { mode: 'fwe', param: 'alpha', fallback: 0.05 },
};

function univariate(est: Estimator, f: Flow): void {
  let mask: boolean[];
  if (est.name === 'GenericUnivariateSelect')
    mask = univariateMask(est, est.string('mode', 'percentile'), est.raw('param') ?? 1e-5);
  else {
    const u = UNIVARIATE[est.name] as { mode: string; param: string; fallback: number };
    mask = univariateMask(est, u.mode, est.raw(u.param) ?? u.fallback);
  }
  keep(f, mask, article(est.name), false);
}

function varianceThreshold(est: Estimator, f: Flow): void {
  const t = est.number('threshold', 0);
  keep(
    f,
    numbers(est, 'variances_').map((v) => v > t),
    'a VarianceThreshold',
    true,
  );
}

/** numpy's pairwise sum of a float64 array (np.sum, np.mean): blocks of 8 partial sums. */
export function pairwiseSum(a: readonly number[], start = 0, n = a.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i] as number;
    return res;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => a[start + j] as number);
    let i = 8;
    for (; i < n - (n % 8); i += 8)
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[start + i + j] as number);
    const [r0, r1, r2, r3, r4, r5, r6, r7] = r as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i] as number;
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

function median(a: readonly number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * One fitted tree's feature_importances_ (Tree.compute_feature_importances): each split's weighted
 * impurity decrease added to its feature, over the root's weight, then normalized to sum 1.
 */
function treeImportances(tree: Estimator, width: number): number[] {
  const t = tree.estimator('tree_');
  const nodes = t.raw('nodes');
  if (!(nodes instanceof NdArray)) throw new ModelImportError(`the ${tree.name}'s tree has no nodes`);
  const column = (name: string) => {
    const c = field(nodes, name);
    if (!c) throw new ModelImportError(`the ${tree.name}'s tree nodes have no ${name}`);
    return c;
  };
  const left = elementsOf(column('left_child')).map(Number);
  const right = elementsOf(column('right_child')).map(Number);
  const feature = elementsOf(column('feature')).map(Number);
  const impurity = asFloat64(column('impurity'));
  const weight = asFloat64(column('weighted_n_node_samples'));
  const out = new Array<number>(width).fill(0);
  left.forEach((l, n) => {
    if (l === -1) return;
    const r = right[n] as number;
    const j = feature[n] as number;
    if (!(j >= 0 && j < width))
      throw new ModelImportError(`the ${tree.name} splits on a feature it was not fitted on`);
    out[j] =
      (out[j] as number) +
      ((weight[n] as number) * (impurity[n] as number) -
        (weight[l] as number) * (impurity[l] as number) -
        (weight[r] as number) * (impurity[r] as number));
  });
  const root = weight[0] as number;
  const scaled = out.map((v) => v / root);
  const total = pairwiseSum(scaled);
  return total > 0 ? scaled.map((v) => v / total) : scaled;
}

const SINGLE_TREES = [
  'DecisionTreeClassifier',
  'DecisionTreeRegressor',
  'ExtraTreeClassifier',
  'ExtraTreeRegressor',
];
const FORESTS = [
  'RandomForestClassifier',
  'RandomForestRegressor',
  'ExtraTreesClassifier',
  'ExtraTreesRegressor',
];

/** A tree's or forest's feature_importances_ (a forest: the mean over its trees of more than one node, normalized). */
function forestImportances(inner: Estimator, width: number): number[] {
  if (SINGLE_TREES.includes(inner.name)) return treeImportances(inner, width);
  const list = inner.raw('estimators_');
  if (!Array.isArray(list)) throw new ModelImportError(`the ${inner.name} has no fitted trees`);
  const trees = list
    .map((t) => Estimator.of(t, `a tree of the ${inner.name}`))
    .filter((t) => {
      const nodes = t.estimator('tree_').raw('nodes');
      return nodes instanceof NdArray && nodes.size > 1;
    });
  if (trees.length === 0) return new Array<number>(width).fill(0);
  const all = trees.map((t) => treeImportances(t, width));
  // np.mean over axis 0: the trees added in order, then divided by their count.
  const mean = Array.from({ length: width }, (_, j) => {
    let s = 0;
    for (const imp of all) s += imp[j] as number;
    return s / all.length;
  });
  const total = pairwiseSum(mean);
  return mean.map((v) => v / total);
}

/** The importances SelectFromModel reads: a linear model's coef_ (|coef| or its norm over the classes), a tree's or forest's feature_importances_. */
function importances(sfm: Estimator, inner: Estimator, width: number): number[] {
  const getter = sfm.raw('importance_getter') ?? 'auto';
  if (getter !== 'auto' && getter !== 'coef_' && getter !== 'feature_importances_')
    throw new UnsupportedModelError(
      `a SelectFromModel with importance_getter=${JSON.stringify(getter)} (modelgate reads coef_ and feature_importances_)`,
    );
  if (getter !== 'coef_' && !inner.has('coef_') && [...SINGLE_TREES, ...FORESTS].includes(inner.name))
    return forestImportances(inner, width);
  if (!inner.has('coef_'))
    throw new UnsupportedModelError(
      `a SelectFromModel over ${article(inner.name)} (modelgate reads the importances of linear models, trees and forests)`,
    );
  const coef = inner.matrix('coef_');
  if (coef.shape.length === 1) return Array.from(coef.values, Math.abs);
  const [k, d] = coef.shape as [number, number];
  if (d !== width)
    throw new ModelImportError(`the SelectFromModel's estimator takes ${d} features, ${width} reach it`);
  const order = plainNumber(sfm.raw('norm_order')) ?? 1;
  const at = (c: number, j: number) => coef.values[c * d + j] as number;
  return Array.from({ length: d }, (_, j) => {
    let s = 0;
    if (order === Number.POSITIVE_INFINITY) {
      for (let c = 0; c < k; c++) s = Math.max(s, Math.abs(at(c, j)));
      return s;
    }
    if (order !== 1 && order !== 2)
      throw new UnsupportedModelError(`a SelectFromModel with norm_order=${order}`);
    s = order === 1 ? Math.abs(at(0, j)) : at(0, j) * at(0, j);
    for (let c = 1; c < k; c++) s += order === 1 ? Math.abs(at(c, j)) : at(c, j) * at(c, j);
    return order === 1 ? s : Math.sqrt(s);
  });
}

/** Whether the estimator is L1-penalized, where SelectFromModel's threshold=None means 1e-5. */
function l1Penalized(inner: Estimator): boolean {
  const close = (v: number | undefined) => v !== undefined && Math.abs(v - 1) <= 1e-8 + 1e-5;
  if (inner.raw('penalty') === 'l1' || inner.name.includes('Lasso')) return true;
  if (inner.name === 'ElasticNet' || inner.name === 'LogisticRegression')
    return close(plainNumber(inner.raw('l1_ratio')));
  if (inner.name === 'ElasticNetCV') return close(plainNumber(inner.raw('l1_ratio_')));
  if (inner.name === 'LogisticRegressionCV') {
    const r = inner.raw('l1_ratio_');
    return r instanceof NdArray && elementsOf(r).every((v) => close(plainNumber(v as PyValue)));
  }
  return false;
}

function threshold(sfm: Estimator, inner: Estimator, scores: readonly number[]): number {
  let t = sfm.raw('threshold') ?? null;
  if (t === null) t = l1Penalized(inner) ? 1e-5 : 'mean';
  if (typeof t === 'string') {
    const [scale, reference] = t.includes('*') ? t.split('*').map((s) => s.trim()) : ['1', t.trim()];
    const base =
      reference === 'mean'
        ? pairwiseSum(scores) / scores.length
        : reference === 'median'
          ? median(scores)
          : undefined;
    const factor = Number(scale);
    if (base === undefined || Number.isNaN(factor))
      throw new UnsupportedModelError(`a SelectFromModel with threshold=${JSON.stringify(t)}`);
    return t.includes('*') ? factor * base : base;
  }
  const n = plainNumber(t);
  if (n === undefined)
    throw new UnsupportedModelError('a SelectFromModel whose threshold is not a number or a reference');
  return n;
}

function selectFromModel(est: Estimator, f: Flow): void {
  const inner = est.estimator('estimator_');
  const scores = importances(est, inner, f.width);
  const t = threshold(est, inner, scores);
  const top = plainNumber(est.raw('max_features_') ?? est.raw('max_features'));
  let mask = scores.map(() => true);
  if (top !== undefined && est.raw('max_features') !== null && est.raw('max_features') !== undefined) {
    mask = scores.map(() => false);
    for (const i of stableOrder(scores.map((s) => -s)).slice(0, top)) mask[i] = true;
  }
  mask = mask.map((m, i) => m && !((scores[i] as number) < t));
  keep(f, mask, 'a SelectFromModel', takesMissing(inner));
}

/** A selector that stores its mask (support_). */
function supported(est: Estimator, f: Flow): void {
  keep(f, bools(est, 'support_'), article(est.name), takesMissing(est.estimator('estimator')));
}

/** RFE and RFECV as the model: the kept columns, then their estimator_'s answers. */
const recursive: Final = (est, f) => {
  const inner = est.estimator('estimator_');
  keep(f, bools(est, 'support_'), article(est.name), takesMissing(inner));
  return f.dispatch.final(inner, f);
};

/** FeatureUnion: each fitted transformer over every column, the blocks side by side, each times its weight. */
function featureUnion(est: Estimator, f: Flow): void {
  if (f.codes || f.feeds)
    throw new UnsupportedModelError(
      'a FeatureUnion over string columns (encode them in a ColumnTransformer)',
    );
  const list = est.raw('transformer_list');
  if (!Array.isArray(list)) throw new ModelImportError('the FeatureUnion has no transformer_list');
  const weights = est.raw('transformer_weights');
  const weightOf = (name: string): number | undefined =>
    weights instanceof PyDict ? plainNumber(weights.get(name)) : undefined;
  const blocks: string[] = [];
  const notes: Column[] = [];
  for (const entry of list) {
    const [name, transformer] = entry instanceof PyTuple ? entry.items : Array.isArray(entry) ? entry : [];
    if (typeof name !== 'string') throw new ModelImportError('a FeatureUnion entry without a name');
    if (transformer === 'drop' || transformer === null) continue;
    const sub: Flow = { ...f, columns: [...f.columns] };
    if (transformer !== 'passthrough') {
      const t = Estimator.of(transformer ?? null, `the FeatureUnion's ${JSON.stringify(name)}`);
      for (const step of f.dispatch.steps(t)) f.dispatch.transform(step, sub);
    }
    if (sub.codes) throw new UnsupportedModelError('a FeatureUnion whose transformer leaves codes');
    const w = weightOf(name);
    if (w !== undefined) {
      sub.x = f.b.op('Mul', [sub.x, double(f.b, f.b.fresh('weight'), [1], [w])]);
      sub.columns = sub.columns.map((c) => throughStep(c, (y) => y * w, 'a FeatureUnion weight', w > 0));
    }
    blocks.push(sub.x);
    notes.push(...sub.columns);
  }
  if (blocks.length === 0) throw new UnsupportedModelError('a FeatureUnion that keeps no columns');
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.columns = notes;
  f.width = notes.length;
}

const SCORE_FUNCTION = "a univariate selector's score function (named in its state, never called)";

export const family: Family = {
  family: 'feature selection',
  transformers: {
    VarianceThreshold: varianceThreshold,
    SelectKBest: univariate,
    SelectPercentile: univariate,
    SelectFpr: univariate,
    SelectFdr: univariate,
    SelectFwe: univariate,
    GenericUnivariateSelect: univariate,
    SelectFromModel: selectFromModel,
    SequentialFeatureSelector: supported,
    FeatureUnion: featureUnion,
  },
  finals: { RFE: recursive, RFECV: recursive },
  parts: {
    f_classif: SCORE_FUNCTION,
    f_regression: SCORE_FUNCTION,
    chi2: SCORE_FUNCTION,
    mutual_info_classif: SCORE_FUNCTION,
    mutual_info_regression: SCORE_FUNCTION,
    r_regression: SCORE_FUNCTION,
  },
};
