// `modelgate pack` through the built CLI over ONNX models shaped as other tools write them
// (test/fixtures/onnx, from scripts/reference/make_onnx_fixtures.py): the packed model must serve what
// Python's onnxruntime answers for the original graph (ZipMap outputs read back as the tensor behind
// them). Float tolerance 1e-6 (the same runtime, float32 graphs).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { runCli } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../fixtures/onnx', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'modelgate-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Expected {
  features: string[];
  pack: { features: boolean; classes?: string[]; softmax?: boolean };
  rows: number[][];
  label?: (string | number)[];
  classes?: (string | number)[];
  proba?: number[][];
  value?: number[];
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe.each(cases)('modelgate pack %s', (name) => {
  const expected = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Expected;

  it('serves what onnxruntime answers for the original graph', async () => {
    const target = join(out, `${name}.onnx`);
    const args = ['pack', join(DIR, `${name}.onnx`), '--out', target];
    if (expected.pack.features) args.push('--features', expected.features.join(','));
    if (expected.pack.classes) args.push('--classes', expected.pack.classes.join(','));
    if (expected.pack.softmax) args.push('--softmax');
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    if (name.startsWith('zipmap')) expect(r.stdout).toMatch(/note: the ZipMap .* is replaced by the tensor/);
    const predictor = await Predictor.load(readFileSync(target));
    const names = predictor.card.features.map((f) => f.name);
    expect(names).toEqual(
      expected.pack.features ? expected.features : expected.features.map((_, i) => `x${i}`),
    );
    const rows = expected.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] as number])));
    const got = await predictor.predict(rows);
    if (expected.value) {
      expected.value.forEach((v, i) => {
        expect(Math.abs((got.values?.[i] as number) - v)).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(v)),
        );
      });
    } else {
      expect(predictor.card.classes).toEqual(expected.classes);
      const k = expected.classes?.length ?? 0;
      expected.proba?.forEach((p, r) => {
        p.forEach((v, c) => {
          expect(Math.abs((got.probabilities?.[r * k + c] as number) - v)).toBeLessThanOrEqual(1e-6);
        });
      });
      expect(got.labels).toEqual(expected.label);
    }
    await predictor.release();
  });
});

describe('modelgate pack refuses', () => {
  it.each<[string, string[], number, RegExp]>([
    [
      'a file that is not ONNX',
      [fileURLToPath(new URL('../../examples/iris/iris.csv', import.meta.url))],
      1,
      /is not an ONNX model/,
    ],
    [
      'logits without classes',
      [join(DIR, 'logits.onnx')],
      1,
      /cannot pack .*logits\.onnx: the model does not name its classes: give --classes/,
    ],
    [
      'too few --features',
      [join(DIR, 'regressor.onnx'), '--features', 'a,b'],
      1,
      /--features names 2 features; the input x takes 10/,
    ],
    [
      'an unknown --task',
      [join(DIR, 'regressor.onnx'), '--task', 'ranking'],
      2,
      /--task must be "classification" or "regression"/,
    ],
    ['a missing file', [join(out, 'nope.onnx')], 1, /no such file/],
  ])('%s', async (_, args, code, message) => {
    const r = await runCli(['pack', ...args, '--out', join(out, 'refused.onnx')]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(out)).not.toContain('refused.onnx');
  });
});
