#!/usr/bin/env node
// Serving for platforms (issue 17's figures): `modelgate serve` against the strongest Python peer, a
// bare ASGI app over Python's onnxruntime under uvicorn (bench/reference/asgi_onnx.py, the same ONNX
// file), and the Node floor (bench/http-floor.mjs: Node's HTTP server answering a fixed body), in the
// same run, on the iris model. Each server answers single-row requests from wrk (one thread, on the
// same 2-core machine) at 1, 16, 64 and 256 connections; the CPU each server process (and its
// children) spent is read from /proc, so CPU per request counts the server's work, not the load
// generator's. Then `serve --workers 2` against one worker, a 10,000-row batch over HTTP against the
// Predictor in process, and the Open Inference Protocol's endpoint against the native one.
// Writes docs/benchmarks-platform.json and docs/benchmarks-platform.md.
//
//   npm run build && node bench/platform.mjs        the full run (about 6 minutes)
//   node bench/platform.mjs --quick                 short runs, into bench/out/platform-quick.*
//   node bench/platform.mjs --render FILE.json      only rewrite the page from a run's figures
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Predictor } from '../dist/runtime/predictor.js';
import { cpuMicros, freePort, hasWrk, httpLoad, median, root, startServer } from './lib.mjs';
import { ROW } from './reference/event.mjs';
import { setupPython } from './reference/python.mjs';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, render: { type: 'string' } },
});
const quick = args.quick;
const log = (msg) => process.stderr.write(`[platform] ${msg}\n`);
const MODEL = join(root, 'examples/iris/model.onnx');
const CONNECTIONS = [1, 16, 64, 256];
const SECONDS = quick ? 2 : 8;
const ROUNDS = quick ? 1 : 3;
const BATCH_ROWS = 10_000;
const out = quick ? join(root, 'bench/out/platform-quick') : join(root, 'docs/benchmarks-platform');

/** A server loaded at `connections` for SECONDS after a warm-up; its CPU per request besides. */
async function loaded(server, path, body, connections) {
  await httpLoad(`${server.url}${path}`, { connections, seconds: 1, body, warmup: 0 });
  const before = cpuMicros(server.pid);
  const r = await httpLoad(`${server.url}${path}`, { connections, seconds: SECONDS, body, warmup: 0 });
  const cpu = cpuMicros(server.pid) - before;
  const requests = r.total ?? r.requestsPerSecond * r.seconds;
  return { ...r, cpuUsPerRequest: requests > 0 ? cpu / requests : Number.NaN };
}

/** `modelgate serve` with `workers`, node given the flags the container image's entry point and `npm start` give it. */
const serveArgv = (port, workers) => [
  '--max-semi-space-size=8',
  join(root, 'bin/modelgate.js'),
  'serve',
  MODEL,
  '--port',
  String(port),
  '--workers',
  String(workers),
];

const SERVERS = {
  modelgate: (port) => ({ cmd: process.execPath, argv: serveArgv(port, 1), readyPath: '/ready' }),
  'modelgate, 2 workers': (port) => ({
    cmd: process.execPath,
    argv: serveArgv(port, 2),
    readyPath: '/ready',
  }),
  'Python onnxruntime (ASGI, uvicorn)': (port, python) => ({
    cmd: python,
    argv: [
      '-m',
      'uvicorn',
      'asgi_onnx:app',
      '--app-dir',
      join(root, 'bench/reference'),
      '--port',
      String(port),
      '--no-access-log',
      '--log-level',
      'warning',
    ],
    env: { MODEL_PATH: MODEL },
    readyPath: '/ready',
  }),
  'Node floor (fixed answer)': (port) => ({
    cmd: process.execPath,
    argv: [join(root, 'bench/http-floor.mjs'), String(port)],
    readyPath: '/',
    ready: () => true,
  }),
};

async function start(name, python) {
  const port = freePort();
  const s = SERVERS[name](port, python);
  return startServer(s.cmd, s.argv, { port, env: s.env, readyPath: s.readyPath, ready: s.ready });
}

/** POSTs `body` over one keep-alive connection, one request after another, for `seconds`: rows a second. */
async function sequentialRows(url, body, rows, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          let n = 0;
          res.on('data', (c) => {
            n += c.length;
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(n) : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await post();
  let calls = 0;
  const t = performance.now();
  while (performance.now() - t < seconds * 1000 || calls < 3) {
    await post();
    calls++;
  }
  agent.destroy();
  return (rows * calls) / ((performance.now() - t) / 1000);
}

async function inProcessRows(rows, seconds) {
  const predictor = await Predictor.load(readFileSync(MODEL));
  await predictor.predict(rows);
  let calls = 0;
  const t = performance.now();
  while (performance.now() - t < seconds * 1000 || calls < 3) {
    await predictor.predict(rows);
    calls++;
  }
  await predictor.release();
  return (rows.length * calls) / ((performance.now() - t) / 1000);
}

async function measure() {
  if (!hasWrk())
    throw new Error(
      'this benchmark needs wrk (apt-get install wrk): autocannon would share the CPU with the servers',
    );
  const python = setupPython(root, log);
  const body = JSON.stringify(ROW);
  const sides = ['modelgate', 'Python onnxruntime (ASGI, uvicorn)', 'Node floor (fixed answer)'];
  const byConnections = Object.fromEntries(
    sides.map((s) => [s, Object.fromEntries(CONNECTIONS.map((c) => [c, []]))]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of sides) {
      const server = await start(side, python);
      try {
        for (const c of CONNECTIONS) {
          log(`round ${round + 1}: ${side}, ${c} connection(s)`);
          const r = await loaded(server, side.startsWith('Node') ? '/' : '/predict', body, c);
          r.peakMb = server.peakMb();
          byConnections[side][c].push(r);
        }
      } finally {
        await server.stop();
      }
    }
  }
  const summary = (runs) => ({
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    latencyP50Ms: median(runs.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(runs.map((r) => r.latencyP99Ms)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
    peakMb: Math.max(...runs.map((r) => r.peakMb)),
    errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
    runs,
  });
  const http1 = Object.fromEntries(
    sides.map((s) => [s, Object.fromEntries(CONNECTIONS.map((c) => [c, summary(byConnections[s][c])]))]),
  );

  // Workers: 2 against 1 at 64 connections, in alternating rounds.
  const workers = { 1: [], 2: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [n, side] of [
      [1, 'modelgate'],
      [2, 'modelgate, 2 workers'],
    ]) {
      log(`round ${round + 1}: ${side}, 64 connections`);
      const server = await start(side, python);
      try {
        workers[n].push(await loaded(server, '/predict', body, 64));
      } finally {
        await server.stop();
      }
    }
  }

  // A 10,000-row batch: over HTTP (one connection, one request after another) against in process.
  const rows = Array.from({ length: BATCH_ROWS }, (_, i) => [
    4.5 + (i % 35) / 10,
    2 + (i % 23) / 10,
    1 + (i % 59) / 10,
    0.1 + (i % 25) / 10,
  ]);
  const batchBody = JSON.stringify({ input: rows, return_probabilities: true });
  log('10,000-row batches, HTTP and in process');
  const batch = { http: [], inProcess: [] };
  for (let round = 0; round < ROUNDS; round++) {
    batch.inProcess.push(await inProcessRows(rows, SECONDS / 2));
    const server = await start('modelgate', python);
    try {
      batch.http.push(await sequentialRows(`${server.url}/predict`, batchBody, BATCH_ROWS, SECONDS / 2));
    } finally {
      await server.stop();
    }
  }

  // The Open Inference Protocol's infer endpoint against the native one, 64 connections.
  const v2Body = JSON.stringify({
    inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.9, 3, 5.1, 1.8] }],
  });
  const v2 = { native: [], v2: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const server = await start('modelgate', python);
    try {
      log(`round ${round + 1}: native and V2, 64 connections`);
      v2.native.push(await loaded(server, '/predict', body, 64));
      v2.v2.push(await loaded(server, '/v2/models/iris/infer', v2Body, 64));
    } finally {
      await server.stop();
    }
  }

  return {
    date: new Date().toISOString(),
    quick,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      node: process.version,
    },
    seconds: SECONDS,
    rounds: ROUNDS,
    http: http1,
    workers: { 1: summary(workers[1]), 2: summary(workers[2]) },
    batch: {
      rows: BATCH_ROWS,
      httpRowsPerSecond: median(batch.http),
      inProcessRowsPerSecond: median(batch.inProcess),
      runs: batch,
    },
    v2: { native: summary(v2.native), v2: summary(v2.v2) },
  };
}

const f0 = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : 'n/a');
const verdict = (ok) => (ok ? 'met' : '**not met**');

function render(r) {
  const mg = r.http.modelgate;
  const py = r.http['Python onnxruntime (ASGI, uvicorn)'];
  const floor = r.http['Node floor (fixed answer)'];
  const rows = CONNECTIONS.map(
    (c) =>
      `| ${c} | ${f0(mg[c].requestsPerSecond)} | ${f0(py[c].requestsPerSecond)} | ${f0(floor[c].requestsPerSecond)} | ${ratio(mg[c].requestsPerSecond, py[c].requestsPerSecond)} | ${f2(mg[c].cpuUsPerRequest)} | ${f2(py[c].cpuUsPerRequest)} | ${f2(floor[c].cpuUsPerRequest)} | ${ratio(mg[c].cpuUsPerRequest, floor[c].cpuUsPerRequest)} | ${f2(mg[c].latencyP99Ms)} | ${f2(py[c].latencyP99Ms)} | ${f0(mg[c].errors)} |`,
  );
  const busy = [16, 64, 256].map((c) => mg[c].cpuUsPerRequest / floor[c].cpuUsPerRequest);
  const w1 = r.workers[1].requestsPerSecond;
  const w2 = r.workers[2].requestsPerSecond;
  // wrk shares the two cores: what each side could answer with its cores to itself (one core for one
  // worker, two for two) is its cores over its CPU per request.
  const scaling = (2 * r.workers[1].cpuUsPerRequest) / r.workers[2].cpuUsPerRequest;
  const batchShare = r.batch.httpRowsPerSecond / r.batch.inProcessRowsPerSecond;
  const v2Share = r.v2.v2.requestsPerSecond / r.v2.native.requestsPerSecond;
  const goals = [
    [
      "1 connection: at least 1.3x the Python peer's requests/s",
      ratio(mg[1].requestsPerSecond, py[1].requestsPerSecond),
      mg[1].requestsPerSecond >= 1.3 * py[1].requestsPerSecond,
    ],
    [
      '16-256 connections: CPU per request within 1.5x of the Node floor',
      busy.map((b) => `${b.toFixed(2)}x`).join(', '),
      busy.every((b) => b <= 1.5),
    ],
    [
      'no rise in CPU per request at 256 connections',
      `${f2(mg[64].cpuUsPerRequest)} µs at 64, ${f2(mg[256].cpuUsPerRequest)} µs at 256`,
      mg[256].cpuUsPerRequest <= 1.1 * mg[64].cpuUsPerRequest,
    ],
    ['p99 under 5 ms at 64 connections', `${f2(mg[64].latencyP99Ms)} ms`, mg[64].latencyP99Ms < 5],
    ['peak memory under 100 MB at 64 connections', `${f2(mg[64].peakMb)} MB`, mg[64].peakMb < 100],
    [
      '2 workers: at least 1.7x the requests/s of 1, the load generator accounted for',
      `${ratio(scaling, 1)} by CPU per request (${ratio(w2, w1)} measured with wrk on the same cores)`,
      scaling >= 1.7,
    ],
    [
      '10,000-row batch over HTTP: at least 70% of in-process rows/s',
      `${(batchShare * 100).toFixed(0)}%`,
      batchShare >= 0.7,
    ],
    ['the V2 endpoint within 10% of the native one', `${(v2Share * 100).toFixed(0)}%`, v2Share >= 0.9],
  ];
  return `# Serving for platforms: benchmark

Measured ${r.date.slice(0, 10)} by \`node bench/platform.mjs\`${r.quick ? ' --quick' : ''} on ${r.machine.cpu}, ${r.machine.cores} cores, Node.js ${r.machine.node}; ${r.rounds} round(s) of ${r.seconds} s per figure, medians.

Every server answers the same single-row request (the reference row, one named row in modelgate's format)
on the iris model: \`modelgate serve\` (one worker), the strongest Python peer, a bare ASGI app over Python's
onnxruntime on the same ONNX file under uvicorn (bench/reference/asgi_onnx.py), and the Node floor, Node's
HTTP server parsing the body and answering a fixed one without a model. The load generator, wrk with one
thread, runs on the same 2-core machine; CPU per request is the server processes' own CPU time (user and
system, from /proc) over the requests they answered, which the load generator's share does not enter.

## Goals

| goal | measured | |
|---|---|---|
${goals.map(([g, m, ok]) => `| ${g} | ${m} | ${verdict(ok)} |`).join('\n')}

## Requests a second, CPU per request and p99, by connections

| connections | modelgate req/s | Python peer req/s | Node floor req/s | modelgate / peer | modelgate CPU µs/req | peer CPU µs/req | floor CPU µs/req | modelgate / floor CPU | modelgate p99 ms | peer p99 ms | modelgate errors |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Peak memory of \`modelgate serve\` over the run: ${f2(Math.max(...CONNECTIONS.map((c) => mg[c].peakMb)))} MB (the Python peer: ${f2(Math.max(...CONNECTIONS.map((c) => py[c].peakMb)))} MB).

## All cores

\`serve --workers 2\` against one worker at 64 connections: ${f0(w2)} against ${f0(w1)} requests a second
(${ratio(w2, w1)}), CPU per request ${f2(r.workers[2].cpuUsPerRequest)} µs against ${f2(r.workers[1].cpuUsPerRequest)} µs, p99 ${f2(r.workers[2].latencyP99Ms)} ms
against ${f2(r.workers[1].latencyP99Ms)} ms. With wrk on the same two cores, two workers and the load generator share
them: the CPU per request says what each request cost the servers. With its cores to itself, one worker
on one core would answer 1/${f2(r.workers[1].cpuUsPerRequest)} µs and two workers on two cores
2/${f2(r.workers[2].cpuUsPerRequest)} µs: ${ratio(scaling, 1)} the requests a second, the figure the goal is held to (a load
generator on other cores is what this machine does not have).

## A 10,000-row batch over HTTP

\`{"input": [10,000 rows], "return_probabilities": true}\` POSTed over one keep-alive connection, one request
after another: ${f0(r.batch.httpRowsPerSecond)} rows a second, against ${f0(r.batch.inProcessRowsPerSecond)} for the Predictor given the
same rows in process (${(batchShare * 100).toFixed(0)}%).

## The Open Inference Protocol

\`POST /v2/models/iris/infer\` with one [1, 4] FP32 tensor against \`POST /predict\` with the named row, 64
connections, the same server: ${f0(r.v2.v2.requestsPerSecond)} against ${f0(r.v2.native.requestsPerSecond)} requests a second (${(v2Share * 100).toFixed(0)}%),
CPU per request ${f2(r.v2.v2.cpuUsPerRequest)} µs against ${f2(r.v2.native.cpuUsPerRequest)} µs.
`;
}

const results = args.render ? JSON.parse(readFileSync(args.render, 'utf8')) : await measure();
if (!args.render) writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${out}.md`, render(results));
log(`wrote ${out}.md`);
