// Transformers beyond the scalers: PolynomialFeatures, Normalizer, Binarizer, KBinsDiscretizer,
// QuantileTransformer, PowerTransformer and MissingIndicator, in double precision as scikit-learn
// computes them.
import { attr, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { type Column, throughStep } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, double, type Family, type Flow, gather } from '../flow.js';
import { asFloat64, elementsOf } from '../numpy.js';
import { Estimator } from '../state.js';
import { NdArray, NpScalar } from '../values.js';
import { mixedColumns } from './decomposition.js';

const int64 = (f: Flow, dims: number[], values: readonly number[]) =>
  f.b.constant(tensor.int64(f.b.fresh('indices'), dims, values));

/** The features whose missing values reach a step that raises on NaN (scikit-learn's check_array). */
function refuseMissingHere(f: Flow, by: string): void {
  f.rules.refuseMissing(
    f.columns.flatMap((c) => c.nanFrom),
    by,
  );
}

function checkWidth(est: Estimator, f: Flow): void {
  const n = est.featureCount();
  if (n !== undefined && n !== f.width)
    throw new ModelImportError(`the ${est.name} was fitted on ${n} features, but ${f.width} reach it`);
}

/** Python's combinations (with replacement, or not) of range(n) taken k at a time, in its order. */
function combinations(n: number, k: number, replacement: boolean): number[][] {
  const out: number[][] = [];
  const walk = (start: number, prefix: number[]) => {
    if (prefix.length === k) {
      out.push(prefix);
      return;
    }
    for (let i = start; i < n; i++) walk(replacement ? i : i + 1, [...prefix, i]);
  };
  walk(0, []);
  return out;
}

/**
 * PolynomialFeatures: every product of the inputs of degree min..max (interaction_only: each input at
 * most once), in scikit-learn's order, the bias column first where include_bias. Each term is
 * prod_j x_j^p_j over the exponents powers_ holds: Pow of [N, 1, d] by [1, terms, d], then ReduceProd.
 */
function polynomialFeatures(est: Estimator, f: Flow): void {
  checkWidth(est, f);
  const d = f.width;
  const low = est.number('_min_degree', 0);
  const high = est.has('_max_degree') ? est.number('_max_degree') : est.number('degree', 2);
  const interactionOnly = est.raw('interaction_only') === true;
  const terms: number[][] = [];
  if (est.raw('include_bias') !== false) terms.push([]);
  for (let k = Math.max(1, low); k <= high; k++) terms.push(...combinations(d, k, !interactionOnly));
  if (terms.length === 0) throw new UnsupportedModelError('a PolynomialFeatures with no output column');
  const expected = est.number('n_output_features_', terms.length);
  if (expected !== terms.length)
    throw new ModelImportError(
      `the PolynomialFeatures makes ${expected} columns, but its degrees give ${terms.length}`,
    );
  const powers = new Float64Array(terms.length * d);
  terms.forEach((t, i) => {
    for (const j of t) powers[i * d + j] = (powers[i * d + j] as number) + 1;
  });
  refuseMissingHere(f, 'a PolynomialFeatures');
  const rows = f.b.op('Unsqueeze', [f.x, int64(f, [1], [1])]);
  const raised = f.b.op('Pow', [rows, double(f.b, f.b.fresh('powers'), [1, terms.length, d], powers)]);
  f.x = f.b.op('ReduceProd', [raised], [attr.ints('axes', [2]), attr.int('keepdims', 0)]);
  // A degree-1 term is its input unchanged (x^1 times ones); the other columns mix inputs.
  f.columns = terms.map((t): Column => {
    const src = t.length === 1 ? f.columns[t[0] as number] : undefined;
    return src ? { ...src, nanFrom: [] } : { nanFrom: [] };
  });
  f.width = terms.length;
}

/**
 * Normalizer: each row over its norm (l1: the sum of |x|, l2: the root of the sum of squares, max: the
 * largest |x|), a zero norm taken as 1 (scikit-learn's _handle_zeros_in_scale).
 */
function normalizer(est: Estimator, f: Flow): void {
  const norm = est.string('norm', 'l2');
  const axes = int64(f, [1], [1]);
  let n: string;
  if (norm === 'l1') n = f.b.op('ReduceSum', [f.b.op('Abs', [f.x]), axes], [attr.int('keepdims', 1)]);
  else if (norm === 'l2')
    n = f.b.op('Sqrt', [f.b.op('ReduceSum', [f.b.op('Mul', [f.x, f.x]), axes], [attr.int('keepdims', 1)])]);
  else if (norm === 'max')
    n = f.b.op('ReduceMax', [f.b.op('Abs', [f.x])], [attr.ints('axes', [1]), attr.int('keepdims', 1)]);
  else throw new UnsupportedModelError(`a Normalizer with norm=${JSON.stringify(norm)}`);
  const zero = f.b.op('Equal', [n, double(f.b, f.b.fresh('zero'), [1], [0])]);
  n = f.b.op('Where', [zero, double(f.b, f.b.fresh('one'), [1], [1]), n]);
  f.x = f.b.op('Div', [f.x, n]);
  f.columns = mixedColumns(f, f.width, 'a Normalizer');
}

/** Binarizer: 1 where x > threshold, else 0 (a NaN raises in scikit-learn). */
function binarizer(est: Estimator, f: Flow): void {
  const t = est.number('threshold', 0);
  refuseMissingHere(f, 'a Binarizer');
  f.x = cast(f.b, f.b.op('Greater', [f.x, double(f.b, f.b.fresh('threshold'), [1], [t])]), DataType.DOUBLE);
  f.columns = f.columns.map((c) => throughStep(c, (y) => (y > t ? 1 : 0), 'a Binarizer', true, false));
}

/** An object array of one float array per feature (KBinsDiscretizer's bin_edges_), as numbers. */
function perFeatureArrays(est: Estimator, name: string, width: number): Float64Array[] {
  const v = est.raw(name);
  const items = v instanceof NdArray ? elementsOf(v) : Array.isArray(v) ? v : undefined;
  if (!items || items.length !== width || !items.every((a) => a instanceof NdArray))
    throw new ModelImportError(
      `the ${est.name}'s ${name} does not hold one array for each of its ${width} features`,
    );
  return (items as NdArray[]).map((a) => asFloat64(a));
}

/**
 * KBinsDiscretizer: each value's bin, the number of inner edges at or below it (np.searchsorted(...,
 * side="right")); encode="ordinal" keeps the bin numbers, "onehot" and "onehot-dense" one column per
 * bin. With dtype=np.float32 the values are rounded to float32 first, as scikit-learn rounds them.
 */
function kBinsDiscretizer(est: Estimator, f: Flow): void {
  checkWidth(est, f);
  const edges = perFeatureArrays(est, 'bin_edges_', f.width);
  const encode = est.string('encode', 'onehot');
  if (!['ordinal', 'onehot', 'onehot-dense'].includes(encode))
    throw new UnsupportedModelError(`a KBinsDiscretizer with encode=${JSON.stringify(encode)}`);
  refuseMissingHere(f, 'a KBinsDiscretizer');
  const dtype = est.raw('dtype');
  const float32 =
    dtype !== undefined &&
    dtype !== null &&
    /float32/.test(String((dtype as { name?: string }).name ?? dtype));
  let x = f.x;
  if (float32) x = cast(f.b, cast(f.b, x, DataType.FLOAT), DataType.DOUBLE);
  const round = float32 ? Math.fround : (y: number) => y;
  const bins: string[] = [];
  const inner = edges.map((e) => Array.from(e.subarray(1, Math.max(1, e.length - 1))));
  inner.forEach((e, j) => {
    const column = gather(f.b, x, [j]);
    if (e.length === 0) {
      bins.push(f.b.op('Mul', [column, double(f.b, f.b.fresh('zero'), [1], [0])]));
      return;
    }
    const below = cast(
      f.b,
      f.b.op('LessOrEqual', [double(f.b, f.b.fresh('edges'), [1, e.length], e), column]),
      DataType.DOUBLE,
    );
    bins.push(f.b.op('ReduceSum', [below, int64(f, [1], [1])], [attr.int('keepdims', 1)]));
  });
  const ordinal = bins.length === 1 ? (bins[0] as string) : f.b.op('Concat', bins, [attr.int('axis', 1)]);
  const binOf = (j: number) => (y: number) => {
    const r = round(y);
    return (inner[j] as number[]).filter((e) => e <= r).length;
  };
  if (encode === 'ordinal') {
    f.x = ordinal;
    f.columns = f.columns.map((c, j) => throughStep(c, binOf(j), 'a KBinsDiscretizer', true, false));
    return;
  }
  const counts = inner.map((e) => e.length + 1);
  const blocks = counts.map((k, j) =>
    cast(
      f.b,
      f.b.op('Equal', [
        gather(f.b, ordinal, [j]),
        double(
          f.b,
          f.b.fresh('bins'),
          [1, k],
          Array.from({ length: k }, (_, i) => i),
        ),
      ]),
      DataType.DOUBLE,
    ),
  );
  f.x = blocks.length === 1 ? (blocks[0] as string) : f.b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = counts.reduce((a, b) => a + b, 0);
  f.columns = Array.from({ length: f.width }, () => ({ nanFrom: [] }));
}

/**
 * np.interp(x, xp, fp) of every column at once, xp and fp [n, d] (one increasing column per feature,
 * repeats allowed): j is the last index with xp[j] <= x, and the value fp[j] + slope_j * (x - xp[j]),
 * fp[0] below xp[0] and fp[n-1] from xp[n-1] up, as numpy computes it. NaN stays NaN.
 */
function interpolate(f: Flow, x: string, xp: Float64Array, fp: Float64Array, n: number, d: number): string {
  const slopes = new Float64Array(n * d);
  for (let j = 0; j + 1 < n; j++)
    for (let c = 0; c < d; c++) {
      const dx = (xp[(j + 1) * d + c] as number) - (xp[j * d + c] as number);
      // A repeated xp[j] is never the last one at or below x: its slope is never read.
      slopes[j * d + c] = dx > 0 ? ((fp[(j + 1) * d + c] as number) - (fp[j * d + c] as number)) / dx : 0;
    }
  const b = f.b;
  const rows = b.op('Unsqueeze', [x, int64(f, [1], [1])]);
  let index = int64(f, [1, d], new Array(d).fill(0));
  if (n > 1) {
    const upper = double(b, b.fresh('knots'), [1, n - 1, d], xp.subarray(d));
    const below = cast(b, b.op('LessOrEqual', [upper, rows]), DataType.INT64);
    index = b.op('ReduceSum', [below, int64(f, [1], [1])], [attr.int('keepdims', 0)]);
  }
  const flat = b.op('Add', [
    b.op('Mul', [index, int64(f, [1], [d])]),
    int64(
      f,
      [1, d],
      Array.from({ length: d }, (_, c) => c),
    ),
  ]);
  const at = (values: Float64Array, name: string) =>
    b.op('Gather', [double(b, b.fresh(name), [n * d], values), flat], [attr.int('axis', 0)]);
  let y = b.op('Add', [b.op('Mul', [at(slopes, 'slopes'), b.op('Sub', [x, at(xp, 'xp')])]), at(fp, 'fp')]);
  const first = (a: Float64Array) => a.subarray(0, d);
  const last = (a: Float64Array) => a.subarray((n - 1) * d);
  y = b.op('Where', [
    b.op('Less', [x, double(b, b.fresh('xp_low'), [1, d], first(xp))]),
    double(b, b.fresh('fp_low'), [1, d], first(fp)),
    y,
  ]);
  y = b.op('Where', [
    b.op('Greater', [x, double(b, b.fresh('xp_high'), [1, d], last(xp))]),
    double(b, b.fresh('fp_high'), [1, d], last(fp)),
    y,
  ]);
  return y;
}

/** The same np.interp for one number (the column notes' function). */
function interpolateOne(x: number, xp: readonly number[], fp: readonly number[]): number {
  const n = xp.length;
  if (Number.isNaN(x)) return x;
  if (x < (xp[0] as number)) return fp[0] as number;
  if (x > (xp[n - 1] as number)) return fp[n - 1] as number;
  let j = 0;
  for (let k = 1; k < n; k++) if ((xp[k] as number) <= x) j = k;
  if (j === n - 1) return fp[j] as number;
  const slope = ((fp[j + 1] as number) - (fp[j] as number)) / ((xp[j + 1] as number) - (xp[j] as number));
  return slope * (x - (xp[j] as number)) + (fp[j] as number);
}

// Acklam's rational approximation of the standard normal quantile: relative error below 1.2e-9, well
// inside the tolerance of the answers (onnxruntime has no double Erf to refine it with).
const ACKLAM = {
  a: [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ],
  b: [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572, 1],
  c: [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ],
  d: [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416, 1],
  low: 0.02425,
};

/** sklearn's BOUNDS_THRESHOLD: inputs this close to the first or last quantile map to 0 or 1. */
const BOUNDS_THRESHOLD = 1e-7;

function polynomial(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

/** The standard normal quantile of p in (0, 1), as the graph computes it. */
export function normalQuantile(p: number): number {
  const { a, b, c, d, low } = ACKLAM;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = polynomial(c, q) / polynomial(d, q);
  } else if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -polynomial(c, q) / polynomial(d, q);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (polynomial(a, r) * q) / polynomial(b, r);
  }
  return x;
}

/** The graph of normalQuantile over a tensor of probabilities (all three branches, then Where). */
function normalQuantileGraph(f: Flow, p: string): string {
  const b = f.b;
  const { a, b: bb, c, d, low } = ACKLAM;
  const k = (v: number) => double(b, b.fresh('c'), [1], [v]);
  const horner = (coefficients: readonly number[], x: string) => {
    let acc = k(coefficients[0] as number);
    for (const co of coefficients.slice(1)) acc = b.op('Add', [b.op('Mul', [acc, x]), k(co)]);
    return acc;
  };
  const q = b.op('Sub', [p, k(0.5)]);
  const r = b.op('Mul', [q, q]);
  const central = b.op('Div', [b.op('Mul', [horner(a, r), q]), horner(bb, r)]);
  const tail = (t: string) => {
    const s = b.op('Sqrt', [b.op('Mul', [k(-2), b.op('Log', [t])])]);
    return b.op('Div', [horner(c, s), horner(d, s)]);
  };
  const lower = tail(p);
  const upper = b.op('Neg', [tail(b.op('Sub', [k(1), p]))]);
  const x = b.op('Where', [
    b.op('Less', [p, k(low)]),
    lower,
    b.op('Where', [b.op('Greater', [p, k(1 - low)]), upper, central]),
  ]);
  return x;
}

/**
 * QuantileTransformer: per column the mean of np.interp over the quantiles upwards and downwards (so
 * repeated quantiles answer their middle). Uniform output: 0 and 1 exactly at the first and last
 * quantile. Normal output: 0 and 1 within 1e-7 of them, then the normal quantile, clipped where
 * scikit-learn clips it (the quantiles of 1e-7 - eps and its complement). NaN passes through, as
 * scikit-learn keeps it.
 */
function quantileTransformer(est: Estimator, f: Flow): void {
  checkWidth(est, f);
  const distribution = est.string('output_distribution', 'uniform');
  if (distribution !== 'uniform' && distribution !== 'normal')
    throw new UnsupportedModelError(
      `a QuantileTransformer with output_distribution=${JSON.stringify(distribution)}`,
    );
  const normal = distribution === 'normal';
  const q = est.matrix('quantiles_');
  const refs = est.matrix('references_').values;
  const [n, d] = q.shape as [number, number];
  if (q.shape.length !== 2 || d !== f.width || refs.length !== n)
    throw new ModelImportError(`the QuantileTransformer's quantiles_ do not match its ${f.width} features`);
  const fp = new Float64Array(n * d);
  const xpDown = new Float64Array(n * d);
  const fpDown = new Float64Array(n * d);
  for (let j = 0; j < n; j++)
    for (let c = 0; c < d; c++) {
      fp[j * d + c] = refs[j] as number;
      xpDown[j * d + c] = -(q.values[(n - 1 - j) * d + c] as number);
      fpDown[j * d + c] = -(refs[n - 1 - j] as number);
    }
  const b = f.b;
  const x = f.x;
  const up = interpolate(f, x, q.values, fp, n, d);
  const down = interpolate(f, b.op('Neg', [x]), xpDown, fpDown, n, d);
  let y = b.op('Mul', [b.op('Sub', [up, down]), double(b, b.fresh('half'), [1], [0.5])]);
  const lowest = q.values.subarray(0, d);
  const highest = q.values.subarray((n - 1) * d);
  const one = double(b, b.fresh('one'), [1], [1]);
  const zero = double(b, b.fresh('zero'), [1], [0]);
  const bound = (side: 'low' | 'high'): string => {
    const edge = double(b, b.fresh(`q_${side}`), [1, d], side === 'low' ? lowest : highest);
    if (!normal) return b.op('Equal', [x, edge]);
    const t = double(b, b.fresh('threshold'), [1], [BOUNDS_THRESHOLD]);
    return side === 'low'
      ? b.op('Less', [b.op('Sub', [x, t]), edge])
      : b.op('Greater', [b.op('Add', [x, t]), edge]);
  };
  y = b.op('Where', [bound('high'), one, y]);
  y = b.op('Where', [bound('low'), zero, y]);
  const pMin = BOUNDS_THRESHOLD - Number.EPSILON;
  const clipLow = normalQuantile(pMin);
  const clipHigh = normalQuantile(1 - pMin);
  if (normal) {
    // Probabilities past the clipping points give a quantile that is clipped anyway: clipped first, so
    // that 0 and 1 never reach the logarithm.
    y = b.op('Min', [
      b.op('Max', [y, double(b, b.fresh('p_low'), [1], [pMin])]),
      double(b, b.fresh('p_high'), [1], [1 - pMin]),
    ]);
    y = normalQuantileGraph(f, y);
    y = b.op('Min', [
      b.op('Max', [y, double(b, b.fresh('clip_low'), [1], [clipLow])]),
      double(b, b.fresh('clip_high'), [1], [clipHigh]),
    ]);
  }
  f.x = y;
  // A normal output is an approximation of scikit-learn's within 1.2e-9, not its exact double: it keeps
  // only its missing values in the notes (no encoder after it can list which numbers reach a category).
  f.columns = f.columns.map((col, c) => {
    if (normal) return { nanFrom: col.nanFrom };
    const xs = Array.from({ length: n }, (_, j) => q.values[j * d + c] as number);
    const r = Array.from(refs);
    const xsDown = xs.map((v) => -v).reverse();
    const rDown = r.map((v) => -v).reverse();
    const at = (v: number) => {
      if (Number.isNaN(v)) return v;
      if (v === xs[n - 1]) return 1;
      if (v === xs[0]) return 0;
      return 0.5 * (interpolateOne(v, xs, r) - interpolateOne(-v, xsDown, rDown));
    };
    return throughStep(col, at, 'a QuantileTransformer', true);
  });
}

/** One lambda's power transform of a column [N, 1] (and of one number, for the column notes). */
function powerColumn(
  f: Flow,
  x: string,
  method: string,
  l: number,
): { y: string; at: (v: number) => number } {
  const b = f.b;
  const c = (v: number) => double(b, b.fresh('c'), [1], [v]);
  const eps = Number.EPSILON;
  if (method === 'box-cox') {
    // Defined for positive numbers only (scikit-learn raises on the others): NaN, never served.
    const positive = b.op('Where', [b.op('Greater', [x, c(0)]), x, c(Number.NaN)]);
    const y =
      l === 0
        ? b.op('Log', [positive])
        : b.op('Div', [b.op('Sub', [b.op('Pow', [positive, c(l)]), c(1)]), c(l)]);
    return { y, at: (v) => (v > 0 ? (l === 0 ? Math.log(v) : (v ** l - 1) / l) : Number.NaN) };
  }
  const plus = b.op('Add', [x, c(1)]);
  const minus = b.op('Sub', [c(1), x]);
  const pos =
    Math.abs(l) < eps
      ? b.op('Log', [plus])
      : b.op('Div', [b.op('Sub', [b.op('Pow', [plus, c(l)]), c(1)]), c(l)]);
  const neg =
    Math.abs(l - 2) > eps
      ? b.op('Div', [b.op('Sub', [b.op('Pow', [minus, c(2 - l)]), c(1)]), c(l - 2)])
      : b.op('Neg', [b.op('Log', [minus])]);
  const y = b.op('Where', [b.op('GreaterOrEqual', [x, c(0)]), pos, neg]);
  return {
    y,
    at: (v) => {
      if (Number.isNaN(v)) return v;
      if (v >= 0) return Math.abs(l) < eps ? Math.log(v + 1) : ((v + 1) ** l - 1) / l;
      return Math.abs(l - 2) > eps ? ((1 - v) ** (2 - l) - 1) / (l - 2) : -Math.log(1 - v);
    },
  };
}

/** PowerTransformer: each column by its fitted lambdas_ (Yeo-Johnson or Box-Cox), then standardized. */
function powerTransformer(est: Estimator, f: Flow): void {
  checkWidth(est, f);
  const method = est.string('method', 'yeo-johnson');
  if (method !== 'yeo-johnson' && method !== 'box-cox')
    throw new UnsupportedModelError(`a PowerTransformer with method=${JSON.stringify(method)}`);
  const lambdas = est.matrix('lambdas_').values;
  if (lambdas.length !== f.width)
    throw new ModelImportError(`the PowerTransformer's lambdas_ do not match its ${f.width} features`);
  if (method === 'box-cox')
    for (const col of f.columns)
      f.rules.requireAtLeast(
        col,
        (y) => y > 0,
        "a PowerTransformer(method='box-cox')",
        'a number that is not positive',
      );
  const parts = Array.from(lambdas, (l, j) => powerColumn(f, gather(f.b, f.x, [j]), method, l));
  f.x =
    parts.length === 1
      ? (parts[0]?.y as string)
      : f.b.op(
          'Concat',
          parts.map((p) => p.y),
          [attr.int('axis', 1)],
        );
  let notes = f.columns.map((col, j) =>
    throughStep(col, (parts[j] as { at: (v: number) => number }).at, 'a PowerTransformer', true),
  );
  if (est.raw('standardize') !== false) {
    const scaler = est.estimator('_scaler');
    const mean = scaler.matrix('mean_').values;
    const scale = scaler.matrix('scale_').values;
    f.x = f.b.op('Sub', [f.x, double(f.b, f.b.fresh('mean'), [1, f.width], mean)]);
    f.x = f.b.op('Div', [f.x, double(f.b, f.b.fresh('scale'), [1, f.width], scale)]);
    notes = notes.map((col, j) =>
      throughStep(
        col,
        (y) => (y - (mean[j] as number)) / (scale[j] as number),
        'a PowerTransformer',
        (scale[j] as number) > 0,
      ),
    );
  }
  f.columns = notes;
}

/** One fitted scipy BSpline: knots t, coefficients c [nb, ns], degree k. */
interface Spline {
  t: Float64Array;
  c: Float64Array;
  k: number;
  nb: number;
  ns: number;
}

function splines(est: Estimator, width: number): Spline[] {
  const list = est.raw('bsplines_');
  if (!Array.isArray(list) || list.length !== width)
    throw new ModelImportError(
      `the SplineTransformer's bsplines_ do not hold one spline for each of its ${width} features`,
    );
  return list.map((v) => {
    const s = Estimator.of(v, "the SplineTransformer's spline");
    // scipy 1.15 keeps them as _t and _c (properties t and c), older ones as t and c.
    const t = s.matrix(s.has('_t') ? '_t' : 't').values;
    const c = s.matrix(s.has('_c') ? '_c' : 'c');
    const k = s.number('k');
    const nb = t.length - k - 1;
    if (c.shape.length !== 2 || c.shape[0] !== nb)
      throw new ModelImportError("the SplineTransformer's spline coefficients do not match its knots");
    return { t, c: c.values, k, nb, ns: c.shape[1] as number };
  });
}

/** The interval scipy evaluates x in: the last l in [k, nb - 1] with t[l] <= x (the end pieces beyond). */
function intervalOf(s: Spline, x: number): number {
  let l = s.k;
  for (let j = s.k + 1; j < s.nb; j++) if ((s.t[j] as number) <= x) l = j;
  return l;
}

/** The degree-m basis functions nonzero at x over interval l (scipy's _deBoor_D), by basis index. */
function basisAt(s: Spline, x: number, l: number, m: number): Float64Array {
  const h = new Float64Array(m + 1);
  h[0] = 1;
  for (let j = 1; j <= m; j++) {
    const hh = h.slice(0, j);
    h[0] = 0;
    for (let n = 1; n <= j; n++) {
      const xb = s.t[l + n] as number;
      const xa = s.t[l + n - j] as number;
      if (xb === xa) {
        h[n] = 0;
        continue;
      }
      const w = (hh[n - 1] as number) / (xb - xa);
      h[n - 1] = (h[n - 1] as number) + w * (xb - x);
      h[n] = w * (x - xa);
    }
  }
  const out = new Float64Array(s.nb + 1);
  for (let r = 0; r <= m; r++) out[l - m + r] = h[r] as number;
  return out;
}

/** The spline's value (nu = 0) or first derivative (nu = 1) at x, one per output column. */
function splineAt(s: Spline, x: number, nu: 0 | 1): number[] {
  const l = intervalOf(s, x);
  let basis: Float64Array;
  if (nu === 0) basis = basisAt(s, x, l, s.k);
  else {
    const lower = basisAt(s, x, l, s.k - 1);
    basis = new Float64Array(s.nb + 1);
    for (let i = 0; i < s.nb; i++) {
      const a = (s.t[i + s.k] as number) - (s.t[i] as number);
      const b = (s.t[i + s.k + 1] as number) - (s.t[i + 1] as number);
      basis[i] = s.k * ((a > 0 ? (lower[i] as number) / a : 0) - (b > 0 ? (lower[i + 1] as number) / b : 0));
    }
  }
  return Array.from({ length: s.ns }, (_, j) => {
    let v = 0;
    for (let i = 0; i < s.nb; i++) v += (basis[i] as number) * (s.c[i * s.ns + j] as number);
    return v;
  });
}

/** The graph of the basis functions at x [N, 1] over their intervals, then times c: [N, ns]. */
function splineGraph(f: Flow, s: Spline, x: string): string {
  const b = f.b;
  const knots = double(b, b.fresh('knots'), [s.t.length], s.t);
  let l = int64(f, [1, 1], [s.k]);
  if (s.nb - 1 > s.k) {
    const inner = Array.from(s.t.subarray(s.k + 1, s.nb));
    const below = cast(
      b,
      b.op('LessOrEqual', [double(b, b.fresh('inner_knots'), [1, inner.length], inner), x]),
      DataType.INT64,
    );
    l = b.op('Add', [b.op('ReduceSum', [below, int64(f, [1], [1])], [attr.int('keepdims', 1)]), l]);
  }
  const knotAt = (offset: number) =>
    b.op('Gather', [knots, b.op('Add', [l, int64(f, [1], [offset])])], [attr.int('axis', 0)]);
  const zero = double(b, b.fresh('zero'), [1], [0]);
  let h: string[] = [double(b, b.fresh('one'), [1], [1])];
  for (let j = 1; j <= s.k; j++) {
    const hh = h;
    const next: string[] = [zero];
    for (let n = 1; n <= j; n++) {
      const xb = knotAt(n);
      const xa = knotAt(n - j);
      const span = b.op('Sub', [xb, xa]);
      const w = b.op('Where', [b.op('Equal', [span, zero]), zero, b.op('Div', [hh[n - 1] as string, span])]);
      next[n - 1] = b.op('Add', [next[n - 1] as string, b.op('Mul', [w, b.op('Sub', [xb, x])])]);
      next[n] = b.op('Mul', [w, b.op('Sub', [x, xa])]);
    }
    h = next;
  }
  const positions = int64(
    f,
    [1, s.nb],
    Array.from({ length: s.nb }, (_, i) => i),
  );
  let basis = '';
  h.forEach((value, r) => {
    const at = b.op('Add', [l, int64(f, [1], [r - s.k])]);
    const term = b.op('Mul', [cast(b, b.op('Equal', [positions, at]), DataType.DOUBLE), value]);
    basis = basis ? b.op('Add', [basis, term]) : term;
  });
  return b.op('MatMul', [basis, double(b, b.fresh('coefficients'), [s.nb, s.ns], s.c)]);
}

/**
 * SplineTransformer: per feature its B-spline basis (scipy's evaluation: the interval, then de Boor's
 * recursion), extrapolated beyond the knots as `extrapolation` says (continue: the end pieces;
 * periodic: x wrapped into the base interval; constant: the end values; linear: the end tangents),
 * the last column of each feature dropped without include_bias, and NaN as zeros where
 * handle_missing="zeros" (else refused, as scikit-learn raises).
 */
function splineTransformer(est: Estimator, f: Flow): void {
  checkWidth(est, f);
  const mode = est.string('extrapolation', 'constant');
  if (!['constant', 'linear', 'continue', 'periodic'].includes(mode))
    throw new UnsupportedModelError(
      `a SplineTransformer with extrapolation=${JSON.stringify(mode)} (scikit-learn refuses rows beyond the knots, which modelgate's card cannot say)`,
    );
  const zeros = est.string('handle_missing', 'error') === 'zeros';
  if (!zeros) refuseMissingHere(f, 'a SplineTransformer');
  const all = splines(est, f.width);
  const degree = est.number('degree', 3);
  const bias = est.raw('include_bias') !== false;
  const b = f.b;
  const c = (v: number) => double(b, b.fresh('c'), [1], [v]);
  const blocks = all.map((s, j) => {
    let x = gather(b, f.x, [j]);
    const raw = x;
    // scikit-learn's linear extrapolation of degree 0 or 1 raises `degree` by one inside its loop over
    // the features, so every feature after the first takes its range from the next knots in.
    const d = mode === 'linear' && degree <= 1 && j > 0 ? degree + 1 : degree;
    const xmin = s.t[d] as number;
    const xmax = s.t[s.t.length - d - 1] as number;
    let y: string;
    if (mode === 'periodic') {
      const n = s.t.length - s.k - 1;
      const period = (s.t[n] as number) - (s.t[s.k] as number);
      if (period > 0) {
        // numpy's float %: fmod, moved into [0, period).
        const r = b.op('Mod', [b.op('Sub', [x, c(s.t[s.k] as number)]), c(period)], [attr.int('fmod', 1)]);
        const wrapped = b.op('Where', [b.op('Less', [r, c(0)]), b.op('Add', [r, c(period)]), r]);
        x = b.op('Add', [wrapped, c(s.t[s.k] as number)]);
      } else x = b.op('Mul', [x, c(0)]);
      y = splineGraph(f, s, x);
    } else if (mode === 'continue') y = splineGraph(f, s, x);
    else {
      const inside = splineGraph(f, s, b.op('Min', [b.op('Max', [x, c(xmin)]), c(xmax)]));
      const fMin = splineAt(s, xmin, 0);
      const fMax = splineAt(s, xmax, 0);
      const low = new Float64Array(s.ns);
      const lowSlope = new Float64Array(s.ns);
      const high = new Float64Array(s.ns);
      const highSlope = new Float64Array(s.ns);
      if (mode === 'constant')
        for (let i = 0; i < d; i++) {
          low[i] = fMin[i] as number;
          high[s.ns - d + i] = fMax[s.ns - d + i] as number;
        }
      else {
        const dMin = splineAt(s, xmin, 1);
        const dMax = splineAt(s, xmax, 1);
        const count = degree <= 1 ? degree + 1 : degree;
        for (let i = 0; i < count; i++) {
          low[i] = fMin[i] as number;
          lowSlope[i] = dMin[i] as number;
          const k = s.ns - 1 - i;
          high[k] = fMax[k] as number;
          highSlope[k] = dMax[k] as number;
        }
      }
      const row = (name: string, v: Float64Array) => double(b, b.fresh(name), [1, s.ns], v);
      const below = b.op('Add', [
        row('low', low),
        b.op('Mul', [b.op('Sub', [raw, c(xmin)]), row('low_slope', lowSlope)]),
      ]);
      const above = b.op('Add', [
        row('high', high),
        b.op('Mul', [b.op('Sub', [raw, c(xmax)]), row('high_slope', highSlope)]),
      ]);
      y = b.op('Where', [
        b.op('Less', [raw, c(xmin)]),
        below,
        b.op('Where', [b.op('Greater', [raw, c(xmax)]), above, inside]),
      ]);
    }
    if (zeros) y = b.op('Where', [b.op('IsNaN', [raw]), c(0), y]);
    if (!bias)
      y = gather(
        b,
        y,
        Array.from({ length: s.ns - 1 }, (_, i) => i),
      );
    return { y, width: bias ? s.ns : s.ns - 1 };
  });
  f.x =
    blocks.length === 1
      ? (blocks[0]?.y as string)
      : b.op(
          'Concat',
          blocks.map((p) => p.y),
          [attr.int('axis', 1)],
        );
  f.width = blocks.reduce((n, p) => n + p.width, 0);
  // Each column is one feature's spline, not monotone in it: no source the encoders could invert.
  f.columns = Array.from({ length: f.width }, () => ({ nanFrom: [] }));
}

/** The indices a fitted MissingIndicator marks (features_), as numbers. */
function indicatorFeatures(est: Estimator): number[] {
  const v = est.raw('features_');
  if (!(v instanceof NdArray)) throw new ModelImportError('the MissingIndicator has no array features_');
  return elementsOf(v).map((x) => Number(x instanceof NpScalar ? x.value : x));
}

/**
 * The 0/1 columns of a fitted MissingIndicator over the flow's columns as they are (NaN only): one per
 * feature in features_. With error_on_new (features="missing-only"), a missing value in another column
 * raises in scikit-learn: those features' missing values are refused.
 */
export function indicatorColumns(est: Estimator, f: Flow): { x: string; columns: Column[] } {
  const missing = est.raw('missing_values');
  if (!(typeof missing === 'number' && Number.isNaN(missing)))
    throw new UnsupportedModelError(
      'a MissingIndicator whose missing_values is not NaN (modelgate marks NaN only)',
    );
  const n = est.featureCount();
  if (n !== undefined && n !== f.width)
    throw new ModelImportError(`the MissingIndicator was fitted on ${n} features, but ${f.width} reach it`);
  const features = indicatorFeatures(est);
  if (features.some((i) => !Number.isInteger(i) || i < 0 || i >= f.width))
    throw new ModelImportError('the MissingIndicator marks a feature it was not fitted on');
  if (est.string('features', 'missing-only') === 'missing-only' && est.raw('error_on_new') !== false) {
    const marked = new Set(features);
    f.rules.refuseMissing(
      f.columns.flatMap((c, i) => (marked.has(i) ? [] : c.nanFrom)),
      'a MissingIndicator(error_on_new=True), which raises on missing values in a feature that had none when fitted',
    );
  }
  if (features.length === 0) return { x: '', columns: [] };
  return {
    x: cast(f.b, f.b.op('IsNaN', [gather(f.b, f.x, features)]), DataType.DOUBLE),
    columns: features.map(() => ({ nanFrom: [] })),
  };
}

function missingIndicator(est: Estimator, f: Flow): void {
  const { x, columns } = indicatorColumns(est, f);
  if (columns.length === 0) throw new UnsupportedModelError('a MissingIndicator that marks no feature');
  f.x = x;
  f.width = columns.length;
  f.columns = columns;
}

export const family: Family = {
  family: 'preprocessing',
  transformers: {
    PolynomialFeatures: polynomialFeatures,
    Normalizer: normalizer,
    Binarizer: binarizer,
    KBinsDiscretizer: kBinsDiscretizer,
    QuantileTransformer: quantileTransformer,
    PowerTransformer: powerTransformer,
    SplineTransformer: splineTransformer,
    MissingIndicator: missingIndicator,
  },
};
