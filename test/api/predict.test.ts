import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { predictBody } from '../../src/api/predict.js';
import { float32Json } from '../../src/api/response.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { REFERENCE_ROW, trainIris, withEditedCard } from '../helpers/models.js';

let iris: Predictor;
let strict: Predictor;

beforeAll(async () => {
  const { bytes } = trainIris();
  iris = await Predictor.load(bytes);
  strict = await Predictor.load(withEditedCard(bytes, (c) => ({ ...c, missing: 'reject' })));
});

async function answer(body: string, predictor = iris) {
  return predictBody(predictor, body, { maxBodyBytes: 4096, maxRows: 50 });
}

async function failure(body: string, predictor = iris): Promise<ApiError> {
  const err = await answer(body, predictor).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('protocol: answers', () => {
  it('one named row: label and its probability rounded to 4 decimals', async () => {
    const out = await answer(JSON.stringify(REFERENCE_ROW));
    expect(out).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
  });

  it('batch arrays: labels only by default, probabilities when asked', async () => {
    expect(await answer('{"input": [[0, 0, 0, 0]]}')).toEqual({ prediction: ['setosa'] });
    const out = await answer(
      '{"input": [[5.9, 3, 5.1, 1.8], [5.1, 3.5, 1.4, 0.2]], "return_probabilities": true}',
    );
    expect(out.prediction).toEqual(['virginica', 'setosa']);
    const probs = out.probabilities as Record<string, number>[];
    expect(Object.keys(probs[0])).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(probs[0].virginica).toBeGreaterThan(0.99);
    expect(probs[1].setosa).toBeGreaterThan(0.99);
    const only = await answer(
      '{"input": [[5.9, 3, 5.1, 1.8]], "return_prediction": false, "return_probabilities": true}',
    );
    expect(Object.keys(only)).toEqual(['probabilities']);
  });

  it('batch arrays take objects keyed by feature name too', async () => {
    const out = await answer(JSON.stringify({ input: [REFERENCE_ROW, [5.1, 3.5, 1.4, 0.2]] }));
    expect(out.prediction).toEqual(['virginica', 'setosa']);
  });

  it('instances: label, probability and probabilities per row', async () => {
    const out = await answer(JSON.stringify({ instances: [REFERENCE_ROW] }));
    const [p] = out.predictions as {
      label: string;
      probability: number;
      probabilities: Record<string, number>;
    }[];
    expect(p.label).toBe('virginica');
    expect(p.probability).toBe(p.probabilities.virginica);
  });

  it('null means missing for a model with an imputer', async () => {
    const out = await answer(JSON.stringify({ ...REFERENCE_ROW, sepal_width: null }));
    expect((out.prediction as { label: string }).label).toBe('virginica');
  });

  it('prints float32 results without noise digits', () => {
    expect(float32Json(Math.fround(0.9997015595436096))).toBe(0.99970156);
    expect(float32Json(Math.fround(151.2))).toBe(151.2);
    expect(float32Json(0.1)).toBe(0.1); // not a float32 value: left as it is
  });

  it('prints every float32 as the shortest decimal that reads back as itself', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
        const v = Math.fround(f);
        const out = float32Json(v);
        // (=== rather than toBe: -0 prints as 0 in JSON either way.)
        expect(Math.fround(out) === v, `${v} printed as ${out}`).toBe(true);
        // No shorter rounding of the value reads back as it: counted by trying each length in turn.
        let shortest = 9;
        for (let p = 1; p <= 9; p++)
          if (Math.fround(Number(v.toPrecision(p))) === v) {
            shortest = p;
            break;
          }
        expect(out === Number(v.toPrecision(shortest)), `${v} printed as ${out}`).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('prints float32 probabilities, and values near powers of ten, as decimal rounding does', () => {
    // Every float32 in [0, 1] at a stride, and the float32 neighbours of each power of ten.
    const values: number[] = [];
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    for (let b = 0; b <= 0x3f800000; b += 997) {
      bits[0] = b;
      values.push(f[0] as number);
    }
    for (let k = -30; k <= 30; k++) {
      const p = Math.fround(10 ** k);
      bits[0] = new Uint32Array(new Float32Array([p]).buffer)[0] as number;
      for (const d of [-2, -1, 0, 1, 2]) {
        const n = new Uint32Array([bits[0] + d]);
        values.push(-(new Float32Array(n.buffer)[0] as number), new Float32Array(n.buffer)[0] as number);
      }
    }
    let worst = '';
    for (const v of values) {
      let shortest = 9;
      for (let p = 1; p <= 9; p++)
        if (Math.fround(Number(v.toPrecision(p))) === v) {
          shortest = p;
          break;
        }
      if (float32Json(v) !== Number(v.toPrecision(shortest))) worst ||= `${v} printed as ${float32Json(v)}`;
    }
    expect(worst).toBe('');
  });
});

describe('protocol: bad requests', () => {
  it.each<[string, string, number, string, RegExp]>([
    ['empty body', '', 400, 'invalid_json', /the body is empty/],
    ['not JSON', '{sepal_length: 1}', 400, 'invalid_json', /not valid JSON/],
    ['truncated JSON', '{"input": [[1, 2', 400, 'invalid_json', /not valid JSON/],
    ['NaN literal', '{"input": [[NaN, 1, 2, 3]]}', 400, 'invalid_json', /not valid JSON/],
    ['an array body', '[1, 2, 3, 4]', 400, 'invalid_request', /must be a JSON object.*got an array/],
    ['a string body', '"hello"', 400, 'invalid_request', /got a string/],
    ['null body', 'null', 400, 'invalid_request', /got null/],
    ['an empty object', '{}', 400, 'invalid_request', /empty object/],
    [
      'a typo only',
      '{"sepal_lenght": 1}',
      400,
      'invalid_request',
      /none of the model's features.*"sepal_lenght"/,
    ],
    [
      'a typo beside good features',
      '{"sepal_length": 1, "petal_lenght": 2}',
      400,
      'unknown_feature',
      /unknown feature "petal_lenght"/,
    ],
    [
      'a string for a number',
      '{"sepal_length": "5.9"}',
      400,
      'invalid_row',
      /feature "sepal_length": expected a number or null, got a string/,
    ],
    [
      '"NaN" string',
      '{"input": [["NaN", 1, 2, 3]]}',
      400,
      'invalid_row',
      /row 0, feature "sepal_length".*got a string/,
    ],
    ['"Infinity" string', '{"input": [[1, "Infinity", 2, 3]]}', 400, 'invalid_row', /got a string/],
    ['an overflowing number', '{"input": [[1e999, 1, 2, 3]]}', 400, 'invalid_row', /out of range/],
    ['a boolean feature', '{"sepal_length": true}', 400, 'invalid_row', /got a boolean/],
    ['a short row', '{"input": [[1, 2, 3]]}', 400, 'invalid_row', /row 0 has 3 values, the model expects 4/],
    ['a ragged batch', '{"input": [[1, 2, 3, 4], [1, 2]]}', 400, 'invalid_row', /row 1 has 2 values/],
    [
      'input not an array',
      '{"input": {"a": 1}}',
      400,
      'invalid_request',
      /"input" must be an array of rows, got an object/,
    ],
    ['empty input', '{"input": []}', 400, 'invalid_request', /"input" is empty/],
    [
      'a string flag',
      '{"input": [[1,2,3,4]], "return_probabilities": "yes"}',
      400,
      'invalid_request',
      /"return_probabilities" must be true or false, got a string/,
    ],
    [
      'both flags false',
      '{"input": [[1,2,3,4]], "return_prediction": false}',
      400,
      'invalid_request',
      /both false/,
    ],
    [
      'an unknown field beside input',
      '{"input": [[1,2,3,4]], "return_proba": true}',
      400,
      'invalid_request',
      /unknown field "return_proba"/,
    ],
    [
      'instances of arrays',
      '{"instances": [[1, 2, 3, 4]]}',
      400,
      'invalid_row',
      /instance 0 must be an object/,
    ],
    ['__proto__ key', '{"__proto__": {"x": 1}, "sepal_length": 1}', 400, 'unknown_feature', /"__proto__"/],
    ['constructor key', '{"constructor": 1, "sepal_length": 1}', 400, 'unknown_feature', /"constructor"/],
    ['deeply nested', `{"input": ${'['.repeat(1500)}${']'.repeat(1500)}}`, 400, 'invalid_row', /row 0/],
    [
      'too many rows',
      JSON.stringify({ input: Array.from({ length: 51 }, () => [1, 2, 3, 4]) }),
      413,
      'too_many_rows',
      /51 rows, over the limit of 50/,
    ],
    [
      'a body over the limit',
      JSON.stringify({ input: [[1, 2, 3, 4]], pad: 'x'.repeat(5000) }),
      413,
      'body_too_large',
      /over the limit of 4096 bytes/,
    ],
  ])('%s', async (_, body, status, type, message) => {
    const err = await failure(body);
    expect(err.status).toBe(status);
    expect(err.type).toBe(type);
    expect(err.message).toMatch(message);
    const json = err.toJSON();
    expect(json.error.type).toBe(type);
    expect(json.error.message).toBe(err.message);
  });

  it('a missing feature is a 400 naming it when the model has no imputer', async () => {
    const err = await failure('{"sepal_length": 5.9, "sepal_width": 3, "petal_length": 5.1}', strict);
    expect(err.status).toBe(400);
    expect(err.type).toBe('missing_feature');
    expect(err.message).toBe(
      'feature "petal_width" is missing, and this model has no imputer: send a number',
    );
    expect(err.details).toMatchObject({ feature: 'petal_width' });
  });
});
