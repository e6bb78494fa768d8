// One-vs-rest, one-vs-one and output-code classifiers: binary estimators over the same features, their
// decision functions (or positive-class probabilities) combined as sklearn.multiclass combines them.
import { attr, type GraphBuilder, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, decisionColumns, double, type Family, type Flow, type Output } from '../flow.js';
import { againstPoints } from '../points.js';
import type { Estimator } from '../state.js';
import { heldList, heldOutput, predictedIndex, response } from './ensembles.js';

const concat = (b: GraphBuilder, parts: readonly string[]) =>
  parts.length === 1 ? (parts[0] as string) : b.op('Concat', [...parts], [attr.int('axis', 1)]);
const column = (b: GraphBuilder, x: string, at: number) =>
  b.op('Gather', [x, b.constant(tensor.int64(b.fresh('column'), [1], [at]))], [attr.int('axis', 1)]);

/**
 * _predict_binary: a binary estimator's decision function, else its positive class's probability
 * [N, 1], and the threshold its predict uses (0, or 0.5 on probabilities).
 */
function binaryScore(inner: Estimator, f: Flow, holder: string): { score: string; threshold: number } {
  if (inner.name === '_ConstantPredictor') {
    // A code bit (or class) constant in the training labels: its y_ for every row, and it is no
    // classifier, so its threshold is 0.5.
    const y = inner.matrix('y_').values[0] as number;
    const { b } = f;
    const zero = b.op('Mul', [column(b, f.x, 0), double(b, b.fresh('zero'), [1], [0])]);
    return { score: b.op('Add', [zero, double(b, b.fresh('constant'), [1], [y])]), threshold: 0.5 };
  }
  const r = response(inner, f, holder);
  if (r.classes.length !== 2)
    throw new UnsupportedModelError(
      `a ${holder} holding an estimator fitted on ${r.classes.length} classes (a class absent from a binary problem)`,
    );
  return { score: r.name, threshold: r.method === 'decision_function' ? 0 : 0.5 };
}

/**
 * OneVsRestClassifier: each class's binary estimator. predict: binary, the one estimator's score above
 * its threshold; 3+ classes, the class of the largest score (the first of equal ones from
 * scikit-learn 1.9, the last before). predict_proba (where the estimators have it): each estimator's
 * positive-class probability over the row's sum ([1 - p, p] when binary).
 */
function oneVsRest(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const binarizer = est.estimator('label_binarizer_');
  if (binarizer.string('y_type_', 'multiclass') === 'multilabel-indicator')
    throw new UnsupportedModelError('a multilabel OneVsRestClassifier (modelgate serves one label per row)');
  const inner = heldList(est, 'estimators_');
  const { b } = f;
  const binary = classes.length === 2;
  if (inner.length !== (binary ? 1 : classes.length))
    throw new ModelImportError(
      `the OneVsRestClassifier holds ${inner.length} estimators for ${classes.length} classes`,
    );
  const scores = inner.map((e) => binaryScore(e, f, 'OneVsRestClassifier'));
  let labelScores: string;
  if (binary) {
    const { score, threshold } = scores[0] as { score: string; threshold: number };
    labelScores = decisionColumns(
      f,
      threshold === 0 ? score : b.op('Sub', [score, double(b, b.fresh('threshold'), [1], [threshold])]),
    );
  } else {
    const all = concat(
      b,
      scores.map((s) => s.score),
    );
    if (est.savedBy(1, 9)) labelScores = all;
    else {
      // Before 1.9 a later estimator's equal score took the label: the last of the maxima.
      const last = b.op(
        'ArgMax',
        [all],
        [attr.int('axis', 1), attr.int('keepdims', 1), attr.int('select_last_index', 1)],
      );
      const every = b.constant(
        tensor.int64(
          b.fresh('every_class'),
          [1, classes.length],
          classes.map((_, i) => i),
        ),
      );
      labelScores = cast(b, b.op('Equal', [last, every]), DataType.DOUBLE);
    }
  }
  const outs = inner.map((e) => heldOutput(e, f));
  if (!outs.every((o) => o.kind === 'probabilities'))
    return { kind: 'scores', name: labelScores, classes, acceptsMissing: true };
  const positives = outs.map((o) => column(b, o.name, 1));
  const p = binary
    ? concat(b, [
        b.op('Sub', [double(b, b.fresh('one'), [1], [1]), positives[0] as string]),
        positives[0] as string,
      ])
    : concat(b, positives);
  const total = b.op(
    'ReduceSum',
    [p, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))],
    [attr.int('keepdims', 1)],
  );
  return { kind: 'probabilities', name: b.op('Div', [p, total]), classes, labelScores, acceptsMissing: true };
}

/**
 * OneVsOneClassifier: an estimator per pair of classes (i, j), fitted on 0 for i and 1 for j. The
 * decision (_ovr_decision_function): each pair's predicted class gets a vote, plus the confidences
 * (decision function or probability of j) summed with their sign, as s / (3 (|s| + 1)). predict: its
 * argmax, or when binary the second column above the estimator's threshold. No predict_proba.
 */
function oneVsOne(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const k = classes.length;
  const indices = est.raw('pairwise_indices_');
  if (indices !== null && indices !== undefined)
    throw new UnsupportedModelError('a OneVsOneClassifier over a precomputed kernel');
  const inner = heldList(est, 'estimators_');
  if (inner.length !== (k * (k - 1)) / 2)
    throw new ModelImportError(`the OneVsOneClassifier holds ${inner.length} estimators for ${k} classes`);
  const { b } = f;
  const votes: string[][] = classes.map(() => []);
  const confidences: { score: string; sign: number }[][] = classes.map(() => []);
  let threshold = 0;
  let pair = 0;
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      const e = inner[pair++] as Estimator;
      const out = heldOutput(e, f);
      if (out.kind === 'value')
        throw new UnsupportedModelError(`a OneVsOneClassifier over the regressor ${e.name}`);
      const codes = out.classes.map((c) => Number(c));
      const predicted = b.op('Gather', [
        double(b, b.fresh('codes'), [codes.length], codes),
        predictedIndex(b, out),
      ]);
      const is = (code: number) =>
        cast(b, b.op('Equal', [predicted, double(b, b.fresh('code'), [1], [code])]), DataType.DOUBLE);
      (votes[i] as string[]).push(is(0));
      (votes[j] as string[]).push(is(1));
      const s = binaryScore(e, f, 'OneVsOneClassifier');
      threshold = s.threshold;
      (confidences[i] as { score: string; sign: number }[]).push({ score: s.score, sign: -1 });
      (confidences[j] as { score: string; sign: number }[]).push({ score: s.score, sign: 1 });
    }
  const unsqueeze = (x: string) =>
    b.op('Unsqueeze', [x, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))]);
  const decision = classes.map((_, c) => {
    const count = (votes[c] as string[]).reduce((acc, v) => b.op('Add', [acc, v]));
    // In numpy's order: 0 - c or 0 + c first, then one pair after another.
    const signed = confidences[c] as { score: string; sign: number }[];
    const total = signed.reduce(
      (acc, { score, sign }) =>
        acc === '' ? (sign < 0 ? b.op('Neg', [score]) : score) : b.op(sign < 0 ? 'Sub' : 'Add', [acc, score]),
      '',
    );
    const one = double(b, b.fresh('one'), [1], [1]);
    const three = double(b, b.fresh('three'), [1], [3]);
    const transformed = b.op('Div', [total, b.op('Mul', [three, b.op('Add', [b.op('Abs', [total]), one])])]);
    return b.op('Add', [unsqueeze(count), transformed]);
  });
  if (k === 2) {
    const second = decision[1] as string;
    const s =
      threshold === 0 ? second : b.op('Sub', [second, double(b, b.fresh('threshold'), [1], [threshold])]);
    return { kind: 'scores', name: decisionColumns(f, s), classes, acceptsMissing: true };
  }
  return { kind: 'scores', name: concat(b, decision), classes, acceptsMissing: true };
}

/**
 * OutputCodeClassifier: each code bit's binary score (_predict_binary), and the class whose code_book_
 * row is nearest in Euclidean distance (pairwise_distances_argmin: the first of equal ones). No
 * predict_proba.
 */
function outputCode(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const inner = heldList(est, 'estimators_');
  const book = est.matrix('code_book_');
  if (book.shape.length !== 2 || book.shape[0] !== classes.length || book.shape[1] !== inner.length)
    throw new ModelImportError('the OutputCodeClassifier code_book_ does not fit its classes and estimators');
  const { b } = f;
  const scores = concat(
    b,
    inner.map((e) => binaryScore(e, f, 'OutputCodeClassifier').score),
  );
  const distances = againstPoints(b, scores, book, 'code_book').squaredDistances();
  return { kind: 'scores', name: b.op('Neg', [distances]), classes, acceptsMissing: true };
}

export const family: Family = {
  family: 'multiclass',
  finals: {
    OneVsRestClassifier: oneVsRest,
    OneVsOneClassifier: oneVsOne,
    OutputCodeClassifier: outputCode,
  },
  parts: {
    LabelBinarizer: "a OneVsRestClassifier's label binarizer",
    _ConstantPredictor: "a multiclass estimator's binary problem with one label (its constant answer)",
  },
};
