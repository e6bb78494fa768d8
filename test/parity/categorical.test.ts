// The quality goal for categorical features, against scikit-learn itself: on a generated mixed-type
// table (scripts/reference/categorical_reference.py, seed 0: numbers and categories with missing values,
// 4,000 rows to train, the next 2,000 held out), modelgate's held-out accuracy, answered by the
// Predictor from the rows as a client sends them (strings, nulls), is at most 1 point below
// HistGradientBoostingClassifier(categorical_features="from_dtype") fitted on the same rows (measured:
// 0.8255 against 0.8225).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { parseCsv } from '../../src/train/csv.js';
import { trainFromCsv } from '../../src/train/train.js';
import { PYTHON_MISSING, referencePython, runReference } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-categorical-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  accuracy: number;
  categorical: string[];
}

it('held-out accuracy at most 1 point below HistGradientBoosting with categorical features', async ({
  skip,
}) => {
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
  ]);
  const trained = trainFromCsv(readFileSync(join(dir, 'mixed-train.csv')), {
    source: 'mixed-train.csv',
    target: 'label',
    categorical: ref.categorical,
    threads: 1,
  });
  const test = parseCsv(readFileSync(join(dir, 'mixed-test.csv'), 'utf8'), 'mixed-test.csv');
  const labelAt = test.columns.indexOf('label');
  const numbers = new Set(['x', 'load']);
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
  try {
    const out = await predictor.predict(requests);
    if (out.kind !== 'probabilities') throw new Error(`a classifier answered ${out.kind}`);
    const correct = out.labels.filter((l, r) => l === test.records[r][labelAt]).length;
    const accuracy = correct / requests.length;
    // The goal bounds how far below scikit-learn modelgate may fall; above it is no failure (seeds 1 and
    // 2 give 0.837 against 0.831, and 0.8435 against 0.8325).
    expect(accuracy).toBeGreaterThanOrEqual(ref.accuracy - 0.01);
  } finally {
    await predictor.release();
  }
});
