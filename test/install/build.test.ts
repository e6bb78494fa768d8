// scripts/build.mjs --if-stale: npm ci's prepare, npm test and the first npx modelgate in a clone skip
// tsc when dist/ was built from the same inputs, and build when any input changed.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const copy = mkdtempSync(join(tmpdir(), 'modelgate-build-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** The build's verdict on the folder: exit 0 current, 1 stale. */
async function check(cwd: string) {
  try {
    await run(process.execPath, [join(cwd, 'scripts/build.mjs'), '--check'], { cwd });
    return 'current';
  } catch (err) {
    if ((err as { code?: number }).code === 1) return 'stale';
    throw err;
  }
}

describe('the build skips only what is current', () => {
  it('finds dist/ current after npm test built it', async () => {
    expect(await check(ROOT), 'dist/ was built from other sources: npm run build').toBe('current');
  });

  it('finds it stale when a source, a compiler setting or the lockfile changes', async () => {
    for (const p of [
      'src',
      'scripts',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      cpSync(join(ROOT, p), join(copy, p), { recursive: true });
    mkdirSync(join(copy, 'dist'));
    cpSync(join(ROOT, 'dist/.inputs-sha256'), join(copy, 'dist/.inputs-sha256'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    expect(await check(copy)).toBe('current');
    for (const file of ['src/version.ts', 'tsconfig.build.json', 'package-lock.json']) {
      const stamp = join(copy, 'dist/.inputs-sha256');
      cpSync(join(ROOT, 'dist/.inputs-sha256'), stamp);
      cpSync(join(ROOT, file), join(copy, file));
      appendFileSync(join(copy, file), '\n');
      expect(await check(copy), file).toBe('stale');
      cpSync(join(ROOT, file), join(copy, file));
      expect(await check(copy), file).toBe('current');
    }
  });
});
