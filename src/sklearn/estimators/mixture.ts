// Gaussian mixtures: GaussianMixture and BayesianGaussianMixture, every covariance_type. predict is the
// argmax of the weighted log probabilities (the first on ties, as numpy's argmax), predict_proba their
// softmax (scikit-learn's exp(w - logsumexp(w))). The log probabilities follow
// _estimate_log_gaussian_prob term by term (full and tied: |x·P - μ·P|²; diag and spherical: the
// expanded squares scikit-learn sums), from means_ and precisions_cholesky_ P; everything that does not
// depend on the row (the log determinants, log weights_, and the Bayesian mixture's digamma terms of
// weight_concentration_, degrees_of_freedom_ and mean_precision_) is computed here once, as constants.
import { attr, tensor } from '../../onnx/builder.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type TaskOutput } from '../flow.js';
import { asFloat64 } from '../numpy.js';
import type { Estimator } from '../state.js';
import { NdArray, PyTuple } from '../values.js';

/**
 * ψ(x), the digamma function, for x > 0: the recurrence ψ(x) = ψ(x + 1) - 1/x up to x >= 10, then the
 * asymptotic series ln x - 1/(2x) - Σ B_2n / (2n x^2n) to the x^-14 term (error below 1e-16 there).
 */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma is computed for positive arguments only, not ${x}`);
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  const series =
    inv2 *
    (1 / 12 -
      inv2 *
        (1 / 120 -
          inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760 - inv2 / 12))))));
  return shift + Math.log(x) - 0.5 / x - series;
}

const COVARIANCE_TYPES = ['full', 'tied', 'diag', 'spherical'] as const;
type CovarianceType = (typeof COVARIANCE_TYPES)[number];

function vector(est: Estimator, attribute: string, k: number): Float64Array {
  const v = est.matrix(attribute);
  if (v.shape.length !== 1 || v.values.length !== k)
    throw new ModelImportError(
      `the ${est.name}'s ${attribute} of shape (${v.shape.join(', ')}) is not one value per component (${k})`,
    );
  return v.values;
}

/** The log of a Cholesky factor's diagonal entry, which must be positive. */
function logDiagonal(est: Estimator, v: number): number {
  if (!(v > 0))
    throw new ModelImportError(
      `the ${est.name}'s precisions_cholesky_ has a diagonal entry ${v}: not the Cholesky factor of a positive-definite precision`,
    );
  return Math.log(v);
}

/**
 * _estimate_log_gaussian_prob's row-dependent part, the squared Mahalanobis distance to each component
 * [N, k], and its constant part per component (the log determinant of the Cholesky factor).
 */
function gaussian(
  est: Estimator,
  f: Flow,
  type: CovarianceType,
  k: number,
): { squares: string; logDet: Float64Array } {
  const d = f.width;
  const means = est.matrix('means_');
  if (means.shape.length !== 2 || means.shape[0] !== k || means.shape[1] !== d)
    throw new ModelImportError(
      `the ${est.name}'s means_ of shape (${means.shape.join(', ')}) is not ${k} components of ${d} features`,
    );
  const mu = means.values;
  const p = est.matrix('precisions_cholesky_');
  const expected = { full: [k, d, d], tied: [d, d], diag: [k, d], spherical: [k] }[type];
  if (p.shape.length !== expected.length || p.shape.some((n, i) => n !== expected[i]))
    throw new ModelImportError(
      `the ${est.name}'s precisions_cholesky_ of shape (${p.shape.join(', ')}) does not fit covariance_type='${type}' with ${k} components of ${d} features (${expected.join(', ')})`,
    );
  const P = p.values;
  const { b } = f;
  const axes = (a: number) => b.constant(tensor.int64(b.fresh('axes'), [1], [a]));
  const logDet = new Float64Array(k);
  if (type === 'full' || type === 'tied') {
    // y = x·P_k - μ_k·P_k, as scikit-learn subtracts the two products; |y|² per component.
    const at = (c: number, i: number, j: number) =>
      P[(type === 'full' ? c * d * d : 0) + i * d + j] as number;
    const shift = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      let det = 0;
      for (let i = 0; i < d; i++) det += logDiagonal(est, at(c, i, i));
      logDet[c] = det;
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += (mu[c * d + i] as number) * at(c, i, j);
        shift[c * d + j] = s;
      }
    }
    let products: string;
    if (type === 'full') {
      // [d, k·d]: component c's factor in columns c·d to c·d + d - 1.
      const w = new Float64Array(d * k * d);
      for (let c = 0; c < k; c++)
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) w[i * k * d + c * d + j] = at(c, i, j);
      products = b.op('Reshape', [
        b.op('MatMul', [f.x, double(b, b.fresh('precisions_cholesky'), [d, k * d], w)]),
        b.constant(tensor.int64(b.fresh('shape'), [3], [0, k, d])),
      ]);
    } else {
      const xp = b.op('MatMul', [f.x, double(b, b.fresh('precisions_cholesky'), [d, d], P)]);
      products = b.op('Unsqueeze', [xp, axes(1)]);
    }
    const y = b.op('Sub', [products, double(b, b.fresh('mean_products'), [k, d], shift)]);
    const squares = b.op('ReduceSum', [b.op('Mul', [y, y]), axes(2)], [attr.int('keepdims', 0)]);
    return { squares, logDet };
  }
  if (type === 'diag') {
    // Σ μ²·prec - 2 x·(μ·prec)ᵀ + x²·precᵀ, prec = P², in scikit-learn's order.
    const prec = P.map((v) => v * v);
    const constant = new Float64Array(k);
    const weighted = new Float64Array(d * k);
    const precT = new Float64Array(d * k);
    for (let c = 0; c < k; c++) {
      let det = 0;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const m = mu[c * d + j] as number;
        const q = prec[c * d + j] as number;
        det += logDiagonal(est, P[c * d + j] as number);
        s += m * m * q;
        weighted[j * k + c] = m * q;
        precT[j * k + c] = q;
      }
      logDet[c] = det;
      constant[c] = s;
    }
    const cross = b.op('Mul', [
      b.op('MatMul', [f.x, double(b, b.fresh('weighted_means'), [d, k], weighted)]),
      double(b, b.fresh('two'), [1], [2]),
    ]);
    const squares = b.op('Add', [
      b.op('Sub', [double(b, b.fresh('mean_terms'), [k], constant), cross]),
      b.op('MatMul', [b.op('Mul', [f.x, f.x]), double(b, b.fresh('precisions'), [d, k], precT)]),
    ]);
    return { squares, logDet };
  }
  // spherical: Σ μ² · prec - 2 (x·μᵀ · prec) + ||x||² ⊗ prec.
  const prec = P.map((v) => v * v);
  const constant = new Float64Array(k);
  const meansT = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    logDet[c] = d * logDiagonal(est, P[c] as number);
    let s = 0;
    for (let j = 0; j < d; j++) {
      const m = mu[c * d + j] as number;
      s += m * m;
      meansT[j * k + c] = m;
    }
    constant[c] = s * (prec[c] as number);
  }
  const precisions = double(b, b.fresh('precisions'), [k], prec);
  const cross = b.op('Mul', [
    b.op('Mul', [b.op('MatMul', [f.x, double(b, b.fresh('means'), [d, k], meansT)]), precisions]),
    double(b, b.fresh('two'), [1], [2]),
  ]);
  const norms = b.op('ReduceSum', [b.op('Mul', [f.x, f.x]), axes(1)], [attr.int('keepdims', 1)]);
  const squares = b.op('Add', [
    b.op('Sub', [double(b, b.fresh('mean_terms'), [k], constant), cross]),
    b.op('Mul', [norms, precisions]),
  ]);
  return { squares, logDet };
}

function covarianceType(est: Estimator): CovarianceType {
  const type = est.string('covariance_type', 'full');
  if (!(COVARIANCE_TYPES as readonly string[]).includes(type))
    throw new UnsupportedModelError(`a ${est.name} with covariance_type=${JSON.stringify(type)}`);
  return type as CovarianceType;
}

/** A weight_concentration_ array, or each of the pair of the Dirichlet process. */
function concentration(est: Estimator, value: unknown, k: number): Float64Array {
  if (!(value instanceof NdArray) || value.shape.length !== 1 || value.size !== k)
    throw new ModelImportError(
      `the ${est.name}'s weight_concentration_ is not one value per component (${k})`,
    );
  return asFloat64(value);
}

/** BayesianGaussianMixture._estimate_log_weights: the expected log weights from weight_concentration_. */
function bayesianLogWeights(est: Estimator, k: number): Float64Array {
  const raw = est.raw('weight_concentration_');
  const psi = (v: number) => {
    if (!(v > 0))
      throw new ModelImportError(`the ${est.name}'s weight_concentration_ holds ${v}, which is not positive`);
    return digamma(v);
  };
  const out = new Float64Array(k);
  if (est.string('weight_concentration_prior_type', 'dirichlet_process') === 'dirichlet_process') {
    if (!(raw instanceof PyTuple) || raw.items.length !== 2)
      throw new ModelImportError(
        `the ${est.name}'s weight_concentration_ is not the pair of arrays of a Dirichlet process`,
      );
    const a = concentration(est, raw.items[0], k);
    const bb = concentration(est, raw.items[1], k);
    // ψ(a) - ψ(a + b) + [0, cumsum(ψ(b) - ψ(a + b))[:-1]]
    let cumulative = 0;
    for (let c = 0; c < k; c++) {
      const sum = psi((a[c] as number) + (bb[c] as number));
      out[c] = psi(a[c] as number) - sum + cumulative;
      cumulative += psi(bb[c] as number) - sum;
    }
    return out;
  }
  const w = concentration(est, raw, k);
  let total = 0;
  for (const v of w) total += v;
  const psiTotal = psi(total);
  for (let c = 0; c < k; c++) out[c] = psi(w[c] as number) - psiTotal;
  return out;
}

/**
 * BayesianGaussianMixture._estimate_log_prob's constants: -½ d log ν_k (the precisions are normalized)
 * and ½ (d log 2 + Σ_j ψ(½ (ν_k - j)) - d / β_k), with ν degrees_of_freedom_ and β mean_precision_
 * (broadcast over the components, as numpy does, where ν is one number).
 */
function bayesianLogProbTerms(est: Estimator, k: number, d: number): Float64Array {
  // One number for covariance_type='tied' (one precision matrix), else one per component.
  const dof =
    est.raw('degrees_of_freedom_') instanceof NdArray
      ? vector(est, 'degrees_of_freedom_', k)
      : new Float64Array(k).fill(est.number('degrees_of_freedom_'));
  const beta = vector(est, 'mean_precision_', k);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const nu = dof[c] as number;
    if (!(nu > d - 1) || !((beta[c] as number) > 0))
      throw new ModelImportError(
        `the ${est.name}'s degrees_of_freedom_ (${nu}) or mean_precision_ (${beta[c]}) of component ${c} is out of range for ${d} features`,
      );
    let logLambda = d * Math.log(2);
    for (let j = 0; j < d; j++) logLambda += digamma(0.5 * (nu - j));
    out[c] = -0.5 * d * Math.log(nu) + 0.5 * (logLambda - d / (beta[c] as number));
  }
  return out;
}

function mixture(est: Estimator, f: Flow): TaskOutput {
  const type = covarianceType(est);
  const k = est.matrix('weights_').values.length;
  if (k < 1) throw new ModelImportError(`the ${est.name} has no components`);
  const d = f.width;
  const { squares, logDet } = gaussian(est, f, type, k);
  const bayesian = est.name === 'BayesianGaussianMixture';
  const logWeights = bayesian ? bayesianLogWeights(est, k) : vector(est, 'weights_', k).map(Math.log);
  const extra = bayesian ? bayesianLogProbTerms(est, k, d) : new Float64Array(k);
  const constant = new Float64Array(k);
  for (let c = 0; c < k; c++)
    constant[c] = (logDet[c] as number) + (extra[c] as number) + (logWeights[c] as number);
  const { b } = f;
  // -½ (d log 2π + squares) + the constants: the weighted log probabilities [N, k].
  const weighted = b.op('Add', [
    b.op('Mul', [
      b.op('Add', [squares, double(b, b.fresh('log_2pi'), [1], [d * Math.log(2 * Math.PI)])]),
      double(b, b.fresh('half'), [1], [-0.5]),
    ]),
    double(b, b.fresh('log_weights'), [k], constant),
  ]);
  return {
    kind: 'clusters',
    count: k,
    label: b.op('ArgMax', [weighted], [attr.int('axis', 1), attr.int('keepdims', 0)]),
    probabilities: b.op('Softmax', [weighted], [attr.int('axis', 1)]),
  };
}

export const family: Family = {
  family: 'Gaussian mixtures',
  finals: { GaussianMixture: mixture, BayesianGaussianMixture: mixture },
};
