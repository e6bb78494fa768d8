// Predictions into the response bodies of protocol.md.
import type { ClassLabel, ModelCard } from '../onnx/card.js';
import type { Matrix, Prediction } from '../runtime/prediction.js';
import type { PredictRequest } from './request.js';

/** Powers of ten exact in a double (10^22 is the largest). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal that reads back as the same float32: what the model computed, without the
 * noise digits a float32 shows when printed as a double (0.9997015595436096 is 0.99970156).
 *
 * Nine significant digits always read back as the same float32, and once some number of digits does,
 * every longer rounding does too: a binary search finds the fewest in three or four tries. Each try
 * rounds with arithmetic (the value scaled by an exact power of ten, rounded, scaled back: the double
 * nearest that decimal, which JSON prints as it), not with toPrecision and a parse, which made the
 * probabilities of a 10,000-row answer cost a third of its model's run.
 */
export function float32Json(v: number): number {
  if (!Number.isFinite(v) || Math.fround(v) !== v || v === 0) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log10(a));
  // log10 may land on the wrong side of a power of ten.
  if (10 ** e > a) e -= 1;
  else if (10 ** (e + 1) <= a) e += 1;
  // Scales past 10^22 are not exact in a double: those values (below 1e-13 or above 1e22) take the
  // slower, exact path.
  if (e > 22 || 8 - e > 22) return byPrecision(v);
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(roundedTo(v, a, e, mid)) === v) hi = mid;
    else lo = mid + 1;
  }
  const out = roundedTo(v, a, e, hi);
  return Math.fround(out) === v ? out : byPrecision(v);
}

/** `v` (of magnitude `a`, 10^e <= a < 10^(e+1)) rounded to `digits` significant digits. */
function roundedTo(v: number, a: number, e: number, digits: number): number {
  const p = digits - 1 - e;
  const r =
    p >= 0
      ? Math.round(a * (POW10[p] as number)) / (POW10[p] as number)
      : Math.round(a / (POW10[-p] as number)) * (POW10[-p] as number);
  return v < 0 ? -r : r;
}

/** float32Json by decimal rounding: toPrecision and a parse for each try. */
function byPrecision(v: number): number {
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

/** Row r of a [rows, classes] matrix as an object keyed by class name. */
function byClass(
  m: Matrix,
  r: number,
  classes: readonly ClassLabel[],
  clean: (v: number) => number,
): Record<string, number> {
  const k = classes.length;
  const out: Record<string, number> = {};
  for (let c = 0; c < k; c++) out[String(classes[c])] = clean(m[r * k + c] as number);
  return out;
}

/** The number the matrix holds for row r's label (the label is one of the classes: the Predictor checks). */
function labelEntry(m: Matrix, r: number, label: ClassLabel, classes: readonly ClassLabel[]): number {
  return m[r * classes.length + classes.indexOf(label)] as number;
}

/**
 * The response body for a request, by what the model answers (protocol.md, "Every model kind answers
 * every format"). parsePredictRequest has already refused what a kind cannot answer (probabilities
 * from a label-only classifier, say).
 */
export function formatPredictions(
  req: PredictRequest,
  out: Prediction,
  card: ModelCard,
): Record<string, unknown> {
  const classes = card.classes ?? [];
  switch (out.kind) {
    case 'values': {
      const clean = out.values instanceof Float32Array ? float32Json : same;
      const targets = card.targets;
      if (targets) {
        // Several targets: each row's values keyed by target name, in the card's order.
        const row = (r: number) => {
          const values: Record<string, number> = {};
          targets.forEach((t, j) => {
            values[t] = clean(out.values[r * targets.length + j] as number);
          });
          return values;
        };
        if (req.format === 'row') return { prediction: { values: row(0) } };
        const rows = Array.from({ length: out.rows }, (_, r) => row(r));
        if (req.format === 'input') return { prediction: rows };
        return { predictions: rows.map((values) => ({ values })) };
      }
      if (req.format === 'row') return { prediction: { value: clean(out.values[0] as number) } };
      if (req.format === 'input') return { prediction: Array.from(out.values, clean) };
      return { predictions: Array.from(out.values, (v) => ({ value: clean(v) })) };
    }
    case 'labels': {
      if (req.format === 'row') return { prediction: { label: out.labels[0] } };
      if (req.format === 'input') return { prediction: out.labels };
      return { predictions: out.labels.map((label) => ({ label })) };
    }
    case 'probabilities':
    case 'scores': {
      const m = out.kind === 'probabilities' ? out.probabilities : out.scores;
      const clean = m instanceof Float32Array ? float32Json : same;
      const one = out.kind === 'probabilities' ? 'probability' : 'score';
      const all = out.kind === 'probabilities' ? 'probabilities' : 'scores';
      if (req.format === 'row') {
        const v = labelEntry(m, 0, out.labels[0] as ClassLabel, classes);
        // The reference's answer rounds the probability to 4 decimals; a score is not a probability.
        return {
          prediction: { label: out.labels[0], [one]: out.kind === 'probabilities' ? round4(v) : clean(v) },
        };
      }
      if (req.format === 'input') {
        const body: Record<string, unknown> = {};
        if (req.returnPrediction) body.prediction = out.labels;
        if (out.kind === 'probabilities' ? req.returnProbabilities : req.returnScores)
          body[all] = Array.from({ length: out.rows }, (_, r) => byClass(m, r, classes, clean));
        return body;
      }
      return {
        predictions: out.labels.map((label, r) => ({
          label,
          [one]: clean(labelEntry(m, r, label, classes)),
          [all]: byClass(m, r, classes, clean),
        })),
      };
    }
    case 'clusters':
      return clusterAnswers(req, out, card.clusters ?? 0);
    case 'outliers': {
      const clean = out.scores instanceof Float32Array ? float32Json : same;
      const score = (r: number) => clean(out.scores[r] as number);
      if (req.format === 'row') return { prediction: { outlier: out.outliers[0], score: score(0) } };
      if (req.format === 'input') {
        const body: Record<string, unknown> = {};
        if (req.returnPrediction) body.prediction = out.outliers;
        if (req.returnScores) body.scores = Array.from(out.scores, clean);
        return body;
      }
      return { predictions: out.outliers.map((outlier, r) => ({ outlier, score: score(r) })) };
    }
  }
}

/**
 * A clusterer's answers: the cluster of each row, with its distances to every cluster or its
 * probabilities of each as arrays in cluster order. One row answers its own cluster's distance or
 * probability (rounded to 4 decimals, as a classifier's probability is).
 */
function clusterAnswers(
  req: PredictRequest,
  out: Extract<Prediction, { kind: 'clusters' }>,
  k: number,
): Record<string, unknown> {
  const row = (m: Matrix, r: number) => {
    const clean = m instanceof Float32Array ? float32Json : same;
    return Array.from(m.subarray(r * k, r * k + k), clean);
  };
  const { distances, probabilities } = out;
  if (req.format === 'row') {
    const c = out.clusters[0] as number;
    const prediction: Record<string, unknown> = { cluster: c };
    if (distances) prediction.distance = float32Json(distances[c] as number);
    if (probabilities) prediction.probability = round4(probabilities[c] as number);
    return { prediction };
  }
  const rows = Array.from({ length: out.rows }, (_, r) => r);
  if (req.format === 'input') {
    const body: Record<string, unknown> = {};
    if (req.returnPrediction) body.prediction = Array.from(out.clusters);
    if (distances && req.returnDistances) body.distances = rows.map((r) => row(distances, r));
    if (probabilities && req.returnProbabilities) body.probabilities = rows.map((r) => row(probabilities, r));
    return body;
  }
  return {
    predictions: rows.map((r) => ({
      cluster: out.clusters[r],
      ...(distances ? { distances: row(distances, r) } : {}),
      ...(probabilities ? { probabilities: row(probabilities, r) } : {}),
    })),
  };
}

const same = (v: number): number => v;

/**
 * The response body of formatPredictions as JSON text: exactly JSON.stringify(formatPredictions(...)),
 * byte for byte (test/api/answer-json.test.ts holds them equal), written straight from the prediction's
 * arrays for the batch answers (`input`) rather than built as an object per row and then stringified:
 * a 10,000-row answer's objects and their JSON cost more than the model's run. The other answers are
 * small and go through formatPredictions.
 */
export function formatPredictionsJson(req: PredictRequest, out: Prediction, card: ModelCard): string {
  if (req.format === 'input' && !card.targets) {
    switch (out.kind) {
      case 'values':
        return `{"prediction":${numberList(out.values)}}`;
      case 'labels':
        return `{"prediction":${labelList(out.labels, card)}}`;
      case 'probabilities':
      case 'scores': {
        const wanted = out.kind === 'probabilities' ? req.returnProbabilities : req.returnScores;
        const m = out.kind === 'probabilities' ? out.probabilities : out.scores;
        const parts: string[] = [];
        if (req.returnPrediction) parts.push(`"prediction":${labelList(out.labels, card)}`);
        if (wanted) parts.push(`"${out.kind}":${classRows(m, out.rows, card)}`);
        return `{${parts.join(',')}}`;
      }
    }
  }
  return JSON.stringify(formatPredictions(req, out, card));
}

/** A number as JSON writes it; the Predictor has refused any answer that is not finite. */
function jsonNumber(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`a non-finite number (${v}) reached an answer`);
  return String(v);
}

/**
 * The JSON text of answers' numbers, remembered by their bits in a small hash table that lives as
 * long as the process (the text of a number never changes). A tree ensemble answers few distinct
 * numbers (sums of its leaves), and their shortest decimals (float32Json, then the double's own
 * shortest form) were a fifth of a 10,000-row answer's cost; a model of continuous outputs pays a look-up
 * per number besides. Two tables (float32 answers are written as float32Json gives them), 256 KB each,
 * made on the first batch answer; each is two-way (a number's slot and its neighbour), so that two
 * numbers of one slot do not push each other out on every answer.
 */
class NumberTexts {
  private static readonly SIZE = 16_384;
  /** 32 minus log2(SIZE): the hash's top bits index the table. */
  private static readonly SHIFT = 18;
  private readonly lo = new Uint32Array(NumberTexts.SIZE);
  private readonly hi = new Uint32Array(NumberTexts.SIZE);
  private readonly texts: (string | undefined)[] = new Array(NumberTexts.SIZE).fill(undefined);
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  constructor(private readonly clean: (v: number) => number) {}

  text(v: number): string {
    const { f64, u32, texts } = this;
    f64[0] = v;
    const lo = u32[0] as number;
    const hi = u32[1] as number;
    // A multiplicative hash of all the bits (a float32's last mantissa bits are the double's top low
    // ones); two ways, the pair of slots i and i ^ 1, the newer entry at i.
    const i = Math.imul(hi ^ lo ^ (lo >>> 16), 0x9e3779b1) >>> NumberTexts.SHIFT;
    const j = i ^ 1;
    const at = texts[i];
    if (at !== undefined && this.lo[i] === lo && this.hi[i] === hi) return at;
    const beside = texts[j];
    if (beside !== undefined && this.lo[j] === lo && this.hi[j] === hi) return beside;
    const text = jsonNumber(this.clean(v));
    texts[j] = at;
    this.lo[j] = this.lo[i] as number;
    this.hi[j] = this.hi[i] as number;
    texts[i] = text;
    this.lo[i] = lo;
    this.hi[i] = hi;
    return text;
  }
}

let float32Texts: NumberTexts | undefined;
let float64Texts: NumberTexts | undefined;

/** The table for a matrix's numbers. */
function numberTexts(m: Matrix): NumberTexts {
  if (m instanceof Float32Array) {
    float32Texts ??= new NumberTexts(float32Json);
    return float32Texts;
  }
  float64Texts ??= new NumberTexts(same);
  return float64Texts;
}

/** A matrix's numbers as a JSON array, float32 ones as float32Json gives them (what JSON.stringify of `Array.from(m, float32Json)` writes). */
export function numberList(m: Matrix): string {
  const texts = numberTexts(m);
  let s = '[';
  for (let i = 0; i < m.length; i++) s += (i === 0 ? '' : ',') + texts.text(m[i] as number);
  return `${s}]`;
}

/** Each class label's JSON, as itself and as text, made once per card. */
const labelTexts = {
  own: new WeakMap<ModelCard, Map<ClassLabel, string>>(),
  text: new WeakMap<ModelCard, Map<ClassLabel, string>>(),
};

function labelJson(label: ClassLabel, asText: boolean): string {
  return JSON.stringify(asText ? String(label) : label);
}

/**
 * Labels as a JSON array: each as itself (what JSON.stringify of the labels writes), or `asText`, each
 * as its text (a V2 BYTES output).
 */
export function labelList(labels: readonly ClassLabel[], card: ModelCard, asText = false): string {
  const cache = asText ? labelTexts.text : labelTexts.own;
  let texts = cache.get(card);
  if (!texts) {
    texts = new Map((card.classes ?? []).map((c) => [c, labelJson(c, asText)]));
    cache.set(card, texts);
  }
  let s = '[';
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as ClassLabel;
    s += (i === 0 ? '' : ',') + (texts.get(label) ?? labelJson(label, asText));
  }
  return `${s}]`;
}

/**
 * How byClass's objects come out of JSON.stringify, per card: the keys in the order an object keeps
 * them (integer-like keys first, ascending), each with the class whose value it holds (the last of
 * the classes that share the key's text).
 */
const classLayouts = new WeakMap<ModelCard, { keys: string[]; columns: number[] }>();

function classRows(m: Matrix, rows: number, card: ModelCard): string {
  const classes = card.classes ?? [];
  let layout = classLayouts.get(card);
  if (!layout) {
    const sample: Record<string, number> = {};
    classes.forEach((c, i) => {
      sample[String(c)] = i;
    });
    const names = Object.keys(sample);
    layout = {
      keys: names.map((k) => `${JSON.stringify(k)}:`),
      columns: names.map((k) => sample[k] as number),
    };
    classLayouts.set(card, layout);
  }
  const { keys, columns } = layout;
  const k = classes.length;
  const texts = numberTexts(m);
  let s = '[';
  for (let r = 0; r < rows; r++) {
    s += r === 0 ? '{' : ',{';
    for (let j = 0; j < keys.length; j++)
      s += (j === 0 ? '' : ',') + keys[j] + texts.text(m[r * k + (columns[j] as number)] as number);
    s += '}';
  }
  return `${s}]`;
}
