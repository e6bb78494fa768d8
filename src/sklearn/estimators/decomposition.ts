// Linear projections: each output column a weighted sum of every input column (PCA, IncrementalPCA,
// TruncatedSVD, FactorAnalysis, FastICA, the random projections), and KernelPCA over its training
// rows.
import { attr, tensor } from '../../onnx/builder.js';
import type { Column } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow } from '../flow.js';
import { againstPoints } from '../points.js';
import type { Estimator, Matrix } from '../state.js';
import { NdArray, NpScalar, PyTuple } from '../values.js';

/**
 * The column notes after a step whose every output column mixes its inputs: no longer one feature's
 * image. `refusesMissing`: the step raises on NaN (scikit-learn's validate_data), so the features whose
 * missing values reach it are refused there and the new columns hold none.
 */
export function mixedColumns(f: Flow, width: number, by: string, refusesMissing = true): Column[] {
  const reaching = [...new Set(f.columns.flatMap((c) => c.nanFrom))];
  if (refusesMissing) f.rules.refuseMissing(reaching, by);
  return Array.from({ length: width }, () => ({ nanFrom: refusesMissing ? [] : reaching }));
}

/** A [rows, cols] matrix's shape, checked. */
export function shapeOf(est: Estimator, attrName: string, m: Matrix): [number, number] {
  if (m.shape.length !== 2) throw new ModelImportError(`the ${est.name}'s ${attrName} is not a matrix`);
  return m.shape as [number, number];
}

/** x · M^T for a [k, d] matrix M (scikit-learn's components_), in double. */
export function timesTransposed(f: Flow, m: Matrix, k: number, d: number, name = 'components'): string {
  const w = new Float64Array(d * k);
  for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) w[i * k + j] = m.values[j * d + i] as number;
  return f.b.op('MatMul', [f.x, double(f.b, f.b.fresh(name), [d, k], w)]);
}

function checkWidth(est: Estimator, d: number, f: Flow): void {
  if (d !== f.width)
    throw new ModelImportError(`the ${est.name} was fitted on ${d} features, but ${f.width} reach it`);
}

/** x - mean_ (the rows centred as the fitted estimator centres them). */
function centred(est: Estimator, f: Flow): string {
  const mean = est.matrix('mean_').values;
  if (mean.length !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s mean_ holds ${mean.length} values, ${f.width} features reach it`,
    );
  return f.b.op('Sub', [f.x, double(f.b, f.b.fresh('mean'), [1, f.width], mean)]);
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** The flow's matrix replaced by the step's output of `width` columns, mixing the inputs. */
function project(est: Estimator, f: Flow, x: string, width: number): void {
  f.columns = mixedColumns(f, width, article(est.name));
  f.x = x;
  f.width = width;
}

/**
 * PCA and IncrementalPCA (_BasePCA.transform): (x - mean_) · components_^T, and with whiten=True divided
 * by sqrt(explained_variance_), clipped below at the double epsilon as scikit-learn clips it.
 */
function pca(est: Estimator, f: Flow): void {
  const c = est.matrix('components_');
  const [k, d] = shapeOf(est, 'components_', c);
  checkWidth(est, d, f);
  f.x = centred(est, f);
  let y = timesTransposed(f, c, k, d);
  if (est.raw('whiten') === true) {
    const variance = est.matrix('explained_variance_').values;
    if (variance.length !== k)
      throw new ModelImportError(`the ${est.name}'s explained_variance_ does not match its ${k} components`);
    const scale = Array.from(variance, (v) => Math.max(Math.sqrt(v), Number.EPSILON));
    y = f.b.op('Div', [y, double(f.b, f.b.fresh('scale'), [1, k], scale)]);
  }
  project(est, f, y, k);
}

/** TruncatedSVD, GaussianRandomProjection: x · components_^T (no centring). */
function projection(est: Estimator, f: Flow): void {
  const c = est.matrix('components_');
  const [k, d] = shapeOf(est, 'components_', c);
  checkWidth(est, d, f);
  project(est, f, timesTransposed(f, c, k, d), k);
}

/** FastICA: x - mean_ where it whitened (whiten is not False), then · components_^T. */
function fastIca(est: Estimator, f: Flow): void {
  const c = est.matrix('components_');
  const [k, d] = shapeOf(est, 'components_', c);
  checkWidth(est, d, f);
  const whiten = est.raw('whiten');
  if (whiten !== false && whiten !== undefined && whiten !== null) f.x = centred(est, f);
  project(est, f, timesTransposed(f, c, k, d), k);
}

/** The inverse of a small square matrix (Gauss-Jordan with partial pivoting), rows in C order. */
export function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r * n + col] as number) > Math.abs(m[pivot * n + col] as number)) pivot = r;
    const p = m[pivot * n + col] as number;
    if (p === 0 || !Number.isFinite(p)) throw new ModelImportError('a fitted matrix that has no inverse');
    if (pivot !== col)
      for (let j = 0; j < n; j++) {
        [m[col * n + j], m[pivot * n + j]] = [m[pivot * n + j] as number, m[col * n + j] as number];
        [inv[col * n + j], inv[pivot * n + j]] = [inv[pivot * n + j] as number, inv[col * n + j] as number];
      }
    for (let j = 0; j < n; j++) {
      m[col * n + j] = (m[col * n + j] as number) / p;
      inv[col * n + j] = (inv[col * n + j] as number) / p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r * n + col] as number;
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) {
        m[r * n + j] = (m[r * n + j] as number) - factor * (m[col * n + j] as number);
        inv[r * n + j] = (inv[r * n + j] as number) - factor * (inv[col * n + j] as number);
      }
    }
  }
  return inv;
}

/**
 * FactorAnalysis.transform: with W = components_ [k, d], psi = noise_variance_ and Wpsi = W / psi,
 * ((x - mean_) · Wpsi^T) · inv(I + Wpsi · W^T).
 */
function factorAnalysis(est: Estimator, f: Flow): void {
  const w = est.matrix('components_');
  const [k, d] = shapeOf(est, 'components_', w);
  checkWidth(est, d, f);
  const psi = est.matrix('noise_variance_').values;
  if (psi.length !== d)
    throw new ModelImportError(`the FactorAnalysis's noise_variance_ does not match its ${d} features`);
  const wpsi = new Float64Array(k * d);
  for (let j = 0; j < k; j++)
    for (let i = 0; i < d; i++) wpsi[j * d + i] = (w.values[j * d + i] as number) / (psi[i] as number);
  const core = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let c = 0; c < k; c++) {
      let s = a === c ? 1 : 0;
      for (let i = 0; i < d; i++) s += (wpsi[a * d + i] as number) * (w.values[c * d + i] as number);
      core[a * k + c] = s;
    }
  const cov = inverse(core, k);
  f.x = centred(est, f);
  const tmp = timesTransposed(f, { values: wpsi, shape: [k, d] }, k, d, 'wpsi');
  project(est, f, f.b.op('MatMul', [tmp, double(f.b, f.b.fresh('cov_z'), [k, k], cov)]), k);
}

/** A kernel matrix [N, n] centred as the fitted KernelCenterer centres it. */
function centredKernel(centerer: Estimator, f: Flow, K: string, n: number): string {
  const b = f.b;
  const rows = centerer.matrix('K_fit_rows_').values;
  const all = centerer.number('K_fit_all_');
  if (rows.length !== n)
    throw new ModelImportError(`the KernelCenterer was fitted on ${rows.length} rows, ${n} columns reach it`);
  const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
  const means = b.op('Div', [
    b.op('ReduceSum', [K, axes], [attr.int('keepdims', 1)]),
    double(b, b.fresh('rows'), [1], [n]),
  ]);
  const less = b.op('Sub', [K, double(b, b.fresh('k_fit_rows'), [1, n], rows)]);
  return b.op('Add', [b.op('Sub', [less, means]), double(b, b.fresh('k_fit_all'), [1], [all])]);
}

/**
 * The kernel of the rows against stored points [n, d] (scikit-learn's pairwise_kernels): linear, rbf,
 * poly, sigmoid, or cosine (both sides over their L2 norms, a zero row left as it is).
 */
export function kernelAgainst(
  f: Flow,
  fit: Matrix,
  kernel: string,
  gamma: number,
  coef0: number,
  degree: number,
): string {
  const b = f.b;
  const [n, d] = fit.shape as [number, number];
  const scalar = (name: string, v: number) => double(b, b.fresh(name), [1], [v]);
  let K: string;
  if (kernel === 'cosine') {
    // Rows over their L2 norms (a zero row left as it is), then the dot products.
    const unit = (values: Float64Array) => {
      const out = Float64Array.from(values);
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += (values[r * d + c] as number) ** 2;
        const norm = Math.sqrt(s) || 1;
        for (let c = 0; c < d; c++) out[r * d + c] = (values[r * d + c] as number) / norm;
      }
      return out;
    };
    const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
    let norm = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [f.x, f.x]), axes], [attr.int('keepdims', 1)])]);
    norm = b.op('Where', [b.op('Equal', [norm, scalar('zero', 0)]), scalar('one', 1), norm]);
    K = againstPoints(b, b.op('Div', [f.x, norm]), { values: unit(fit.values), shape: [n, d] }, 'fit').dot;
  } else {
    const points = againstPoints(b, f.x, fit, 'fit');
    if (kernel === 'linear') K = points.dot;
    else if (kernel === 'rbf')
      K = b.op('Exp', [b.op('Mul', [points.squaredDistances(), scalar('neg_gamma', -gamma)])]);
    else {
      const scaled = b.op('Add', [b.op('Mul', [points.dot, scalar('gamma', gamma)]), scalar('coef0', coef0)]);
      K = kernel === 'poly' ? b.op('Pow', [scaled, scalar('degree', degree)]) : b.op('Tanh', [scaled]);
    }
  }
  return K;
}

/**
 * KernelPCA: the kernel of the rows against X_fit_ (linear, rbf, poly, sigmoid, cosine), centred by
 * its fitted KernelCenterer (K - K_fit_rows_ - row means + K_fit_all_), times the eigenvectors over the
 * root of their eigenvalues (the zero ones left at 0).
 */
function kernelPca(est: Estimator, f: Flow): void {
  const kernel = est.raw('kernel');
  if (typeof kernel !== 'string' || !['linear', 'rbf', 'poly', 'sigmoid', 'cosine'].includes(kernel))
    throw new UnsupportedModelError(
      `a KernelPCA with kernel=${typeof kernel === 'string' ? JSON.stringify(kernel) : 'a function'} (modelgate converts linear, rbf, poly, sigmoid and cosine)`,
    );
  const fit = est.matrix('X_fit_');
  const [n, d] = shapeOf(est, 'X_fit_', fit);
  checkWidth(est, d, f);
  const b = f.b;
  const gamma = est.number('gamma_', est.has('gamma') ? est.number('gamma') : 1 / d);
  const coef0 = est.number('coef0', 1);
  const degree = est.number('degree', 3);
  let K = kernelAgainst(f, fit, kernel, gamma, coef0, degree);
  K = centredKernel(est.estimator('_centerer'), f, K, n);
  const vectors = est.matrix('eigenvectors_');
  const values = est.matrix('eigenvalues_').values;
  const [vn, k] = shapeOf(est, 'eigenvectors_', vectors);
  if (vn !== n || values.length !== k)
    throw new ModelImportError(
      "the KernelPCA's eigenvectors_ do not match its training rows and eigenvalues_",
    );
  const scaled = new Float64Array(n * k);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < k; c++) {
      const v = values[c] as number;
      scaled[r * k + c] = v === 0 ? 0 : (vectors.values[r * k + c] as number) / Math.sqrt(v);
    }
  project(est, f, b.op('MatMul', [K, double(b, b.fresh('alphas'), [n, k], scaled)]), k);
}

/** A scipy CSR matrix (its state: _shape, indices, indptr, data) as a dense [rows, cols] matrix. */
function denseOfCsr(est: Estimator, attrName: string, width: number): Matrix {
  const m = est.estimator(attrName);
  const shape = m.raw('_shape');
  const [rows, cols] = (shape instanceof PyTuple ? shape.items : []).map((v) =>
    Number(v instanceof NpScalar ? v.value : v),
  );
  const indices = m.matrix('indices').values;
  const indptr = m.matrix('indptr').values;
  const data = m.matrix('data').values;
  if (
    !Number.isInteger(rows) ||
    !Number.isInteger(cols) ||
    indptr.length !== (rows as number) + 1 ||
    // bounded before it is written out: as wide as the features reaching it, one row per entry of indptr
    cols !== width ||
    indices.length !== data.length
  )
    throw new ModelImportError(`the ${est.name}'s ${attrName} is not a sparse matrix it can read`);
  const values = new Float64Array((rows as number) * (cols as number));
  for (let r = 0; r < (rows as number); r++)
    for (let p = indptr[r] as number; p < (indptr[r + 1] as number); p++) {
      const c = indices[p] as number;
      if (!(c >= 0 && c < (cols as number)))
        throw new ModelImportError(`the ${est.name}'s ${attrName} has a column outside its shape`);
      values[r * (cols as number) + c] = (values[r * (cols as number) + c] as number) + (data[p] as number);
    }
  return { values, shape: [rows as number, cols as number] };
}

/** SparseRandomProjection: x · components_^T, its sparse components_ written out dense. */
function sparseProjection(est: Estimator, f: Flow): void {
  const raw = est.raw('components_');
  const c = raw instanceof NdArray ? est.matrix('components_') : denseOfCsr(est, 'components_', f.width);
  const [k, d] = shapeOf(est, 'components_', c);
  checkWidth(est, d, f);
  project(est, f, timesTransposed(f, c, k, d), k);
}

/** RBFSampler and SkewedChi2Sampler: cos(x . random_weights_ + random_offset_) * sqrt(2 / n_components). */
function randomFeatures(est: Estimator, f: Flow): void {
  const w = est.matrix('random_weights_');
  const [d, k] = shapeOf(est, 'random_weights_', w);
  checkWidth(est, d, f);
  const b = f.b;
  let x = f.x;
  if (est.name === 'SkewedChi2Sampler') {
    // log(x + skewedness); scikit-learn raises at or below -skewedness: refused on the request, and NaN
    // in the graph should a number get there.
    const skew = est.number('skewedness', 1);
    for (const col of f.columns)
      f.rules.requireAtLeast(
        col,
        (y) => y > -skew,
        'a SkewedChi2Sampler',
        `a number at or below -skewedness (${-skew})`,
      );
    const shifted = b.op('Add', [x, double(b, b.fresh('skewedness'), [1], [skew])]);
    const positive = b.op('Greater', [shifted, double(b, b.fresh('zero'), [1], [0])]);
    x = b.op('Log', [b.op('Where', [positive, shifted, double(b, b.fresh('nan'), [1], [Number.NaN])])]);
  }
  let y = b.op('MatMul', [x, double(b, b.fresh('random_weights'), [d, k], w.values)]);
  y = b.op('Add', [y, double(b, b.fresh('random_offset'), [1, k], est.matrix('random_offset_').values)]);
  const n = est.number('n_components', k);
  const factor = est.name === 'SkewedChi2Sampler' ? Math.sqrt(2) / Math.sqrt(n) : (2 / n) ** 0.5;
  project(est, f, b.op('Mul', [b.op('Cos', [y]), double(b, b.fresh('scale'), [1], [factor])]), k);
}

/** pairwise_kernels' names for the kernels kernelAgainst computes, as Nystroem and KernelRidge name them. */
export const PAIRWISE_KERNELS: Record<string, string> = {
  linear: 'linear',
  rbf: 'rbf',
  poly: 'poly',
  polynomial: 'poly',
  sigmoid: 'sigmoid',
  cosine: 'cosine',
};

/** Nystroem: the kernel against its components_ (pairwise_kernels' defaults for unset parameters), times normalization_^T. */
function nystroem(est: Estimator, f: Flow): void {
  const name = est.raw('kernel');
  const kernel = typeof name === 'string' ? PAIRWISE_KERNELS[name] : undefined;
  if (!kernel)
    throw new UnsupportedModelError(
      `a Nystroem with kernel=${typeof name === 'string' ? JSON.stringify(name) : 'a function'} (modelgate converts linear, rbf, poly, sigmoid and cosine)`,
    );
  if (est.has('kernel_params'))
    throw new UnsupportedModelError(
      'a Nystroem with kernel_params (modelgate reads gamma, coef0 and degree)',
    );
  const points = est.matrix('components_');
  const [n, d] = shapeOf(est, 'components_', points);
  checkWidth(est, d, f);
  const K = kernelAgainst(
    f,
    points,
    kernel,
    est.has('gamma') ? est.number('gamma') : 1 / d,
    est.has('coef0') ? est.number('coef0') : 1,
    est.has('degree') ? est.number('degree') : 3,
  );
  const norm = est.matrix('normalization_');
  const [k, nn] = shapeOf(est, 'normalization_', norm);
  if (nn !== n) throw new ModelImportError("the Nystroem's normalization_ does not match its components_");
  project(est, f, timesTransposed({ ...f, x: K }, norm, k, n, 'normalization'), k);
}

/**
 * SparsePCA and MiniBatchSparsePCA: the ridge regression of the centred rows on the components
 * (ridge_regression, no intercept): (x - mean_) . C^T . inv(C C^T + ridge_alpha I).
 */
function sparsePca(est: Estimator, f: Flow): void {
  const c = est.matrix('components_');
  const [k, d] = shapeOf(est, 'components_', c);
  checkWidth(est, d, f);
  const alpha = est.number('ridge_alpha', 0.01);
  const gram = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let e = 0; e < k; e++) {
      let v = a === e ? alpha : 0;
      for (let i = 0; i < d; i++) v += (c.values[a * d + i] as number) * (c.values[e * d + i] as number);
      gram[a * k + e] = v;
    }
  const inv = inverse(gram, k);
  f.x = centred(est, f);
  const y = timesTransposed(f, c, k, d);
  project(est, f, f.b.op('MatMul', [y, double(f.b, f.b.fresh('ridge'), [k, k], inv)]), k);
}

/**
 * AdditiveChi2Sampler: per value x >= 0, sqrt(x s), then for j = 1 .. steps - 1 the pair
 * f cos(j s log x), f sin(j s log x) with f = sqrt(2 x s / cosh(pi j s)); 0 stays 0. A negative value,
 * which scikit-learn refuses, becomes NaN.
 */
function additiveChi2(est: Estimator, f: Flow): void {
  const steps = est.number('sample_steps', 2);
  const given = est.raw('sample_interval');
  const interval =
    given !== null && given !== undefined
      ? est.number('sample_interval')
      : ({ 1: 0.8, 2: 0.5, 3: 0.4 } as Record<number, number>)[steps];
  if (interval === undefined || !Number.isInteger(steps) || steps < 1)
    throw new UnsupportedModelError(
      `an AdditiveChi2Sampler with sample_steps=${steps} and no sample_interval`,
    );
  const b = f.b;
  const c = (v: number) => double(b, b.fresh('c'), [1], [v]);
  const reaching = f.columns.flatMap((col) => col.nanFrom);
  f.rules.refuseMissing(reaching, 'an AdditiveChi2Sampler');
  for (const col of f.columns)
    f.rules.requireAtLeast(col, (y) => y >= 0, 'an AdditiveChi2Sampler', 'a negative number');
  const x = b.op('Where', [b.op('Less', [f.x, c(0)]), c(Number.NaN), f.x]);
  const zero = b.op('Equal', [x, c(0)]);
  const nonZero = (y: string) => b.op('Where', [zero, c(0), y]);
  const blocks = [nonZero(b.op('Sqrt', [b.op('Mul', [x, c(interval)])]))];
  const logStep = b.op('Mul', [b.op('Log', [x]), c(interval)]);
  const step = b.op('Mul', [x, c(2 * interval)]);
  for (let j = 1; j < steps; j++) {
    const factor = b.op('Sqrt', [b.op('Div', [step, c(Math.cosh(Math.PI * j * interval))])]);
    const angle = b.op('Mul', [logStep, c(j)]);
    blocks.push(nonZero(b.op('Mul', [factor, b.op('Cos', [angle])])));
    blocks.push(nonZero(b.op('Mul', [factor, b.op('Sin', [angle])])));
  }
  const width = f.width * (2 * steps - 1);
  f.x = blocks.length === 1 ? (blocks[0] as string) : b.op('Concat', blocks, [attr.int('axis', 1)]);
  f.width = width;
  f.columns = Array.from({ length: width }, () => ({ nanFrom: [] }));
}

export const family: Family = {
  family: 'decomposition',
  transformers: {
    PCA: pca,
    IncrementalPCA: pca,
    TruncatedSVD: projection,
    GaussianRandomProjection: projection,
    SparseRandomProjection: sparseProjection,
    FastICA: fastIca,
    FactorAnalysis: factorAnalysis,
    KernelPCA: kernelPca,
    SparsePCA: sparsePca,
    MiniBatchSparsePCA: sparsePca,
    RBFSampler: randomFeatures,
    SkewedChi2Sampler: randomFeatures,
    Nystroem: nystroem,
    AdditiveChi2Sampler: additiveChi2,
  },
  refused: {
    NMF: 'its transform solves a non-negative least-squares problem per row by iterations',
    MiniBatchNMF: 'its transform solves a non-negative least-squares problem per row by iterations',
    LatentDirichletAllocation: 'its transform runs variational inference per row by iterations',
    DictionaryLearning: 'its transform solves a sparse coding problem per row (lasso or OMP)',
    MiniBatchDictionaryLearning: 'its transform solves a sparse coding problem per row (lasso or OMP)',
    SparseCoder: 'its transform solves a sparse coding problem per row (lasso or OMP)',
    PolynomialCountSketch: 'its transform multiplies count sketches through a Fourier transform',
  },
  parts: {
    // As a step of its own it needs a square kernel matrix at fit: no Pipeline over features has one.
    KernelCenterer: "a KernelPCA's centring of its kernel",
  },
};
