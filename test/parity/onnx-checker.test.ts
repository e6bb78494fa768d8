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
    ['binary classifier', 2, false],
    ['multiclass classifier', 3, false],
    ['regressor', 0, false],
    ['binary classifier with a categorical feature (ai.onnx.ml 5 TreeEnsemble)', 2, true],
    ['multiclass classifier with a categorical feature', 3, true],
    ['regressor with a categorical feature', 0, true],
  ] as const)('%s', async ([, k, categorical], { skip }) => {
    const python = await referencePython();
    if (!python) return skip(PYTHON_MISSING);
    let csv = syntheticCsv(150, 4, k, 3, 0.1);
    // A text column beside the numbers, with gaps, related to x0.
    if (categorical)
      csv = csv
        .trim()
        .split('\n')
        .map((line, i) =>
          i === 0
            ? `${line},c`
            : `${line},${['lo', 'mid', 'hi', ''][Math.min(3, Math.floor((Number(line.split(',')[0]) + 5) / 3))]}`,
        )
        .join('\n');
    const res = trainFromCsv(new TextEncoder().encode(csv), {
      target: 'y',
      source: 's.csv',
      nEstimators: 20,
      ...(categorical ? { categorical: ['c'] } : {}),
    });
    if (categorical) expect(res.card.features.at(-1)?.type).toBe('category');
    const path = join(dir, `m${k}${categorical ? 'c' : ''}.onnx`);
    writeFileSync(path, res.bytes);
    const { stdout } = await promisify(execFile)(python, ['-c', CHECK, path]);
    expect(stdout).toMatch(/^valid 8/);
  });
});
