#!/usr/bin/env node
// Held-out quality of modelgate's categorical splits on the generated tables of
// scripts/reference/categorical_reference.py, beside one-hot columns in front of modelgate's numeric
// trainer and scikit-learn's HistGradientBoosting with categorical_features="from_dtype".
//
//   npm run build && node scripts/categorical-quality.mjs [--tables mixed,many,few,mixed-regression] \
//     [--seeds 0,1,2] [--test-rows 2000] [--cache DIR]
//
// --cache keeps the generated tables and scikit-learn's figures in DIR, and reuses them on the next run.
// One-hot: a 0/1 column per category seen in the training rows, and one for a missing value where the
// training rows have some (as scikit-learn's OneHotEncoder treats NaN); an unseen category is all zeros.
// Beside it, one-hot with a missing value as all zeros too (no column of its own), as bench/ encodes it.
// Prints one line per table and seed, then the mean difference of each against one-hot.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictBoosted } from '../dist/train/boosting.js';
import { parseCsv } from '../dist/train/csv.js';
import { isMissingCell } from '../dist/train/dataset.js';
import { trainFromCsv } from '../dist/train/train.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  return (at >= 0 ? argv[at + 1] : fallback).split(',');
};
const tables = option('--tables', 'mixed,many,few,mixed-regression');
const seeds = option('--seeds', '0,1,2').map(Number);
// Held-out rows: 2,000 as the benchmark and the test take them; more make a small difference show.
const testRows = option('--test-rows', '2000')[0];
const python = process.env.MODELGATE_PYTHON ?? '.venv-ref/bin/python';
const cache = argv.includes('--cache') ? option('--cache')[0] : undefined;
const root = cache ?? mkdtempSync(join(tmpdir(), 'modelgate-categorical-quality-'));

/** A table as columns of cells. */
function read(path) {
  const t = parseCsv(readFileSync(path, 'utf8'), path);
  return { columns: t.columns, records: t.records };
}

/** Accuracy or R^2 of a trained model on the test table, each cell encoded as the card says. */
function score(result, test) {
  const { card, boosted } = result;
  const at = card.features.map((f) => test.columns.indexOf(f.name));
  const label = test.columns.indexOf('label');
  const width = card.features.length;
  const x = new Float64Array(test.records.length * width);
  test.records.forEach((record, r) => {
    card.features.forEach((f, j) => {
      const cell = record[at[j]];
      let v = Number.NaN;
      if (!isMissingCell(cell)) {
        if (f.type === 'category') {
          const key = f.categories.every((c) => c !== '' && Number.isFinite(Number(c)))
            ? String(Number(cell))
            : cell;
          const code = f.categories.indexOf(key);
          v = code < 0 ? Number.NaN : code;
        } else if (f.type === 'boolean') v = /^(true|yes|y|t)$/i.test(cell) ? 1 : 0;
        else v = Number(cell);
      }
      x[r * width + j] = v;
    });
  });
  const out = predictBoosted(boosted, x, test.records.length);
  if (card.task === 'regression') {
    const y = test.records.map((rec) => Number(rec[label]));
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    let res = 0;
    let tot = 0;
    y.forEach((v, r) => {
      res += (v - out[r]) ** 2;
      tot += (v - mean) ** 2;
    });
    return 1 - res / tot;
  }
  const k = card.classes.length;
  let correct = 0;
  test.records.forEach((rec, r) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[r * k + c] > out[r * k + best]) best = c;
    if (String(card.classes[best]) === rec[label]) correct++;
  });
  return correct / test.records.length;
}

/** The train and test tables with each categorical column as one-hot 0/1 columns. */
function oneHot(train, test, categorical, missingColumn = true) {
  const plan = train.columns.map((c, i) => {
    if (!categorical.includes(c)) return { name: c, i };
    const cells = train.records.map((r) => r[i]);
    const present = [...new Set(cells.filter((v) => !isMissingCell(v)))].sort();
    const missing = missingColumn && cells.some(isMissingCell);
    return { name: c, i, present, missing };
  });
  const header = plan.flatMap((p) =>
    p.present
      ? [...p.present.map((_, k) => `${p.name}__${k}`), ...(p.missing ? [`${p.name}__na`] : [])]
      : [p.name],
  );
  const encode = (t) =>
    [
      header.join(','),
      ...t.records.map((rec) =>
        plan
          .flatMap((p) => {
            const cell = rec[t.columns.indexOf(p.name)];
            if (!p.present) return [cell];
            const miss = isMissingCell(cell);
            return [
              ...p.present.map((v) => (!miss && v === cell ? 1 : 0)),
              ...(p.missing ? [miss ? 1 : 0] : []),
            ];
          })
          .join(','),
      ),
    ].join('\n');
  return { trainCsv: encode(train), testCsv: encode(test) };
}

const rows = [];
for (const table of tables) {
  for (const seed of seeds) {
    const dir = join(root, `seed${seed}`);
    mkdirSync(dir, { recursive: true });
    const refPath = join(dir, `${table}.json`);
    if (!existsSync(refPath)) {
      const args = [
        'scripts/reference/categorical_reference.py',
        '--out',
        dir,
        '--table',
        table,
        '--seed',
        String(seed),
        '--test-rows',
        testRows,
      ];
      writeFileSync(refPath, execFileSync(python, args));
    }
    const ref = JSON.parse(readFileSync(refPath, 'utf8'));
    const trainPath = join(dir, `${table}-train.csv`);
    const train = read(trainPath);
    const test = read(join(dir, `${table}-test.csv`));
    const options = { target: 'label', threads: 1 };
    const started = performance.now();
    const cat = trainFromCsv(readFileSync(trainPath), {
      ...options,
      source: trainPath,
      categorical: ref.categorical,
    });
    const catSeconds = (performance.now() - started) / 1000;
    const { trainCsv, testCsv } = oneHot(train, test, ref.categorical);
    const hot = trainFromCsv(new TextEncoder().encode(trainCsv), { ...options, source: 'onehot.csv' });
    const hotTest = parseCsv(testCsv, 'onehot-test.csv');
    const zeros = oneHot(train, test, ref.categorical, false);
    const hotZeros = trainFromCsv(new TextEncoder().encode(zeros.trainCsv), {
      ...options,
      source: 'onehot0.csv',
    });
    const hotZerosTest = parseCsv(zeros.testCsv, 'onehot0-test.csv');
    const row = {
      table,
      seed,
      metric: ref.metric,
      modelgate: score(cat, test),
      onehot: score(hot, { columns: hotTest.columns, records: hotTest.records }),
      onehotZeros: score(hotZeros, { columns: hotZerosTest.columns, records: hotZerosTest.records }),
      sklearn: ref[ref.metric],
      seconds: catSeconds,
    };
    rows.push(row);
    console.log(
      `${table.padEnd(17)} seed ${seed}  ${row.metric.padEnd(8)} modelgate ${row.modelgate.toFixed(4)}  one-hot ${row.onehot.toFixed(4)} (missing all 0: ${row.onehotZeros.toFixed(4)})  HistGradientBoosting ${row.sklearn.toFixed(4)}  (${catSeconds.toFixed(2)} s)`,
    );
  }
}
const mean = (f) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
const best = (r) => Math.max(r.onehot, r.onehotZeros);
console.log(
  `mean modelgate - the better one-hot ${(100 * mean((r) => r.modelgate - best(r))).toFixed(2)} points, worst ${(100 * Math.min(...rows.map((r) => r.modelgate - best(r)))).toFixed(2)}`,
);
console.log(
  `mean modelgate - one-hot ${(100 * mean((r) => r.modelgate - r.onehot)).toFixed(2)} points; modelgate - HistGradientBoosting ${(100 * mean((r) => r.modelgate - r.sklearn)).toFixed(2)} points; worst vs one-hot ${(100 * Math.min(...rows.map((r) => r.modelgate - r.onehot))).toFixed(2)}, worst vs HistGradientBoosting ${(100 * Math.min(...rows.map((r) => r.modelgate - r.sklearn))).toFixed(2)}`,
);
if (!cache) rmSync(root, { recursive: true, force: true });
