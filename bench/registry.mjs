// The cost of serving through a ModelSet (many models, hot reload) against the single-model registry:
// the core takes a lease on the predictor for each request (src/api/core.ts). In-process core.handle
// of the reference request, microseconds per request, three rounds each way.
// Run: node bench/registry.mjs (after node scripts/build.mjs).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelSet } from '../dist/adapters/models.js';
import { Core } from '../dist/api/core.js';
import { Predictor } from '../dist/runtime/predictor.js';

const MODEL = fileURLToPath(new URL('../examples/iris/model.onnx', import.meta.url));
const bytes = readFileSync(MODEL);
const p = await Predictor.load(bytes);
const single = new Core(() => ({ state: 'ready', predictor: p }));
const set = await ModelSet.open([{ uri: MODEL }], { loading: 'eager' });
await set.loadAll();
const many = new Core(set);
/** Microseconds per request over `n` requests, one after another. */
const req = {
  method: 'POST',
  path: '/predict',
  headers: {},
  body: '{"sepal_length":5.9,"sepal_width":3,"petal_length":5.1,"petal_width":1.8}',
};
async function run(core, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await core.handle(req);
  return ((performance.now() - t) * 1000) / n;
}
for (let round = 0; round < 3; round++) {
  await run(single, 5000);
  await run(many, 5000);
  console.log(
    'single model, us/request',
    (await run(single, 50000)).toFixed(2),
    '| ModelSet with leases, us/request',
    (await run(many, 50000)).toFixed(2),
  );
}
