#!/usr/bin/env node
// Serving benchmark: modelgate's Lambda handler and HTTP server against the Python reference (its
// app.py handler logic on scikit-learn) and, over HTTP, the strongest Python peer (a bare ASGI app under
// uvicorn over Python's onnxruntime, bench/reference/asgi_onnx.py), in the same run, on the iris model.
// Writes docs/benchmarks-serving.json and docs/benchmarks-serving.md.
//
//   npm run build && node bench/serving.mjs             full run (about 2 minutes)
//   node bench/serving.mjs --quick                       fewer repetitions
//   node bench/serving.mjs --render FILE.json            only rewrite the page from a run's figures
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMicros, freePort, httpLoad, median, root, startServer, timeRun } from './lib.mjs';
import { EVENT, ROW } from './reference/event.mjs';
import { pythonVersions, setupPython } from './reference/python.mjs';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, render: { type: 'string' } },
});
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const RESULTS = join(root, 'docs/benchmarks-serving.json');
const MODEL = join(root, 'examples/iris/model.onnx');

/**
 * Starts a server (`cmd` with its arguments for a port), answers the reference row once (kept as
 * `answer`), loads it with `connections` connections, stops it; adds its peak memory and its CPU time
 * per request (the server's processes, the load generator's not).
 */
async function underLoad(
  argvFor,
  readyPath,
  seconds,
  { cmd = process.execPath, env = {}, connections = 64 } = {},
) {
  const port = freePort();
  // The floor answers a GET with 400 (no JSON body): any answer means it is listening.
  const server = await startServer(cmd, argvFor(port), { port, env, readyPath, ready: () => true });
  try {
    const body = JSON.stringify(ROW);
    const answer = await (
      await fetch(`${server.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    ).text();
    await httpLoad(`${server.url}/predict`, { connections, seconds: 2, body, warmup: 0 });
    const cpuBefore = cpuMicros(server.pid);
    const result = await httpLoad(`${server.url}/predict`, { connections, seconds, body, warmup: 0 });
    result.cpuMicrosPerRequest = (cpuMicros(server.pid) - cpuBefore) / result.total;
    result.peakMb = server.peakMb();
    result.answer = answer;
    return result;
  } finally {
    await server.stop();
  }
}

/** Each figure's median over the rounds; errors are summed. */
function summarizeHttp(runs) {
  return {
    tool: runs[0].tool,
    connections: runs[0].connections,
    seconds: runs[0].seconds,
    rounds: runs.length,
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    latencyP50Ms: median(runs.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(runs.map((r) => r.latencyP99Ms)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest)),
    answer: runs[0].answer,
    runs,
  };
}

async function measure() {
  const coldRuns = args.quick ? 5 : 15;
  const python = setupPython(root, log);
  const out = join(root, 'bench/out');
  mkdirSync(out, { recursive: true });
  const pickle = join(out, 'iris-reference.pkl');
  execFileSync(python, [
    join(root, 'bench/reference/train_model.py'),
    join(root, 'examples/iris/iris.csv'),
    pickle,
  ]);
  const pyEnv = {
    MODEL_PATH: pickle,
    PYTHONPATH: join(root, 'bench/reference'),
    PYTHONDONTWRITEBYTECODE: '1',
  };

  // 1. Cold start: a fresh process, to the first answered prediction.
  log(`cold start, ${coldRuns} runs each`);
  const pyCold = [];
  const mgCold = [];
  const mgColdModules = [];
  const pyScript = `import json, app; print(json.dumps(app.handler(${JSON.stringify(JSON.stringify(EVENT))} and json.loads(${JSON.stringify(JSON.stringify(EVENT))}), None)))`;
  const mgScriptFor = (entry) =>
    `const { handler } = await import(${JSON.stringify(join(root, entry))}); console.log(JSON.stringify(await handler(${JSON.stringify(EVENT)})));`;
  // As deployed: the handler bundled into one file (dist/bundle/lambda/index.mjs); and the unbundled module graph.
  const mgScript = mgScriptFor('dist/bundle/lambda/index.mjs');
  const mgScriptModules = mgScriptFor('dist/lambda-handler.js');
  let pyAnswer;
  let mgAnswer;
  for (let i = 0; i < coldRuns; i++) {
    const p = await timeRun(python, ['-c', pyScript], pyEnv);
    pyCold.push(p.ms);
    pyAnswer = JSON.parse(p.stdout);
    const m = await timeRun(process.execPath, ['--input-type=module', '-e', mgScript], { MODEL_URI: MODEL });
    mgCold.push(m.ms);
    mgAnswer = JSON.parse(m.stdout);
    mgColdModules.push(
      (await timeRun(process.execPath, ['--input-type=module', '-e', mgScriptModules], { MODEL_URI: MODEL }))
        .ms,
    );
  }

  // 2. Warm handler latency, in process.
  log('warm handler latency');
  // Each side runs in three fresh processes, alternating; the figures are the medians of the three.
  const warmRuns = args.quick ? 1 : 3;
  const pyRuns = [];
  const mgRuns = [];
  for (let i = 0; i < warmRuns; i++) {
    pyRuns.push(
      JSON.parse(
        execFileSync(
          python,
          [join(root, 'bench/reference/warm.py'), JSON.stringify(EVENT), args.quick ? '500' : '3000'],
          { env: { ...process.env, ...pyEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
        ),
      ),
    );
    mgRuns.push(
      JSON.parse(
        execFileSync(
          process.execPath,
          [join(root, 'bench/serving-warm.mjs'), JSON.stringify(EVENT), args.quick ? '20000' : '100000'],
          // stdin closed, as Lambda's runtime has it: an open stdin pipe slows a Node child's loop here.
          {
            env: { ...process.env, MODEL_URI: MODEL },
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        ),
      ),
    );
  }
  const medianOf = (runs) => ({
    p50_us: median(runs.map((r) => r.p50_us)),
    p99_us: median(runs.map((r) => r.p99_us)),
    max_rss_mb: Math.max(...runs.map((r) => r.max_rss_mb)),
    runs,
  });
  const pyWarm = medianOf(pyRuns);
  const mgWarm = medianOf(mgRuns);

  // 3. HTTP on loopback: one `modelgate serve` process, 64 connections, single-row requests. Rounds
  // alternate with the floor (bench/http-floor.mjs, Node's HTTP server answering without a model), and
  // the figures are each side's medians: single runs on a shared machine move by a third.
  log('HTTP throughput, 64 connections');
  const rounds = args.quick ? 1 : 3;
  const seconds = args.quick ? 5 : 10;
  const serveRuns = [];
  const floorRuns = [];
  const peerRuns = [];
  const floorArgv = (port) => [join(root, 'bench/http-floor.mjs'), String(port)];
  const serveArgv = (port) => [
    join(root, 'bin/modelgate.js'),
    'serve',
    MODEL,
    '--workers',
    '1',
    '--port',
    String(port),
  ];
  // uvicorn's fastest settings: uvloop's event loop, httptools' parser, no access log; one process.
  const peerArgv = (port) => [
    '-m',
    'uvicorn',
    '--app-dir',
    join(root, 'bench/reference'),
    'asgi_onnx:app',
    '--no-access-log',
    '--loop',
    'uvloop',
    '--http',
    'httptools',
    '--log-level',
    'warning',
    '--port',
    String(port),
  ];
  const peer = { cmd: python, env: { MODEL_PATH: MODEL, PYTHONDONTWRITEBYTECODE: '1' } };
  for (let i = 0; i < rounds; i++) {
    floorRuns.push(await underLoad(floorArgv, '/', seconds));
    serveRuns.push(await underLoad(serveArgv, '/ready', seconds));
    peerRuns.push(await underLoad(peerArgv, '/ready', seconds, peer));
  }
  const http = summarizeHttp(serveRuns);
  const httpFloor = summarizeHttp(floorRuns);
  const httpPeer = summarizeHttp(peerRuns);

  // 4. One connection: a lone request at a time, modelgate against the peer, alternating.
  log('HTTP, 1 connection');
  const lone = { modelgate: [], peer: [] };
  for (let i = 0; i < rounds; i++) {
    lone.modelgate.push(await underLoad(serveArgv, '/ready', seconds, { connections: 1 }));
    lone.peer.push(await underLoad(peerArgv, '/ready', seconds, { ...peer, connections: 1 }));
  }
  const httpOne = { modelgate: summarizeHttp(lone.modelgate), peer: summarizeHttp(lone.peer) };

  return {
    date: new Date().toISOString(),
    quick: args.quick,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      node: process.version,
      python: pythonVersions(python),
    },
    answers: { modelgate: mgAnswer, python: pyAnswer },
    coldStart: {
      runs: coldRuns,
      modelgateMs: median(mgCold),
      modelgateUnbundledMs: median(mgColdModules),
      pythonMs: median(pyCold),
      modelgateAll: mgCold,
      modelgateUnbundledAll: mgColdModules,
      pythonAll: pyCold,
    },
    warm: { modelgate: mgWarm, python: pyWarm },
    http,
    httpFloor,
    httpPeer,
    httpOne,
    memory: {
      servePeakMb: Math.max(...serveRuns.map((r) => r.peakMb)),
      lambdaHandlerPeakMb: mgWarm.max_rss_mb,
      pythonHandlerPeakMb: pyWarm.max_rss_mb,
    },
  };
}

function render(r) {
  const f1 = (x) => x.toFixed(1);
  const ok = (cond) => (cond ? 'met' : '**not met**');
  const coldRatio = r.coldStart.pythonMs / r.coldStart.modelgateMs;
  const warmRatio = r.warm.python.p50_us / r.warm.modelgate.p50_us;
  const md = `# Serving benchmark

Generated by \`node bench/serving.mjs\`${r.quick ? ' --quick' : ''} on ${r.date.slice(0, 10)}; do not edit by hand.

- Machine: ${r.machine.cpu}, ${r.machine.cores} cores; Node.js ${r.machine.node}; Python ${r.machine.python.replace(' ', ', scikit-learn ')}.
- Model: the bundled iris model (\`examples/iris/model.onnx\`) for modelgate; for the Python reference, scikit-learn's
  Pipeline(SimpleImputer, GradientBoostingClassifier) trained on the same CSV and pickled, served by its app.py handler
  logic (\`bench/reference/app.py\`). Both answer the reference request with ${JSON.stringify(JSON.parse(r.answers.modelgate.body))} (modelgate)
  and ${JSON.stringify(JSON.parse(r.answers.python.body))} (Python).${r.httpPeer ? ` The ASGI peer over onnxruntime, on modelgate's own model file, answers ${r.httpPeer.answer}.` : ''}

| measure | modelgate | Python reference | ratio | goal | |
|---|---|---|---|---|---|
| cold start: fresh process to first answered prediction, bundled handler as deployed (median of ${r.coldStart.runs}) | ${f1(r.coldStart.modelgateMs)} ms | ${f1(r.coldStart.pythonMs)} ms | ${f1(coldRatio)}x faster | at most 150 ms, 10x faster | ${ok(r.coldStart.modelgateMs <= 150 && coldRatio >= 10)} |
| cold start, unbundled (dist/lambda-handler.js and its module graph) | ${f1(r.coldStart.modelgateUnbundledMs)} ms | | ${f1(r.coldStart.pythonMs / r.coldStart.modelgateUnbundledMs)}x faster | | |
| warm handler latency, one API Gateway event, p50 (median of ${r.warm.modelgate.runs?.length ?? 1} processes) | ${f1(r.warm.modelgate.p50_us)} µs | ${f1(r.warm.python.p50_us)} µs | ${f1(warmRatio)}x faster | under 30 µs, 50x faster | ${ok(r.warm.modelgate.p50_us < 30 && warmRatio >= 50)} |
| warm handler latency, p99 | ${f1(r.warm.modelgate.p99_us)} µs | ${f1(r.warm.python.p99_us)} µs | | | |
| HTTP, one \`modelgate serve\` process, 64 connections, single rows (${r.http.tool}; median of ${r.http.rounds ?? 1} runs) | ${Math.round(r.http.requestsPerSecond).toLocaleString('en')} requests/s, p50 ${r.http.latencyP50Ms} ms, p99 ${r.http.latencyP99Ms} ms, ${r.http.errors + r.http.non2xx} errors${r.http.cpuMicrosPerRequest ? `, ${f1(r.http.cpuMicrosPerRequest)} µs CPU/request` : ''} | | | 15,000 requests/s, p99 under 5 ms, no errors | ${ok(r.http.requestsPerSecond >= 15000 && r.http.latencyP99Ms < 5 && r.http.errors + r.http.non2xx === 0)} |
${r.httpPeer ? `| Python peer: a bare ASGI app over Python's onnxruntime (\`bench/reference/asgi_onnx.py\`; uvicorn, uvloop, httptools, orjson; one process), same model file, same load, same run | ${Math.round(r.httpPeer.requestsPerSecond).toLocaleString('en')} requests/s, p50 ${r.httpPeer.latencyP50Ms} ms, p99 ${r.httpPeer.latencyP99Ms} ms, ${f1(r.httpPeer.cpuMicrosPerRequest)} µs CPU/request | | ${f1(r.http.requestsPerSecond / r.httpPeer.requestsPerSecond)}x modelgate's requests/s | | |\n` : ''}${r.httpOne ? `| HTTP at 1 connection: modelgate serve against the Python peer (median of ${r.httpOne.modelgate.rounds}) | ${Math.round(r.httpOne.modelgate.requestsPerSecond).toLocaleString('en')} requests/s, ${f1(r.httpOne.modelgate.cpuMicrosPerRequest)} µs CPU/request | ${Math.round(r.httpOne.peer.requestsPerSecond).toLocaleString('en')} requests/s, ${f1(r.httpOne.peer.cpuMicrosPerRequest)} µs CPU/request | ${f1(r.httpOne.modelgate.requestsPerSecond / r.httpOne.peer.requestsPerSecond)}x | at least 1.3x | ${ok(r.httpOne.modelgate.requestsPerSecond >= 1.3 * r.httpOne.peer.requestsPerSecond)} |\n` : ''}${r.httpFloor ? `| floor: Node's HTTP server parsing the body and answering without a model (\`bench/http-floor.mjs\`), same load, same run | ${Math.round(r.httpFloor.requestsPerSecond).toLocaleString('en')} requests/s, p50 ${r.httpFloor.latencyP50Ms} ms, p99 ${r.httpFloor.latencyP99Ms} ms | | | | |\n` : ''}| peak memory serving iris through the Lambda handler (one process, after the latency run) | ${f1(r.memory.lambdaHandlerPeakMb)} MB | ${f1(r.memory.pythonHandlerPeakMb)} MB | | under 100 MB, so a 128 MB Lambda serves it | ${ok(r.memory.lambdaHandlerPeakMb < 100)} |
| peak memory of \`modelgate serve\` under the 64-connection HTTP run | ${f1(r.memory.servePeakMb)} MB | | | under 100 MB | ${ok(r.memory.servePeakMb < 100)} |

Cold start is timed from spawning the process (with PATH and the model's location as its only environment) to
the first output it writes, the answer; each run alternates the two. The load generator (wrk with one thread when it is installed,
\`apt-get install wrk\`; else autocannon) runs on the same 2-core machine as the server. With 64 connections kept busy,
the mean latency is 64 / throughput, and a server that answers the requests of one event-loop turn together has a p99
near twice its p50; the floor row shows what Node's HTTP stack alone reaches on the same machine in the same run${r.http.runs ? ` (every run: modelgate ${r.http.runs.map((x) => `${Math.round(x.requestsPerSecond / 100) / 10}k/s p99 ${x.latencyP99Ms} ms`).join(', ')}; floor ${r.httpFloor.runs.map((x) => `${Math.round(x.requestsPerSecond / 100) / 10}k/s p99 ${x.latencyP99Ms} ms`).join(', ')})` : ''}.
Raw figures: [benchmarks-serving.json](benchmarks-serving.json).
`;
  writeFileSync(join(root, 'docs/benchmarks-serving.md'), md);
  log('wrote docs/benchmarks-serving.md');
  process.stdout.write(md);
}

const results = args.render ? JSON.parse(readFileSync(args.render, 'utf8')) : await measure();
if (!args.render) {
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${RESULTS}`);
}
render(results);
