// Support vector machines (libsvm's SVC and SVR): the kernel against the support vectors in double
// precision, one-vs-one votes for the label, onnxruntime's SVMClassifier for Platt's probabilities.
import { attr, ML_DOMAIN } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, double, type Family, type Flow, type Output } from '../flow.js';
import { againstPoints } from '../points.js';
import type { Estimator } from '../state.js';
import { NdArray } from '../values.js';

/** A libsvm model's kernel, support vectors, dual coefficients and intercepts as scikit-learn keeps them. */
export function libsvm(est: Estimator) {
  const kernel = est.string('kernel', 'rbf');
  if (!['linear', 'rbf', 'poly', 'sigmoid'].includes(kernel))
    throw new UnsupportedModelError(`a ${est.name} with the ${kernel} kernel`);
  const sv = est.matrix('support_vectors_');
  const nSupport = est.has('_n_support') ? est.matrix('_n_support') : est.matrix('n_support_');
  return {
    kernel,
    gamma: est.number('_gamma'),
    coef0: est.number('coef0', 0),
    degree: est.number('degree', 3),
    sv,
    nSV: sv.shape[0] as number,
    dual: est.matrix(est.has('_dual_coef_') ? '_dual_coef_' : 'dual_coef_'),
    intercept: est.matrix(est.has('_intercept_') ? '_intercept_' : 'intercept_').values,
    perClass: Array.from(nSupport.values),
  };
}

/** The kernel between the rows and the support vectors, [N, nSV], in double precision. */
export function kernelMatrix(f: Flow, m: ReturnType<typeof libsvm>): string {
  const { b } = f;
  const d = f.width;
  if ((m.sv.shape[1] as number) !== d)
    throw new ModelImportError(`the support vectors have ${m.sv.shape[1]} features, ${d} reach them`);
  const points = againstPoints(f.b, f.x, m.sv, 'sv');
  const { dot } = points;
  const scalar = (name: string, v: number) => double(b, b.fresh(name), [1], [v]);
  if (m.kernel === 'linear') return dot;
  if (m.kernel === 'rbf')
    return b.op('Exp', [b.op('Mul', [points.squaredDistances(), scalar('neg_gamma', -m.gamma)])]);
  const scaled = b.op('Add', [b.op('Mul', [dot, scalar('gamma', m.gamma)]), scalar('coef0', m.coef0)]);
  return m.kernel === 'poly' ? b.op('Pow', [scaled, scalar('degree', m.degree)]) : b.op('Tanh', [scaled]);
}

function svr(est: Estimator, f: Flow): Output {
  const m = libsvm(est);
  const k = kernelMatrix(f, m);
  const value = f.b.op('Add', [
    f.b.op('MatMul', [k, double(f.b, f.b.fresh('dual'), [m.nSV, 1], m.dual.values)]),
    double(f.b, f.b.fresh('intercept'), [1], [m.intercept[0] as number]),
  ]);
  return { kind: 'value', name: value };
}

/**
 * SVC(break_ties=True) with 3+ classes labels by the argmax of its one-vs-rest decision function
 * (_ovr_decision_function): each class's votes (a pair's decision >= 0 votes its first class) plus its
 * summed confidences c scaled to c / (3 (|c| + 1)), which break ties between equal votes.
 */
function brokenTies(est: Estimator, f: Flow, decision: string, pairs: [number, number][], c: number): string {
  if (est.string('decision_function_shape', 'ovr') !== 'ovr')
    throw new UnsupportedModelError(
      'an SVC with break_ties and decision_function_shape="ovo" (scikit-learn refuses to predict with it)',
    );
  const { b } = f;
  const first = new Float64Array(pairs.length * c);
  const second = new Float64Array(pairs.length * c);
  const signs = new Float64Array(pairs.length * c);
  pairs.forEach(([i, j], p) => {
    first[p * c + i] = 1;
    second[p * c + j] = 1;
    signs[p * c + i] = 1;
    signs[p * c + j] = -1;
  });
  const toFirst = cast(
    b,
    b.op('GreaterOrEqual', [decision, double(b, b.fresh('zero'), [1], [0])]),
    DataType.DOUBLE,
  );
  const toSecond = b.op('Sub', [double(b, b.fresh('one'), [1], [1]), toFirst]);
  const votes = b.op('Add', [
    b.op('MatMul', [toFirst, double(b, b.fresh('ovr_first'), [pairs.length, c], first)]),
    b.op('MatMul', [toSecond, double(b, b.fresh('ovr_second'), [pairs.length, c], second)]),
  ]);
  const confidence = b.op('MatMul', [decision, double(b, b.fresh('ovr_signs'), [pairs.length, c], signs)]);
  const scaled = b.op('Div', [
    confidence,
    b.op('Mul', [
      double(b, b.fresh('three'), [1], [3]),
      b.op('Add', [b.op('Abs', [confidence]), double(b, b.fresh('one'), [1], [1])]),
    ]),
  ]);
  return b.op('Add', [votes, scaled]);
}

/** The most one-vs-one weights and votes an SVC's graph may hold (2^26 doubles, 512 MiB). */
const MAX_SVC_WEIGHTS = 2 ** 26;

/** libsvm's one-vs-one decisions [N, pairs] (positive: the pair's first class), checked against the model's layout. */
function pairDecisions(est: Estimator, f: Flow) {
  const m = libsvm(est);
  const classes = est.classes();
  const c = classes.length;
  const { b } = f;
  // libsvm's one-vs-one layout, checked before the loops below take their counts from it (a support
  // vector count of 1e15 looped for ever), and the dense weights and votes they build, bounded.
  const pairCount = (c * (c - 1)) / 2;
  const counts = m.perClass;
  if (
    m.intercept.length !== pairCount ||
    counts.length !== c ||
    !counts.every((n) => Number.isInteger(n) && n >= 0) ||
    counts.reduce((sum, n) => sum + n, 0) !== m.nSV ||
    m.dual.values.length !== (c - 1) * m.nSV
  )
    throw new ModelImportError(
      `the ${est.name}'s intercept_, n_support_ and dual_coef_ do not fit its ${c} classes and ${m.nSV} support vectors`,
    );
  if ((m.nSV + 2 * c) * pairCount > MAX_SVC_WEIGHTS)
    throw new UnsupportedModelError(
      `${est.name === 'SVC' ? 'an' : 'a'} ${est.name} of ${c} classes and ${m.nSV} support vectors (its one-vs-one weights would take ${(m.nSV + 2 * c) * pairCount} values; modelgate builds at most ${MAX_SVC_WEIGHTS})`,
    );
  const pairs: [number, number][] = [];
  for (let i = 0; i < c; i++) for (let j = i + 1; j < c; j++) pairs.push([i, j]);
  // Where each class's support vectors start.
  const start = [0];
  for (const n of m.perClass) start.push((start[start.length - 1] as number) + n);
  const w = new Float64Array(m.nSV * pairs.length);
  pairs.forEach(([i, j], p) => {
    for (let s = start[i] as number; s < (start[i + 1] as number); s++)
      w[s * pairs.length + p] = m.dual.values[(j - 1) * m.nSV + s] as number;
    for (let s = start[j] as number; s < (start[j + 1] as number); s++)
      w[s * pairs.length + p] = m.dual.values[i * m.nSV + s] as number;
  });
  const kernel = kernelMatrix(f, m);
  const decision = b.op('Add', [
    b.op('MatMul', [kernel, double(b, b.fresh('pair_coef'), [m.nSV, pairs.length], w)]),
    double(b, b.fresh('pair_intercept'), [pairs.length], m.intercept),
  ]);
  return { m, classes, c, pairs, decision };
}

/**
 * SVC: libsvm's one-vs-one decisions in double precision, the label by their votes (as predict does),
 * and with probability=True the probabilities from onnxruntime's SVMClassifier, which applies Platt's
 * sigmoids and couples the pairwise estimates iteratively, stopping where libsvm stops.
 */
function svc(est: Estimator, f: Flow): Output {
  const { m, classes, c, pairs, decision } = pairDecisions(est, f);
  const { b } = f;
  // Votes: a positive decision for (i, j) votes i, otherwise j.
  const positive = b.op(
    'Cast',
    [b.op('Greater', [decision, double(b, b.fresh('zero'), [1], [0])])],
    [attr.int('to', DataType.DOUBLE)],
  );
  const toFirst = new Float64Array(pairs.length * c);
  const toSecond = new Float64Array(pairs.length * c);
  pairs.forEach(([i, j], p) => {
    toFirst[p * c + i] = 1;
    toSecond[p * c + j] = 1;
  });
  const negative = b.op('Sub', [double(b, b.fresh('one'), [1], [1]), positive]);
  const votes = b.op('Add', [
    b.op('MatMul', [positive, double(b, b.fresh('votes_first'), [pairs.length, c], toFirst)]),
    b.op('MatMul', [negative, double(b, b.fresh('votes_second'), [pairs.length, c], toSecond)]),
  ]);
  const labelScores =
    est.raw('break_ties') === true && c > 2 ? brokenTies(est, f, decision, pairs, c) : votes;
  const probA = est.raw('_probA') ?? est.raw('probA_');
  const hasProbability = probA instanceof NdArray && probA.size > 0;
  if (!hasProbability) return { kind: 'scores', name: labelScores, classes };
  const a = est.matrix(est.has('_probA') ? '_probA' : 'probA_').values;
  const bb = est.matrix(est.has('_probB') ? '_probB' : 'probB_').values;
  const [, scores] = b.node(
    'SVMClassifier',
    [f.x],
    [
      attr.string('kernel_type', m.kernel.toUpperCase()),
      attr.floats('kernel_params', [m.gamma, m.coef0, m.degree]),
      attr.floats('support_vectors', m.sv.values),
      attr.ints('vectors_per_class', m.perClass),
      attr.floats('coefficients', m.dual.values),
      attr.floats('rho', m.intercept),
      attr.floats('prob_a', a),
      attr.floats('prob_b', bb),
      attr.ints(
        'classlabels_ints',
        classes.map((_, i) => i),
      ),
      attr.string('post_transform', 'NONE'),
    ],
    { domain: ML_DOMAIN, outputs: 2 },
  ) as [string, string];
  const probabilities = cast(b, scores, DataType.DOUBLE);
  return { kind: 'probabilities', name: probabilities, classes, labelScores };
}

/**
 * SVC's and NuSVC's decision_function, for the estimators that read it (calibration, one-vs-rest,
 * stacking): binary, libsvm's decision negated, [N, 1] (positive: the second class); 3+ classes with
 * decision_function_shape="ovr", the one-vs-rest decision (_ovr_decision_function).
 */
export function svcDecisionFunction(est: Estimator, f: Flow): string {
  const { c, pairs, decision } = pairDecisions(est, f);
  if (c === 2) return f.b.op('Neg', [decision]);
  if (est.string('decision_function_shape', 'ovr') !== 'ovr')
    throw new UnsupportedModelError(
      `an ${est.name} whose decision_function_shape is "ovo" read by another estimator`,
    );
  return brokenTies(est, f, decision, pairs, c);
}

export const family: Family = {
  family: 'support vector machines',
  // NuSVC and NuSVR fit a different problem, but keep libsvm's fitted state as SVC and SVR do.
  finals: { SVC: svc, SVR: svr, NuSVC: svc, NuSVR: svr },
};
