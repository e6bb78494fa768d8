// Quality parity with scikit-learn's Pipeline(SimpleImputer(mean), GradientBoosting*(random_state=0)) on
// fixed train/test splits of iris, wine, breast-cancer and diabetes, with and without missing values.
// The committed figures (test/fixtures/datasets/expected-sklearn.json, from
// scripts/reference/make_expected.py) always run; with the Python reference installed, scikit-learn is
// also run live on the same files and its own predictions are compared row by row.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { parseCsv } from '../../src/train/csv.js';
import { r2, trainFromCsv } from '../../src/train/train.js';
import { PYTHON_MISSING, referencePython, runReference } from '../helpers/python.js';

const DATA = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));
const expected = JSON.parse(readFileSync(`${DATA}expected-sklearn.json`, 'utf8')) as {
  sklearn_version: string;
  datasets: Record<string, { task: 'classification' | 'regression'; accuracy?: number; r2?: number }>;
};

/** Accuracy within 2 points, R^2 within 0.03 (the bar). */
const ACCURACY_TOLERANCE = 0.02;
const R2_TOLERANCE = 0.03;

interface HeldOut {
  accuracy?: number;
  r2?: number;
  labels?: unknown[];
  probabilities?: Float32Array | Float64Array;
  values?: ArrayLike<number>;
}

async function modelgateHeldOut(name: string): Promise<HeldOut> {
  const { task } = expected.datasets[name];
  const train = `${DATA}${name}-train.csv`;
  const { bytes } = trainFromCsv(readFileSync(train), { target: 'target', task, source: train });
  const table = parseCsv(readFileSync(`${DATA}${name}-test.csv`, 'utf8'), 'test.csv');
  const t = table.columns.indexOf('target');
  const rows = table.records.map((rec) =>
    rec.filter((_, i) => i !== t).map((c) => (c === '' ? null : Number(c))),
  );
  const predictor = await Predictor.load(bytes);
  const out = await predictor.predict(rows);
  await predictor.release();
  if (task === 'regression') {
    const y = table.records.map((rec) => Number(rec[t]));
    return { r2: r2(out.values!, y), values: out.values };
  }
  const truth = table.records.map((rec) => rec[t]);
  const correct = out.labels!.filter((l, i) => String(l) === truth[i]).length;
  return { accuracy: correct / truth.length, labels: out.labels, probabilities: out.probabilities };
}

const names = Object.keys(expected.datasets);

describe(`held-out quality against scikit-learn ${expected.sklearn_version} (committed figures)`, () => {
  it.each(names)('%s', async (name) => {
    const want = expected.datasets[name];
    const got = await modelgateHeldOut(name);
    if (want.task === 'classification') {
      expect(Math.abs(got.accuracy! - want.accuracy!)).toBeLessThanOrEqual(ACCURACY_TOLERANCE + 1e-12);
    } else {
      expect(Math.abs(got.r2! - want.r2!)).toBeLessThanOrEqual(R2_TOLERANCE);
    }
  });
});

interface Reference {
  accuracy?: number;
  r2?: number;
  predictions: (string | number)[];
  probabilities?: number[][];
  classes?: (string | number)[];
}

describe('held-out predictions against live scikit-learn', () => {
  it.for(names)('%s', async (name, { skip }) => {
    const python = await referencePython();
    if (!python) return skip(PYTHON_MISSING);
    const { task } = expected.datasets[name];
    const ref = await runReference<Reference>(python, 'gb_reference.py', [
      '--train',
      `${DATA}${name}-train.csv`,
      '--test',
      `${DATA}${name}-test.csv`,
      '--task',
      task,
      '--json',
    ]);
    const got = await modelgateHeldOut(name);
    if (task === 'regression') {
      expect(Math.abs(got.r2! - ref.r2!)).toBeLessThanOrEqual(R2_TOLERANCE);
      return;
    }
    expect(Math.abs(got.accuracy! - ref.accuracy!)).toBeLessThanOrEqual(ACCURACY_TOLERANCE + 1e-12);
    // Same method, same data: labels agree on nearly every held-out row.
    const agree = got.labels!.filter((l, i) => String(l) === String(ref.predictions[i])).length;
    expect(agree / got.labels!.length).toBeGreaterThanOrEqual(0.95);
  });
});
