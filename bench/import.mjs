#!/usr/bin/env node
// Import benchmark: the seed benchmark's MLPs (three hidden layers of 100, 250, 500, 750 and 900 units,
// trained on iris by scikit-learn, saved with joblib) imported by `modelgate import`; import time and
// the ONNX model's size, beside Python's own joblib.load of the same file in the same run, and the
// largest difference between the imported model's probabilities and scikit-learn's.
// Writes docs/benchmarks-import.md and .json.   node bench/import.mjs [--runs N]
import { execFileSync } from 'node:child_process';
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
    result[h] = {"rows": rows.tolist(), "proba": m.predict_proba(rows).tolist()}
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
    const py = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      execFileSync(process.execPath, [
        join(root, 'bin/modelgate.js'),
        'import',
        file,
        '--out',
        onnx,
        '--quiet',
      ]);
      mg.push(performance.now() - t);
      py.push(Number(execFileSync(python, ['-c', LOAD, file], { encoding: 'utf8' }).trim()));
    }
    // The imported model's answers beside scikit-learn's.
    const { rows, proba } = expected[h];
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
    const row = {
      hidden: h,
      joblibBytes: statSync(file).size,
      onnxBytes: statSync(onnx).size,
      importMs: median(mg),
      allImportMs: mg.map((x) => Number(x.toFixed(1))),
      pythonLoadMs: median(py),
      maxProbabilityDifference: worst,
    };
    results.push(row);
    log(
      `  ${h}: ${(row.joblibBytes / MB).toFixed(1)} MB joblib -> ${(row.onnxBytes / MB).toFixed(1)} MB ONNX in ${row.importMs.toFixed(0)} ms (Python joblib.load ${row.pythonLoadMs.toFixed(0)} ms); max |p diff| ${worst.toExponential(1)}`,
    );
  }
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    runs: RUNS,
    results,
  };
  writeFileSync(join(root, 'docs/benchmarks-import.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'docs/benchmarks-import.md'), report(result));
  log('wrote docs/benchmarks-import.md and docs/benchmarks-import.json');
}

function report(r) {
  const rows = r.results
    .map(
      (x) =>
        `| ${x.hidden} x 3 | ${(x.joblibBytes / MB).toFixed(1)} MB | ${(x.onnxBytes / MB).toFixed(1)} MB | ${x.importMs.toFixed(0)} ms | ${x.pythonLoadMs.toFixed(0)} ms | ${x.maxProbabilityDifference.toExponential(1)} |`,
    )
    .join('\n');
  return `# Import benchmark

Measured ${r.date} by \`node bench/import.mjs\` (\`npm run bench:import\`) on ${r.machine.cpu}, ${r.machine.cores} cores, Node.js ${r.machine.node};
medians of ${r.runs} runs.

The seed benchmark's MLPs: MLPClassifier with three hidden layers of the given width, trained on iris by
scikit-learn and saved with \`joblib.dump\` (uncompressed). "import" is the whole \`modelgate import\` command
(a fresh Node.js process: read the file, rebuild it without running it, convert, check that it loads in
onnxruntime, write the ONNX file). "Python load" is \`joblib.load\` of the same file in Python, which runs the
pickle; it is there for scale, not as the same work. The last column is the largest difference between the
imported model's probabilities (through \`modelgate predict\`) and scikit-learn's \`predict_proba\` on 15 rows.

| hidden layers | joblib file | ONNX model | import | Python load | max probability difference |
|---|---:|---:|---:|---:|---:|
${rows}
`;
}

main();
