#!/usr/bin/env node
// Lambda deployment figures: the sizes of modelgate's function and layer zips beside the Python
// reference's dependencies zipped the same way, and init duration as Lambda counts it, measured the same
// way for both: a local Runtime API starts, the runtime starts over the unpacked function, and the clock
// stops when the first invocation's response arrives (and, for init alone, when the runtime first asks
// for an invocation). modelgate runs under the real aws-lambda-ric; the Python reference under a
// minimal standard-library runtime loop (bench/reference/runtime.py; awslambdaric is not in the pip
// mirror). Writes docs/benchmarks-lambda.md and .json.
//   node bench/lambda.mjs [--runs N]     measure, write both files
//   node bench/lambda.mjs --render       rewrite the page from the JSON
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { lambdaColdStart, loadTestHelper, median, pythonPackage, root, unzippedSize } from './lib.mjs';
import { EVENT } from './reference/event.mjs';
import { pythonVersions, setupPython } from './reference/python.mjs';

const out = join(root, 'bench/out/lambda');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const log = (msg) => process.stderr.write(`${msg}\n`);
const MB = 1024 * 1024;
const mb = (bytes) => (bytes / MB).toFixed(1);
const f1 = (x) => x.toFixed(1);

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const harness = await loadTestHelper('runtime-api');
  await harness.ensureRic();
  const { unzipTo } = await loadTestHelper('zip');
  const event = EVENT;

  log('packaging modelgate (function with the iris model baked in, and the layer)');
  const pkg = (args) =>
    execFileSync(process.execPath, [
      join(root, 'bin/modelgate.js'),
      'package',
      '--quiet',
      '--out',
      out,
      ...args,
    ]);
  pkg(['--model', join(root, 'examples/iris/model.onnx')]);
  const fnZip = join(out, 'function-x86_64.zip');
  const layerZip = join(out, 'layer-x86_64.zip');
  const sizes = {
    functionZipped: statSync(fnZip).size,
    functionUnzipped: unzippedSize(fnZip),
    layerZipped: statSync(layerZip).size,
    layerUnzipped: unzippedSize(layerZip),
  };
  const mgTask = unzipTo(fnZip, join(out, 'task'));
  pkg(['--arch', 'arm64', '--model', join(root, 'examples/iris/model.onnx'), '--out', join(out, 'arm64')]);
  for (const [key, zip] of [
    ['arm64Function', 'function-arm64.zip'],
    ['arm64Layer', 'layer-arm64.zip'],
  ]) {
    sizes[`${key}Zipped`] = statSync(join(out, 'arm64', zip)).size;
    sizes[`${key}Unzipped`] = unzippedSize(join(out, 'arm64', zip));
  }

  const python = setupPython(root, log);
  const pyTask = join(out, 'python-task');
  mkdirSync(pyTask, { recursive: true });
  copyFileSync(join(root, 'bench/reference/app.py'), join(pyTask, 'app.py'));
  execFileSync(python, [
    join(root, 'bench/reference/train_model.py'),
    join(root, 'examples/iris/iris.csv'),
    join(pyTask, 'model.pkl'),
  ]);
  const pySize = pythonPackage(python, join(out, 'python-reference.zip'), [
    join(pyTask, 'app.py'),
    join(pyTask, 'model.pkl'),
  ]);
  const pyOptions = {
    command: [python, join(root, 'bench/reference/runtime.py')],
    env: { _HANDLER: 'app.handler', MODEL_PATH: join(pyTask, 'model.pkl'), PYTHONDONTWRITEBYTECODE: '1' },
  };

  log(`init, ${RUNS} cold starts each, alternating`);
  const mg = [];
  const py = [];
  for (let i = 0; i < RUNS; i++) {
    mg.push(await lambdaColdStart(harness, mgTask, {}, event));
    py.push(await lambdaColdStart(harness, pyTask, pyOptions, event));
    log(
      `  run ${i + 1}: modelgate ${f1(mg.at(-1).firstResponseMs)} ms, Python ${f1(py.at(-1).firstResponseMs)} ms`,
    );
  }
  const summary = (runs) => ({
    initMs: median(runs.map((r) => r.initMs)),
    firstResponseMs: median(runs.map((r) => r.firstResponseMs)),
    allFirstResponseMs: runs.map((r) => Number(f1(r.firstResponseMs))),
  });
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      python: pythonVersions(python),
    },
    runs: RUNS,
    sizes,
    python: { ...pySize, ...summary(py), answer: py[0].body },
    modelgate: { ...summary(mg), answer: mg[0].body },
  };
  writeFileSync(join(root, 'docs/benchmarks-lambda.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'docs/benchmarks-lambda.md'), report(result));
  log('wrote docs/benchmarks-lambda.md and docs/benchmarks-lambda.json');
}

function report(r) {
  const s = r.sizes;
  const ratio = r.python.firstResponseMs / r.modelgate.firstResponseMs;
  return `# Lambda package and init benchmark

Measured ${r.date} by \`node bench/lambda.mjs\` (\`npm run bench:lambda\`). Both sides in the same run,
alternating, ${r.runs} cold starts each; figures are medians.

- Machine: ${r.machine.cpu}, ${r.machine.cores} cores; Node.js ${r.machine.node}; Python ${r.machine.python.replace(' ', ', scikit-learn ')}.
- modelgate: \`modelgate package --model examples/iris/model.onnx\`, the function zip unpacked and run by the real
  runtime interface client (aws-lambda-ric 4.0.2) with handler \`index.handler\`, as Lambda's Node.js runtime runs it.
- Python reference: \`bench/reference/app.py\` (the reference's handler logic; pandas and a pickled scikit-learn
  Pipeline(SimpleImputer, GradientBoostingClassifier) loaded at import) under \`bench/reference/runtime.py\`, a minimal
  Runtime API loop in the standard library. Python's own client (awslambdaric) is not in the local pip mirror;
  being lighter than it, the loop makes the Python figure a lower bound.
- Both answer the reference API Gateway event: modelgate ${r.modelgate.answer.body}, Python ${r.python.answer.body}.

## Init duration

A local Runtime API (the tests' harness, \`test/helpers/runtime-api.ts\`) starts; the runtime process starts over the
unpacked function; "init" ends when the runtime first asks for an invocation (Lambda's Init Duration: runtime start,
handler import, model load); "first response" when the answer to the reference event arrives.

| | modelgate | Python reference | ratio |
|---|---:|---:|---:|
| init (Runtime API start to first next-invocation request) | ${f1(r.modelgate.initMs)} ms | ${f1(r.python.initMs)} ms | ${f1(r.python.initMs / r.modelgate.initMs)}x |
| Runtime API start to first response | ${f1(r.modelgate.firstResponseMs)} ms | ${f1(r.python.firstResponseMs)} ms | ${f1(ratio)}x |

Every run, first response (ms): modelgate ${r.modelgate.allFirstResponseMs.join(', ')}; Python ${r.python.allFirstResponseMs.join(', ')}.

## Package sizes

Lambda's limits: 50 MB zipped for a direct upload, 250 MB unzipped for the function and its layers together.

| | zipped | unzipped |
|---|---:|---:|
| modelgate function zip, x86_64 (handler, model, onnxruntime-node for linux/x64) | ${mb(s.functionZipped)} MB | ${mb(s.functionUnzipped)} MB |
| modelgate layer zip, x86_64 (onnxruntime-node alone) | ${mb(s.layerZipped)} MB | ${mb(s.layerUnzipped)} MB |
| modelgate function zip, arm64 | ${mb(s.arm64FunctionZipped)} MB | ${mb(s.arm64FunctionUnzipped)} MB |
| modelgate layer zip, arm64 | ${mb(s.arm64LayerZipped)} MB | ${mb(s.arm64LayerUnzipped)} MB |
| Python reference: handler, pickled model and its dependencies (${r.python.distributions.join(', ')}; no \`__pycache__\`) | ${mb(r.python.zipped)} MB | ${mb(r.python.unzipped)} MB |

${
  r.python.zipped > 50 * MB
    ? `The Python reference's zip is over Lambda's 50 MB direct-upload limit (${mb(r.python.zipped)} MB) and ${r.python.unzipped > 200 * MB ? 'close to' : 'within'} the 250 MB
unzipped limit (${mb(r.python.unzipped)} MB), which leaves little room for a model: it has to go through S3 or a
container image, which is why the scikit-learn Lambda toolkits ship prebuilt layers.

`
    : ''
}The arm64 packages carry only linux/arm64 binaries (tested by their ELF headers); they cannot run on this x86_64
machine, so their init is not measured here.
`;
}

if (process.argv.includes('--render')) {
  const result = JSON.parse(readFileSync(join(root, 'docs/benchmarks-lambda.json'), 'utf8'));
  writeFileSync(join(root, 'docs/benchmarks-lambda.md'), report(result));
} else await main();
