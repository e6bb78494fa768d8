// Naive Bayes classifiers: each class's joint log likelihood (jll) as _joint_log_likelihood computes it,
// the label by its argmax (as predict takes it), the probabilities as predict_proba normalizes it,
// exp(jll - logsumexp(jll)), which is the softmax over the classes.
import { attr, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { affine, cast, double, type Family, type Flow, type Output } from '../flow.js';
import type { Estimator, Matrix } from '../state.js';

/** The probabilities and the label of a joint log likelihood [N, k]. */
function fromJointLogLikelihood(est: Estimator, f: Flow, jll: string): Output {
  return {
    kind: 'probabilities',
    name: f.b.op('Softmax', [jll], [attr.int('axis', 1)]),
    classes: est.classes(),
    labelScores: jll,
  };
}

/** A [k, d] matrix of the model's, checked against the classes and the features that reach it. */
function perClass(est: Estimator, attribute: string, k: number, f: Flow): Matrix {
  const m = est.matrix(attribute);
  if (m.shape.length !== 2 || m.shape[0] !== k || m.shape[1] !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s ${attribute} of shape (${m.shape.join(', ')}) is not one row of ${f.width} values per class (${k})`,
    );
  return m;
}

function vector(est: Estimator, attribute: string, k: number): Float64Array {
  const v = est.matrix(attribute).values;
  if (v.length !== k)
    throw new ModelImportError(`the ${est.name}'s ${attribute} holds ${v.length} values for ${k} classes`);
  return v;
}

/**
 * GaussianNB: log prior_c - ½ Σ_j log(2π var_cj) - ½ Σ_j (x_j - θ_cj)² / var_cj, the squares taken from
 * the differences as scikit-learn takes them (no expansion into x², which would cancel digits).
 */
function gaussianNB(est: Estimator, f: Flow): Output {
  const k = est.classes().length;
  const theta = perClass(est, 'theta_', k, f);
  // var_ from scikit-learn 1.0 on; sigma_ before.
  const variance = perClass(est, est.has('var_') ? 'var_' : 'sigma_', k, f);
  const prior = vector(est, 'class_prior_', k);
  const d = f.width;
  const constant = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.log(2 * Math.PI * (variance.values[c * d + j] as number));
    constant[c] = Math.log(prior[c] as number) + -0.5 * s;
  }
  const { b } = f;
  const rows = b.op('Unsqueeze', [f.x, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))]);
  const diff = b.op('Sub', [rows, double(b, b.fresh('theta'), [k, d], theta.values)]);
  const scaled = b.op('Div', [b.op('Mul', [diff, diff]), double(b, b.fresh('var'), [k, d], variance.values)]);
  const sum = b.op(
    'ReduceSum',
    [scaled, b.constant(tensor.int64(b.fresh('axes'), [1], [2]))],
    [attr.int('keepdims', 0)],
  );
  const jll = b.op('Add', [
    b.op('Mul', [sum, double(b, b.fresh('half'), [1], [-0.5])]),
    double(b, b.fresh('constant'), [k], constant),
  ]);
  return fromJointLogLikelihood(est, f, jll);
}

/** MultinomialNB: X · feature_log_prob_ᵀ + class_log_prior_. */
function multinomialNB(est: Estimator, f: Flow): Output {
  const k = est.classes().length;
  const jll = affine(
    f,
    perClass(est, 'feature_log_prob_', k, f),
    { values: vector(est, 'class_log_prior_', k), shape: [k] },
    true,
  );
  return fromJointLogLikelihood(est, f, jll);
}

/** ComplementNB: X · feature_log_prob_ᵀ (its norm is in feature_log_prob_ already); the prior with one class only. */
function complementNB(est: Estimator, f: Flow): Output {
  const k = est.classes().length;
  const prior = k === 1 ? { values: vector(est, 'class_log_prior_', k), shape: [k] } : undefined;
  const jll = affine(f, perClass(est, 'feature_log_prob_', k, f), prior, true);
  return fromJointLogLikelihood(est, f, jll);
}

/**
 * BernoulliNB: X binarized (x > binarize, unless binarize is None), then
 * X · (log p - log(1 - p))ᵀ + class_log_prior_ + Σ_j log(1 - p_cj).
 */
function bernoulliNB(est: Estimator, f: Flow): Output {
  const k = est.classes().length;
  const logP = perClass(est, 'feature_log_prob_', k, f);
  const prior = vector(est, 'class_log_prior_', k);
  const d = f.width;
  const weights = new Float64Array(k * d);
  const bias = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let negatives = 0;
    for (let j = 0; j < d; j++) {
      const lp = logP.values[c * d + j] as number;
      const neg = Math.log(1 - Math.exp(lp));
      weights[c * d + j] = lp - neg;
      negatives += neg;
    }
    bias[c] = (prior[c] as number) + negatives;
  }
  const threshold = est.raw('binarize');
  let x = f.x;
  if (threshold !== null && threshold !== undefined) {
    const t = est.number('binarize');
    x = cast(f.b, f.b.op('Greater', [f.x, double(f.b, f.b.fresh('threshold'), [1], [t])]), DataType.DOUBLE);
  }
  const jll = affine({ ...f, x }, { values: weights, shape: [k, d] }, { values: bias, shape: [k] }, true);
  return fromJointLogLikelihood(est, f, jll);
}

/**
 * CategoricalNB: class_log_prior_ + Σ_i feature_log_prob_[i][:, x_i]. Each column must be an input
 * feature as sent: the card then lists the categories it takes (0 to n_categories_ - 1) and a request
 * with any other number is refused, as scikit-learn's predict refuses a negative one (ValueError) and
 * fails on one it never saw (IndexError); it also truncates a fraction to its integer, which modelgate
 * refuses rather than guess it was meant.
 */
function categoricalNB(est: Estimator, f: Flow): Output {
  const k = est.classes().length;
  const tables = est.matrices('feature_log_prob_');
  if (tables.length !== f.width)
    throw new ModelImportError(
      `the ${est.name} holds ${tables.length} feature tables, but ${f.width} features reach it`,
    );
  const { b } = f;
  let jll = double(b, b.fresh('prior'), [k], vector(est, 'class_log_prior_', k));
  for (const [i, table] of tables.entries()) {
    const source = f.columns[i]?.source;
    if (!source?.identity)
      throw new UnsupportedModelError(
        `a ${est.name} after a step that rewrites its column ${i} (modelgate takes its categories as the integers sent)`,
      );
    const [rows, cols] = table.shape as [number, number];
    if (table.shape.length !== 2 || rows !== k)
      throw new ModelImportError(`the ${est.name}'s table for feature ${i} is not one row per class`);
    f.rules.restrict(
      source.feature,
      Array.from({ length: cols }, (_, c) => c),
    );
    // [categories, k]: the row of each category.
    const byCategory = new Float64Array(cols * k);
    for (let c = 0; c < k; c++)
      for (let v = 0; v < cols; v++) byCategory[v * k + c] = table.values[c * cols + v] as number;
    const column = b.op(
      'Gather',
      [f.x, b.constant(tensor.int64(b.fresh('column'), [], [i]))],
      [attr.int('axis', 1)],
    );
    const codes = cast(b, column, DataType.INT64);
    const logs = b.op(
      'Gather',
      [double(b, b.fresh('table'), [cols, k], byCategory), codes],
      [attr.int('axis', 0)],
    );
    jll = b.op('Add', [jll, logs]);
  }
  return fromJointLogLikelihood(est, f, jll);
}

export const family: Family = {
  family: 'naive Bayes',
  finals: {
    GaussianNB: gaussianNB,
    MultinomialNB: multinomialNB,
    ComplementNB: complementNB,
    BernoulliNB: bernoulliNB,
    CategoricalNB: categoricalNB,
  },
};
