// The Predictor on the compiled evaluator (runtime: 'compiled'): a graph that compiles is answered by
// it, as onnxruntime answers it; one that does not compile runs on onnxruntime and says why.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IRIS = readFileSync(`${ROOT}examples/iris/model.onnx`);

describe('Predictor with runtime: compiled', () => {
  it('answers the iris model on the compiled evaluator, as onnxruntime does', async () => {
    const compiled = await Predictor.load(IRIS, { runtime: 'compiled' });
    const reference = await Predictor.load(IRIS);
    expect(compiled.runtime).toEqual({ runtime: 'compiled' });
    expect(reference.runtime).toEqual({ runtime: 'onnxruntime' });
    const rows = Array.from({ length: 200 }, (_, i) => [
      4 + (i % 37) / 9,
      2 + (i % 13) / 7,
      1 + (i % 61) / 10,
      i % 11 === 0 ? null : (i % 26) / 10,
    ]);
    const [a, b] = [await compiled.predict(rows), await reference.predict(rows)];
    if (a.kind !== 'probabilities' || b.kind !== 'probabilities')
      throw new Error('a classifier answers probabilities');
    expect(a.labels).toEqual(b.labels);
    for (let i = 0; i < b.probabilities.length; i++)
      expect(Math.abs((a.probabilities[i] as number) - (b.probabilities[i] as number))).toBeLessThanOrEqual(
        1e-6,
      );
    // One row alone and a batch of rows through the batcher take the same path.
    const one = await compiled.predict([[5.1, 3.5, 1.4, 0.2]]);
    expect(one.kind === 'probabilities' && one.labels).toEqual(['setosa']);
    await compiled.release();
    await reference.release();
  });

  it('runs a graph that does not compile on onnxruntime, and says why', async () => {
    const file = `${ROOT}test/fixtures/differential/adaboost-regressor-square.pkl`;
    const { model } = sklearnToOnnx(await loadModelFile(readFileSync(file)), { name: 'a', source: file });
    const p = await Predictor.load(encodeModel(model), { runtime: 'compiled' });
    expect(p.runtime.runtime).toBe('onnxruntime');
    expect(p.runtime.runtime === 'onnxruntime' && p.runtime.notCompiled).toMatch(/TopK .*is not implemented/);
    const out = await p.predict([[0, 0, 0, 0, 0]]);
    expect(out.kind).toBe('values');
    await p.release();
  });
});
