// The output heads every producer writes (the trainer, the scikit-learn converters, the LightGBM
// reader): a classifier's `probabilities` [N, k] and `label` [N] (the classes gathered at an argmax), a
// label alone, or a regressor's `value` [N], each with the card's io entries that name them. One place,
// so every producer's graph answers in the shapes the Predictor and the card checks expect.
import { attr, type GraphBuilder, tensor } from './builder.js';
import type { ClassLabel, ModelIo } from './card.js';
import { DataType, type TensorProto } from './proto.js';

/** The element type of a head's numbers: the trainer's float32, the converters' double. */
export type HeadPrecision = 'float32' | 'float64';

const ELEMENT: Record<HeadPrecision, number> = { float32: DataType.FLOAT, float64: DataType.DOUBLE };

/** The classes as the label output's element type: int64 when every class is an integer, else strings. */
export function classTensor(classes: readonly ClassLabel[]): TensorProto {
  if (classes.every((c) => typeof c === 'number' && Number.isInteger(c)))
    return tensor.int64('classes', [classes.length], classes as number[]);
  return tensor.string('classes', [classes.length], classes.map(String));
}

/** `label` [N]: the class at each row's argmax of `scores` [N, k]. */
function label(b: GraphBuilder, scores: string, classes: readonly ClassLabel[]): void {
  const index = b.op('ArgMax', [scores], [attr.int('axis', 1), attr.int('keepdims', 0)]);
  const labels = classTensor(classes);
  b.op('Gather', [b.constant(labels), index], [attr.int('axis', 0)], undefined, 'label');
  b.output('label', labels.dataType, ['N']);
}

/**
 * A classifier's outputs: `probabilities` (the tensor given, [N, k]) and `label`, the most probable
 * class, or the argmax of `labelScores` where the estimator decides its label otherwise (SVC's votes,
 * a decision function's sign).
 */
export function classifierHead(
  b: GraphBuilder,
  probabilities: string,
  classes: readonly ClassLabel[],
  precision: HeadPrecision,
  labelScores?: string,
): Pick<ModelIo, 'probabilities' | 'label' | 'labelIsArgmax'> {
  const named = b.op('Identity', [probabilities], [], undefined, 'probabilities');
  b.output('probabilities', ELEMENT[precision], ['N', classes.length]);
  label(b, labelScores ?? named, classes);
  return { probabilities: 'probabilities', label: 'label', labelIsArgmax: labelScores === undefined };
}

/** A classifier without probabilities: `label` alone, the argmax of `scores` [N, k]. */
export function labelHead(
  b: GraphBuilder,
  scores: string,
  classes: readonly ClassLabel[],
): Pick<ModelIo, 'label'> {
  label(b, scores, classes);
  return { label: 'label' };
}

/** A regressor's `value` [N], from the tensor given ([N] or [N, 1]). */
export function valueHead(b: GraphBuilder, value: string, precision: HeadPrecision): Pick<ModelIo, 'value'> {
  b.op('Reshape', [value, b.constant(tensor.int64('value_shape', [1], [-1]))], [], undefined, 'value');
  b.output('value', ELEMENT[precision], ['N']);
  return { value: 'value' };
}

/**
 * A clusterer's outputs: `cluster` int64 [N] (the tensor given) and, where given, `distances` and
 * `probabilities` [N, clusters].
 */
export function clusterHead(
  b: GraphBuilder,
  out: { label: string; count: number; distances?: string; probabilities?: string },
  precision: HeadPrecision,
): Pick<ModelIo, 'label' | 'distances' | 'probabilities'> {
  b.op(
    'Reshape',
    [out.label, b.constant(tensor.int64('cluster_shape', [1], [-1]))],
    [],
    undefined,
    'cluster',
  );
  b.output('cluster', DataType.INT64, ['N']);
  const io: Pick<ModelIo, 'label' | 'distances' | 'probabilities'> = { label: 'cluster' };
  for (const name of ['distances', 'probabilities'] as const) {
    const value = out[name];
    if (value === undefined) continue;
    b.op('Identity', [value], [], undefined, name);
    b.output(name, ELEMENT[precision], ['N', out.count]);
    io[name] = name;
  }
  return io;
}

/** An outlier detector's outputs: `label` int64 [N] (1 inlier, -1 outlier) and `score` [N]. */
export function outlierHead(
  b: GraphBuilder,
  label: string,
  score: string,
  precision: HeadPrecision,
): Pick<ModelIo, 'label' | 'score'> {
  const flat = b.constant(tensor.int64('outlier_shape', [1], [-1]));
  b.op('Reshape', [label, flat], [], undefined, 'label');
  b.output('label', DataType.INT64, ['N']);
  b.op('Reshape', [score, flat], [], undefined, 'score');
  b.output('score', ELEMENT[precision], ['N']);
  return { label: 'label', score: 'score' };
}
