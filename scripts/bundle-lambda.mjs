#!/usr/bin/env node
// Bundles the Lambda entry (dist/lambda.js) into one ES module, dist/bundle/lambda.mjs, as a Lambda
// deployment runs it: one file to load instead of a module graph, which is most of the handler's own
// share of a cold start. onnxruntime-node stays external (a native addon).
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/lambda.js', import.meta.url).pathname],
  outfile: new URL('../dist/bundle/lambda.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node'],
  logLevel: 'warning',
});
