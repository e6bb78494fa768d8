#!/usr/bin/env node
// Writes docs/cost.html: the cost page (src/cost/page.ts, built into dist/ by `npm run build`) with the
// model figures the benchmark wrote to docs/benchmarks.json (its top-level `costFigures`), when that
// file exists. `npm run cost:page` builds first.
//   node scripts/cost-page.mjs [--benchmarks docs/benchmarks.json] [--out docs/cost.html]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { costFiguresOf } from '../dist/cost/figures.js';
import { costPage } from '../dist/cost/page.js';

const docs = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;

function fail(message) {
  process.stderr.write(`cost-page: ${message}\n`);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      benchmarks: { type: 'string', default: docs('benchmarks.json') },
      out: { type: 'string', default: docs('cost.html') },
    },
  }));
} catch (err) {
  fail(err.message);
}

let models = [];
if (existsSync(values.benchmarks)) {
  let document;
  try {
    document = JSON.parse(readFileSync(values.benchmarks, 'utf8'));
  } catch (err) {
    fail(`${values.benchmarks} is not readable JSON: ${err.message}`);
  }
  try {
    models = costFiguresOf(document);
  } catch (err) {
    fail(`${values.benchmarks}: ${err.message}`);
  }
}

const origin =
  models.length > 0
    ? 'Measured by the benchmark (npm run bench) and read from docs/benchmarks.json: the median warm single-row prediction through the Lambda handler, and the peak resident memory of a process serving the model.'
    : 'run `npm run bench` and then `npm run cost:page` to put the benchmark models here, or open /cost on `modelgate serve <model>` for a model of your own.';
const { html } = costPage({ models, origin });
writeFileSync(values.out, html);
process.stdout.write(
  `wrote ${values.out} (${html.length} bytes; ${models.length} model${models.length === 1 ? '' : 's'}${models.length > 0 ? ` from ${values.benchmarks}` : ''})\n`,
);
