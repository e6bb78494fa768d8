// `--version` everywhere: the version and a newline on standard output, nothing on standard error,
// exit 0; and answered before anything heavy (onnxruntime, the AWS SDK) is loaded.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { runCli, runInProcess } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMANDS = ['train', 'import', 'pack', 'predict', 'push', 'package', 'cost', 'serve'];

describe('--version', () => {
  it.each([['--version'], ['-V']])('node bin/modelgate.js %s prints the version only', async (flag) => {
    const r = await runCli([flag]);
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('npx modelgate --version prints the version only, with an empty stderr', async () => {
    const { stdout, stderr } = await promisify(execFile)('npx', ['modelgate', '--version'], {
      cwd: ROOT,
      timeout: 30_000,
      // As from a person's shell: not the npm_* variables of the npm that runs the tests.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    });
    expect(stdout).toBe(`${VERSION}\n`);
    expect(stderr).toBe('');
  });

  it.each(COMMANDS)('modelgate %s --version prints the version only', async (command) => {
    expect(await runInProcess([command, '--version'])).toEqual({
      code: 0,
      stdout: `${VERSION}\n`,
      stderr: '',
    });
  });

  it('is answered wherever it stands, before required options and arguments are checked', async () => {
    for (const args of [
      ['train', '-t', 'species', '--version'],
      ['package', '--arch', 'arm64', '-V'],
      ['serve', 'model.onnx', '--port', '8081', '--version'],
    ]) {
      expect(await runInProcess(args), args.join(' ')).toEqual({
        code: 0,
        stdout: `${VERSION}\n`,
        stderr: '',
      });
    }
  });

  it('loads nothing heavy: the modules the command line imports before a command runs', () => {
    // What bin/modelgate.js loads before it parses the command line: the static imports from
    // dist/cli/main.js down. Commands import their modules when they run.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/^(?:import|export)\s(?:[^;]*?\sfrom\s+)?'([^']+)'/gms)) {
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
        else packages.add(specifier.replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1'));
      }
    };
    visit(join(ROOT, 'bin/modelgate.js'));
    expect(seen).toContain(join(ROOT, 'dist/cli/main.js'));
    expect([...packages].filter((p) => !p.startsWith('node:')).sort()).toEqual(['commander']);
  });
});
