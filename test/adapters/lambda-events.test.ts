// The Lambda handler answers every event, however malformed, with a status and a JSON body: a 4xx
// naming the field for a bad event, a 5xx only for a fault of its own (logged with the request id).
// It once threw on a deeply nested direct invoke (JSON.stringify's RangeError) and on an object where a
// string belongs (String() of {"toString": 1}), which Lambda reports as a function error.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaHandler, type LambdaHandler, type LambdaResult } from '../../src/adapters/lambda.js';
import { JsonLog } from '../../src/adapters/log.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';

let predictor: Predictor;
/** A log that keeps its lines. */
function keptLog(): { log: JsonLog; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const write = (text: string) => {
    for (const l of text.trim().split('\n')) lines.push(JSON.parse(l));
  };
  return { log: new JsonLog({ write }), lines };
}
const quiet = new JsonLog({ write: () => {} }, { level: 'off' });

let handler: LambdaHandler;
const faults: unknown[] = [];

beforeAll(async () => {
  predictor = await Predictor.load(readFileSync(IRIS_MODEL));
  handler = createLambdaHandler(predictor, { onInternalError: (e) => faults.push(e), log: quiet });
});
afterAll(async () => {
  await predictor.release();
});

interface Answer {
  status: number;
  body: { error?: { type: string; message: string; details?: Record<string, unknown> } } & Record<
    string,
    unknown
  >;
}

/** The handler's answer to `event`, checked to be a result with a status and a JSON body. */
async function answer(event: unknown, h: LambdaHandler = handler): Promise<Answer> {
  let result: LambdaResult;
  try {
    result = await h(event, { awsRequestId: 'req-1' });
  } catch (err) {
    throw new Error(`the handler threw instead of answering: ${String(err)}`);
  }
  expect(Number.isInteger(result.statusCode)).toBe(true);
  expect(result.headers['content-type']).toBe('application/json');
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

/** The predicted label of a one-row answer: one place to adapt when the prediction's shape changes. */
function label(a: Answer): unknown {
  return (a.body.prediction as { label?: unknown } | undefined)?.label;
}

function nested(depth: number, leaf: unknown = {}): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

const rest = (over: Record<string, unknown>) => ({
  resource: '/{proxy+}',
  path: '/predict',
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json' },
  multiValueHeaders: { 'Content-Type': ['application/json'] },
  requestContext: { stage: 'prod', requestId: 'abc' },
  body: JSON.stringify(REFERENCE_ROW),
  isBase64Encoded: false,
  ...over,
});

const httpApi = (over: Record<string, unknown>, http: Record<string, unknown> = {}) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/predict',
  headers: { 'content-type': 'application/json' },
  requestContext: { http: { method: 'POST', path: '/predict', ...http } },
  body: JSON.stringify(REFERENCE_ROW),
  isBase64Encoded: false,
  ...over,
});

describe('well-formed events still answer', () => {
  it.each([
    ['REST', rest({})],
    ['HTTP API', httpApi({})],
    ['direct', REFERENCE_ROW],
    ['REST with only multiValueHeaders', rest({ headers: null })],
    [
      'REST with null headers and body',
      rest({ headers: null, multiValueHeaders: null, httpMethod: 'GET', path: '/health', body: null }),
    ],
  ])('%s', async (_, event) => {
    const a = await answer(event);
    expect(a.status).toBe(200);
    if (a.body.prediction !== undefined) expect(label(a)).toBe('virginica');
  });
});

describe('deeply nested direct invokes are a 400, not a RangeError', () => {
  it.each([
    ['an object 100,000 deep', () => nested(100_000)],
    ['an array 100,000 deep', () => JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
    ['{"body": <100,000 deep>}', () => ({ body: nested(100_000) })],
    ['a row with a feature 100,000 deep', () => ({ ...REFERENCE_ROW, sepal_length: nested(100_000, 1) })],
  ])('%s', async (_, make) => {
    const started = performance.now();
    const a = await answer(make());
    expect(a.status).toBe(400);
    expect(a.body.error?.type).toBe('invalid_event');
    expect(a.body.error?.message).toBe(
      'the event is nested deeper than 64 levels; a request is an object of rows',
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('a nested but shallow direct invoke is the core’s to judge', async () => {
    const a = await answer({ body: nested(60) });
    expect(a.status).toBe(400);
    expect(a.body.error?.type).not.toBe('invalid_event');
  });
});

describe('objects where strings belong are a 400 naming the field', () => {
  const hostile = { toString: 1, valueOf: 1 };
  it.each<[string, unknown, string]>([
    [
      'httpMethod an object',
      rest({ httpMethod: hostile }),
      "the event's httpMethod must be a string, got an object",
    ],
    ['httpMethod a number', rest({ httpMethod: 5 }), "the event's httpMethod must be a string, got a number"],
    [
      'httpMethod an object, nothing else',
      { httpMethod: { toString: 1 } },
      "the event's httpMethod must be a string, got an object",
    ],
    ['no httpMethod in a REST event', rest({ httpMethod: undefined }), 'the event has no httpMethod'],
    ['path a number', rest({ path: 5 }), "the event's path must be a string, got a number"],
    ['body a number', rest({ body: 5 }), "the event's body must be a string, got a number"],
    ['body an array', rest({ body: [1, 2] }), "the event's body must be a string, got an array"],
    ['body an object', rest({ body: REFERENCE_ROW }), "the event's body must be a string, got an object"],
    [
      'isBase64Encoded a string',
      rest({ isBase64Encoded: 'true' }),
      "the event's isBase64Encoded must be true or false, got a string",
    ],
    [
      'headers a string',
      rest({ headers: 'content-type: application/json' }),
      "the event's headers must be an object, got a string",
    ],
    [
      'multiValueHeaders an array',
      rest({ multiValueHeaders: [] }),
      "the event's multiValueHeaders must be an object, got an array",
    ],
    [
      'requestContext.http.method an object',
      httpApi({}, { method: hostile }),
      "the event's requestContext.http.method must be a string, got an object",
    ],
    [
      'requestContext.http an array',
      httpApi({ requestContext: { http: [] } }),
      "the event's requestContext.http must be an object, got an array",
    ],
    [
      'requestContext.http.path an object',
      httpApi({ rawPath: undefined }, { path: hostile }),
      "the event's requestContext.http.path must be a string, got an object",
    ],
    [
      'rawPath an array',
      httpApi({ rawPath: ['/predict'] }),
      "the event's rawPath must be a string, got an array",
    ],
    [
      'v2 body an object',
      httpApi({ body: REFERENCE_ROW }),
      "the event's body must be a string, got an object",
    ],
    [
      'a v2 event without requestContext',
      { version: '2.0', rawPath: '/', body: '{}' },
      'the event has no requestContext.http',
    ],
  ])('%s', async (_, event, message) => {
    const a = await answer(event);
    expect(a.status).toBe(400);
    expect(a.body.error).toMatchObject({ type: 'invalid_event', message });
  });

  it('header values that are not strings are left out, not converted', async () => {
    const a = await answer(
      rest({ headers: { 'content-type': { toString: 1 }, 'x-n': 5 }, multiValueHeaders: null }),
    );
    expect(a.status).toBe(200);
    const b = await answer(
      rest({ headers: null, multiValueHeaders: { 'content-type': [{ toString: 1 }, 7], x: 'y' } }),
    );
    expect(b.status).toBe(200);
  });
});

describe('REST v1 multiValueHeaders', () => {
  it('a header only there counts, by its last value', async () => {
    const a = await answer(
      rest({ headers: null, multiValueHeaders: { 'Content-Type': ['application/json', 'text/csv'] } }),
    );
    expect(a.status).toBe(415);
    expect(a.body.error?.type).toBe('unsupported_media_type');
  });

  it('headers wins where both have it', async () => {
    const a = await answer(
      rest({
        headers: { 'Content-Type': 'application/json' },
        multiValueHeaders: { 'Content-Type': ['text/csv'] },
      }),
    );
    expect(a.status).toBe(200);
  });
});

describe('a fault inside the handler is a 500 JSON body, logged with the request id', () => {
  it('when the model throws', async () => {
    const broken = {
      card: predictor.card,
      sha256: predictor.sha256,
      predict: () => Promise.reject(new RangeError('Invalid array length')),
    };
    const { log, lines } = keptLog();
    const h = createLambdaHandler(broken as unknown as Predictor, { log });
    const a = await answer(rest({}), h);
    expect(a.status).toBe(500);
    expect(a.body.error?.type).toBe('internal_error');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', requestId: 'req-1', error: 'Invalid array length' }),
    );
    // And the request's own line, with the cold-start flag of the environment's first invoke.
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', requestId: 'req-1', status: 500, coldStart: true }),
    );
  });

  it('when something escapes the core', async () => {
    const { log, lines } = keptLog();
    const h = createLambdaHandler(predictor, { log });
    // A getter that throws cannot come from JSON, only from a caller in the same process.
    const event = Object.defineProperty({}, 'httpMethod', {
      enumerable: true,
      get() {
        throw new TypeError('boom');
      },
    });
    const a = await answer(event, h);
    expect(a.status).toBe(500);
    expect(a.body.error).toMatchObject({ type: 'internal_error', details: { requestId: 'req-1' } });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', requestId: 'req-1', error: 'boom' }),
    );
  });
});

describe('property: any event gets a status and a JSON body, never a 5xx', () => {
  const hostile = fc.oneof(
    fc.constant({ toString: 1 }),
    fc.constant({ toString: 1, valueOf: 1 }),
    fc.constant({ toString: {}, valueOf: {} }),
    fc.constant(JSON.parse('{"__proto__": {"a": 1}, "constructor": 1}')),
    fc.constant([['nested'], { deep: [] }]),
  );
  const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostile);
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(null), anyValue);
  const text = fc.oneof(
    fc.constant(JSON.stringify(REFERENCE_ROW)),
    fc.constant('{"input": [[1, 2, 3, 4]], "return_probabilities": true}'),
    fc.constant('e30='),
    fc.string({ maxLength: 40 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  );
  const headers = fc.dictionary(
    fc.oneof(
      fc.constantFrom('content-type', 'Content-Type', 'x-forwarded-for', '__proto__', 'constructor'),
      fc.string(),
    ),
    fc.oneof(fc.constantFrom('application/json', 'text/csv', 'text/plain; charset=utf-8', ''), anyValue),
    { maxKeys: 4 },
  );
  const multiHeaders = fc.dictionary(
    fc.constantFrom('content-type', 'Content-Type', 'x'),
    fc.oneof(
      fc.array(fc.oneof(fc.constantFrom('application/json', 'text/csv'), anyValue), { maxLength: 3 }),
      anyValue,
    ),
    { maxKeys: 3 },
  );
  const method = fc.oneof(fc.constantFrom('POST', 'GET', 'HEAD', 'PUT', 'post', ''), anyValue);
  const path = fc.oneof(
    fc.constantFrom('/', '/predict', '/prod/metadata', '/health', '/ready?x=1', ''),
    anyValue,
  );
  const restEvent = fc.record(
    {
      httpMethod: method,
      path,
      resource: maybe(fc.constant('/{proxy+}')),
      headers: maybe(headers),
      multiValueHeaders: maybe(multiHeaders),
      requestContext: maybe(
        fc.record(
          { stage: fc.constant('prod'), elb: maybe(fc.record({ targetGroupArn: fc.string() })) },
          { requiredKeys: ['stage'] },
        ),
      ),
      body: maybe(text),
      isBase64Encoded: fc.oneof(fc.boolean(), anyValue),
    },
    { requiredKeys: [] },
  );
  const httpEvent = fc.record(
    {
      version: fc.oneof(fc.constant('2.0'), anyValue),
      rawPath: path,
      headers: maybe(headers),
      requestContext: fc.oneof(
        fc.record(
          { http: fc.oneof(fc.record({ method, path }, { requiredKeys: [] }), anyValue) },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
      body: maybe(text),
      isBase64Encoded: fc.oneof(fc.boolean(), anyValue),
    },
    { requiredKeys: [] },
  );
  const deep = fc.integer({ min: 65, max: 120_000 }).map((d) => nested(d));
  const directEvent = fc.oneof(
    { arbitrary: anyValue, weight: 3 },
    { arbitrary: fc.record({ body: fc.oneof(text, anyValue, deep) }), weight: 3 },
    { arbitrary: text, weight: 3 },
    { arbitrary: deep, weight: 1 },
  );

  it.each([
    ['random JSON values', fc.jsonValue()],
    ['API Gateway REST and ALB shaped events', restEvent],
    ['HTTP API and Function URL shaped events', httpEvent],
    ['direct invokes', directEvent],
  ])('%s', async (_, events) => {
    faults.length = 0;
    await fc.assert(
      fc.asyncProperty(events as fc.Arbitrary<unknown>, async (event) => {
        const a = await answer(event);
        expect(a.status).toBeGreaterThanOrEqual(200);
        expect(a.status).toBeLessThan(500);
        if (a.status >= 400) expect(typeof a.body.error?.message).toBe('string');
      }),
      { numRuns: 400 },
    );
    expect(faults).toEqual([]);
  });
});

describe('base64 bodies', () => {
  it('of any bytes get a 200 or a JSON 4xx, decoded by the adapter before the core', async () => {
    faults.length = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (bytes, mangle) => {
        let b64 = Buffer.from(bytes).toString('base64');
        if (mangle) b64 = `${b64.slice(0, 3)}*${b64.slice(3)}`;
        const a = await answer(rest({ body: b64, isBase64Encoded: true }));
        expect(a.status).toBeGreaterThanOrEqual(200);
        expect(a.status).toBeLessThan(500);
        if (a.status >= 400) expect(typeof a.body.error?.message).toBe('string');
      }),
      { numRuns: 300 },
    );
    expect(faults).toEqual([]);
  });
});
