// A feature's `min`: the smallest number a step of the model takes (scikit-learn raises below it, where
// the graph would compute NaN that a later step could answer as missing). A request below it is a 400
// naming the feature, the bound and the step; the card checks the field; /metadata's schema shows it.
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { inputSchema } from '../../src/api/schema.js';
import type { ModelCard } from '../../src/onnx/card.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel } from '../helpers/graphs.js';

const BECAUSE = "a PowerTransformer(method='box-cox') refuses a number that is not positive";
const withMin = (min: unknown) => (c: ModelCard) =>
  ({ ...c, features: c.features.map((f, i) => (i === 1 ? { ...f, min } : f)) }) as ModelCard;

describe('a feature with a min', () => {
  it('answers at the bound and refuses below it with a 400 naming the step', async () => {
    const predictor = await Predictor.load(
      kindModel('values', { card: withMin({ value: 0.5, because: BECAUSE }) }),
    );
    const core = new Core(() => ({ state: 'ready', predictor }));
    const post = async (body: unknown) => {
      const res = await core.handle({ method: 'POST', path: '/', headers: {}, body: JSON.stringify(body) });
      return { status: res.status, body: JSON.parse(res.body) };
    };
    expect((await post({ x0: 2, x1: 0.5, x2: -9 })).body).toEqual({ prediction: { value: 2 } });
    const below = await post({
      input: [
        [1, 0.5, 0],
        [1, 0.25, 0],
      ],
    });
    expect(below.status).toBe(400);
    expect(below.body.error).toEqual({
      type: 'out_of_range',
      message: `row 1, feature "x1": 0.25 is below the smallest number this model takes, 0.5 (${BECAUSE})`,
      details: { row: 1, feature: 'x1', expected: 'a number of at least 0.5', got: '0.25' },
    });
    expect((await post({ instances: [{ x0: 1, x1: -1, x2: 0 }] })).status).toBe(400);
    await expect(predictor.predictMatrix(new Float32Array([1, 0.25, 0]), 1)).rejects.toThrow('is below');
    expect(JSON.stringify(inputSchema(predictor.card))).toContain('"minimum":0.5');
    await predictor.release();
  });

  it.each<[string, unknown, string]>([
    ['not an object', 0.5, '"min" must be {"value": a finite number, "because": why}'],
    ['not finite', { value: null, because: BECAUSE }, '"min" must be'],
    ['without a reason', { value: 0 }, 'min.because'],
  ])('is refused in a card when %s', async (_, min, message) => {
    await expect(Predictor.load(kindModel('values', { card: withMin(min) }))).rejects.toThrow(message);
  });
});
