#!/usr/bin/env node
// Bundles what `modelgate package` ships, each entry with the chunks it loads on demand:
//   dist/bundle/lambda/index.mjs   the Lambda handler (dist/lambda-handler.js), `index.handler` in a function
//   dist/bundle/cli/modelgate.mjs  the command line (dist/cli/main.js), `modelgate serve` in a container
// One file to load instead of a module graph is most of the handler's own share of a cold start.
// onnxruntime-node stays outside: a native addon, shipped beside the bundle or in a layer.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const out = (path) => new URL(`../dist/bundle/${path}`, import.meta.url).pathname;

const common = {
  // The S3 client (AWS SDK, ~1.4 MB) is a chunk of its own, read only for an s3:// URI: a local
  // model's cold start does not parse it.
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
};

rmSync(out(''), { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { index: new URL('../dist/lambda-handler.js', import.meta.url).pathname },
    outdir: out('lambda'),
  }),
  build({
    ...common,
    // The command line, started as a program: `node modelgate.mjs serve ...`.
    stdin: {
      contents: "import { main } from './main.js'; process.exitCode = await main(process.argv.slice(2));",
      resolveDir: new URL('../dist/cli', import.meta.url).pathname,
      sourcefile: 'modelgate.js',
    },
    entryNames: 'modelgate',
    outdir: out('cli'),
  }),
]);
