// What a model answers, as a type that can only be read the right way: a discriminated union by what
// the model outputs. A classifier answers labels, with probabilities only when its graph is known to
// produce a distribution, with per-class scores when it produces numbers that are not one; a regressor
// answers values. The fields a kind does not have are typed `never`, so reading them gives undefined
// at compile time instead of a probability that was never computed.
import type { ClassLabel, ModelCard } from '../onnx/card.js';
import { InferenceError, NonFiniteOutputError } from './errors.js';

export type Matrix = Float32Array | Float64Array;

/** A classifier whose graph ends in a probability distribution. */
export interface ProbabilityPrediction {
  kind: 'probabilities';
  rows: number;
  /** The predicted class of each row, as the model card spells it. */
  labels: ClassLabel[];
  /** Row-major [rows, classes], in the card's class order; each row sums to 1. */
  probabilities: Matrix;
  scores?: never;
  values?: never;
}

/** A classifier that answers labels only (LinearSVC, hinge-loss SGD, SVC without probability). */
export interface LabelPrediction {
  kind: 'labels';
  rows: number;
  labels: ClassLabel[];
  probabilities?: never;
  scores?: never;
  values?: never;
}

/** A classifier whose per-class outputs are not known to be probabilities (logits, margins). */
export interface ScorePrediction {
  kind: 'scores';
  rows: number;
  labels: ClassLabel[];
  /** Row-major [rows, classes], in the card's class order; any finite numbers. */
  scores: Matrix;
  probabilities?: never;
  values?: never;
}

/** A regressor: one value per row. */
export interface ValuePrediction {
  kind: 'values';
  rows: number;
  values: Matrix;
  labels?: never;
  probabilities?: never;
  scores?: never;
}

/** A clusterer: each row's cluster, and its distances to every cluster or its probabilities of each. */
export interface ClusterPrediction {
  kind: 'clusters';
  rows: number;
  /** The cluster of each row, 0 to clusters - 1. */
  clusters: Int32Array;
  /** Row-major [rows, clusters]: the distance to each cluster's center (KMeans.transform). */
  distances?: Matrix;
  /** Row-major [rows, clusters]: the probability of each cluster (a mixture's predict_proba). */
  probabilities?: Matrix;
  labels?: never;
  scores?: never;
  values?: never;
}

/** An outlier detector: whether each row is an outlier, and its score (negative for an outlier). */
export interface OutlierPrediction {
  kind: 'outliers';
  rows: number;
  outliers: boolean[];
  /** The decision function of each row ([rows]). */
  scores: Matrix;
  labels?: never;
  probabilities?: never;
  values?: never;
}

export type Prediction =
  | ProbabilityPrediction
  | LabelPrediction
  | ScorePrediction
  | ValuePrediction
  | ClusterPrediction
  | OutlierPrediction;
export type OutputKind = Prediction['kind'];

/** What a model with this card answers. The card is validated, so one of these always applies. */
export function outputKind(card: ModelCard): OutputKind {
  if (card.task === 'regression') return 'values';
  if (card.task === 'clustering') return 'clusters';
  if (card.task === 'outlier-detection') return 'outliers';
  if (card.io.probabilities !== undefined) return 'probabilities';
  if (card.io.scores !== undefined) return 'scores';
  return 'labels';
}

type MatrixField = 'probabilities' | 'scores' | 'values' | 'distances';

/**
 * The prediction's matrices with their numbers per row (`width` is the card's classes or clusters):
 * what slicing and the finiteness check go through.
 */
function matrices(p: Prediction, width: number): { field: MatrixField; m: Matrix; perRow: number }[] {
  switch (p.kind) {
    case 'labels':
      return [];
    case 'values':
      return [{ field: 'values', m: p.values, perRow: 1 }];
    case 'outliers':
      return [{ field: 'scores', m: p.scores, perRow: 1 }];
    case 'probabilities':
      return [{ field: 'probabilities', m: p.probabilities, perRow: width }];
    case 'scores':
      return [{ field: 'scores', m: p.scores, perRow: width }];
    case 'clusters':
      return (['distances', 'probabilities'] as const).flatMap((field) => {
        const m = p[field];
        return m ? [{ field, m, perRow: width }] : [];
      });
  }
}

/** The prediction's one answer per row besides its matrices (labels, clusters, outlier flags). */
function perRowList(p: Prediction): { what: string; list: ArrayLike<unknown> } | undefined {
  if (p.kind === 'values') return undefined;
  if (p.kind === 'clusters') return { what: 'clusters', list: p.clusters };
  if (p.kind === 'outliers') return { what: 'outlier flags', list: p.outliers };
  return { what: 'labels', list: p.labels };
}

/**
 * Rows [from, to) of a batch's prediction, for the request that sent them. Every array must hold
 * exactly its rows' share: a batch whose output is longer or shorter than its rows would hand one
 * client's numbers to another, so that is an InferenceError, never a slice. `width` is the card's
 * classes (or clusters).
 */
export function sliceRows(p: Prediction, from: number, to: number, width: number): Prediction {
  if (!(from >= 0 && from <= to && to <= p.rows))
    throw new InferenceError(`rows ${from}..${to} are outside the batch of ${p.rows} rows`);
  const rows = to - from;
  const parts = matrices(p, width);
  for (const { m, perRow } of parts)
    if (m.length !== p.rows * perRow)
      throw new InferenceError(
        `the batch's output holds ${m.length} numbers for ${p.rows} rows of ${perRow}; refusing to split it`,
      );
  const answers = perRowList(p);
  if (answers !== undefined && answers.list.length !== p.rows)
    throw new InferenceError(
      `the batch's output holds ${answers.list.length} ${answers.what} for ${p.rows} rows`,
    );
  // Views into this run's own output arrays, which nothing else holds.
  const out: Record<string, unknown> = { ...p, rows };
  for (const { field, m, perRow } of parts) out[field] = m.subarray(from * perRow, to * perRow);
  if (p.kind === 'clusters') out.clusters = p.clusters.subarray(from, to);
  else if (p.kind === 'outliers') out.outliers = p.outliers.slice(from, to);
  else if (p.kind !== 'values') out.labels = p.labels.slice(from, to);
  return out as unknown as Prediction;
}

/**
 * Throws NonFiniteOutputError when the prediction holds NaN or an infinity: such a number would be
 * served as `null` (JSON has no NaN), and no client can tell that from an answer.
 */
export function assertFinite(p: Prediction, width: number, output: string): void {
  for (const { m, perRow } of matrices(p, width)) {
    for (let i = 0; i < m.length; i++) {
      const v = m[i] as number;
      // v - v is 0 for every finite number and NaN for NaN and both infinities.
      if (v - v !== 0) throw new NonFiniteOutputError(output, Math.floor(i / perRow), v);
    }
  }
}

/** A prediction of no rows, of the kind the card says (with the matrices its io names). */
export function emptyPrediction(kind: OutputKind, io: ModelCard['io'] = {}): Prediction {
  switch (kind) {
    case 'probabilities':
      return { kind, rows: 0, labels: [], probabilities: new Float32Array(0) };
    case 'scores':
      return { kind, rows: 0, labels: [], scores: new Float32Array(0) };
    case 'labels':
      return { kind, rows: 0, labels: [] };
    case 'values':
      return { kind, rows: 0, values: new Float32Array(0) };
    case 'clusters':
      return {
        kind,
        rows: 0,
        clusters: new Int32Array(0),
        ...(io.distances !== undefined ? { distances: new Float32Array(0) } : {}),
        ...(io.probabilities !== undefined ? { probabilities: new Float32Array(0) } : {}),
      };
    case 'outliers':
      return { kind, rows: 0, outliers: [], scores: new Float32Array(0) };
  }
}
