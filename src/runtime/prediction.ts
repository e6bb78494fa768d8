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

export type Prediction = ProbabilityPrediction | LabelPrediction | ScorePrediction | ValuePrediction;
export type OutputKind = Prediction['kind'];

/** What a model with this card answers. The card is validated, so one of these always applies. */
export function outputKind(card: ModelCard): OutputKind {
  if (card.task === 'regression') return 'values';
  if (card.io.probabilities !== undefined) return 'probabilities';
  if (card.io.scores !== undefined) return 'scores';
  return 'labels';
}

/** How many numbers each row has in the prediction's matrix (classes, 1 for values, 0 for labels). */
export function perRow(p: Prediction, classes: number): number {
  return p.kind === 'values' ? 1 : p.kind === 'labels' ? 0 : classes;
}

/**
 * Rows [from, to) of a batch's prediction, for the request that sent them. Every array must hold
 * exactly its rows' share: a batch whose output is longer or shorter than its rows would hand one
 * client's numbers to another, so that is an InferenceError, never a slice.
 */
export function sliceRows(p: Prediction, from: number, to: number, classes: number): Prediction {
  if (!(from >= 0 && from <= to && to <= p.rows))
    throw new InferenceError(`rows ${from}..${to} are outside the batch of ${p.rows} rows`);
  const rows = to - from;
  const width = perRow(p, classes);
  const matrix = p.kind === 'labels' ? undefined : p.kind === 'values' ? p.values : (p[p.kind] as Matrix);
  if (matrix !== undefined && matrix.length !== p.rows * width)
    throw new InferenceError(
      `the batch's output holds ${matrix.length} numbers for ${p.rows} rows of ${width}; refusing to split it`,
    );
  if (p.kind !== 'values' && p.labels.length !== p.rows)
    throw new InferenceError(`the batch's output holds ${p.labels.length} labels for ${p.rows} rows`);
  // Views into this run's own output arrays, which nothing else holds.
  const part = matrix?.subarray(from * width, to * width);
  switch (p.kind) {
    case 'probabilities':
      return { kind: p.kind, rows, labels: p.labels.slice(from, to), probabilities: part as Matrix };
    case 'scores':
      return { kind: p.kind, rows, labels: p.labels.slice(from, to), scores: part as Matrix };
    case 'labels':
      return { kind: p.kind, rows, labels: p.labels.slice(from, to) };
    case 'values':
      return { kind: p.kind, rows, values: part as Matrix };
  }
}

/**
 * Throws NonFiniteOutputError when the prediction holds NaN or an infinity: such a number would be
 * served as `null` (JSON has no NaN), and no client can tell that from an answer.
 */
export function assertFinite(p: Prediction, classes: number, output: string): void {
  if (p.kind === 'labels') return;
  const m = p.kind === 'values' ? p.values : (p[p.kind] as Matrix);
  const width = perRow(p, classes);
  for (let i = 0; i < m.length; i++) {
    const v = m[i] as number;
    // v - v is 0 for every finite number and NaN for NaN and both infinities.
    if (v - v !== 0) throw new NonFiniteOutputError(output, Math.floor(i / width), v);
  }
}

/** A prediction of no rows, of the kind the card says. */
export function emptyPrediction(kind: OutputKind): Prediction {
  switch (kind) {
    case 'probabilities':
      return { kind, rows: 0, labels: [], probabilities: new Float32Array(0) };
    case 'scores':
      return { kind, rows: 0, labels: [], scores: new Float32Array(0) };
    case 'labels':
      return { kind, rows: 0, labels: [] };
    case 'values':
      return { kind, rows: 0, values: new Float32Array(0) };
  }
}
