#!/usr/bin/env node
// Rewrites the coverage table in docs/importing.md (between the differential-table markers) from the
// outcomes of the committed differential cases: it runs test/sklearn/differential.test.ts's table test,
// which renders the table and, with MODELGATE_WRITE_TABLE=1, writes it before comparing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const run = spawnSync(
  process.execPath,
  [vitest, 'run', 'test/sklearn/differential.test.ts', '-t', 'the coverage table'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, MODELGATE_WRITE_TABLE: '1' } },
);
process.exit(run.status ?? 1);
