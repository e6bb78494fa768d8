// Predictions into the response bodies of protocol.md.
import type { ClassLabel, ModelCard } from '../onnx/card.js';
import type { Predictions } from '../runtime/predictor.js';
import type { PredictRequest } from './request.js';

/**
 * The shortest decimal that reads back as the same float32: what the model computed, without the
 * noise digits a float32 shows when printed as a double (0.9997015595436096 is 0.99970156).
 */
export function float32Json(v: number): number {
  if (!Number.isFinite(v) || Math.fround(v) !== v) return v;
  // Nine significant digits always read back as the same float32, and once some number of digits does,
  // every longer rounding does too: a binary search finds the fewest in three or four tries.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(v.toPrecision(mid))) === v) hi = mid;
    else lo = mid + 1;
  }
  return Number(v.toPrecision(hi));
}

const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;

function probabilityObject(
  p: ArrayLike<number>,
  base: number,
  classes: readonly ClassLabel[],
  clean: (v: number) => number,
) {
  return Object.fromEntries(classes.map((c, k) => [String(c), clean(p[base + k])]));
}

export function formatPredictions(
  req: PredictRequest,
  out: Predictions,
  card: ModelCard,
): Record<string, unknown> {
  const classes = card.classes ?? [];
  const k = classes.length;
  const same = (v: number) => v;
  const clean = out.probabilities instanceof Float32Array ? float32Json : same;
  const valueClean = out.values instanceof Float32Array ? float32Json : same;
  const labelProbability = (r: number): number => {
    const p = out.probabilities!;
    const idx = classes.indexOf(out.labels![r]);
    if (idx >= 0) return p[r * k + idx];
    let max = 0;
    for (let c = 0; c < k; c++) max = Math.max(max, p[r * k + c]);
    return max;
  };

  if (req.format === 'row') {
    if (card.task === 'regression') return { prediction: { value: valueClean(out.values![0]) } };
    return { prediction: { label: out.labels![0], probability: round4(labelProbability(0)) } };
  }
  if (req.format === 'input') {
    const body: Record<string, unknown> = {};
    if (req.returnPrediction) {
      body.prediction = card.task === 'regression' ? Array.from(out.values!, valueClean) : out.labels;
    }
    if (req.returnProbabilities) {
      body.probabilities = Array.from({ length: out.rows }, (_, r) =>
        probabilityObject(out.probabilities!, r * k, classes, clean),
      );
    }
    return body;
  }
  if (card.task === 'regression') {
    return { predictions: Array.from(out.values!, (v) => ({ value: valueClean(v) })) };
  }
  return {
    predictions: out.labels!.map((label, r) => ({
      label,
      probability: clean(labelProbability(r)),
      probabilities: probabilityObject(out.probabilities!, r * k, classes, clean),
    })),
  };
}
