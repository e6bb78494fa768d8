// CalibratedClassifierCV: each calibrated classifier's decision function (or probabilities) through its
// per-class calibrators (sigmoid or isotonic), normalized, averaged over the calibrated classifiers; and
// IsotonicRegression on its own, whose interpolation the isotonic calibrators use.
import { attr, type GraphBuilder, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, decisionColumns, double, type Family, type Flow, type Output } from '../flow.js';
import type { Estimator } from '../state.js';
import { NpScalar, PyDict, PyObject, type PyValue } from '../values.js';
import { classPositions, heldList, heldOutput, response } from './ensembles.js';

const column = (b: GraphBuilder, x: string, at: number) =>
  b.op('Gather', [x, b.constant(tensor.int64(b.fresh('column'), [1], [at]))], [attr.int('axis', 1)]);

/**
 * IsotonicRegression.predict of t [N, 1]: clipped to [X_min_, X_max_] (out_of_bounds="clip"), then
 * np.interp over (X_thresholds_, y_thresholds_), which scipy's linear interp1d calls: at a threshold its
 * y exactly, between two the line from the left one (slope (y1 - y0) / (x1 - x0)).
 */
function isotonic(iso: Estimator, b: GraphBuilder, t: string): string {
  const xs = Array.from(iso.matrix('X_thresholds_').values);
  const ys = Array.from(iso.matrix('y_thresholds_').values);
  const m = xs.length;
  if (m === 0 || ys.length !== m) throw new ModelImportError('the IsotonicRegression has no thresholds');
  const lo = iso.number('X_min_');
  const hi = iso.number('X_max_');
  const clipped = b.op('Min', [
    b.op('Max', [t, double(b, b.fresh('x_min'), [1], [lo])]),
    double(b, b.fresh('x_max'), [1], [hi]),
  ]);
  if (m === 1)
    return b.op('Add', [
      b.op('Mul', [clipped, double(b, b.fresh('zero'), [1], [0])]),
      double(b, b.fresh('y'), [1], [ys[0] as number]),
    ]);
  const slopes = xs.map((x, i) =>
    i + 1 < m ? ((ys[i + 1] as number) - (ys[i] as number)) / ((xs[i + 1] as number) - x) : 0,
  );
  // j: the last threshold at or below t (0 below the first; m - 1 at the last).
  const below = cast(
    b,
    b.op('LessOrEqual', [double(b, b.fresh('thresholds'), [1, m], xs), clipped]),
    DataType.DOUBLE,
  );
  const count = b.op(
    'ReduceSum',
    [below, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))],
    [attr.int('keepdims', 1)],
  );
  const j = cast(
    b,
    b.op('Max', [
      b.op('Sub', [count, double(b, b.fresh('one'), [1], [1])]),
      double(b, b.fresh('zero'), [1], [0]),
    ]),
    DataType.INT64,
  );
  const at = (values: number[], name: string) => b.op('Gather', [double(b, b.fresh(name), [m], values), j]);
  const xj = at(xs, 'x');
  const yj = at(ys, 'y');
  const line = b.op('Add', [b.op('Mul', [at(slopes, 'slope'), b.op('Sub', [clipped, xj])]), yj]);
  return b.op('Where', [b.op('Equal', [clipped, xj]), yj, line]);
}

/** A calibrator's predict of one column [N, 1]. */
function calibrate(cal: Estimator, b: GraphBuilder, t: string): string {
  if (cal.name === '_SigmoidCalibration') {
    // expit(-(a t + b))
    const z = b.op('Add', [
      b.op('Mul', [t, double(b, b.fresh('a'), [1], [cal.number('a_')])]),
      double(b, b.fresh('b'), [1], [cal.number('b_')]),
    ]);
    return b.op('Sigmoid', [b.op('Neg', [z])]);
  }
  if (cal.name === 'IsotonicRegression') return isotonic(cal, b, t);
  throw new UnsupportedModelError(`a CalibratedClassifierCV with the calibrator ${cal.name}`);
}

/** One _CalibratedClassifier's predict_proba [N, k]. */
function calibratedProbabilities(est: Estimator, cc: Estimator, f: Flow, k: number): string {
  const method = cc.string('method', 'sigmoid');
  if (method !== 'sigmoid' && method !== 'isotonic')
    throw new UnsupportedModelError(`a CalibratedClassifierCV with method=${JSON.stringify(method)}`);
  let inner = cc.estimator('estimator');
  if (inner.name === 'FrozenEstimator') inner = inner.estimator('estimator');
  const r = response(inner, f, 'CalibratedClassifierCV');
  const calibrators = heldList(cc, 'calibrators');
  const classes = est.classes();
  const positions = classPositions(est, r.classes, classes);
  const { b } = f;
  const columns: (string | undefined)[] = new Array(k).fill(undefined);
  if (k === 2) {
    if (calibrators.length !== 1)
      throw new ModelImportError('the binary CalibratedClassifierCV has more than one calibrator');
    const p1 = calibrate(calibrators[0] as Estimator, b, r.name);
    return b.op(
      'Concat',
      [b.op('Sub', [double(b, b.fresh('one'), [1], [1]), p1]), p1],
      [attr.int('axis', 1)],
    );
  }
  if (calibrators.length !== r.classes.length)
    throw new ModelImportError('the CalibratedClassifierCV has not one calibrator per class');
  calibrators.forEach((cal, i) => {
    columns[positions[i] as number] = calibrate(cal, b, column(b, r.name, i));
  });
  const zeros = () => b.op('Mul', [column(b, r.name, 0), double(b, b.fresh('zero'), [1], [0])]);
  const p = b.op(
    'Concat',
    columns.map((c) => c ?? zeros()),
    [attr.int('axis', 1)],
  );
  const total = b.op(
    'ReduceSum',
    [p, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))],
    [attr.int('keepdims', 1)],
  );
  // Where every calibrator answers 0, the uniform distribution.
  const zero = b.op('Equal', [total, double(b, b.fresh('zero'), [1], [0])]);
  const normalized = b.op('Where', [
    zero,
    double(b, b.fresh('uniform'), [1], [1 / k]),
    b.op('Div', [p, total]),
  ]);
  return normalized;
}

/**
 * CalibratedClassifierCV (method "sigmoid" or "isotonic"; ensemble True or False): the mean over
 * calibrated_classifiers_ of their calibrated probabilities, the label their argmax. Probabilities a
 * hair above 1 (by 1e-5 at most) are 1, as scikit-learn sets them.
 */
function calibratedClassifier(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const k = classes.length;
  const ccs = heldList(est, 'calibrated_classifiers_');
  const { b } = f;
  const terms = ccs.map((cc) => {
    const p = calibratedProbabilities(est, cc, f, k);
    const over = b.op('And', [
      b.op('Greater', [p, double(b, b.fresh('one'), [1], [1])]),
      b.op('LessOrEqual', [p, double(b, b.fresh('one_and_eps'), [1], [1 + 1e-5])]),
    ]);
    return b.op('Where', [over, double(b, b.fresh('one'), [1], [1]), p]);
  });
  const total = terms.slice(1).reduce((acc, t) => b.op('Add', [acc, t]), terms[0] as string);
  const mean = b.op('Div', [total, double(b, b.fresh('count'), [1], [ccs.length])]);
  return { kind: 'probabilities', name: mean, classes, acceptsMissing: true };
}

/** IsotonicRegression on one feature, with out_of_bounds="clip" (elsewhere it answers NaN or raises). */
function isotonicRegression(est: Estimator, f: Flow): Output {
  const bounds = est.string('out_of_bounds', 'nan');
  if (bounds !== 'clip')
    throw new UnsupportedModelError(
      `an IsotonicRegression with out_of_bounds=${JSON.stringify(bounds)} (outside its fitted range it answers ${bounds === 'nan' ? 'NaN' : 'an error'}; modelgate converts out_of_bounds="clip")`,
    );
  if (f.width !== 1)
    throw new ModelImportError(`the IsotonicRegression takes one feature, ${f.width} reach it`);
  return { kind: 'value', name: isotonic(est, f.b, f.x) };
}

/**
 * FixedThresholdClassifier and TunedThresholdClassifierCV (binary, its best_threshold_): the estimator's probabilities as they are; the label the positive
 * class where its score reaches the threshold (score >= threshold): the positive class's probability,
 * or the decision function, as response_method picks ("auto": predict_proba first), "auto" meaning 0.5
 * on probabilities and 0 on a decision function. pos_label, when set, must be the second class.
 */
/** The pos_label a TunedThresholdClassifierCV's curve scorer passes to its metric (None: the second class). */
function curvePosLabel(est: Estimator): PyValue {
  const scorer = est.raw('_curve_scorer');
  const kwargs = scorer instanceof PyObject ? scorer.dict?.get('_kwargs') : undefined;
  const pos = kwargs instanceof PyDict ? kwargs.get('pos_label') : undefined;
  return pos instanceof NpScalar ? (pos.value as PyValue) : (pos ?? null);
}

function fixedThreshold(est: Estimator, f: Flow): Output {
  const inner = est.estimator('estimator_');
  const out = heldOutput(inner, f);
  if (out.kind === 'value') throw new UnsupportedModelError(`a ${est.name} over the regressor ${inner.name}`);
  const classes = out.classes;
  if (classes.length !== 2)
    throw new UnsupportedModelError(`a ${est.name} over ${classes.length} classes (it is binary)`);
  // TunedThresholdClassifierCV: the positive class its curve scorer names, and the tuned threshold.
  const tuned = est.name === 'TunedThresholdClassifierCV';
  const pos = tuned ? curvePosLabel(est) : est.raw('pos_label');
  if (pos !== null && pos !== undefined && pos !== classes[1] && Number(pos) !== classes[1])
    throw new UnsupportedModelError(`a ${est.name} whose pos_label is the first class`);
  const method = est.raw('response_method');
  const wanted = typeof method === 'string' ? method : 'auto';
  if (wanted !== 'auto' && wanted !== 'predict_proba' && wanted !== 'decision_function')
    throw new UnsupportedModelError(`a ${est.name} with response_method=${JSON.stringify(wanted)}`);
  const { b } = f;
  const byProbability = wanted === 'predict_proba' || (wanted === 'auto' && out.kind === 'probabilities');
  let score: string;
  if (byProbability) {
    if (out.kind !== 'probabilities')
      throw new UnsupportedModelError(`a ${est.name} over a ${inner.name} without predict_proba`);
    score = b.op(
      'Gather',
      [out.name, b.constant(tensor.int64(b.fresh('positive'), [1], [1]))],
      [attr.int('axis', 1)],
    );
  } else {
    const r = response(inner, f, est.name);
    if (r.method !== 'decision_function')
      throw new UnsupportedModelError(`a ${est.name} reading the decision function of a ${inner.name}`);
    score = r.name;
  }
  const setting = est.raw('threshold');
  const threshold = tuned
    ? est.number('best_threshold_')
    : setting === 'auto' || setting === undefined || setting === null
      ? byProbability
        ? 0.5
        : 0
      : est.number('threshold');
  const labelScores = decisionColumns(
    f,
    b.op('Sub', [score, double(b, b.fresh('threshold'), [1], [threshold])]),
    true,
  );
  if (out.kind === 'probabilities')
    return { kind: 'probabilities', name: out.name, classes, labelScores, acceptsMissing: true };
  return { kind: 'scores', name: labelScores, classes, acceptsMissing: true };
}

export const family: Family = {
  family: 'calibration',
  finals: {
    CalibratedClassifierCV: calibratedClassifier,
    IsotonicRegression: isotonicRegression,
    FixedThresholdClassifier: fixedThreshold,
    TunedThresholdClassifierCV: fixedThreshold,
  },
  parts: {
    _CalibratedClassifier:
      "a CalibratedClassifierCV's calibrated classifier (an estimator and its calibrators)",
    _SigmoidCalibration: "a CalibratedClassifierCV's sigmoid calibrator",
    _CurveScorer: "a TunedThresholdClassifierCV's scorer over the thresholds",
  },
  refused: {
    _TemperatureScaling:
      'the temperature scaling of a CalibratedClassifierCV with method="temperature" (modelgate converts "sigmoid" and "isotonic")',
  },
};
