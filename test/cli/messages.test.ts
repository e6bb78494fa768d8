// What the command line says when a command fails: a wrong option is a usage error (exit 2) naming
// the option, a fault inside modelgate (a RangeError from the engine) is not; every command that loads a model says what to do
// with a file that is not one (a pickle: import it; a CSV: train on it; an empty file: it is empty).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { failureOutput } from '../../src/cli/main.js';
import { StoreError } from '../../src/store/errors.js';
import { runCli } from '../helpers/cli.js';
import { IRIS_CSV } from '../helpers/models.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PICKLE = join(dir, 'ridge.pkl');
copyFileSync(fileURLToPath(new URL('../fixtures/sklearn/ridge.pkl', import.meta.url)), PICKLE);
const EMPTY = join(dir, 'empty.onnx');
writeFileSync(EMPTY, '');

describe('failureOutput', () => {
  it('an internal RangeError is an internal error, not a wrong option', () => {
    let overflow: unknown;
    const deep = (n: number): number => (n === 0 ? 0 : 1 + deep(n - 1));
    try {
      deep(1e7);
    } catch (err) {
      overflow = err;
    }
    expect(overflow).toBeInstanceOf(RangeError);
    const out = failureOutput(overflow, false);
    expect(out.code).toBe(1);
    expect(out.text).toBe(
      'modelgate: internal error: RangeError: Maximum call stack size exceeded (a fault in modelgate, please report it; MODELGATE_DEBUG=1 prints where)\n',
    );
  });

  it.each([
    [new RangeError('Invalid array length'), 'RangeError: Invalid array length'],
    [
      Object.assign(new RangeError('The value of "offset" is out of range.'), { code: 'ERR_OUT_OF_RANGE' }),
      'RangeError: The value',
    ],
    [new TypeError("Cannot read properties of undefined (reading 'length')"), 'TypeError: Cannot read'],
  ])('%s is an internal error', (err, text) => {
    const out = failureOutput(err, false);
    expect(out.text).toMatch(/^modelgate: internal error: /);
    expect(out.text).toContain(text);
  });

  it('a wrong option is a usage error; usage and store errors print their message', () => {
    expect(failureOutput(new UsageError('--learning-rate must be a positive number, got 0'), false)).toEqual({
      code: 2,
      text: 'modelgate: --learning-rate must be a positive number, got 0\n',
    });
    expect(failureOutput(new UsageError('--port must be from 0 to 65535, got 70000'), false)).toEqual({
      code: 2,
      text: 'modelgate: --port must be from 0 to 65535, got 70000\n',
    });
    expect(failureOutput(new StoreError('/x.csv', 'cannot read: no such file'), false)).toEqual({
      code: 1,
      text: 'modelgate: /x.csv: cannot read: no such file\n',
    });
  });

  it('MODELGATE_DEBUG adds the stack', () => {
    const out = failureOutput(new RangeError('Invalid array length'), true);
    expect(out.text).toMatch(
      /^modelgate: internal error: RangeError: Invalid array length \(a fault in modelgate, please report it\)\nRangeError: Invalid array length\n\s+at /,
    );
  });
});

describe('the built command line', () => {
  it.each([
    [['--learning-rate', '0'], '--learning-rate must be a positive number, got 0'],
    [['--max-depth', '31'], '--max-depth must be an integer from 1 to 30, got 31'],
    [['--threads', '65'], '--threads must be an integer from 0 to 64, got 65'],
  ])('train %s: a usage error, before the CSV is read', async (flags, message) => {
    const out = await runCli(['train', join(dir, 'no-such.csv'), '--target', 'y', ...flags]);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`modelgate: ${message}\n`);
  });

  const importFirst = `it is a Python pickle (a scikit-learn model saved with pickle or joblib?), not an ONNX model; convert it to ONNX first: modelgate import ${PICKLE} --out model.onnx, then use model.onnx`;
  it.each([
    ['serve', ['serve', PICKLE, '--port', '0']],
    ['predict', ['predict', PICKLE, '{}']],
    ['push', ['push', PICKLE, 's3://models/prod/']],
    ['package', ['package', '--model', PICKLE, '--out', join(dir, 'pkg')]],
    ['cost', ['cost', '--model', PICKLE]],
  ])('%s on a pickle says to run modelgate import first', async (_, args) => {
    const out = await runCli(args);
    expect(out.code).toBe(1);
    // serve says it in its JSON log on standard output; the other commands on standard error.
    expect(out.stdout + out.stderr).toContain(`cannot load the model from ${PICKLE}: ${importFirst}`);
  });

  it('serve on a CSV says to train on it, and on an empty file that it is empty', async () => {
    const csv = await runCli(['serve', IRIS_CSV, '--port', '0']);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toContain(
      `cannot load the model from ${IRIS_CSV}: it looks like CSV data, not an ONNX model; train a model on it first: modelgate train ${IRIS_CSV} --target <column>`,
    );
    const empty = await runCli(['serve', EMPTY, '--port', '0']);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain(`cannot load the model from ${EMPTY}: the file is empty (0 bytes)`);
  });
});
