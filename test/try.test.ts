import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { encodeModel } from '../src/onnx/proto.js';
import { Predictor } from '../src/runtime/predictor.js';
import { sklearnToOnnx } from '../src/sklearn/convert.js';
import { readModelFile } from '../src/sklearn/joblib.js';

it('x', async () => {
  for (const f of ['svm.joblib', 'mlp.joblib', 'mlp.pickle']) {
    const v = readModelFile(readFileSync(`../shared/fixtures/scikit-learn-lambda/${f}`));
    const { model } = sklearnToOnnx(v, { name: f, source: f });
    const p = await Predictor.load(encodeModel(model));
    const out = await p.predict([{ x0: 0, x1: 0, x2: 0, x3: 0 }]);
    console.log(f, out.labels, Array.from(out.probabilities ?? []));
  }
});
