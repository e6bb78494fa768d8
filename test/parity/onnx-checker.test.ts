// The exported models are valid ONNX by onnx's own checker (Python onnx from the reference venv).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { trainFromCsv } from '../../src/train/train.js';
import { PYTHON_MISSING, referencePython } from '../helpers/python.js';
import { syntheticCsv } from '../helpers/synthetic.js';

const CHECK = [
  'import onnx, sys',
  'm = onnx.load(sys.argv[1])',
  'onnx.checker.check_model(m, full_check=True)',
  'print("valid", m.ir_version, [(o.domain, o.version) for o in m.opset_import])',
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'modelgate-check-'));

describe("onnx's checker accepts modelgate's models", () => {
  it.for([
    ['binary classifier', 2],
    ['multiclass classifier', 3],
    ['regressor', 0],
  ] as const)('%s', async ([, k], { skip }) => {
    const python = await referencePython();
    if (!python) return skip(PYTHON_MISSING);
    const res = trainFromCsv(new TextEncoder().encode(syntheticCsv(150, 4, k, 3, 0.1)), {
      target: 'y',
      source: 's.csv',
      nEstimators: 20,
    });
    const path = join(dir, `m${k}.onnx`);
    writeFileSync(path, res.bytes);
    const { stdout } = await promisify(execFile)(python, ['-c', CHECK, path]);
    expect(stdout).toMatch(/^valid 8/);
  });
});
