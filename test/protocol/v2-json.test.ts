// The V2 infer answer writes each JSON output tensor from the prediction's arrays (outputJson): it must
// give exactly the bytes JSON.stringify gives for outputTensors' entry, for every model kind and output,
// over class labels of every datatype (BYTES, INT64, FP64, BOOL, and mixed ones written as text),
// float32 and float64 numbers, and numbers from tiny to huge.
import { describe, expect, it } from 'vitest';
import { outputJson, outputsOf, outputTensors } from '../../src/api/protocols/kserve-v2/format.js';
import type { ClassLabel, ModelCard } from '../../src/onnx/card.js';
import type { Matrix, Prediction } from '../../src/runtime/prediction.js';
import { seeded } from '../helpers/synthetic.js';

const LABEL_SETS: ClassLabel[][] = [
  [-3, 7],
  ['setosa', 'versicolor', 'virginica'],
  [0, 1, 2],
  [1.5, 2.25, -1e21],
  [true, false],
  [1, 'one', true],
  ['say "hi"', 'ünïcödé', '\u2028'],
];

function matrix(next: () => number, n: number, float32: boolean): Matrix {
  const m = float32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pick = next();
    m[i] = pick < 0.6 ? next() : (next() - 0.5) * 10 ** Math.round((next() - 0.5) * 60);
  }
  return m;
}

type Case = { card: ModelCard; prediction: Prediction };

function cases(next: () => number): Case[] {
  const rows = 1 + Math.floor(next() * 12);
  const float32 = next() < 0.5;
  const out: Case[] = [];
  for (const classes of LABEL_SETS) {
    const card = { classes, io: {} } as unknown as ModelCard;
    const labels = Array.from(
      { length: rows },
      () => classes[Math.floor(next() * classes.length)] as ClassLabel,
    );
    const k = classes.length;
    out.push({
      card,
      prediction: { kind: 'probabilities', rows, labels, probabilities: matrix(next, rows * k, float32) },
    });
    out.push({ card, prediction: { kind: 'scores', rows, labels, scores: matrix(next, rows * k, float32) } });
    out.push({ card, prediction: { kind: 'labels', rows, labels } });
  }
  out.push({
    card: { io: {} } as unknown as ModelCard,
    prediction: { kind: 'values', rows, values: matrix(next, rows, float32) },
  });
  out.push({
    card: { io: {}, targets: ['a', 'b'] } as unknown as ModelCard,
    prediction: { kind: 'values', rows, values: matrix(next, rows * 2, float32) },
  });
  const clusters = Int32Array.from({ length: rows }, () => Math.floor(next() * 4));
  out.push({
    card: { io: { distances: 'd', probabilities: 'p' }, clusters: 4 } as unknown as ModelCard,
    prediction: {
      kind: 'clusters',
      rows,
      clusters,
      distances: matrix(next, rows * 4, float32),
      probabilities: matrix(next, rows * 4, float32),
    },
  });
  out.push({
    card: { io: {} } as unknown as ModelCard,
    prediction: {
      kind: 'outliers',
      rows,
      outliers: Array.from({ length: rows }, () => next() < 0.3),
      scores: matrix(next, rows, float32),
    },
  });
  return out;
}

describe('outputJson', () => {
  let checked = 0;

  it.each(Array.from({ length: 30 }, (_, seed) => seed))(
    'writes what JSON.stringify writes, seed %i',
    (seed) => {
      const next = seeded(seed);
      for (const { card, prediction } of cases(next)) {
        const tensors = outputTensors(prediction, card);
        for (const { name } of outputsOf(card, prediction.kind)) {
          expect(outputJson(prediction, card, name), `${prediction.kind} ${name}`).toBe(
            JSON.stringify(tensors.get(name)),
          );
          checked++;
        }
      }
    },
  );

  it('checked every output of every kind', () => {
    // Per seed: 7 label sets x (2 + 2 + 1 outputs), two value models, a clusterer of three, a detector of two.
    expect(checked).toBe(30 * (7 * 5 + 2 + 3 + 2));
  });
});
