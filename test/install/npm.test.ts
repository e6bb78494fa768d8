// What a new user's `npm ci` and `npm` commands print: nothing they did not cause. No warning about the
// project's npm configuration, no engine warning on the Node.js the README names, every install script
// in the tree approved or denied by package.json's allowScripts, and onnxruntime-node's postinstall
// (which would download CUDA libraries from NuGet) denied, so nothing is fetched beyond the registry.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** npm as a user's shell starts it: none of the npm_* variables `npm test` hands its children. */
function npm(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return run('npm', args, { cwd, env, timeout: 60_000 });
}

const scratch = mkdtempSync(join(tmpdir(), 'modelgate-npm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm ci on a fresh clone', () => {
  it('resolves the lockfile on this Node.js without a config or engine warning', async () => {
    // The dependency tree `npm ci` installs, resolved again without installing: npm checks every
    // package's engines and reads the project's .npmrc (if there is one) on the way.
    for (const file of ['package.json', 'package-lock.json', '.npmrc'])
      if (existsSync(join(ROOT, file))) copyFileSync(join(ROOT, file), join(scratch, file));
    const r = await npm(
      ['install', '--package-lock-only', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'],
      scratch,
    );
    expect(r.stderr).toBe('');
  });

  it('has every install script in the tree approved or denied by allowScripts', async () => {
    const r = await npm(['install-scripts', 'ls'], ROOT);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/not yet covered/);
  });

  it('installs no test-only native build: the Lambda runtime client has its own harness folder', () => {
    const all = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(Object.keys(all)).not.toContain('aws-lambda-ric');
    const harness = JSON.parse(readFileSync(join(ROOT, 'test/harness/lambda-ric/package.json'), 'utf8'));
    expect(Object.keys(harness.dependencies)).toEqual(['aws-lambda-ric']);
  });

  it("denies onnxruntime-node's postinstall, so its CUDA download does not run", () => {
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    // The script would fetch these on linux/x64 (its own metadata says so); the package ships without them.
    const require = createRequire(join(ROOT, 'package.json'));
    const metadata = require('onnxruntime-node/script/install-metadata.js');
    expect(metadata.requirements['linux/x64']).toContain('cuda12');
    const bin = join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch);
    expect(existsSync(bin)).toBe(true);
    for (const file of Object.keys(metadata.manifests['linux/x64:cuda12']))
      expect(existsSync(join(bin, file)), file).toBe(false);
  });
});
