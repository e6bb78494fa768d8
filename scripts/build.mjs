#!/usr/bin/env node
// `npm run build`: tsc compiles src/ into dist/, then scripts/bundle.mjs bundles the Lambda handler and
// the command line. With --if-stale (npm ci's prepare, npm test) it does nothing when dist/ was built
// from the same inputs: after `npm ci` has built, `npm test` and the first `npx modelgate` (which runs
// prepare again) need not spend tsc's 12-17 s again. The inputs are hashed, not compared by date, so
// a checkout or a copy that keeps dates cannot pass for current. --check says which, building nothing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const STAMP = join(root, 'dist/.inputs-sha256');
/** Everything the build reads: sources, compiler settings, the build scripts, the dependency versions. */
const INPUTS = [
  'src',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.mjs',
  'scripts/bundle.mjs',
];

function files(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

function inputsDigest() {
  const hash = createHash('sha256').update(`node ${process.version}\n`);
  for (const file of INPUTS.flatMap((p) => files(join(root, p)))) {
    hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex');
}

const digest = inputsDigest();
const current = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest;
// --check: only say whether dist/ is current (exit 0) or stale (exit 1), building nothing.
if (process.argv.includes('--check')) {
  console.log(current ? 'dist/ is current' : 'dist/ is stale');
  process.exit(current ? 0 : 1);
}
if (process.argv.includes('--if-stale') && current) process.exit(0);
rmSync(STAMP, { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
} catch (err) {
  // tsc and esbuild have printed what failed.
  process.exit(typeof err.status === 'number' && err.status > 0 ? err.status : 1);
}
writeFileSync(STAMP, digest);
