// The quality goal for categorical features, against scikit-learn itself, on generated mixed-type tables
// (scripts/reference/categorical_reference.py: numbers and categories with missing values, 4,000 rows
// to train, the next 20,000 held out, seed 0). modelgate's held-out accuracy (R^2 for the regression
// table), answered by the Predictor from the rows as a client sends them (strings, nulls), is at most
// 1 point below HistGradientBoostingClassifier (Regressor)(categorical_features="from_dtype") fitted on
// the same rows, and not below one-hot columns in front of modelgate's numeric trainer. 20,000 held-out
// rows, not 2,000: on 2,000 a difference of 0.5 points is 10 rows, and one-hot came out ahead of the
// categorical splits on 4 of 40 table-seed runs by up to that much, behind on average by 1.5 points;
// on 20,000 the splits were ahead on all 20 runs of seeds 0-4 (by 0.12 points at least).
// Measured (`node scripts/categorical-quality.mjs --test-rows 20000` gives these and other seeds):
//   mixed             0.8380 accuracy; scikit-learn 0.8318; one-hot 0.8334
//   many (200 shops)  0.7858 accuracy; scikit-learn 0.7839; one-hot 0.7461
//   few               0.8008 accuracy; scikit-learn 0.7940; one-hot 0.7989
//   mixed-regression  0.8744 R^2;      scikit-learn 0.8712; one-hot 0.8498
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { predictBoosted } from '../../src/train/boosting.js';
import { parseCsv, type Table } from '../../src/train/csv.js';
import { isMissingCell } from '../../src/train/dataset.js';
import { type TrainResult, trainFromCsv } from '../../src/train/train.js';
import { PYTHON_MISSING, referencePython, runReference } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-categorical-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  metric: 'accuracy' | 'r2';
  accuracy?: number;
  r2?: number;
  categorical: string[];
}

/** Held-out accuracy, or R^2, of a model's answers against the test table's labels. */
function quality(metric: Reference['metric'], given: ArrayLike<unknown>, labels: string[]): number {
  const answers = Array.from(given);
  if (metric === 'accuracy') return answers.filter((a, r) => String(a) === labels[r]).length / labels.length;
  const y = labels.map(Number);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const res = y.reduce((s, v, r) => s + (v - Number(answers[r])) ** 2, 0);
  const tot = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  return 1 - res / tot;
}

/** The table with each of `columns` as 0/1 columns, one per category of `train`'s, one for missing. */
function oneHot(table: Table, train: Table, columns: string[]): string {
  const plan = train.columns.map((name, i) => {
    if (!columns.includes(name)) return { name, i };
    const cells = train.records.map((r) => r[i]);
    return { name, i, values: [...new Set(cells.filter((c) => !isMissingCell(c)))].sort() };
  });
  const header = plan.flatMap((p) =>
    p.values ? [...p.values.map((_, k) => `${p.name}__${k}`), `${p.name}__na`] : [p.name],
  );
  const rows = table.records.map((record) =>
    plan
      .flatMap((p) => {
        const cell = record[p.i];
        if (!p.values) return [cell];
        const missing = isMissingCell(cell);
        return [...p.values.map((v) => (!missing && v === cell ? '1' : '0')), missing ? '1' : '0'];
      })
      .join(','),
  );
  return [header.join(','), ...rows].join('\n');
}

/** Answers of a model trained on one-hot columns, read as modelgate reads its training file. */
function oneHotAnswers(result: TrainResult, csv: string): unknown[] {
  const t = parseCsv(csv, 'onehot-test.csv');
  const { features, classes } = result.card;
  const at = features.map((f) => t.columns.indexOf(f.name));
  const x = Float64Array.from(
    t.records.flatMap((record) => at.map((i) => (isMissingCell(record[i]) ? Number.NaN : Number(record[i])))),
  );
  const out = predictBoosted(result.boosted, x, t.records.length);
  if (!classes) return Array.from(out);
  const k = classes.length;
  return t.records.map((_, r) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[r * k + c] > out[r * k + best]) best = c;
    return classes[best];
  });
}

it.for(['mixed', 'many', 'few', 'mixed-regression'] as const)(
  '%s: at most 1 point below HistGradientBoosting with categorical features, not below one-hot',
  // A Python fit per table: seconds alone, a minute or more beside the suite's other files on 2 cores.
  { timeout: 180_000 },
  async (table, { skip }) => {
    const python = await referencePython();
    if (!python) {
      if (process.env.CI) throw new Error(`CI is set and ${PYTHON_MISSING}`);
      return skip(PYTHON_MISSING);
    }
    const ref = await runReference<Reference>(python, 'categorical_reference.py', [
      '--out',
      dir,
      '--seed',
      '0',
      '--table',
      table,
      '--test-rows',
      '20000',
    ]);
    const trainText = readFileSync(join(dir, `${table}-train.csv`), 'utf8');
    const trained = trainFromCsv(new TextEncoder().encode(trainText), {
      source: `${table}-train.csv`,
      target: 'label',
      categorical: ref.categorical,
      threads: 1,
    });
    const test = parseCsv(readFileSync(join(dir, `${table}-test.csv`), 'utf8'), `${table}-test.csv`);
    const labelAt = test.columns.indexOf('label');
    const labels = test.records.map((r) => r[labelAt]);
    const numbers = new Set(trained.card.features.filter((f) => f.type === 'number').map((f) => f.name));
    const requests = test.records.map((record) =>
      Object.fromEntries(
        test.columns
          .map((c, i): [string, unknown] => [
            c,
            record[i] === '' ? null : numbers.has(c) ? Number(record[i]) : record[i],
          ])
          .filter(([c]) => c !== 'label'),
      ),
    );
    const predictor = await Predictor.load(trained.bytes);
    let ours: number;
    try {
      const out = await predictor.predict(requests);
      const answers = out.kind === 'probabilities' ? out.labels : out.kind === 'values' ? out.values : [];
      ours = quality(ref.metric, answers, labels);
    } finally {
      await predictor.release();
    }
    // The goal bounds how far below scikit-learn modelgate may fall; above it is no failure.
    expect(ours).toBeGreaterThanOrEqual((ref[ref.metric] as number) - 0.01);
    const train = parseCsv(trainText, `${table}-train.csv`);
    const hot = trainFromCsv(new TextEncoder().encode(oneHot(train, train, ref.categorical)), {
      source: 'onehot.csv',
      target: 'label',
      threads: 1,
    });
    expect(ours).toBeGreaterThanOrEqual(
      quality(ref.metric, oneHotAnswers(hot, oneHot(test, train, ref.categorical)), labels),
    );
  },
);
