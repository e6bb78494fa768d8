import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Core, type ModelStatus } from '../../src/api/core.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { REFERENCE_ROW, trainIris } from '../helpers/models.js';

let predictor: Predictor;
beforeAll(async () => {
  predictor = await Predictor.load(trainIris({ nEstimators: 10 }).bytes);
});

const post = (core: Core, body: string) => core.handle({ method: 'POST', path: '/', headers: {}, body });

describe('the core', () => {
  it.each<[string, ModelStatus, RegExp]>([
    ['loading', { state: 'loading' }, /still loading/],
    [
      'failed',
      { state: 'failed', reason: 'cannot load the model from /srv/secret/model.onnx: no such file' },
      /^the model failed to load; the reason is in the server log$/,
    ],
  ])(
    'answers 503 while the model is %s, for predictions, /ready and /metadata; /health stays 200',
    async (_, status, message) => {
      // Probes hit these every few seconds: a 503 is their answer, not a fault to log with a stack.
      const logged: unknown[] = [];
      const core = new Core(() => status, { onInternalError: (e) => logged.push(e) });
      for (const r of [
        await post(core, JSON.stringify(REFERENCE_ROW)),
        await core.handle({ method: 'GET', path: '/ready', headers: {} }),
        await core.handle({ method: 'GET', path: '/metadata', headers: {} }),
      ]) {
        expect(r.status).toBe(503);
        expect(JSON.parse(r.body).error).toMatchObject({ type: 'model_not_ready' });
        expect(JSON.parse(r.body).error.message).toMatch(message);
      }
      expect((await core.handle({ method: 'GET', path: '/health', headers: {} })).status).toBe(200);
      expect(logged).toEqual([]);
    },
  );

  it("answers 503 for a named model's readiness while the one model loads: its name is not known yet", async () => {
    for (const status of [{ state: 'loading' }, { state: 'failed', reason: 'x' }] as ModelStatus[]) {
      const core = new Core(() => status);
      for (const path of ['/models/iris/ready', '/v2/models/iris/ready', '/models/iris/predict']) {
        const method = path.endsWith('predict') ? 'POST' : 'GET';
        const r = await core.handle({ method, path, headers: {}, body: JSON.stringify(REFERENCE_ROW) });
        expect(r.status, path).toBe(503);
      }
    }
    // Once loaded, another name is a 404 naming it.
    const ready = new Core(() => ({ state: 'ready', predictor }));
    expect((await ready.handle({ method: 'GET', path: '/models/iris/ready', headers: {} })).status).toBe(200);
    const other = await ready.handle({ method: 'GET', path: '/models/nope/ready', headers: {} });
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body).error.message).toMatch(/no model named "nope"/);
  });

  it('says Allow on 405 and ignores query strings and trailing slashes', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }));
    const r = await core.handle({ method: 'GET', path: '/predict', headers: {} });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('POST');
    expect((await core.handle({ method: 'GET', path: '/health/?x=1', headers: {} })).status).toBe(200);
    expect((await core.handle({ method: 'HEAD', path: '/ready', headers: {} })).status).toBe(200);
  });

  it('turns a fault inside modelgate into a logged 500, never for bad input', async () => {
    const seen: unknown[] = [];
    const broken = {
      card: predictor.card,
      sha256: predictor.sha256,
      predict: () => Promise.reject(new Error('boom')),
    } as unknown as Predictor;
    const core = new Core(() => ({ state: 'ready', predictor: broken }), {
      onInternalError: (e) => seen.push(e),
    });
    const r = await post(core, JSON.stringify(REFERENCE_ROW));
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body).error.type).toBe('internal_error');
    expect(JSON.parse(r.body).error.message).not.toContain('boom');
    expect(seen).toHaveLength(1);
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => new Core(() => ({ state: 'loading' }), { limits: { maxRows: 0 } })).toThrow(RangeError);
    expect(() => new Core(() => ({ state: 'loading' }), { limits: { maxBodyBytes: 1.5 } })).toThrow(
      /maxBodyBytes/,
    );
  });
});

describe('request parsing under fuzzing (fast-check)', () => {
  const expectClientAnswer = (status: number, body: string) => {
    expect([200, 400, 413]).toContain(status);
    const json = JSON.parse(body);
    if (status !== 200) {
      expect(typeof json.error.type).toBe('string');
      expect(json.error.message.length).toBeGreaterThan(0);
    }
  };

  it('any JSON value as a body gets a 200 or a JSON 4xx, never a 5xx', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }), {
      limits: { maxBodyBytes: 100_000, maxRows: 50 },
    });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const r = await post(core, JSON.stringify(value));
        expectClientAnswer(r.status, r.body);
      }),
      { numRuns: 300 },
    );
  });

  it('any text as a body gets a 200 or a JSON 4xx', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        const r = await post(core, text);
        expectClientAnswer(r.status, r.body);
      }),
      { numRuns: 300 },
    );
  });

  it('rows built from feature names and arbitrary values get a 200 or a 400 naming the problem', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }));
    const names = predictor.card.features.map((f) => f.name);
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constant(null),
      fc.string(),
      fc.boolean(),
      fc.jsonValue(),
    );
    const rowObject = fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string()), value);
    const rowArray = fc.array(value, { maxLength: 6 });
    const body = fc.oneof(
      rowObject,
      fc.record({ input: fc.array(fc.oneof(rowObject, rowArray), { maxLength: 5 }) }),
      fc.record({ instances: fc.array(rowObject, { maxLength: 5 }) }),
      fc.record({ input: fc.array(rowArray, { maxLength: 3 }), return_probabilities: fc.jsonValue() }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const r = await post(core, JSON.stringify(b));
        expectClientAnswer(r.status, r.body);
      }),
      { numRuns: 500 },
    );
  });
});
