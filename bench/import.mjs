#!/usr/bin/env node
// Import benchmark: the seed benchmark's MLPs (three hidden layers of 100, 250, 500, 750 and 900 units,
// trained on iris by scikit-learn, saved with joblib) and tree ensembles of 500 trees (random forests,
// extra trees, gradient boosting, histogram gradient boosting, LightGBM) imported by `modelgate import`;
// import time, peak memory and the ONNX model's size, beside Python's own joblib.load of the same file in
// the same run, what skl2onnx would write for the same trees, and the largest difference between the
// imported model's probabilities and the model's own.
// Writes docs/benchmarks-import.md and .json.   node bench/import.mjs [--runs N]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { setupPython } from './reference/python.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'bench/out/import');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const SIZES = [100, 250, 500, 750, 900];
const log = (msg) => process.stderr.write(`${msg}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const MB = 1024 * 1024;
const RSS_HOOK = join(root, 'bench/rss.mjs');

/** One `modelgate import` in a fresh process: its wall time (ms) and peak resident set (MiB). */
function timedImport(file, onnx) {
  const t = performance.now();
  const run = spawnSync(
    process.execPath,
    ['--import', RSS_HOOK, join(root, 'bin/modelgate.js'), 'import', file, '--out', onnx, '--quiet'],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - t;
  if (run.status !== 0) throw new Error(`modelgate import ${file} failed:\n${run.stderr}`);
  const rss = /modelgate-bench-max-rss-kib (\d+)/.exec(run.stderr);
  return { ms, rssMiB: rss ? Number(rss[1]) / 1024 : Number.NaN };
}

/** The largest difference between `modelgate predict`'s probabilities and the expected ones. */
function worstDifference(onnx, rows, proba) {
  const body = JSON.stringify({ input: rows, return_probabilities: true });
  const answer = JSON.parse(
    execFileSync(process.execPath, [join(root, 'bin/modelgate.js'), 'predict', onnx, body], {
      encoding: 'utf8',
    }),
  );
  let worst = 0;
  answer.probabilities.forEach((p, r) => {
    Object.values(p).forEach((v, c) => {
      worst = Math.max(worst, Math.abs(v - proba[r][c]));
    });
  });
  return worst;
}

const TRAIN = `
import json, sys, time
import joblib, numpy as np, pandas as pd
from sklearn.neural_network import MLPClassifier
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
df = pd.read_csv(sys.argv[3])
X, y = df.drop(columns="species").to_numpy(), df["species"]
rows = X[::10]
result = {}
for h in sizes:
    m = MLPClassifier(hidden_layer_sizes=(h, h, h), max_iter=50, random_state=0).fit(X, y)
    path = f"{out}/mlp-{h}.joblib"
    joblib.dump(m, path)
    params = sum(a.size for a in m.coefs_ + m.intercepts_)
    result[h] = {"rows": rows.tolist(), "proba": m.predict_proba(rows).tolist(), "params": int(params)}
json.dump(result, open(f"{out}/expected.json", "w"))
`;

const LOAD = `
import sys, time, joblib
t = time.perf_counter(); joblib.load(sys.argv[1]); print((time.perf_counter() - t) * 1000)
`;

function main() {
  mkdirSync(out, { recursive: true });
  const python = setupPython(root, log);
  log('training the MLPs');
  execFileSync(python, ['-c', TRAIN, out, SIZES.join(','), join(root, 'examples/iris/iris.csv')], {
    stdio: 'inherit',
  });
  const expected = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8'));
  const results = [];
  for (const h of SIZES) {
    const file = join(out, `mlp-${h}.joblib`);
    const onnx = join(out, `mlp-${h}.onnx`);
    const mg = [];
    const rss = [];
    const py = [];
    for (let i = 0; i < RUNS; i++) {
      const run = timedImport(file, onnx);
      mg.push(run.ms);
      rss.push(run.rssMiB);
      py.push(Number(execFileSync(python, ['-c', LOAD, file], { encoding: 'utf8' }).trim()));
    }
    // The imported model's answers beside scikit-learn's.
    const { rows, proba } = expected[h];
    const worst = worstDifference(onnx, rows, proba);
    const row = {
      hidden: h,
      joblibBytes: statSync(file).size,
      onnxBytes: statSync(onnx).size,
      importMs: median(mg),
      allImportMs: mg.map((x) => Number(x.toFixed(1))),
      peakRssMiB: Math.max(...rss),
      pythonLoadMs: median(py),
      // skl2onnx's MLP converter writes each coefficient and intercept as a float32 initializer.
      skl2onnxWeightBytes: expected[h].params * 4,
      maxProbabilityDifference: worst,
    };
    results.push(row);
    log(
      `  ${h}: ${(row.joblibBytes / MB).toFixed(1)} MB joblib -> ${(row.onnxBytes / MB).toFixed(1)} MB ONNX in ${row.importMs.toFixed(0)} ms (Python joblib.load ${row.pythonLoadMs.toFixed(0)} ms); max |p diff| ${worst.toExponential(1)}`,
    );
  }
  const trees = treeResults(python);
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    runs: RUNS,
    results,
    trees,
  };
  writeFileSync(join(root, 'docs/benchmarks-import.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'docs/benchmarks-import.md'), report(result));
  log('wrote docs/benchmarks-import.md and docs/benchmarks-import.json');
}

/** The tree ensembles (bench/reference/import_trees.py fits them and sizes skl2onnx's layout). */
function treeResults(python) {
  log('fitting the tree ensembles (500 trees each)');
  execFileSync(python, [join(root, 'bench/reference/import_trees.py'), out], { stdio: 'inherit' });
  const expected = JSON.parse(readFileSync(join(out, 'expected-trees.json'), 'utf8'));
  return Object.entries(expected).map(([name, e]) => {
    const file = join(out, `${name}.joblib`);
    const onnx = join(out, `${name}.onnx`);
    const runs = Array.from({ length: RUNS }, () => timedImport(file, onnx));
    const row = {
      name,
      estimator: e.estimator,
      nodes: e.nodes,
      leafWeights: e.leafWeights,
      joblibBytes: statSync(file).size,
      onnxBytes: statSync(onnx).size,
      skl2onnxTreeBytes: e.skl2onnxTreeBytes,
      importMs: median(runs.map((x) => x.ms)),
      allImportMs: runs.map((x) => Number(x.ms.toFixed(1))),
      peakRssMiB: Math.max(...runs.map((x) => x.rssMiB)),
      maxProbabilityDifference: worstDifference(onnx, e.rows, e.proba),
    };
    log(
      `  ${name}: ${(row.joblibBytes / MB).toFixed(1)} MB joblib -> ${(row.onnxBytes / MB).toFixed(2)} MB ONNX (skl2onnx's tree node ${(row.skl2onnxTreeBytes / MB).toFixed(2)} MB) in ${row.importMs.toFixed(0)} ms, peak ${row.peakRssMiB.toFixed(0)} MiB; max |p diff| ${row.maxProbabilityDifference.toExponential(1)}`,
    );
    return row;
  });
}

function report(r) {
  const mb = (bytes) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 2 : 1)} MB`;
  const rows = r.results
    .map(
      (x) =>
        `| ${x.hidden} x 3 | ${mb(x.joblibBytes)} | ${mb(x.onnxBytes)} | ${mb(x.skl2onnxWeightBytes)} | ${x.importMs.toFixed(0)} ms | ${x.peakRssMiB.toFixed(0)} MiB | ${x.pythonLoadMs.toFixed(0)} ms | ${x.maxProbabilityDifference.toExponential(1)} |`,
    )
    .join('\n');
  const trees = (r.trees ?? [])
    .map(
      (x) =>
        `| ${x.estimator} (${x.name}) | ${x.nodes} | ${mb(x.joblibBytes)} | ${mb(x.onnxBytes)} | ${mb(x.skl2onnxTreeBytes)} | ${x.importMs.toFixed(0)} ms | ${x.peakRssMiB.toFixed(0)} MiB | ${x.maxProbabilityDifference.toExponential(1)} |`,
    )
    .join('\n');
  return `# Import benchmark

Measured ${r.date} by \`node bench/import.mjs\` (\`npm run bench:import\`) on ${r.machine.cpu}, ${r.machine.cores} cores, Node.js ${r.machine.node};
medians of ${r.runs} runs. The machine is shared: compare rows of one run, not runs of different days.

"import" is the whole \`modelgate import\` command (a fresh Node.js process: read the file, rebuild it
without running it, convert, check that it loads in onnxruntime, write the ONNX file); "peak memory" is that
process's largest resident set (\`process.resourceUsage().maxRSS\`, through bench/rss.mjs). The last column
is the largest difference between the imported model's probabilities (through \`modelgate predict\`) and the
model's own \`predict_proba\`.

## MLPs

The seed benchmark's MLPs: MLPClassifier with three hidden layers of the given width, trained on iris by
scikit-learn and saved with \`joblib.dump\` (uncompressed). "Python load" is \`joblib.load\` of the same file
in Python, which runs the pickle; it is there for scale, not as the same work. "skl2onnx's weights" is what
skl2onnx's MLP converter stores, every coefficient and intercept as float32 (the parameter count times 4
bytes); the ONNX model holds the same float32 layers plus the graph and the model card. Probabilities on 15 rows.

| hidden layers | joblib file | ONNX model | skl2onnx's weights | import | peak memory | Python load | max probability difference |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows}

## Tree ensembles of 500 trees

One synthetic set (4,000 rows, 20 features, 3 classes), fitted by bench/reference/import_trees.py:
RandomForestClassifier with max_depth 10 and unlimited, ExtraTreesClassifier, GradientBoostingClassifier,
HistGradientBoostingClassifier (500 iterations, no early stopping, so 1,500 trees) and LightGBM's
LGBMClassifier, each with 500 estimators (a boosting model grows one tree per class per iteration).
"skl2onnx's tree node" is the serialized size of the one TreeEnsembleClassifier node skl2onnx would write for
the same trees: skl2onnx is not installable here, so the script rebuilds that node with \`onnx.helper\` from
the layout of skl2onnx's own converter code (skl2onnx/common/tree_ensemble.py: per node nine attributes,
among them the mode as a string, float thresholds and hit rates; per leaf and class four, one class for two
classes, the tree's own class for boosting) and measures it. It is the tree node alone, so it understates
skl2onnx's whole file; the ONNX column is modelgate's whole file. LightGBM is onnxmltools' to convert, not
skl2onnx's: its figure is the same layout over the same trees. modelgate keeps double thresholds and leaf
values (skl2onnx rounds them to float32) and writes its repeated numbers packed. Probabilities on 14 rows.

| model | nodes | joblib file | ONNX model | skl2onnx's tree node | import | peak memory | max probability difference |
|---|---:|---:|---:|---:|---:|---:|---:|
${trees}
`;
}

main();
