// modelgate's batch throughput in process: the Predictor (the core's model runner, as serve and the Lambda
// handler use it) given rows as arrays, at each batch size, repeated for at least SECONDS.
//   node bench/batch.mjs MODEL.onnx ROWS_JSON SIZES SECONDS MIN_CALLS    prints {size: {rowsPerSecond, calls}}
import { readFileSync } from 'node:fs';
import { Predictor } from '../dist/runtime/predictor.js';

const [file, rowsJson, sizesArg, secondsArg, minCalls = '3'] = process.argv.slice(2);
const rows = JSON.parse(rowsJson);
const seconds = Number(secondsArg);
const predictor = await Predictor.load(readFileSync(file));
const result = {};
for (const size of sizesArg.split(',').map(Number)) {
  const batch = Array.from({ length: size }, (_, i) => rows[i % rows.length]);
  await predictor.predict(batch);
  let calls = 0;
  const start = performance.now();
  let elapsed;
  do {
    await predictor.predict(batch);
    calls++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds || calls < Number(minCalls));
  result[size] = { rowsPerSecond: (size * calls) / elapsed, calls };
}
await predictor.release();
process.stdout.write(`${JSON.stringify(result)}\n`);
