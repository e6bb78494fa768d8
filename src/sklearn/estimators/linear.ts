// Linear models: coefficients and intercepts as a MatMul and an Add in double precision; the label by the
// decision function, the probabilities where the loss gives them.
import { attr } from '../../onnx/builder.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import {
  affine,
  decisionLabels,
  double,
  type Family,
  type Flow,
  normalizedRows,
  type Output,
  sigmoidsOverClasses,
  twoClasses,
  twoScores,
} from '../flow.js';
import type { Estimator, Matrix } from '../state.js';
import { NdArray } from '../values.js';

/**
 * LogisticRegression: the label by the decision function, as predict gives it. Probabilities: binary,
 * the sigmoid; with multi_class="multinomial" (scikit-learn 1.7 and older) a softmax over [-z, z],
 * i.e. the sigmoid of 2z; 3+ classes, the softmax, or normalized sigmoids one-vs-rest (multi_class="ovr",
 * or "auto"/"warn" with liblinear: scikit-learn 1.8 removed the option).
 */
function logisticRegression(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const scores = affine(f, est.matrix('coef_'), est.matrix('intercept_'), true);
  const binary = classes.length === 2;
  const labelScores = decisionLabels(f, scores, binary);
  const multiClass = est.string('multi_class', 'auto');
  const ovr =
    multiClass === 'ovr' ||
    multiClass === 'warn' ||
    (multiClass !== 'multinomial' && (binary || est.string('solver', 'lbfgs') === 'liblinear'));
  if (binary && ovr)
    return { kind: 'probabilities', name: twoClasses(f, f.b.op('Sigmoid', [scores])), classes, labelScores };
  if (binary)
    return {
      kind: 'probabilities',
      name: f.b.op('Softmax', [twoScores(f, scores)], [attr.int('axis', 1)]),
      classes,
      labelScores,
    };
  if (!ovr)
    return {
      kind: 'probabilities',
      name: f.b.op('Softmax', [scores], [attr.int('axis', 1)]),
      classes,
      labelScores,
    };
  return {
    kind: 'probabilities',
    name: sigmoidsOverClasses(est, f, scores, classes.length),
    classes,
    labelScores,
  };
}

/** Binary scores [N, 1] as two columns [-s, s], so that argmax picks the positive class when s > 0. */

function interceptOf(est: Estimator): Matrix {
  return est.raw('intercept_') instanceof NdArray
    ? est.matrix('intercept_')
    : { values: Float64Array.of(est.number('intercept_', 0)), shape: [1] };
}

/**
 * LinearSVC and SGDClassifier: scores from coef_ and intercept_, the label by them (predict takes the
 * decision function's argmax, or its sign when binary, never the probabilities' argmax: modified Huber's
 * clip to [-1, 1] makes many classes tie at 1); probabilities when the loss gives them.
 */
function linearClassifier(est: Estimator, f: Flow, classes = est.classes()): Output {
  const scores = affine(f, est.matrix('coef_'), interceptOf(est), true);
  const loss = est.name === 'SGDClassifier' ? est.string('loss', 'hinge') : 'hinge';
  const binary = classes.length === 2;
  const labelScores = decisionLabels(f, scores, binary);
  if (loss === 'log_loss' || loss === 'log') {
    const name = binary
      ? twoClasses(f, f.b.op('Sigmoid', [scores]))
      : sigmoidsOverClasses(est, f, scores, classes.length);
    return { kind: 'probabilities', name, classes, labelScores };
  }
  if (loss === 'modified_huber') {
    const clipped = f.b.op('Clip', [
      scores,
      double(f.b, f.b.fresh('lo'), [], [-1]),
      double(f.b, f.b.fresh('hi'), [], [1]),
    ]);
    const half = double(f.b, f.b.fresh('half'), [1], [0.5]);
    const p = f.b.op('Mul', [f.b.op('Add', [clipped, double(f.b, f.b.fresh('one'), [1], [1])]), half]);
    return {
      kind: 'probabilities',
      name: binary ? twoClasses(f, p) : normalizedRows(f, p, classes.length),
      classes,
      labelScores,
    };
  }
  return { kind: 'scores', name: labelScores, classes };
}

/**
 * A generalized linear model (PoissonRegressor, GammaRegressor, TweedieRegressor): predict is the inverse
 * link of the linear predictor, the link its loss holds (log, or identity for a TweedieRegressor of
 * power 0 or link="identity").
 */
function glmRegressor(est: Estimator, f: Flow): Output {
  const { name } = linearRegressor(est, f);
  const link = glmLink(est);
  if (link === 'identity') return { kind: 'value', name };
  if (link === 'log') return { kind: 'value', name: f.b.op('Exp', [name]) };
  throw new UnsupportedModelError(
    `a ${est.name} with the link ${link} (modelgate takes the identity and log links)`,
  );
}

function glmLink(est: Estimator): string {
  if (est.has('_base_loss')) {
    const loss = est.estimator('_base_loss');
    if (loss.has('link')) {
      const link = loss.estimator('link').name;
      if (link === 'IdentityLink') return 'identity';
      if (link === 'LogLink') return 'log';
      return link;
    }
  }
  if (est.name !== 'TweedieRegressor') return 'log';
  const link = est.string('link', 'auto');
  return link === 'auto' ? (est.number('power', 0) <= 0 ? 'identity' : 'log') : link;
}

/**
 * RidgeClassifier(CV): the label by the decision function (no probabilities); multi-label refused. In 1.6
 * and older, classes_ was a property reading its LabelBinarizer's.
 */
function ridgeClassifier(est: Estimator, f: Flow): Output {
  if (!est.has('_label_binarizer')) return linearClassifier(est, f);
  const binarizer = est.estimator('_label_binarizer');
  const kind = binarizer.string('y_type_', 'binary');
  if (kind.startsWith('multilabel'))
    throw new UnsupportedModelError(
      `a ${est.name} fitted on several labels per row (${kind}): modelgate serves one label`,
    );
  return linearClassifier(est, f, est.has('classes_') ? est.classes() : binarizer.classes());
}

/**
 * RANSACRegressor: predict is its fitted estimator_'s, a regressor or a Pipeline (its steps then run as
 * steps here). RANSAC's own predict passes NaN on, so the missing values the inner estimator refuses are
 * those that reach it after the inner steps, decided here rather than before them.
 */
function ransacRegressor(est: Estimator, f: Flow): Output {
  const steps = f.dispatch.steps(est.estimator('estimator_'));
  const last = steps[steps.length - 1] as Estimator;
  for (const step of steps.slice(0, -1)) f.dispatch.transform(step, f);
  const reaching = f.columns.flatMap((c) => c.nanFrom);
  const out = f.dispatch.final(last, f);
  if (!out.acceptsMissing) f.rules.refuseMissing(reaching, `the ${last.name}`);
  return { ...out, acceptsMissing: true };
}

function linearRegressor(est: Estimator, f: Flow): Output {
  const coef = est.matrix('coef_');
  const bias = interceptOf(est);
  if (coef.shape.length === 2 && coef.shape[0] !== 1) {
    // Several targets: coef_ is [targets, features] and intercept_ one per target (0.0 without one).
    const targets = coef.shape[0] as number;
    if (bias.values.length !== targets && bias.values.length !== 1)
      throw new ModelImportError(
        `the ${est.name}'s intercept_ has ${bias.values.length} values for ${targets} targets`,
      );
    return { kind: 'value', name: affine(f, coef, bias, true), targets };
  }
  // coef_ as one row of as many weights as it has: affine checks them against the features that reach it
  // (read as [1, width], a short coef_ was read past its end into NaN weights).
  const value = affine(f, { values: coef.values, shape: [1, coef.values.length] }, bias, true);
  return { kind: 'value', name: value };
}

/** Regressors whose predict is X · coef_ + intercept_ (one target). */
const LINEAR_REGRESSORS = [
  'LinearSVR',
  'LinearRegression',
  'Ridge',
  'RidgeCV',
  'Lasso',
  'LassoCV',
  'ElasticNet',
  'ElasticNetCV',
  'SGDRegressor',
  'PassiveAggressiveRegressor',
  'HuberRegressor',
  'QuantileRegressor',
  'BayesianRidge',
  'ARDRegression',
  'Lars',
  'LarsCV',
  'LassoLars',
  'LassoLarsCV',
  'LassoLarsIC',
  'OrthogonalMatchingPursuit',
  'OrthogonalMatchingPursuitCV',
  'TheilSenRegressor',
  // Always fitted on a [rows, targets] y: coef_ is [targets, features].
  'MultiTaskLasso',
  'MultiTaskLassoCV',
  'MultiTaskElasticNet',
  'MultiTaskElasticNetCV',
];

export const family: Family = {
  family: 'linear models',
  finals: {
    LogisticRegression: logisticRegression,
    LogisticRegressionCV: logisticRegression,
    LinearSVC: linearClassifier,
    SGDClassifier: linearClassifier,
    Perceptron: linearClassifier,
    PassiveAggressiveClassifier: linearClassifier,
    RidgeClassifier: ridgeClassifier,
    RidgeClassifierCV: ridgeClassifier,
    ...Object.fromEntries(LINEAR_REGRESSORS.map((name) => [name, linearRegressor])),
    PoissonRegressor: glmRegressor,
    GammaRegressor: glmRegressor,
    TweedieRegressor: glmRegressor,
    RANSACRegressor: ransacRegressor,
  },
  parts: {
    ...Object.fromEntries(
      [
        'Hinge',
        'SquaredHinge',
        'Log',
        'LogLoss',
        'ModifiedHuber',
        'SquaredLoss',
        'Huber',
        'EpsilonInsensitive',
        'SquaredEpsilonInsensitive',
      ].map((loss) => [loss, "an SGD model's loss object"]),
    ),
    ...Object.fromEntries(
      ['HalfTweedieLoss', 'HalfTweedieLossIdentity', 'CyHalfTweedieLoss', 'CyHalfTweedieLossIdentity'].map(
        (part) => [part, "a generalized linear model's loss"],
      ),
    ),
  },
};
