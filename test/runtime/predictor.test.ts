import { beforeAll, describe, expect, it } from 'vitest';
import { ModelCardError, OnnxFormatError } from '../../src/onnx/errors.js';
import { InvalidRowError, ModelLoadError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { REFERENCE_ROW, trainIris, withEditedCard } from '../helpers/models.js';

let bytes: Uint8Array;
let predictor: Predictor;

beforeAll(async () => {
  bytes = trainIris().bytes;
  predictor = await Predictor.load(bytes);
});

describe('Predictor', () => {
  it('answers the reference row: virginica above 0.99', async () => {
    const out = await predictor.predict([REFERENCE_ROW]);
    expect(out.labels).toEqual(['virginica']);
    expect(out.probabilities![2]).toBeGreaterThan(0.99);
  });

  it('takes arrays in feature order and objects by name alike', async () => {
    const a = await predictor.predict([[5.9, 3, 5.1, 1.8]]);
    const b = await predictor.predict([REFERENCE_ROW]);
    expect(a).toEqual(b);
  });

  it('imputes null and absent features (the model has an imputer)', async () => {
    const withNull = await predictor.predict([{ ...REFERENCE_ROW, sepal_width: null }]);
    const absent = await predictor.predict([{ sepal_length: 5.9, petal_length: 5.1, petal_width: 1.8 }]);
    expect(absent).toEqual(withNull);
    expect(withNull.labels).toEqual(['virginica']);
  });

  it.each([0, 1, 7, 1000, 20_000])('predicts a batch of %d rows', async (n) => {
    const rows = Array.from({ length: n }, (_, i) => [
      4 + (i % 40) / 10,
      3,
      1 + (i % 60) / 10,
      (i % 25) / 10,
    ]);
    const out = await predictor.predict(rows);
    expect(out.rows).toBe(n);
    expect(out.labels!.length).toBe(n);
    expect(out.probabilities!.length).toBe(n * 3);
    // Each row's probabilities sum to 1 (float32 tolerance).
    for (let r = 0; r < n; r++) {
      const s = out.probabilities![3 * r] + out.probabilities![3 * r + 1] + out.probabilities![3 * r + 2];
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
  });

  it.each<[string, unknown[], string, RegExp]>([
    ['a short row', [[1, 2, 3]], 'invalid_row', /row 0 has 3 values, the model expects 4 \(sepal_length/],
    [
      'a string value',
      [[1, '2', 3, 4]],
      'invalid_row',
      /row 0, feature "sepal_width": expected a number or null, got a string/,
    ],
    [
      'a non-finite number',
      [[1, 2, Number.POSITIVE_INFINITY, 4]],
      'invalid_row',
      /"petal_length": the number is out of range/,
    ],
    [
      'an unknown key',
      [{ ...REFERENCE_ROW, petal_colour: 1 }],
      'unknown_feature',
      /unknown feature "petal_colour"/,
    ],
    [
      'a __proto__ key',
      [JSON.parse('{"__proto__": 1, "sepal_length": 1}')],
      'unknown_feature',
      /"__proto__"/,
    ],
    ['a scalar row', [[1, 2, 3, 4], 5], 'invalid_row', /row 1 must be an array of 4 numbers or an object/],
    ['a nested array', [[[1], 2, 3, 4]], 'invalid_row', /got an array/],
  ])('rejects %s with InvalidRowError', async (_, rows, code, message) => {
    const err = await predictor.predict(rows).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRowError);
    expect((err as InvalidRowError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses missing values when the model has no imputer', async () => {
    const strict = await Predictor.load(withEditedCard(bytes, (c) => ({ ...c, missing: 'reject' })));
    const err = await strict.predict([{ ...REFERENCE_ROW, petal_width: null }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRowError);
    expect((err as Error).message).toMatch(/feature "petal_width" is missing, and this model has no imputer/);
    // A matrix handed over directly is held to the same rules (NaN is missing).
    const matrix = Float32Array.of(5.9, 3, 5.1, Number.NaN);
    await expect(strict.predictMatrix(matrix, 1)).rejects.toThrow(/feature "petal_width" is missing/);
    await expect(strict.predictMatrix(Float32Array.of(5.9, 3, 5.1), 1)).rejects.toThrow(RangeError);
    await strict.release();
  });

  it('fails to load bytes that are not ONNX, a model without a card, and a card naming absent outputs', async () => {
    await expect(Predictor.load(new TextEncoder().encode('hello'))).rejects.toThrow(OnnxFormatError);
    const noCard = withEditedCard(bytes, (c) => c);
    const stripped = noCard.slice();
    await expect(
      Predictor.load(withEditedCard(stripped, (c) => ({ ...c, io: { ...c.io, probabilities: 'nope' } }))),
    ).rejects.toThrow(ModelLoadError);
    await expect(
      Predictor.load(withEditedCard(stripped, (c) => ({ ...c, io: { ...c.io, probabilities: 'nope' } }))),
    ).rejects.toThrow(/the card.s probability output "nope" is not an output of the graph/);
    const { decodeModel, encodeModel } = await import('../../src/onnx/proto.js');
    const model = decodeModel(bytes);
    await expect(Predictor.load(encodeModel({ ...model, metadataProps: [] }))).rejects.toThrow(
      ModelCardError,
    );
  });

  it('reports a graph onnxruntime cannot load as ModelLoadError', async () => {
    const { decodeModel, encodeModel } = await import('../../src/onnx/proto.js');
    const model = decodeModel(bytes);
    const broken = { ...model, graph: { ...model.graph, node: model.graph.node.slice(1) } };
    await expect(Predictor.load(encodeModel(broken))).rejects.toThrow(ModelLoadError);
  });
});

describe('Predictor with batching', () => {
  it('gathers concurrent requests into one run and gives each exactly its own answer', async () => {
    const batched = await Predictor.load(bytes, { batching: true });
    const requests = Array.from({ length: 300 }, (_, i) =>
      Array.from({ length: 1 + (i % 4) }, (_, j) => [
        4 + ((i + j) % 40) / 10,
        3,
        1 + ((i * j) % 60) / 10,
        (i % 25) / 10,
      ]),
    );
    // A request over the batch size runs alone; the rest are gathered.
    requests.push(Array.from({ length: 600 }, (_, i) => [5 + (i % 10) / 10, 3, 4, 1]));
    const together = await Promise.all(requests.map((rows) => batched.predict(rows)));
    for (const [i, rows] of requests.entries()) expect(together[i]).toEqual(await predictor.predict(rows));
    await batched.release();
  });

  it('fails every request of a batch whose rows are bad, each with its own error, and keeps going', async () => {
    const batched = await Predictor.load(bytes, { batching: true });
    const results = await Promise.allSettled([
      batched.predict([[5.9, 3, 5.1, 1.8]]),
      batched.predict([[1, 2]]),
      batched.predict([REFERENCE_ROW]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidRowError);
    await batched.release();
  });
});

describe('labels computed from probabilities', () => {
  it('equal the graph’s own label output on every row (io.labelIsArgmax)', async () => {
    const fetched = await Predictor.load(
      withEditedCard(bytes, (c) => ({ ...c, io: { ...c.io, labelIsArgmax: false } })),
    );
    expect(predictor.card.io.labelIsArgmax).toBe(true);
    const rows = Array.from({ length: 2000 }, (_, i) => [
      4 + (i % 43) / 10,
      2 + (i % 23) / 10,
      1 + (i % 61) / 10,
      (i % 26) / 10,
    ]);
    expect((await predictor.predict(rows)).labels).toEqual((await fetched.predict(rows)).labels);
    await fetched.release();
  });
});
