// Answers a client can vouch for: a model that produces NaN or an infinity is an error of its own type,
// never a 200 with null; and a request's work stays in proportion to its body, whatever the model's width.
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { MAX_FEATURES } from '../../src/onnx/card.js';
import { NonFiniteOutputError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel } from '../helpers/graphs.js';

const post = (core: Core, body: unknown) =>
  core.handle({ method: 'POST', path: '/', headers: {}, body: JSON.stringify(body) });

describe('non-finite answers', () => {
  it.each<[string, number, string]>([
    ['NaN', -1, 'NaN'],
    ['-Infinity', 0, '-Infinity'],
  ])('%s from the model is a logged 500 of type non_finite_output, never null', async (_, x, what) => {
    const predictor = await Predictor.load(kindModel('values', { log: true }));
    const logged: unknown[] = [];
    const core = new Core(() => ({ state: 'ready', predictor }), { onInternalError: (e) => logged.push(e) });
    const one = await post(core, { x0: x, x1: 0, x2: 0 });
    expect(one.status).toBe(500);
    expect(JSON.parse(one.body).error).toEqual({
      type: 'non_finite_output',
      message: `the model produced a number that is not finite (${what}) for this row; the answer is withheld rather than served as null, and the fault is logged`,
      details: { output: 'value' },
    });
    const batch = await post(core, {
      input: [
        [1, 0, 0],
        [x, 0, 0],
      ],
    });
    expect(batch.status).toBe(500);
    expect(JSON.parse(batch.body).error.details).toEqual({ row: 1, output: 'value' });
    expect(Object.keys(JSON.parse(batch.body))).toEqual(['error']);
    expect(logged).toHaveLength(2);
    expect(await post(core, { input: [[1, 0, 0]] })).toMatchObject({
      status: 200,
      body: '{"prediction":[0]}',
    });
    await predictor.release();
  });

  it('under batching, only the request whose rows gave NaN fails', async () => {
    const predictor = await Predictor.load(kindModel('values', { log: true }), { batching: true });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => predictor.predict([[i === 7 ? -1 : Math.E, 0, 0]])),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect((results[7] as PromiseRejectedResult).reason).toBeInstanceOf(NonFiniteOutputError);
    // log(e) in float32: 1, or the float32 below it where onnxruntime's one-row path rounds the other way.
    const values = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.values?.[0] as number);
    expect(values).toHaveLength(19);
    for (const v of values) expect(Math.abs(v - 1)).toBeLessThanOrEqual(2 ** -23);
    // The first request of the turn runs at once (it came alone); the others as one batch.
    expect(predictor.stats.runs).toBe(2);
    await predictor.release();
  });
});

describe(`a model with ${MAX_FEATURES} features (the most a card may list)`, async () => {
  const width = MAX_FEATURES;
  const predictor = await Predictor.load(
    kindModel('values', { width, card: (c) => ({ ...c, missing: 'impute' }) }),
  );
  const core = new Core(() => ({ state: 'ready', predictor }));

  it('refuses a 1 KB body of empty rows (each imputed in full) with 413, at once', async () => {
    const body = { instances: Array(300).fill({}) };
    expect(JSON.stringify(body).length).toBeLessThan(1024);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const r = await post(core, body);
    const ms = performance.now() - started;
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatchObject({
      type: 'too_many_values',
      details: { field: 'instances', rows: 300, features: width, limit: 6 * 1024 * 1024 },
    });
    expect(ms).toBeLessThan(50);
    expect(process.memoryUsage().rss - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('answers a row within the limit, and /metadata from a body built once', async () => {
    const r = await post(core, { x0: 2.5 });
    expect(r).toMatchObject({ status: 200, body: '{"prediction":{"value":2.5}}' });
    const first = await core.handle({ method: 'GET', path: '/metadata', headers: {} });
    const started = performance.now();
    const again = await core.handle({ method: 'GET', path: '/metadata', headers: {} });
    expect(performance.now() - started).toBeLessThan(20);
    expect(again.body).toBe(first.body);
    expect(JSON.parse(first.body).limits.maxValues).toBe(6 * 1024 * 1024);
  });
});
