#!/usr/bin/env node
// `modelgate serve --workers N` against one process: requests per second at 64 connections (single
// rows, the iris model), the server's CPU time per request (primary and workers), and the load
// generator's own CPU, which on a 2-core machine competes with the server for the same cores. Rounds
// alternate the worker counts; figures are medians. Prints JSON.
//
//   npm run build && node bench/workers.mjs                 1 and 2 workers, 3 rounds of 10 s
//   node bench/workers.mjs --workers 1,2,4 --rounds 5 --seconds 15 --connections 64
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cpuMicros,
  exitedChildrenCpuMicros,
  freePort,
  hasWrk,
  httpLoad,
  median,
  root,
  startServer,
} from './lib.mjs';
import { ROW } from './reference/event.mjs';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
  },
});
const counts = args.workers.split(',').map(Number);
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const body = JSON.stringify(ROW);
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
if (!hasWrk()) log('wrk is not installed (apt-get install wrk): autocannon runs in this process instead');

async function once(workers) {
  const port = freePort();
  const argv = [join(root, 'bin/modelgate.js'), 'serve', join(root, 'examples/iris/model.onnx')];
  argv.push('--workers', String(workers), '--port', String(port));
  const server = await startServer(process.execPath, argv, { port });
  try {
    // Every worker warmed: a few seconds of load reach each one (round-robin).
    await httpLoad(`${server.url}/predict`, { connections, seconds: 3, body, warmup: 0 });
    const serverBefore = cpuMicros(server.pid);
    const loadBefore = exitedChildrenCpuMicros();
    const r = await httpLoad(`${server.url}/predict`, { connections, seconds, body, warmup: 0 });
    return {
      workers,
      requestsPerSecond: r.requestsPerSecond,
      latencyP50Ms: r.latencyP50Ms,
      latencyP99Ms: r.latencyP99Ms,
      errors: r.errors + r.non2xx,
      serverCpuMicrosPerRequest: (cpuMicros(server.pid) - serverBefore) / r.total,
      loadGeneratorCpuMicrosPerRequest: (exitedChildrenCpuMicros() - loadBefore) / r.total,
      peakMb: server.peakMb(),
    };
  } finally {
    await server.stop();
  }
}

const runs = Object.fromEntries(counts.map((n) => [n, []]));
for (let i = 0; i < rounds; i++) {
  for (const n of counts) {
    log(`round ${i + 1}/${rounds}, ${n} worker(s)`);
    runs[n].push(await once(n));
  }
}
const summary = Object.fromEntries(
  counts.map((n) => {
    const rs = runs[n];
    const m = (k) => median(rs.map((r) => r[k]));
    return [
      n,
      {
        requestsPerSecond: m('requestsPerSecond'),
        latencyP99Ms: m('latencyP99Ms'),
        serverCpuMicrosPerRequest: m('serverCpuMicrosPerRequest'),
        loadGeneratorCpuMicrosPerRequest: m('loadGeneratorCpuMicrosPerRequest'),
        peakMb: m('peakMb'),
        errors: rs.reduce((a, r) => a + r.errors, 0),
      },
    ];
  }),
);
const base = summary[counts[0]].requestsPerSecond;
const ratios = Object.fromEntries(counts.map((n) => [n, summary[n].requestsPerSecond / base]));
const host = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  node: process.version,
  loadGenerator: hasWrk() ? 'wrk, 1 thread' : 'autocannon',
  loadAverage: os.loadavg(),
};
process.stdout.write(
  `${JSON.stringify({ date: new Date().toISOString(), connections, seconds, rounds, machine: host, summary, ratios, runs }, null, 2)}\n`,
);
