// Hostile input to the Open Inference Protocol, as properties: whatever the inference request (any
// datatype, shape, data, parameters, outputs; any bytes after any Inference-Header-Content-Length), the
// answer is a 200 of well-formed tensors or a 4xx {"error": "<message>"}, never a 5xx, a throw or a
// hang, and every answer with a 200 is the modelgate protocol's for the same rows.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { trainIris, withEditedCard } from '../helpers/models.js';
import { decodeAnswer, npBytes } from './v2-clients.js';

const LIMITS = { maxBodyBytes: 8192, maxRows: 50 };
const predictor = await Predictor.load(
  withEditedCard(trainIris({ nEstimators: 5 }).bytes, (c) => ({ ...c, missing: 'reject' })),
);
const core = new Core(() => ({ state: 'ready', predictor }), { limits: LIMITS });

afterAll(async () => {
  await predictor.release();
});

const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP32',
  'FP64',
  'BYTES',
];
const FEATURES = predictor.card.features.map((f) => f.name);

const scalar = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
  fc.constantFrom(2 ** 64, -(2 ** 63), 1e308, -0),
);
const data = fc.oneof(
  fc.array(scalar, { maxLength: 20 }),
  fc.array(fc.array(scalar, { maxLength: 5 }), { maxLength: 6 }),
  fc.array(fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }), { maxLength: 2 }),
  scalar,
);
const shape = fc.oneof(
  fc.array(fc.integer({ min: -2, max: 8 }), { maxLength: 3 }),
  fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constant(4)),
  fc.constantFrom([2 ** 53, 2 ** 53], [1e300], ['1', 4], [1.5, 4], null),
);
const parameters = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.record(
    {
      binary_data_size: fc.oneof(fc.integer({ min: -4, max: 64 }), fc.constant('16'), fc.constant(2 ** 60)),
      content_type: fc.constantFrom('str', 'pd', 'np', 'base64', 7),
      binary_data: fc.oneof(fc.boolean(), fc.constant(1)),
    },
    { requiredKeys: [] },
  ),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const input = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom('input', ...FEATURES, 'sepal_length'),
      fc.string({ maxLength: 4 }),
      fc.integer(),
    ),
    shape,
    datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.constantFrom('FP16', 'fp32', '', 3)),
    data,
    parameters,
  },
  { requiredKeys: ['name', 'shape', 'datatype'] },
);
const request = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)),
    inputs: fc.oneof(fc.array(input, { maxLength: 5 }), fc.constant({}), fc.constant(null)),
    outputs: fc.oneof(
      fc.array(
        fc.record({
          name: fc.constantFrom('label', 'probabilities', 'output0', 'value'),
          parameters,
        }),
        { maxLength: 3 },
      ),
      fc.constant('label'),
    ),
    parameters,
    model_name: fc.constantFrom('iris', 'other'),
  },
  { requiredKeys: ['inputs'] },
);

async function expectWellFormed(r: Awaited<ReturnType<Core['handle']>>): Promise<void> {
  expect(r.status, r.body).toBeLessThan(500);
  if (r.status >= 400) {
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body.error).toBe('string');
    expect((body.error as string).length).toBeLessThan(2000);
    return;
  }
  expect(r.status).toBe(200);
  const { outputs } = decodeAnswer(r.headers, r.bytes ?? Buffer.from(r.body));
  for (const o of outputs) expect(o.shape.reduce((a, b) => a * b, 1)).toBe(o.values.length);
}

describe('hostile inference requests', () => {
  it('JSON requests of any shape: a 200 or a 4xx with a message, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const r = await core.handle({
          method: 'POST',
          path: '/v2/models/iris/infer',
          headers: {},
          body: JSON.stringify(req),
        });
        await expectWellFormed(r);
      }),
      { numRuns: 600 },
    );
  });

  it('binary requests with any header length and any bytes after the JSON', async () => {
    const header = fc.record({
      inputs: fc.array(
        fc.record({
          name: fc.constantFrom('input', 'sepal_length', 'x'),
          shape: fc.oneof(
            fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constant(4)),
            fc.tuple(fc.integer({ min: 0, max: 4 })),
          ),
          datatype: fc.constantFrom(...DATATYPES),
          parameters: fc.record({ binary_data_size: fc.integer({ min: -1, max: 80 }) }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      parameters: fc.record({ binary_data_output: fc.boolean() }),
    });
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.uint8Array({ maxLength: 200 }),
        fc.oneof(
          fc.constant(undefined),
          fc.integer({ min: -5, max: 2000 }),
          fc.constantFrom('x', '1e3', ' 12', ''),
        ),
        async (h, tail, length) => {
          const json = Buffer.from(JSON.stringify(h));
          const body = Buffer.concat([json, tail]);
          const r = await core.handle({
            method: 'POST',
            path: '/v2/models/iris/infer',
            headers: {
              'content-type': 'application/octet-stream',
              'inference-header-content-length': length === undefined ? String(json.length) : String(length),
            },
            body,
          });
          await expectWellFormed(r);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('well-formed binary tensors of random values answer what the modelgate protocol answers', async () => {
    const row = fc.tuple(
      ...FEATURES.map(() => fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (rows, binaryOut) => {
          const values = rows.flat().map(Math.fround);
          const raw = npBytes('FP32', values);
          const json = Buffer.from(
            JSON.stringify({
              inputs: [
                {
                  name: 'input',
                  shape: [rows.length, 4],
                  datatype: 'FP32',
                  parameters: { binary_data_size: raw.length },
                },
              ],
              parameters: { binary_data_output: binaryOut },
            }),
          );
          const r = await core.handle({
            method: 'POST',
            path: '/v2/models/iris/infer',
            headers: { 'inference-header-content-length': String(json.length) },
            body: Buffer.concat([json, raw]),
          });
          expect(r.status, r.body).toBe(200);
          const native = await core.handle({
            method: 'POST',
            path: '/predict',
            headers: {},
            body: JSON.stringify({
              input: rows.map((_, i) => values.slice(i * 4, i * 4 + 4)),
              return_probabilities: true,
            }),
          });
          const mg = JSON.parse(native.body) as {
            prediction: string[];
            probabilities: Record<string, number>[];
          };
          const out = Object.fromEntries(
            decodeAnswer(r.headers, r.bytes ?? Buffer.from(r.body)).outputs.map((o) => [o.name, o.values]),
          );
          expect(out.label).toEqual(mg.prediction);
          const classes = predictor.card.classes as string[];
          expect(out.probabilities).toEqual(mg.probabilities.flatMap((p) => classes.map((c) => p[c])));
        },
      ),
      { numRuns: 200 },
    );
  });
});
