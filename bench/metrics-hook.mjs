// What the metrics cost a request: the core answering the iris model's one-row prediction with and
// without the Prometheus hook (src/adapters/metrics.ts) and the EMF hook (src/adapters/emf.ts, its line
// written to a sink), in the same process, alternating rounds so drift on a shared machine falls on all
// alike; and the hooks alone (before + after over one exchange). Reports medians of the rounds, in ns.
//   node bench/metrics-hook.mjs [requests per round] [rounds]
import { readFileSync } from 'node:fs';
import { median, root } from './lib.mjs';

const perRound = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 15);
const { Core } = await import(`${root}/dist/api/core.js`);
const { ServerMetrics } = await import(`${root}/dist/adapters/metrics.js`);
const { EmfMetrics } = await import(`${root}/dist/adapters/emf.js`);
const { Predictor } = await import(`${root}/dist/runtime/predictor.js`);

const predictor = await Predictor.load(readFileSync(`${root}/examples/iris/model.onnx`));
const status = () => ({ state: 'ready', predictor });
let sunk = 0;
const emf = new EmfMetrics({ namespace: 'bench', write: (line) => (sunk += line.length) });
const cores = {
  none: new Core(status),
  prometheus: new Core(status, { hooks: [new ServerMetrics({ processMetrics: false })] }),
  emf: new Core(status, { hooks: [emf] }),
};
const request = {
  method: 'POST',
  path: '/predict',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sepal_length: 5.9, sepal_width: 3, petal_length: 5.1, petal_width: 1.8 }),
};

async function round(core) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) await core.handle(request);
  return Number(process.hrtime.bigint() - t) / perRound;
}

function hooksAlone(hook) {
  const response = { status: 200, headers: {}, body: '' };
  const t = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) {
    const exchange = { request, method: 'POST', path: '/predict', started: performance.now() };
    hook.before?.(exchange);
    exchange.protocol = 'modelgate';
    exchange.route = 'predict';
    exchange.model = 'iris';
    exchange.version = '1';
    exchange.rows = 1;
    hook.after(exchange, response);
  }
  return Number(process.hrtime.bigint() - t) / perRound;
}

for (const core of Object.values(cores)) await round(core); // warm up
const times = { none: [], prometheus: [], emf: [] };
const alone = { prometheus: [], emf: [] };
const promHook = new ServerMetrics({ processMetrics: false });
for (let r = 0; r < rounds; r++) {
  for (const [name, core] of Object.entries(cores)) times[name].push(await round(core));
  alone.prometheus.push(hooksAlone(promHook));
  alone.emf.push(hooksAlone(emf));
}
const base = median(times.none);
const out = {
  requestsPerRound: perRound,
  rounds,
  ns_per_request: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v))])),
  ns_added: {
    prometheus: Math.round(median(times.prometheus) - base),
    emf: Math.round(median(times.emf) - base),
  },
  ns_hook_alone: Object.fromEntries(Object.entries(alone).map(([k, v]) => [k, Math.round(median(v))])),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
await predictor.release();
if (sunk < 0) console.log(sunk);
