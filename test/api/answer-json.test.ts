// formatPredictionsJson writes the batch answers straight from the prediction's arrays: it must give
// exactly the bytes JSON.stringify(formatPredictions(...)) gives, for every kind, format and flag, over
// class labels chosen to trip a hand-written writer (integer-like names, which objects order first;
// two labels of one text; quotes, escapes and non-ASCII; `__proto__`), float32 and float64 matrices,
// and numbers from tiny to huge.
import { describe, expect, it } from 'vitest';
import type { PredictRequest, RequestFormat } from '../../src/api/request.js';
import { formatPredictions, formatPredictionsJson } from '../../src/api/response.js';
import type { ClassLabel, ModelCard } from '../../src/onnx/card.js';
import type { Matrix, Prediction } from '../../src/runtime/prediction.js';
import { seeded } from '../helpers/synthetic.js';

const LABEL_SETS: ClassLabel[][] = [
  ['setosa', 'versicolor', 'virginica'],
  [0, 1, 2],
  [2, 0, 1],
  ['10', '2', 'b', '1', 'a'],
  [1, '1', 'one'],
  ['say "hi"', 'back\\slash', 'tab\there', 'ünïcödé', '😀', '\u2028'],
  ['__proto__', 'constructor', 'toString'],
  [true, false],
  [1.5, -2, 3e21],
  ['-1', '01', '4294967295', '4294967294'],
];

function matrix(next: () => number, n: number, float32: boolean): Matrix {
  const m = float32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pick = next();
    // Probabilities, repeated values (a tree's leaves), and numbers far from 1 either way.
    m[i] =
      pick < 0.5
        ? next()
        : pick < 0.7
          ? Math.round(next() * 4) / 4
          : (next() - 0.5) * 10 ** Math.round((next() - 0.5) * 60);
  }
  return m;
}

function request(format: RequestFormat, next: () => number): PredictRequest {
  return {
    format,
    rows: [],
    returnPrediction: next() < 0.8,
    returnProbabilities: next() < 0.6,
    returnScores: next() < 0.6,
    returnDistances: false,
  };
}

function card(classes: ClassLabel[] | undefined, targets?: string[]): ModelCard {
  return { classes, ...(targets ? { targets } : {}) } as unknown as ModelCard;
}

function prediction(
  kind: Prediction['kind'],
  rows: number,
  classes: ClassLabel[],
  next: () => number,
): Prediction {
  const float32 = next() < 0.5;
  const labels = Array.from(
    { length: rows },
    () => classes[Math.floor(next() * classes.length)] as ClassLabel,
  );
  const k = classes.length;
  switch (kind) {
    case 'probabilities':
      return { kind, rows, labels, probabilities: matrix(next, rows * k, float32) };
    case 'scores':
      return { kind, rows, labels, scores: matrix(next, rows * k, float32) };
    case 'labels':
      return { kind, rows, labels };
    default:
      return { kind: 'values', rows, values: matrix(next, rows, float32) };
  }
}

describe('formatPredictionsJson', () => {
  const formats: RequestFormat[] = ['input', 'instances', 'row'];
  const kinds = ['probabilities', 'scores', 'labels', 'values'] as const;
  let cases = 0;

  it.each(Array.from({ length: 40 }, (_, seed) => seed))(
    'writes what JSON.stringify(formatPredictions) writes, seed %i',
    (seed) => {
      const next = seeded(seed);
      for (const classes of LABEL_SETS) {
        for (const kind of kinds) {
          for (const format of formats) {
            const rows = format === 'row' ? 1 : 1 + Math.floor(next() * 20);
            const req = request(format, next);
            const out = prediction(kind, rows, classes, next);
            const c = card(kind === 'values' ? undefined : classes);
            const want = JSON.stringify(formatPredictions(req, out, c));
            expect(formatPredictionsJson(req, out, c), `${kind} ${format} ${JSON.stringify(classes)}`).toBe(
              want,
            );
            cases++;
          }
        }
      }
      // A regressor of several targets takes the object path.
      const out = prediction('values', 6, [], next);
      const c = card(undefined, ['y0', 'y1', 'y2']);
      const req = request('input', next);
      expect(formatPredictionsJson(req, out, c)).toBe(JSON.stringify(formatPredictions(req, out, c)));
    },
  );

  it('ran every combination', () => {
    expect(cases).toBe(40 * LABEL_SETS.length * kinds.length * formats.length);
  });

  it('refuses a number that is not finite rather than writing it as null', () => {
    const out: Prediction = { kind: 'values', rows: 2, values: new Float64Array([1, Number.NaN]) };
    const req: PredictRequest = {
      format: 'input',
      rows: [],
      returnPrediction: true,
      returnProbabilities: false,
      returnScores: false,
      returnDistances: false,
    };
    expect(() => formatPredictionsJson(req, out, card(undefined))).toThrow(/non-finite/);
  });
});
