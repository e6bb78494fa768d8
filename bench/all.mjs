#!/usr/bin/env node
// `npm run bench`: modelgate against the Python reference deployment, every figure from the same run on
// the same machine. The models: the bundled iris model (modelgate's) beside the reference's scikit-learn
// Pipeline(SimpleImputer, GradientBoostingClassifier) trained on the same CSV, and the seed toolkit's MLPs
// (three hidden layers of 100, 250, 500, 750 and 900 units on iris, 0.7 to 52 MB joblib files) imported by
// `modelgate import`. The Python side runs two handlers: the reference's app.py logic (pandas, named rows)
// and the scikit-learn-lambda toolkit's logic (arrays in, predict and predict_proba out).
// Writes docs/benchmarks.json, docs/benchmarks.md and its charts (docs/benchmarks/*.svg), and rewrites the cost
// page (docs/cost.html) with the measured figures.
//
//   npm run bench                      everything (about 12 minutes on 2 cores)
//   npm run bench -- --quick           iris and the 52 MB model, short runs, into bench/out/quick (under 2 minutes)
//   node bench/all.mjs --render FILE   only rewrite the page and charts from a run's JSON
//   --out DIR                          where the JSON, page and charts go
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { costModel, PRICES } from '../dist/cost/calculator.js';
import {
  freePort,
  httpLoad,
  lambdaColdStart,
  loadTestHelper,
  machine,
  median,
  pythonPackage,
  root,
  startServer,
  timeRun,
  unzippedSize,
} from './lib.mjs';
import { EVENT, ROW } from './reference/event.mjs';
import { setupPython } from './reference/python.mjs';
import { render } from './report.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    render: { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = args.quick;
const docs = args.out ? resolve(args.out) : join(root, quick ? 'bench/out/quick' : 'docs');
const t0 = Date.now();
const log = (msg) =>
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
const WIDTHS = quick ? [900] : [100, 250, 500, 750, 900];
const RUNS = quick
  ? {
      cold: 2,
      init: 2,
      warmMg: 3000,
      warmPy: 300,
      latencySeconds: 2,
      batchSeconds: 0.2,
      loadSeconds: 1,
      warmupSeconds: 1,
      batchCalls: 1,
    }
  : {
      cold: 7,
      init: 5,
      warmMg: 20000,
      warmPy: 2000,
      latencySeconds: 5,
      batchSeconds: 1,
      loadSeconds: 10,
      warmupSeconds: 3,
      batchCalls: 3,
    };
const CONNECTIONS = [1, 16, 64];
const BATCHES = [1, 100, 10_000];
const work = join(root, quick ? 'bench/out/all-quick' : 'bench/out/all');
const reference = join(root, 'bench/reference');

// The two request shapes: a named row (the reference's app.py takes only this), and the
// scikit-learn-lambda toolkit's {"input": [[...]], "return_probabilities": true}. modelgate answers both.
const NAMED = EVENT;
const INPUT = {
  ...EVENT,
  body: JSON.stringify({ input: [Object.values(ROW)], return_probabilities: true }),
};
const ONE_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
const HANDLERS = {
  app: { module: 'app', event: NAMED, file: 'pickle' },
  sklearnLambda: { module: 'sklearn_lambda', event: INPUT, file: 'joblib' },
};

/** The models: files for each side, and their sizes. */
function buildModels(python) {
  log(`training the reference models (scikit-learn; MLP widths ${WIDTHS.join(', ')})`);
  const built = JSON.parse(
    execFileSync(
      python,
      [join(reference, 'models.py'), work, join(root, 'examples/iris/iris.csv'), WIDTHS.join(',')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const models = [];
  for (const [id, files] of Object.entries(built.models)) {
    let onnx = join(root, 'examples/iris/model.onnx');
    if (id !== 'iris') {
      onnx = join(work, `${id}.onnx`);
      log(`importing ${id}`);
      execFileSync(process.execPath, [
        join(root, 'bin/modelgate.js'),
        'import',
        files.pickle,
        '--out',
        onnx,
        '--quiet',
      ]);
    }
    models.push({
      id,
      label: id === 'iris' ? 'iris' : `MLP ${id.slice(4)}x3`,
      onnx,
      pickle: files.pickle,
      joblib: files.joblib,
      bytes: {
        onnx: statSync(onnx).size,
        pickle: statSync(files.pickle).size,
        joblib: statSync(files.joblib).size,
      },
    });
  }
  return { models, rows: built.rows };
}

const pyEnv = (model, handler) => ({
  MODEL_PATH: model[HANDLERS[handler].file],
  PYTHONPATH: reference,
  PYTHONDONTWRITEBYTECODE: '1',
});

/** Fresh process to first answered prediction, alternating the three sides. */
async function coldStarts(python, model) {
  const mgScript = `const { handler } = await import(${JSON.stringify(join(root, 'dist/bundle/lambda/index.mjs'))}); console.log(JSON.stringify(await handler(${JSON.stringify(INPUT)})));`;
  const pyScript = (h) =>
    `import json, ${HANDLERS[h].module} as m; print(json.dumps(m.handler(json.loads(${JSON.stringify(JSON.stringify(HANDLERS[h].event))}), None)))`;
  const runs = { modelgate: [], app: [], sklearnLambda: [] };
  for (let i = 0; i < RUNS.cold; i++) {
    runs.modelgate.push(
      (await timeRun(process.execPath, ['--input-type=module', '-e', mgScript], { MODEL_URI: model.onnx }))
        .ms,
    );
    for (const h of Object.keys(HANDLERS))
      runs[h].push((await timeRun(python, ['-c', pyScript(h)], pyEnv(model, h))).ms);
  }
  return summarize(runs);
}

const summarize = (runs) =>
  Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [k, { ms: median(v), all: v.map((x) => Number(x.toFixed(1))) }]),
  );

/** Init and first response through the Lambda Runtime API harness (aws-lambda-ric for modelgate). */
async function lambdaInits(harness, python, tasks, model) {
  const runs = { modelgate: [], app: [], sklearnLambda: [] };
  for (let i = 0; i < RUNS.init; i++) {
    runs.modelgate.push(
      await lambdaColdStart(harness, tasks.modelgate, { env: { MODEL_URI: model.onnx } }, INPUT),
    );
    for (const [h, { module, event }] of Object.entries(HANDLERS))
      runs[h].push(
        await lambdaColdStart(
          harness,
          tasks.python,
          {
            command: [python, join(reference, 'runtime.py')],
            env: { _HANDLER: `${module}.handler`, ...pyEnv(model, h) },
          },
          event,
        ),
      );
  }
  return Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [
      k,
      {
        initMs: median(v.map((r) => r.initMs)),
        firstResponseMs: median(v.map((r) => r.firstResponseMs)),
        allInitMs: v.map((r) => Number(r.initMs.toFixed(1))),
      },
    ]),
  );
}

/** Warm in-process handler latency: modelgate with each request shape, each Python handler with its own. */
function warm(python, model) {
  const mg = (event) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [join(root, 'bench/serving-warm.mjs'), JSON.stringify(event), String(RUNS.warmMg)],
        {
          // stdin closed, as Lambda's runtime has it: an open stdin pipe slows a Node child's loop here.
          env: { ...process.env, MODEL_URI: model.onnx },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      ),
    );
  const py = (h, env = {}) =>
    JSON.parse(
      execFileSync(
        python,
        [
          join(reference, 'warm.py'),
          JSON.stringify(HANDLERS[h].event),
          String(RUNS.warmPy),
          HANDLERS[h].module,
        ],
        {
          env: { ...process.env, ...pyEnv(model, h), ...env },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ),
    );
  return {
    modelgateNamed: mg(NAMED),
    app: py('app'),
    modelgateInput: mg(INPUT),
    sklearnLambda: py('sklearnLambda'),
    // numpy's BLAS uses every core by default; a Lambda function of up to 1,769 MB has at most one vCPU.
    sklearnLambdaOneThread: py('sklearnLambda', ONE_THREAD),
  };
}

const gunicornWorkers = () => 2 * availableParallelism() + 1;

/**
 * A server, ready and warmed: 16 connections for a while, so that every gunicorn worker has loaded and
 * answered and Node's compiler has seen the hot path, before anything is measured.
 */
async function warmedServer(cmd, argv, port, env, body) {
  const server = await startServer(cmd, argv, { port, env });
  await httpLoad(`${server.url}/predict`, { connections: 16, seconds: RUNS.warmupSeconds, body, warmup: 0 });
  return server;
}

/** `modelgate serve`: one process. */
function serveModelgate(model, body) {
  const port = freePort();
  const argv = [
    join(root, 'bin/modelgate.js'),
    'serve',
    model.onnx,
    '--workers',
    '1',
    '--port',
    String(port),
  ];
  return warmedServer(process.execPath, argv, port, {}, body);
}

/** The Python reference under gunicorn: its recommended 2 x cores + 1 sync workers, unless told. */
function serveGunicorn(python, model, handler, workers = gunicornWorkers()) {
  const port = freePort();
  const argv = ['-m', 'gunicorn', '-w', String(workers), '-b', `127.0.0.1:${port}`];
  argv.push('--chdir', reference, 'wsgi:application');
  const env = { HANDLER: HANDLERS[handler].module, ...pyEnv(model, handler) };
  return warmedServer(python, argv, port, env, HANDLERS[handler].event.body);
}

/**
 * HTTP latency at one connection: modelgate serve against gunicorn with each Python handler (one worker:
 * one connection keeps one busy).
 */
async function httpLatency(python, model) {
  const result = {};
  for (const [side, start, body] of [
    ['modelgate', () => serveModelgate(model, INPUT.body), INPUT.body],
    ['app', () => serveGunicorn(python, model, 'app', 1), NAMED.body],
    ['sklearnLambda', () => serveGunicorn(python, model, 'sklearnLambda', 1), INPUT.body],
  ]) {
    const server = await start();
    try {
      result[side] = await httpLoad(`${server.url}/predict`, {
        connections: 1,
        seconds: RUNS.latencySeconds,
        body,
        warmup: 0,
      });
      result[side].peakMb = server.peakMb();
    } finally {
      await server.stop();
    }
  }
  return result;
}

/** HTTP throughput on the iris model at each connection count, the three servers loaded in turn. */
async function httpThroughput(python, iris) {
  const sides = {
    modelgate: { start: () => serveModelgate(iris, NAMED.body), body: NAMED.body },
    app: { start: () => serveGunicorn(python, iris, 'app'), body: NAMED.body },
    sklearnLambda: { start: () => serveGunicorn(python, iris, 'sklearnLambda'), body: INPUT.body },
  };
  const servers = {};
  const result = { workers: gunicornWorkers() };
  try {
    for (const [side, s] of Object.entries(sides)) servers[side] = await s.start();
    for (const connections of CONNECTIONS)
      for (const [side, s] of Object.entries(sides)) {
        log(`  ${side}, ${connections} connection(s)`);
        result[side] ??= { byConnections: {} };
        result[side].byConnections[connections] = await httpLoad(`${servers[side].url}/predict`, {
          connections,
          seconds: RUNS.loadSeconds,
          body: s.body,
          warmup: 0,
        });
      }
    for (const side of Object.keys(sides)) result[side].peakMb = servers[side].peakMb();
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  return result;
}

/** Rows per second at each batch size: modelgate's Predictor against scikit-learn's predict_proba. */
function batches(python, model, rows) {
  const mg = JSON.parse(
    execFileSync(
      process.execPath,
      [
        join(root, 'bench/batch.mjs'),
        model.onnx,
        JSON.stringify(rows),
        BATCHES.join(','),
        String(RUNS.batchSeconds),
        String(RUNS.batchCalls),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const py = JSON.parse(
    execFileSync(
      python,
      [
        join(reference, 'batch.py'),
        model.joblib,
        JSON.stringify(rows),
        BATCHES.join(','),
        String(RUNS.batchSeconds),
        String(RUNS.batchCalls),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ),
  );
  return Object.fromEntries(
    BATCHES.map((n) => [n, { modelgate: mg[n].rowsPerSecond, sklearn: py[n].rowsPerSecond }]),
  );
}

/** The function zip `modelgate package --model` writes, beside the Python deployment zip with the pickle. */
function packageSizes(model, pythonDeps) {
  const dir = join(work, `package-${model.id}`);
  execFileSync(process.execPath, [
    join(root, 'bin/modelgate.js'),
    'package',
    '--quiet',
    '--model',
    model.onnx,
    '--out',
    dir,
  ]);
  const zip = join(dir, 'function-x86_64.zip');
  const pickle = readFileSync(model.pickle);
  return {
    modelgate: { zipped: statSync(zip).size, unzipped: unzippedSize(zip) },
    // The dependencies' zip plus the model's deflated bytes: what one zip holding both would weigh.
    python: pythonDeps && {
      zipped: pythonDeps.zipped + deflateRawSync(pickle, { level: 6 }).length,
      unzipped: pythonDeps.unzipped + pickle.length,
    },
  };
}

/** The smallest Lambda memory setting (128 MB up, 1 MB steps) that holds the peak: as `modelgate cost` picks it. */
const { lambdaMemoryFor: lambdaMemory } = costModel(PRICES);

async function measure() {
  if (!existsSync(join(root, 'dist/bundle/lambda/index.mjs')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const python = setupPython(root, (m) => log(m));
  const started = Date.now();
  const { models, rows } = buildModels(python);

  log('packaging: the modelgate function without a model (for init through the runtime client)');
  const harness = await loadTestHelper('runtime-api');
  await harness.ensureRic();
  const { unzipTo } = await loadTestHelper('zip');
  execFileSync(process.execPath, [
    join(root, 'bin/modelgate.js'),
    'package',
    '--quiet',
    '--out',
    join(work, 'bare'),
  ]);
  const tasks = {
    modelgate: unzipTo(join(work, 'bare/function-x86_64.zip'), join(work, 'task')),
    python: join(work, 'python-task'),
  };
  mkdirSync(tasks.python, { recursive: true });
  for (const f of ['app.py', 'sklearn_lambda.py']) copyFileSync(join(reference, f), join(tasks.python, f));
  // Zipping 230 MB of dependencies takes half a minute: a quick run leaves the Python package sizes out.
  let pythonDeps;
  if (!quick) {
    log('zipping the Python reference dependencies (scikit-learn, pandas and what they need)');
    pythonDeps = pythonPackage(python, join(work, 'python-deps.zip'));
  }

  const perModel = [];
  for (const model of models) {
    log(`${model.label}: cold starts (${RUNS.cold} each)`);
    const cold = await coldStarts(python, model);
    log(`${model.label}: Lambda init through the runtime client (${RUNS.init} each)`);
    const init = await lambdaInits(harness, python, tasks, model);
    log(`${model.label}: warm handler latency`);
    const w = warm(python, model);
    log(`${model.label}: HTTP latency, one connection`);
    const http = await httpLatency(python, model);
    log(`${model.label}: batch throughput`);
    const batch = batches(python, model, rows);
    const packages = packageSizes(model, pythonDeps);
    const mgPeak = Math.max(w.modelgateNamed.max_rss_mb, w.modelgateInput.max_rss_mb, http.modelgate.peakMb);
    const pyPeak = { app: w.app.max_rss_mb, sklearnLambda: w.sklearnLambda.max_rss_mb };
    perModel.push({
      id: model.id,
      label: model.label,
      bytes: model.bytes,
      cold,
      init,
      warm: w,
      http,
      batch,
      packages,
      memory: {
        modelgatePeakMb: mgPeak,
        pythonPeakMb: pyPeak,
        modelgateLambdaMb: lambdaMemory(mgPeak),
        pythonLambdaMb: {
          app: lambdaMemory(pyPeak.app),
          sklearnLambda: lambdaMemory(pyPeak.sklearnLambda),
        },
      },
    });
    log(
      `  cold ${cold.modelgate.ms.toFixed(0)} ms vs ${cold.app.ms.toFixed(0)} / ${cold.sklearnLambda.ms.toFixed(0)} ms; warm ${w.modelgateInput.p50_us.toFixed(0)} µs vs ${w.sklearnLambda.p50_us.toFixed(0)} µs; peak ${mgPeak.toFixed(0)} MB`,
    );
  }

  log(`HTTP throughput on iris at ${CONNECTIONS.join(', ')} connections`);
  const throughput = await httpThroughput(python, models[0]);

  return {
    date: new Date().toISOString(),
    quick,
    minutes: (Date.now() - started) / 60_000,
    machine: machine(python),
    runs: RUNS,
    pythonDeps,
    models: perModel,
    throughput,
    costFigures: perModel.map((m) => ({
      model: m.label,
      durationMs: m.warm.modelgateInput.p50_us / 1000,
      peakMemoryMb: m.memory.modelgatePeakMb,
      lambdaMemoryMb: m.memory.modelgateLambdaMb,
    })),
  };
}

const results = args.render ? JSON.parse(readFileSync(args.render, 'utf8')) : await measure();
mkdirSync(join(docs, 'benchmarks'), { recursive: true });
if (!args.render) writeFileSync(join(docs, 'benchmarks.json'), `${JSON.stringify(results, null, 2)}\n`);
const { markdown, charts } = render(results, {
  command: quick ? 'npm run bench -- --quick' : 'npm run bench',
});
for (const [name, svg] of Object.entries(charts)) writeFileSync(join(docs, 'benchmarks', name), svg);
writeFileSync(join(docs, 'benchmarks.md'), markdown);
log(
  `wrote ${join(docs, 'benchmarks.md')}${args.render ? '' : ', benchmarks.json'} and ${Object.keys(charts).length} charts`,
);
// The cost page shows the measured models' figures: it is rewritten beside the results.
execFileSync(process.execPath, [
  join(root, 'scripts/cost-page.mjs'),
  '--benchmarks',
  args.render ?? join(docs, 'benchmarks.json'),
  '--out',
  join(docs, 'cost.html'),
]);
log(`wrote ${join(docs, 'cost.html')} with these figures`);
