// Memory of `modelgate train`'s stages on one CSV: the process's RSS, V8 heap, ArrayBuffers (a
// resizable one, as the reader's number matrix, is not among them) after reading, building the
// dataset, each 25 stages of the fit, and the export. Run after `npm run build`:
//   node scripts/train-memory.mjs <csv> <target>
// The peak between two points (the binning, say) is /usr/bin/time -v's "Maximum resident set size".
import { closeSync, openSync, readSync } from 'node:fs';
import { DEFAULT_PARAMS, fitBoosting } from '../dist/train/boosting.js';
import { CsvReader } from '../dist/train/csv.js';
import { buildDataset } from '../dist/train/dataset.js';
import { fitInput } from '../dist/train/train.js';

const [file, target] = process.argv.slice(2);
if (!file || !target) {
  console.error('usage: node scripts/train-memory.mjs <csv> <target>');
  process.exit(2);
}
const started = performance.now();
const mib = (n) => (n / 2 ** 20).toFixed(0).padStart(5);
const show = (stage) => {
  const m = process.memoryUsage();
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(
    `${stage.padEnd(14)} rss ${mib(m.rss)}  heap ${mib(m.heapUsed)} of ${mib(m.heapTotal)}  arrayBuffers ${mib(m.arrayBuffers)} MiB  ${s} s`,
  );
};
show('start');
const reader = new CsvReader(file, {});
const fd = openSync(file, 'r');
const chunk = Buffer.alloc(1 << 20);
for (;;) {
  const n = readSync(fd, chunk, 0, chunk.length, null);
  if (n === 0) break;
  reader.push(chunk.subarray(0, n));
}
closeSync(fd);
let table = reader.end();
show('read');
const dataset = buildDataset(table, { target, source: file, inPlace: true });
table = undefined;
show('dataset');
// As trainFromReader: the imputed features written over the dataset's matrix.
fitBoosting(fitInput(dataset), DEFAULT_PARAMS, {
  onStage: (done) => (done === 1 || done % 25 === 0 ? show(`fit stage ${done}`) : undefined),
});
show('fitted');
