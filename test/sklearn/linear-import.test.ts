// The linear and discriminant converters' settings the differential cases cannot show on their own: a
// LinearDiscriminantAnalysis step fitted with lsqr (scikit-learn's fit_transform refuses it, so no
// Pipeline of one can be fitted), and a generalized linear model read without the loss object older
// files lack (the link from its parameters, as scikit-learn chooses it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { UnsupportedModelError } from '../../src/sklearn/errors.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { PyObject, type PyTuple, type PyValue } from '../../src/sklearn/values.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/differential/${name}.pkl`, import.meta.url));

const expected = (name: string) =>
  JSON.parse(readFileSync(fixture(name).replace(/\.pkl$/, '.json'), 'utf8')) as {
    rows: number[][];
    predict: number[];
  };

/** The state of a Pipeline's step `index`. */
function step(pipeline: PyValue, index: number): Map<unknown, PyValue> {
  const steps = (pipeline as PyObject).dict?.get('steps') as PyTuple[];
  const est = steps[index]?.items[1];
  if (!(est instanceof PyObject) || !est.dict) throw new Error(`no step ${index}`);
  return est.dict.map;
}

const convert = (value: PyValue, name: string) => sklearnToOnnx(value, { name, source: `${name}.pkl` });

describe('linear models, what the files alone do not show', () => {
  it('refuses a LinearDiscriminantAnalysis step fitted with lsqr, naming the solver', async () => {
    const name = 'discriminant-lda-step-svd';
    const value = await loadModelFile(readFileSync(fixture(name)));
    step(value, 0).set('solver', 'lsqr');
    expect(() => convert(value, name)).toThrow(UnsupportedModelError);
    expect(() => convert(value, name)).toThrow(
      'a LinearDiscriminantAnalysis with solver="lsqr" as a step (scikit-learn\'s transform refuses it)',
    );
  });

  it.each(['glm-tweedie-compound-identity', 'glm-tweedie-normal', 'glm-tweedie-compound', 'glm-poisson'])(
    '%s without its loss object: the link from the parameters, the same answers',
    async (name) => {
      const value = await loadModelFile(readFileSync(fixture(name)));
      step(value, 1).delete('_base_loss');
      const { model } = convert(value, name);
      const predictor = await Predictor.load(encodeModel(model));
      try {
        const { rows, predict } = expected(name);
        const values = Array.from((await predictor.predict(rows)).values ?? []);
        expect(values).toHaveLength(predict.length);
        for (const [i, v] of values.entries()) expect(v).toBeCloseTo(predict[i] as number, 6);
      } finally {
        await predictor.release();
      }
    },
  );
});
