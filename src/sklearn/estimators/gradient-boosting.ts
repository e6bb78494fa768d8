// GradientBoostingClassifier and GradientBoostingRegressor: the init estimator's raw score plus every
// stage's regression trees times the learning rate, through the loss's link.
import { attr, tensor } from '../../onnx/builder.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { decisionColumns, double, type Family, type Flow, type Output, twoClasses } from '../flow.js';
import { Estimator } from '../state.js';
import { NdArray } from '../values.js';
import { dummyProbabilities } from './dummy.js';
import { Ensemble, treeNodes } from './trees.js';

function boostingStages(est: Estimator): { trees: Estimator[]; k: number } {
  const arr = est.raw('estimators_');
  if (!(arr instanceof NdArray) || !arr.objects || arr.shape.length !== 2)
    throw new ModelImportError(`the ${est.name} has no fitted stages`);
  const k = arr.shape[1] as number;
  return { trees: arr.objects.map((t) => Estimator.of(t, `a stage of the ${est.name}`)), k };
}

const EPS32 = 2 ** -23;

/**
 * The raw score the boosting starts from, as _init_raw_predictions gives it: "zero"; a regressor's
 * predict; a classifier's predict_proba (the positive class's when binary), clipped to
 * [eps, 1 - eps] (float32's eps) and through the loss's link: log-odds (half of them for the exponential
 * loss), or log for the multinomial (scikit-learn 1.4+ subtracts the row's mean log, which the softmax
 * does not see). A DummyClassifier or DummyRegressor is a constant row; any other estimator modelgate
 * converts is computed by the graph from the same features. [N, k], or the constant row.
 */
function boostingInit(
  est: Estimator,
  f: Flow,
  k: number,
  classifier: boolean,
  exponential: boolean,
): { base: number[]; graph?: string } {
  if (est.raw('init_') === 'zero') return { base: new Array(k).fill(0) };
  const init = est.estimator('init_');
  if (!classifier) {
    if (init.name === 'DummyRegressor') return { base: [init.matrix('constant_').values[0] as number] };
    const out = f.dispatch.hasFinal(init.name) ? f.dispatch.final(init, { ...f }) : undefined;
    if (out?.kind !== 'value')
      throw new UnsupportedModelError(
        `a ${est.name} with init ${init.name} (modelgate converts regressors there)`,
      );
    return { base: [0], graph: out.name };
  }
  const link = (p: number) => (exponential ? 0.5 : 1) * Math.log(p / (1 - p));
  const clip = (p: number) => Math.min(Math.max(p, EPS32), 1 - EPS32);
  if (init.name === 'DummyClassifier') {
    const p = dummyProbabilities(init, `a ${est.name} with init DummyClassifier`).map(clip);
    return { base: k === 1 ? [link(p[1] as number)] : p.map((q) => Math.log(q)) };
  }
  const out = f.dispatch.hasFinal(init.name) ? f.dispatch.final(init, { ...f }) : undefined;
  if (out?.kind !== 'probabilities')
    throw new UnsupportedModelError(
      `a ${est.name} with init ${init.name} (modelgate converts classifiers with probabilities there)`,
    );
  const { b } = f;
  const clipped = b.op('Clip', [
    out.name,
    double(b, b.fresh('eps'), [], [EPS32]),
    double(b, b.fresh('one_less_eps'), [], [1 - EPS32]),
  ]);
  if (k > 1) return { base: new Array(k).fill(0), graph: b.op('Log', [clipped]) };
  const positive = b.op(
    'Gather',
    [clipped, b.constant(tensor.int64(b.fresh('positive'), [1], [1]))],
    [attr.int('axis', 1)],
  );
  const odds = b.op('Log', [
    b.op('Div', [positive, b.op('Sub', [double(b, b.fresh('one'), [1], [1]), positive])]),
  ]);
  return {
    base: [0],
    graph: exponential ? b.op('Mul', [odds, double(b, b.fresh('half'), [1], [0.5])]) : odds,
  };
}

/**
 * GradientBoosting: the init's raw score plus learning_rate times each stage's trees. Classifiers'
 * probabilities: the sigmoid of the raw score (of twice it for the exponential loss), the softmax for
 * 3+ classes. The label by the raw score as predict decides it: from scikit-learn 1.4 its argmax, or
 * raw >= 0 when binary; before 1.4 the probabilities' argmax (raw > 0), except the exponential loss's
 * raw >= 0.
 */
function gradientBoosting(est: Estimator, f: Flow): Output {
  const classifier = est.name === 'GradientBoostingClassifier';
  const { trees, k } = boostingStages(est);
  const rate = est.number('learning_rate');
  const loss = est.string('loss', classifier ? 'log_loss' : 'squared_error');
  const exponential = classifier && loss === 'exponential';
  const init = boostingInit(est, f, k, classifier, exponential);
  const ens = new Ensemble();
  trees.forEach((t, i) => {
    const nodes = treeNodes(t);
    const target = i % k;
    // Each leaf adds to its own class only, as skl2onnx writes it: k - 1 zeros a leaf would add nothing.
    ens.add(nodes, (n) => [rate * (nodes.values[n] as number)], target);
  });
  const trunk = ens.apply(f, k, init.base);
  const raw = init.graph ? f.b.op('Add', [init.graph, trunk]) : trunk;
  if (!classifier) return { kind: 'value', name: raw };
  const classes = est.classes();
  if (k === 1) {
    const z = exponential ? f.b.op('Mul', [raw, double(f.b, f.b.fresh('two'), [1], [2])]) : raw;
    const modern = est.savedBy(1, 4);
    return {
      kind: 'probabilities',
      name: twoClasses(f, f.b.op('Sigmoid', [z])),
      classes,
      ...(modern || exponential ? { labelScores: decisionColumns(f, raw, true) } : {}),
    };
  }
  return {
    kind: 'probabilities',
    name: f.b.op('Softmax', [raw], [attr.int('axis', 1)]),
    classes,
    ...(est.savedBy(1, 4) ? { labelScores: raw } : {}),
  };
}

/** The loss objects of scikit-learn before 1.1 (sklearn.ensemble._gb_losses) and after (sklearn._loss). */
const LOSSES = [
  'BinomialDeviance',
  'MultinomialDeviance',
  'ExponentialLoss',
  'LeastSquaresError',
  'LeastAbsoluteError',
  'HuberLossFunction',
  'QuantileLossFunction',
  'HalfBinomialLoss',
  'HalfMultinomialLoss',
  'HalfSquaredError',
  'AbsoluteError',
  'PinballLoss',
  'HuberLoss',
  'CyHalfBinomialLoss',
  'CyHalfMultinomialLoss',
  'CyHalfSquaredError',
  'CyAbsoluteError',
  'CyPinballLoss',
  'CyHuberLoss',
  'CyExponentialLoss',
  'IdentityLink',
  'LogitLink',
  'MultinomialLogit',
  'HalfLogitLink',
  'Interval',
];

export const family: Family = {
  family: 'gradient boosting',
  finals: { GradientBoostingClassifier: gradientBoosting, GradientBoostingRegressor: gradientBoosting },
  parts: {
    ...Object.fromEntries(LOSSES.map((loss) => [loss, "a gradient boosting model's loss and its link"])),
  },
};
