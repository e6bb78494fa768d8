// A scikit-learn fixture's held-out rows asked of an imported model through the built `modelgate
// predict`, and its answers held to scikit-learn's own predict and predict_proba: labels equal,
// probabilities within a tolerance, values within a relative one. Shared by the importer's parity tests
// over generated fixtures (typed encoders, HistGradientBoosting categories, LabelEncoder-ed targets).
import { expect } from 'vitest';
import { runCli } from './cli.js';

export type Cell = number | string | null;

/** What a fixture generator writes beside its model: rows in feature order, and scikit-learn's answers. */
export interface FixtureAnswers {
  task?: 'classification' | 'regression';
  features: string[];
  rows: Cell[][];
  predict: (number | string)[];
  classes?: string[];
  proba?: number[][];
}

/** A fixture row keyed by feature name; an absent cell is null (a missing value). */
export function namedRow(features: readonly string[], row: readonly Cell[]): Record<string, Cell> {
  return Object.fromEntries(features.map((f, i) => [f, row[i] ?? null]));
}

export async function expectPredictAnswers(
  model: string,
  expected: FixtureAnswers,
  tolerance: { probability: number; value: number },
): Promise<void> {
  const body = JSON.stringify({
    input: expected.rows.map((row) => namedRow(expected.features, row)),
    ...(expected.proba ? { return_probabilities: true } : {}),
  });
  const r = await runCli(['predict', model, body]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const answer = JSON.parse(r.stdout) as {
    prediction: (number | string)[];
    probabilities?: Record<string, number>[];
  };
  if (expected.task === 'regression') {
    expected.predict.forEach((want, i) => {
      const got = answer.prediction[i] as number;
      expect(Math.abs(got - (want as number)), `row ${i}`).toBeLessThanOrEqual(
        tolerance.value * Math.max(1, Math.abs(want as number)),
      );
    });
    return;
  }
  expect(answer.prediction).toEqual(expected.predict);
  let worst = 0;
  expected.proba?.forEach((p, i) => {
    expected.classes?.forEach((c, k) => {
      worst = Math.max(worst, Math.abs((answer.probabilities?.[i]?.[c] ?? Number.NaN) - (p[k] as number)));
    });
  });
  expect(worst).toBeLessThanOrEqual(tolerance.probability);
}
