// What every converter works on: the graph so far (a Flow), what a final estimator gives (an Output),
// the graph blocks several families write, and the shape of a family module (src/sklearn/estimators/),
// which declares the classes it converts. src/sklearn/registry.ts gathers the families.
import { attr, type GraphBuilder, tensor } from '../onnx/builder.js';
import type { ClassLabel } from '../onnx/card.js';
import { DataType } from '../onnx/proto.js';
import type { Column, InputRules } from './columns.js';
import { ModelImportError } from './errors.js';
import type { Estimator, Matrix } from './state.js';
import type { Codes, NumberCodes, TextFeature } from './text.js';

export const INPUT_NAME = 'input';
/** The string input of a model with string columns fed as text. */
export const TEXT_INPUT_NAME = 'text';

/** Where each input feature of a model with string columns is fed: which graph input, which column. */
export interface Feeds {
  numeric: string | undefined;
  strings: string | undefined;
  place: { input: 'numeric' | 'strings'; column: number }[];
  text: ReadonlyMap<number, TextFeature>;
  /** Numeric features an encoder over string columns also reads. */
  numbers: ReadonlyMap<number, NumberCodes>;
}

/** The graph so far: the builder and the current feature matrix ([N, width], double). */
export interface Flow {
  b: GraphBuilder;
  x: string;
  width: number;
  /** The arithmetic of neural-network layers (everything else computes in double). */
  layers: LayerPrecision;
  /** What each of the `width` columns holds (kept by the transformers; the final estimator reads it). */
  columns: Column[];
  /** What each input feature takes, as the steps so far decide it (shared by a ColumnTransformer's parts). */
  rules: InputRules;
  /** Set while the columns hold string columns' codes (before their encoder): which feature, which categories. */
  codes?: Codes[];
  /** Set while x is a text column [N, 1] of strings, before the text vectorizer that reads it. */
  freeText?: boolean;
  /** The top of a model with string columns: x is not the feature matrix, the inputs are these. */
  feeds?: Feeds;
  /** The registry's converters, for estimators that hold others (a ColumnTransformer's, an ensemble's). */
  readonly dispatch: Dispatch;
}

/**
 * float32: the weights stored and multiplied in single precision, as ONNX models of neural networks
 * usually are; onnxruntime's float32 matrix kernels are many times faster than its double ones and the
 * file is half the size. float64: scikit-learn's own precision.
 */
export type LayerPrecision = 'float32' | 'float64';

export type Output =
  /** labelScores: where the label is not the most probable class (SVC's votes), the scores it is the argmax of. */
  (
    | { kind: 'probabilities'; name: string; classes: ClassLabel[]; labelScores?: string }
    /** A classifier without probabilities (LinearSVC, hinge-loss SGD): scores whose argmax is the class. */
    | { kind: 'scores'; name: string; classes: ClassLabel[] }
    /** A regressor's value [N] (or [N, 1]); with `targets` (several), [N, targets]. */
    | { kind: 'value'; name: string; targets?: number }
  ) & {
    /** The graph sends missing values (NaN) somewhere itself, as scikit-learn 1.3+ trees do. */
    acceptsMissing?: boolean;
  };

/** What an unsupervised final estimator gives: the tasks beside classification and regression. */
export type TaskOutput =
  /**
   * A clusterer: `label` int64 [N], each row's cluster (0..count-1), and where the estimator has them
   * the rows' distances to every cluster (KMeans.transform) or their probabilities (a mixture's
   * predict_proba), double [N, count].
   */
  (
    | { kind: 'clusters'; count: number; label: string; distances?: string; probabilities?: string }
    /**
     * An outlier detector: `label` int64 [N] as scikit-learn's predict (1 inlier, -1 outlier) and `score`
     * double [N] (or [N, 1]) as its decision_function (negative for an outlier).
     */
    | { kind: 'outliers'; label: string; score: string }
  ) & { acceptsMissing?: boolean };

/** What any final estimator gives, as the model to serve. */
export type Answer = Output | TaskOutput;

export const double = (b: GraphBuilder, name: string, dims: number[], values: ArrayLike<number>) =>
  b.constant(tensor.double(name, dims, values));
export const float = (b: GraphBuilder, name: string, dims: number[], values: ArrayLike<number>) =>
  b.constant(tensor.float(name, dims, values));
export const cast = (b: GraphBuilder, x: string, to: number) => b.op('Cast', [x], [attr.int('to', to)]);

/** Rows times a coefficient matrix: x [N, d] · W [d, k] + bias [k], in double unless `constant` says float. */
export function affine(
  f: Flow,
  weights: Matrix,
  bias: Matrix | undefined,
  transposed: boolean,
  constant = double,
): string {
  const [rows, cols] =
    weights.shape.length === 1 ? [1, weights.shape[0] as number] : (weights.shape as [number, number]);
  if (rows * cols !== weights.values.length)
    throw new ModelImportError(
      `the model's weights of shape (${weights.shape.join(', ')}) are not a matrix of ${weights.values.length} values`,
    );
  // scikit-learn's linear models keep coef_ as [k, d]; MLP keeps [d, k].
  const d = transposed ? cols : rows;
  const k = transposed ? rows : cols;
  if (d !== f.width)
    throw new ModelImportError(`the model's weights take ${d} features, but ${f.width} reach them`);
  const w = new Float64Array(d * k);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < k; j++)
      w[i * k + j] = transposed
        ? (weights.values[j * d + i] as number)
        : (weights.values[i * k + j] as number);
  let y = f.b.op('MatMul', [f.x, constant(f.b, f.b.fresh('weights'), [d, k], w)]);
  if (bias) {
    const bv =
      bias.values.length === 1 && k > 1 ? new Float64Array(k).fill(bias.values[0] as number) : bias.values;
    y = f.b.op('Add', [y, constant(f.b, f.b.fresh('bias'), [k], bv)]);
  }
  return y;
}

/** `t` (a scalar, a [1, width] row or already [N, width]) broadcast to [N, width] over the flow's rows. */
export function overRows(f: Flow, t: string, width: number): string {
  const { b } = f;
  const rows = b.op('Slice', [
    b.op('Shape', [f.x]),
    b.constant(tensor.int64(b.fresh('start'), [1], [0])),
    b.constant(tensor.int64(b.fresh('end'), [1], [1])),
  ]);
  const shape = b.op(
    'Concat',
    [rows, b.constant(tensor.int64(b.fresh('width'), [1], [width]))],
    [attr.int('axis', 0)],
  );
  return b.op('Expand', [t, shape]);
}

/** Probabilities [N, 2] from the positive class's probability [N, 1]. */
export function twoClasses(f: Flow, p1: string): string {
  const one = double(f.b, f.b.fresh('one'), [1], [1]);
  return f.b.op('Concat', [f.b.op('Sub', [one, p1]), p1], [attr.int('axis', 1)]);
}

export function gather(b: GraphBuilder, x: string, cols: readonly number[]): string {
  return b.op(
    'Gather',
    [x, b.constant(tensor.int64(b.fresh('columns'), [cols.length], cols))],
    [attr.int('axis', 1)],
  );
}

/**
 * Label columns [N, 2] for a binary decision s [N, 1]: their argmax is the positive class where s > 0, or
 * where s >= 0 when `inclusive`, which is how predict decides (not by the probabilities, which saturate).
 */
export function decisionColumns(f: Flow, s: string, inclusive = false): string {
  const zero = double(f.b, f.b.fresh('zero'), [1], [0]);
  const positive = cast(f.b, f.b.op(inclusive ? 'GreaterOrEqual' : 'Greater', [s, zero]), DataType.DOUBLE);
  const negative = f.b.op('Sub', [double(f.b, f.b.fresh('one'), [1], [1]), positive]);
  return f.b.op('Concat', [negative, positive], [attr.int('axis', 1)]);
}

/** The label columns of a linear decision function: [N, k] scores, or binary [N, 1] by its sign. */
export function decisionLabels(f: Flow, scores: string, binary: boolean): string {
  return binary ? decisionColumns(f, scores) : scores;
}

/**
 * One-vs-rest probabilities: each class's value over the row's sum. Where every value is 0, scikit-learn
 * answers uniform probabilities for SGD's modified Huber loss and, from 1.9, for the sigmoids of
 * `_predict_proba_lr`; before 1.9 the latter divided by zero, and the graph does too (NaN, which the
 * server refuses to serve rather than invent an answer).
 */
export function normalizedRows(f: Flow, p: string, k: number, uniformWhenZero = true): string {
  const sum = f.b.op(
    'ReduceSum',
    [p, f.b.constant(tensor.int64(f.b.fresh('axes'), [1], [1]))],
    [attr.int('keepdims', 1)],
  );
  const normalized = f.b.op('Div', [p, sum]);
  if (!uniformWhenZero) return normalized;
  const zero = f.b.op('Equal', [sum, double(f.b, f.b.fresh('zero'), [1], [0])]);
  const uniform = double(f.b, f.b.fresh('uniform'), [1], [1 / k]);
  return f.b.op('Where', [zero, uniform, normalized]);
}

/** Sigmoids normalized over the classes, as LinearClassifierMixin._predict_proba_lr gives them. */
export function sigmoidsOverClasses(est: Estimator, f: Flow, scores: string, k: number): string {
  return normalizedRows(f, f.b.op('Sigmoid', [scores]), k, est.savedBy(1, 9));
}

export function twoScores(f: Flow, s: string): string {
  return f.b.op('Concat', [f.b.op('Neg', [s]), s], [attr.int('axis', 1)]);
}

/** A transformer: rewrites the flow's feature matrix (and its column notes) in place. */
export type Transform = (est: Estimator, f: Flow) => void;
/**
 * A final estimator: the flow's features in, the probabilities, scores or value out (or, for a
 * clusterer or an outlier detector, its TaskOutput).
 */
export type Final = (est: Estimator, f: Flow) => Answer;

/** The registry's dispatch, as the converters of estimators holding others use it. */
export interface Dispatch {
  /** A Pipeline's steps flattened, or the one estimator. */
  steps(est: Estimator): Estimator[];
  /** Applies a transformer step (checking what it may read), or refuses it naming what is supported. */
  transform(step: Estimator, f: Flow): void;
  /**
   * Converts a final estimator that another one holds (a classifier or a regressor: a clusterer or an
   * outlier detector is refused there), or refuses it naming what is supported.
   */
  final(est: Estimator, f: Flow): Output;
  /** Converts the estimator that answers (any task): the last step, or the model a wrapper holds. */
  answer(est: Estimator, f: Flow): Answer;
  /** Whether the class converts as a final estimator. */
  hasFinal(name: string): boolean;
}

/**
 * One estimator family: the scikit-learn classes it converts and how. The registry derives the
 * dispatch and the pickle allowlist from these declarations, so a class converts if and only if a
 * family declares it, and a pickle may name only declared classes.
 */
export interface Family {
  /** The family's name (docs/importing.md). */
  family: string;
  transformers?: Record<string, Transform>;
  /** This family's transformers that read string columns' codes (before their encoder). */
  overCodes?: readonly string[];
  finals?: Record<string, Final>;
  /**
   * scikit-learn classes a fitted estimator of this family holds in its state, rebuilt as data and
   * never converted on their own: each with what holds it.
   */
  parts?: Record<string, string>;
  /**
   * Classes that hold the model to serve, which they give (a search's best_estimator_): converted as
   * the model they give, anywhere that model could stand.
   */
  wrappers?: Record<string, (est: Estimator) => Estimator>;
  /** scikit-learn functions a fitted state names without calling them (a scorer's metric), with why. */
  references?: Record<string, string>;
  /** Classes of another library (by module.name) rebuilt from a pickle, with what each is. */
  foreign?: Record<string, string>;
  /** Known scikit-learn classes this family does not convert, each with the reason in one line. */
  refused?: Record<string, string>;
}
