#!/usr/bin/env node
// Training benchmark: modelgate's trainer against scikit-learn's GradientBoostingClassifier and
// HistGradientBoostingClassifier, on the same synthetic data, in the same run.
// Writes bench/out/training.json and docs/benchmarks-training.md.
//
//   npm run build && node bench/training.mjs            100,000 training rows x 20 features
//   node bench/training.mjs --quick                      20,000 rows, for a quick look
//   node bench/training.mjs --render FILE.json           only rewrite the page from a run's figures
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PARAMS, fitBoosting, predictBoosted } from '../dist/train/boosting.js';
import { parseCsv } from '../dist/train/csv.js';
import { buildDataset } from '../dist/train/dataset.js';
import { VERSION } from '../dist/version.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    features: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    render: { type: 'string' },
  },
});
const trainRows = args.quick ? 20_000 : Number(args.rows);
const features = Number(args.features);
const repeats = Number(args.repeats);

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const RESULTS = join(root, 'docs/benchmarks-training.json');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure() {
  // 1. The Python reference and the data.
  log('setting up the Python reference (scikit-learn from the pip mirror)');
  const setup = spawnSync('bash', [join(root, 'scripts/reference/setup-python.sh')], { encoding: 'utf8' });
  if (setup.status !== 0) {
    process.stderr.write(setup.stderr);
    throw new Error('the Python reference could not be set up; see above');
  }
  const python = setup.stdout.trim().split('\n').pop();
  const dataDir = join(root, 'bench/out', `synthetic-${trainRows}x${features}`);
  const trainCsv = join(dataDir, 'synthetic-train.csv');
  const testCsv = join(dataDir, 'synthetic-test.csv');
  if (!existsSync(trainCsv)) {
    mkdirSync(dataDir, { recursive: true });
    log(`making ${trainRows} + ${trainRows / 4} rows x ${features} features with make_classification`);
    execFileSync(python, [
      join(root, 'scripts/reference/make_synthetic.py'),
      '--rows',
      String(Math.round(trainRows * 1.25)),
      '--features',
      String(features),
      '--out',
      dataDir,
    ]);
  }

  // 2. scikit-learn.
  log('fitting scikit-learn: GradientBoostingClassifier (slow), HistGradientBoostingClassifier');
  const sk = JSON.parse(
    execFileSync(
      python,
      [
        join(root, 'scripts/reference/bench_train.py'),
        '--train',
        trainCsv,
        '--test',
        testCsv,
        '--repeats',
        String(repeats),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
    ),
  );

  // 3. modelgate, in this process: CSV reading timed apart from fitting, as scikit-learn's fit() is.
  let t = performance.now();
  const train = buildDataset(parseCsv(readFileSync(trainCsv, 'utf8'), trainCsv), {
    target: 'target',
    source: trainCsv,
  });
  const readSeconds = (performance.now() - t) / 1000;
  const test = buildDataset(parseCsv(readFileSync(testCsv, 'utf8'), testCsv), {
    target: 'target',
    source: testCsv,
  });
  const data = {
    rows: train.rows,
    features: train.features.length,
    x: train.x,
    task: 'classification',
    yClass: train.yClass,
    nClasses: train.classes.length,
  };

  function heldOutAccuracy(model) {
    const p = predictBoosted(model, test.x, test.rows);
    const k = train.classes.length;
    let correct = 0;
    for (let r = 0; r < test.rows; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
      if (String(train.classes[best]) === String(test.classes[test.yClass[r]])) correct++;
    }
    return correct / test.rows;
  }

  const ours = {};
  for (const [key, change] of [
    ['modelgate', {}],
    ['modelgate_depth6', { maxDepth: 6 }],
  ]) {
    const params = { ...DEFAULT_PARAMS, ...change };
    const times = [];
    let model;
    for (let i = 0; i < repeats; i++) {
      t = performance.now();
      model = fitBoosting(data, params).model;
      times.push((performance.now() - t) / 1000);
    }
    ours[key] = {
      fit_seconds: median(times),
      fit_runs: times,
      accuracy: heldOutAccuracy(model),
      params: change,
      threads: model.threads,
    };
    log(`${key}: fit ${ours[key].fit_seconds.toFixed(2)}s accuracy ${ours[key].accuracy.toFixed(4)}`);
  }

  // 4. The command a user runs, end to end (reading the CSV, training, writing the ONNX file).
  t = performance.now();
  execFileSync(process.execPath, [
    join(root, 'bin/modelgate.js'),
    'train',
    trainCsv,
    '--target',
    'target',
    '--out',
    join(dataDir, 'model.onnx'),
    '-q',
  ]);
  const cliSeconds = (performance.now() - t) / 1000;

  const ratio = (a, b) => a / b;
  return {
    quick: args.quick,
    repeats,
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      modelgate: VERSION,
      sklearn: sk.sklearn_version,
    },
    data: {
      trainRows: train.rows,
      testRows: test.rows,
      features: train.features.length,
      generator: 'sklearn make_classification',
    },
    sklearn: { gbc: sk.gbc, hgbc: sk.hgbc, hgbc_depth3: sk.hgbc_depth3, read_seconds: sk.read_seconds },
    modelgate: { ...ours, read_seconds: readSeconds, cli_seconds: cliSeconds },
    ratios: {
      gbcOverModelgate: ratio(sk.gbc.fit_seconds, ours.modelgate.fit_seconds),
      modelgateOverHgbcDepth3: ratio(ours.modelgate.fit_seconds, sk.hgbc_depth3.fit_seconds),
      modelgateDepth6OverHgbc: ratio(ours.modelgate_depth6.fit_seconds, sk.hgbc.fit_seconds),
    },
  };
}

function render(results) {
  const sk = results.sklearn;

  const s = (x) => `${x.toFixed(2)} s`;
  const a = (x) => x.toFixed(4);
  const x = (r) => `${r.toFixed(1)}x`;
  const m = results.modelgate;
  const md = `# Training benchmark

Generated by \`node bench/training.mjs\`${results.quick ? ' --quick' : ''} on ${results.date.slice(0, 10)}; do not edit by hand.

- Machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB; Node.js ${results.machine.node}; modelgate ${results.machine.modelgate}; scikit-learn ${results.machine.sklearn}. HistGradientBoosting uses every core (OpenMP); modelgate filled its histograms on ${m.modelgate.threads} thread${m.modelgate.threads === 1 ? '' : 's'} (\`--threads\`, default: the cores, up to 4).
- Data: scikit-learn \`make_classification\`, ${results.data.trainRows.toLocaleString('en')} training rows and ${results.data.testRows.toLocaleString('en')} held-out rows, ${results.data.features} features, 2 classes.
- Fit times are medians of ${results.repeats} runs (GradientBoostingClassifier: one run), measured on data already in memory, as \`fit()\` is; reading the CSV is reported apart. Every model sits behind a mean imputer.

## Headlines

| comparison | held-out accuracy | fit time ratio | goal |
|---|---|---|---|
| modelgate vs GradientBoostingClassifier (the same method) | ${a(m.modelgate.accuracy)} vs ${a(sk.gbc.accuracy)} | modelgate ${x(results.ratios.gbcOverModelgate)} faster | 10x faster |
| modelgate vs HistGradientBoostingClassifier with the same tree shape (depth 3, 100 stages) | ${a(m.modelgate.accuracy)} vs ${a(sk.hgbc_depth3.accuracy)} | modelgate takes ${x(results.ratios.modelgateOverHgbcDepth3)} as long | within 2x |
| modelgate with --max-depth 6 vs HistGradientBoostingClassifier defaults | ${a(m.modelgate_depth6.accuracy)} vs ${a(sk.hgbc.accuracy)} | modelgate takes ${x(results.ratios.modelgateDepth6OverHgbc)} as long | within 2x |

## All runs

| trainer | settings | fit | held-out accuracy |
|---|---|---|---|
| modelgate | defaults (100 stages, depth 3, learning rate 0.1; histogram bins past 10,000 rows) | ${s(m.modelgate.fit_seconds)} | ${a(m.modelgate.accuracy)} |
| modelgate | --max-depth 6 | ${s(m.modelgate_depth6.fit_seconds)} | ${a(m.modelgate_depth6.accuracy)} |
| scikit-learn GradientBoostingClassifier | defaults | ${s(sk.gbc.fit_seconds)} | ${a(sk.gbc.accuracy)} |
| scikit-learn HistGradientBoostingClassifier | defaults (31 leaves, ${sk.hgbc.n_iter} iterations) | ${s(sk.hgbc.fit_seconds)} | ${a(sk.hgbc.accuracy)} |
| scikit-learn HistGradientBoostingClassifier | max_depth=3, max_leaf_nodes=None, early_stopping=False | ${s(sk.hgbc_depth3.fit_seconds)} | ${a(sk.hgbc_depth3.accuracy)} |

Reading the training CSV: modelgate ${s(m.read_seconds)} (papaparse, then a strict number check on every cell), pandas ${s(sk.read_seconds)} (both files).
\`modelgate train\` end to end (read, train, write the ONNX file): ${s(m.cli_seconds)}.

Raw figures: [benchmarks-training.json](benchmarks-training.json).
`;
  writeFileSync(join(root, 'docs/benchmarks-training.md'), md);
  log('wrote docs/benchmarks-training.md');
  process.stdout.write(md);
}

const results = args.render ? JSON.parse(readFileSync(args.render, 'utf8')) : measure();
if (!args.render) {
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${RESULTS}`);
}
render(results);
