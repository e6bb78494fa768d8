#!/usr/bin/env node
// Bundles the Lambda entry (dist/lambda.js) into dist/bundle/lambda.mjs (plus chunks loaded on demand),
// as a Lambda deployment runs it: one file to load instead of a module graph, which is most of the
// handler's own share of a cold start. onnxruntime-node stays external (a native addon).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync(new URL('../dist/bundle', import.meta.url).pathname, { recursive: true, force: true });
await build({
  entryPoints: { lambda: new URL('../dist/lambda.js', import.meta.url).pathname },
  outdir: new URL('../dist/bundle', import.meta.url).pathname,
  // The S3 client (AWS SDK, ~1.4 MB) is a chunk of its own, read only when MODEL_URI is s3://: a
  // local model's cold start does not parse it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // The SDK's CommonJS code requires Node's built-in modules; an ES module has no `require` of its own.
  banner: {
    js: "import { createRequire as __modelgateRequire } from 'node:module'; const require = __modelgateRequire(import.meta.url);",
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node'],
  logLevel: 'warning',
});
