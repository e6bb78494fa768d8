// CategoricalNB takes its categories as the integers sent: the card lists them, and a number scikit-learn
// would not answer (an unseen category fails there with an IndexError, so the differential cases cannot
// hold one) or would truncate is refused as an invalid row. The answers themselves are the differential
// harness's (nb-* cases).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/differential/${name}.pkl`, import.meta.url));

async function imported(name: string) {
  const value = await loadModelFile(readFileSync(fixture(name)));
  return sklearnToOnnx(value, { name, source: `${name}.pkl` });
}

describe('CategoricalNB categories', () => {
  it('lists 0 to n_categories_ - 1 for every feature (min_categories counts)', async () => {
    const { card } = await imported('nb-categorical-min-categories');
    expect(card.features.map((f) => f.values)).toEqual(card.features.map(() => [0, 1, 2, 3, 4, 5]));
  });

  it('answers the categories, and refuses an unseen one, a negative one and a fraction', async () => {
    const { model } = await imported('nb-categorical-min-categories');
    const predictor = await Predictor.load(encodeModel(model));
    try {
      const answered = await predictor.predict([[0, 5, 1, 2, 3]]);
      expect(answered.labels).toHaveLength(1);
      for (const row of [
        [6, 0, 0, 0, 0],
        [0, -1, 0, 0, 0],
        [0, 0, 2.5, 0, 0],
      ])
        await expect(predictor.predict([row])).rejects.toBeInstanceOf(InvalidRowError);
    } finally {
      await predictor.release();
    }
  });
});
