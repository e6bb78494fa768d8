// The Open Inference Protocol (KServe V2) through every transport: the core, the Lambda handler for
// every event shape and the live HTTP server answer the protocol's published examples, the requests
// tritonclient and kserve's client send (JSON and binary, byte for byte as they build them), and refuse
// malformed input with a 4xx {"error": "..."}. Every answer's numbers are the modelgate protocol's.
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { cardVersion } from '../../src/api/registry.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { VERSION } from '../../src/version.js';
import { trainIris, withEditedCard } from '../helpers/models.js';
import { type Answer, type Sent, startTransports, type Transports } from './transports.js';
import { type Datatype, decodeAnswer, kserveRequest, npBytes, tritonRequest } from './v2-clients.js';

const LIMITS = { maxBodyBytes: 16_384, maxRows: 100 };
// A body of deeply nested arrays, as sent (stringifying one that deep overflows the stack).
// The iris model without its imputer's promise: a missing feature is then a 400 to test.
const predictor = await Predictor.load(
  withEditedCard(trainIris().bytes, (c) => ({ ...c, missing: 'reject' })),
);
const transports: Transports = await startTransports(predictor, LIMITS);
const NAME = predictor.card.name;
const V = cardVersion(predictor);
const FEATURES = predictor.card.features.map((f) => f.name);
const INFER = `/v2/models/${NAME}/infer`;

afterAll(async () => {
  await transports.close();
  await predictor.release();
});

const ROWS = [
  [5.9, 3, 5.1, 1.8],
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
];

/** What the modelgate protocol answers for these rows: labels and probabilities by class. */
const native = new Core(() => ({ state: 'ready', predictor }), { limits: LIMITS });
async function modelgateAnswer(rows: unknown[][]): Promise<{ labels: string[]; probabilities: number[] }> {
  const r = await native.handle({
    method: 'POST',
    path: '/predict',
    headers: {},
    body: JSON.stringify({ input: rows, return_probabilities: true }),
  });
  const b = JSON.parse(r.body) as { prediction: string[]; probabilities: Record<string, number>[] };
  const classes = predictor.card.classes as string[];
  return {
    labels: b.prediction,
    probabilities: b.probabilities.flatMap((p) => classes.map((c) => p[c] as number)),
  };
}
const EXPECTED = await modelgateAnswer(ROWS);
const ROW0 = await modelgateAnswer([ROWS[0] as number[]]);
const INTEGER_ROW = await modelgateAnswer([[6, 3, 5, 2]]);

interface V2Case extends Sent {
  name: string;
  status: number;
  /** Error cases: what the message says. */
  message?: RegExp;
  check?: (a: Answer) => void;
}

const post = (body: unknown, path = INFER): Sent => ({
  method: 'POST',
  path,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  needsHttp: true,
});
const get = (path: string): Sent => ({ method: 'GET', path, needsHttp: true });
const matrix = (rows: number[][], datatype = 'FP32', extra: Record<string, unknown> = {}) => ({
  name: 'input',
  shape: [rows.length, 4],
  datatype,
  data: rows.flat(),
  ...extra,
});

function outputsOf(a: Answer): Record<string, { shape: number[]; datatype: string; values: unknown[] }> {
  const { outputs } = decodeAnswer(a.headers, a.raw);
  return Object.fromEntries(outputs.map((o) => [o.name, o]));
}

/** The answer is the modelgate protocol's for `expected` rows: labels equal, probabilities equal. */
const answers =
  (expected = EXPECTED, options: { binary?: boolean; id?: string; only?: string[] } = {}) =>
  (a: Answer) => {
    const { json } = decodeAnswer(a.headers, a.raw);
    expect(json.model_name).toBe(NAME);
    expect(json.model_version).toBe(V);
    if (options.id !== undefined) expect(json.id).toBe(options.id);
    else expect(json).not.toHaveProperty('id');
    const out = outputsOf(a);
    const names = options.only ?? ['label', 'probabilities'];
    expect(Object.keys(out)).toEqual(names);
    const n = expected.labels.length;
    if (names.includes('label')) {
      expect(out.label).toMatchObject({ datatype: 'BYTES', shape: [n], values: expected.labels });
    }
    if (names.includes('probabilities')) {
      expect(out.probabilities).toMatchObject({ datatype: 'FP64', shape: [n, 3] });
      expect(out.probabilities?.values).toEqual(expected.probabilities);
    }
    if (options.binary !== undefined) {
      expect(a.contentType).toBe(options.binary ? 'application/octet-stream' : 'application/json');
      expect(a.headers['inference-header-content-length'] !== undefined).toBe(options.binary);
    }
    expect(a.headers['x-model-name']).toBe(NAME);
  };

const GOOD: V2Case[] = [
  {
    name: 'server metadata (GET /v2)',
    ...get('/v2'),
    status: 200,
    check: (a) =>
      expect(JSON.parse(a.body)).toEqual({
        name: 'modelgate',
        version: VERSION,
        extensions: ['binary_tensor_data'],
      }),
  },
  {
    name: 'server live',
    ...get('/v2/health/live'),
    status: 200,
    check: (a) => expect(JSON.parse(a.body)).toEqual({ live: true }),
  },
  {
    name: 'server ready',
    ...get('/v2/health/ready'),
    status: 200,
    check: (a) => expect(JSON.parse(a.body)).toEqual({ ready: true }),
  },
  ...[`/v2/models/${NAME}`, `/v2/models/${NAME}/versions/${V}`].map(
    (path): V2Case => ({
      name: `model metadata at ${path.replace(V, '{version}')}`,
      ...get(path),
      status: 200,
      check: (a) => {
        const m = JSON.parse(a.body);
        expect(m).toMatchObject({
          name: NAME,
          versions: [V],
          platform: 'onnxruntime',
          inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
          outputs: [
            { name: 'label', datatype: 'BYTES', shape: [-1] },
            { name: 'probabilities', datatype: 'FP64', shape: [-1, 3] },
          ],
        });
        expect(JSON.parse(m.parameters.classes)).toEqual(predictor.card.classes);
        expect(JSON.parse(m.parameters.features)).toEqual(FEATURES);
      },
    }),
  ),
  ...[`/v2/models/${NAME}/ready`, `/v2/models/${NAME}/versions/${V}/ready`].map(
    (path): V2Case => ({
      name: `model ready at ${path.replace(V, '{version}')}`,
      ...get(path),
      status: 200,
      check: (a) => expect(JSON.parse(a.body)).toEqual({ name: NAME, ready: true }),
    }),
  ),
  {
    name: 'one [N, F] FP32 tensor, flat data, with an id',
    ...post({ id: 'req-1', inputs: [matrix(ROWS)] }),
    status: 200,
    check: answers(EXPECTED, { id: 'req-1', binary: false }),
  },
  {
    name: 'the same at /versions/{version}/infer',
    ...post({ inputs: [matrix(ROWS)] }, `/v2/models/${NAME}/versions/${V}/infer`),
    status: 200,
    check: answers(EXPECTED),
  },
  {
    name: 'nested data (the natural representation)',
    ...post({ inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP64', data: ROWS }] }),
    status: 200,
    check: answers(),
  },
  {
    name: 'one [N] tensor per feature, named as the feature',
    ...post({
      inputs: FEATURES.map((f, j) => ({
        name: f,
        shape: [3],
        datatype: 'FP64',
        data: ROWS.map((r) => r[j]),
      })),
    }),
    status: 200,
    check: answers(),
  },
  {
    name: 'one [N, 1] tensor per feature, in another order',
    ...post({
      inputs: [...FEATURES.keys()]
        .reverse()
        .map((j) => ({ name: FEATURES[j], shape: [3, 1], datatype: 'FP32', data: ROWS.map((r) => [r[j]]) })),
    }),
    status: 200,
    check: answers(),
  },
  {
    name: 'outputs selection: probabilities only',
    ...post({ inputs: [matrix(ROWS)], outputs: [{ name: 'probabilities' }] }),
    status: 200,
    check: answers(EXPECTED, { only: ['probabilities'] }),
  },
  {
    name: 'outputs selection in the order asked',
    ...post({ inputs: [matrix(ROWS)], outputs: [{ name: 'probabilities' }, { name: 'label' }] }),
    status: 200,
    check: answers(EXPECTED, { only: ['probabilities', 'label'] }),
  },
  {
    name: 'parameters.binary_data_output: every output in binary',
    ...post({ inputs: [matrix(ROWS)], parameters: { binary_data_output: true } }),
    status: 200,
    check: answers(EXPECTED, { binary: true }),
  },
  {
    name: "an output's binary_data overrides binary_data_output",
    ...post({
      inputs: [matrix(ROWS)],
      parameters: { binary_data_output: true },
      outputs: [{ name: 'label', parameters: { binary_data: false } }, { name: 'probabilities' }],
    }),
    status: 200,
    check: (a) => {
      answers(EXPECTED, { binary: true })(a);
      const { outputs } = decodeAnswer(a.headers, a.raw);
      expect(outputs.map((o) => o.binary)).toEqual([false, true]);
    },
  },
  {
    name: 'integer datatypes for numeric features',
    ...post({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'INT64', data: [6, 3, 5, 2] }] }),
    status: 200,
    check: (a) => expect(outputsOf(a).label?.values).toHaveLength(1),
  },
  {
    name: 'unknown request parameters (tritonclient priority, timeout) are ignored',
    ...post({ inputs: [matrix(ROWS)], parameters: { priority: 1, timeout: 1000 } }),
    status: 200,
    check: answers(),
  },
  {
    name: 'parameters, data and outputs as null (kserve to_dict)',
    ...post({ id: 'k', parameters: null, inputs: [{ ...matrix(ROWS), parameters: null }], outputs: null }),
    status: 200,
    check: answers(EXPECTED, { id: 'k' }),
  },
  {
    name: 'MLServer pandas codec: content_type "pd" and "np" parameters',
    ...post({
      parameters: { content_type: 'pd' },
      inputs: FEATURES.map((f, j) => ({
        name: f,
        shape: [3, 1],
        datatype: 'FP64',
        parameters: { content_type: 'np' },
        data: ROWS.map((r) => r[j]),
      })),
    }),
    status: 200,
    check: answers(),
  },
  {
    name: 'tritonclient, binary inputs (set_data_from_numpy default), no outputs named: all binary',
    ...tritonRequest(NAME, [{ name: 'input', shape: [3, 4], datatype: 'FP32', values: ROWS.flat() }]),
    status: 200,
    check: answers(EXPECTED, { binary: true }),
  },
  {
    name: 'tritonclient, binary FP64 inputs per feature, outputs named (binary by default), with an id',
    ...tritonRequest(
      NAME,
      FEATURES.map((f, j) => ({
        name: f,
        shape: [3, 1],
        datatype: 'FP64' as const,
        values: ROWS.map((r) => r[j] as number),
      })),
      { id: '7', outputs: [{ name: 'label' }, { name: 'probabilities', binary: false }] },
    ),
    status: 200,
    check: (a) => {
      answers(EXPECTED, { binary: true, id: '7' })(a);
      expect(decodeAnswer(a.headers, a.raw).outputs.map((o) => o.binary)).toEqual([true, false]);
    },
  },
  {
    name: 'tritonclient, JSON inputs (binary_data=False), JSON outputs',
    ...tritonRequest(
      NAME,
      [{ name: 'input', shape: [3, 4], datatype: 'FP32', values: ROWS.flat(), binary: false }],
      {
        outputs: [
          { name: 'label', binary: false },
          { name: 'probabilities', binary: false },
        ],
      },
    ),
    status: 200,
    check: answers(EXPECTED, { binary: false }),
  },
  {
    name: 'kserve InferenceRESTClient, binary inputs (octet-stream, model_name, uuid id)',
    ...kserveRequest(NAME, [{ name: 'input-0', shape: [3, 4], datatype: 'FP32', values: ROWS.flat() }], {
      id: '0b5e7f3e-9c1d-4a57-8d0e-3c9f1f3a2b11',
    }),
    status: 200,
    check: answers(EXPECTED, { id: '0b5e7f3e-9c1d-4a57-8d0e-3c9f1f3a2b11', binary: false }),
  },
  {
    name: 'kserve InferenceRESTClient, JSON inputs, binary outputs asked',
    ...kserveRequest(
      NAME,
      [{ name: 'input-0', shape: [3, 4], datatype: 'FP64', values: ROWS.flat(), binary: false }],
      {
        id: 'x',
        outputs: [
          { name: 'label', binary: true },
          { name: 'probabilities', binary: true },
        ],
      },
    ),
    status: 200,
    check: answers(EXPECTED, { id: 'x', binary: true }),
  },
  // Every numeric datatype, in JSON and in binary, answers what the same numbers answer natively.
  ...(
    ['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP32', 'FP64'] as Datatype[]
  ).flatMap((datatype): V2Case[] => [
    {
      name: `${datatype} in JSON`,
      ...post({ inputs: [{ name: 'input', shape: [1, 4], datatype, data: [6, 3, 5, 2] }] }),
      status: 200,
      check: (a) => expect(outputsOf(a).label?.values).toEqual(INTEGER_ROW.labels),
    },
    {
      name: `${datatype} in binary`,
      ...tritonRequest(NAME, [{ name: 'input', shape: [1, 4], datatype, values: [6, 3, 5, 2] }]),
      status: 200,
      check: (a) => {
        const out = outputsOf(a);
        expect(out.label?.values).toEqual(INTEGER_ROW.labels);
        expect(out.probabilities?.values).toEqual(INTEGER_ROW.probabilities);
      },
    },
  ]),
];

const bad = (name: string, sent: Sent, status: number, message: RegExp): V2Case => ({
  name,
  ...sent,
  status,
  message,
});
const binary = (header: unknown, tensors: Uint8Array[], headerLength?: string): Sent => {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  return {
    method: 'POST',
    path: INFER,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': headerLength ?? String(json.length),
    },
    binary: Buffer.concat([json, ...tensors]),
    needsHttp: true,
  };
};
const f32 = (values: number[]) => npBytes('FP32', values);
const one = (input: Record<string, unknown>) => post({ inputs: [input] });

const BAD: V2Case[] = [
  bad('an unknown model', get('/v2/models/nope'), 404, /no model named "nope"; this endpoint serves "iris"/),
  bad(
    'an unknown model, infer',
    post({ inputs: [matrix(ROWS)] }, '/v2/models/nope/infer'),
    404,
    /no model named "nope"/,
  ),
  bad(
    'a wrong version',
    get(`/v2/models/${NAME}/versions/9`),
    404,
    new RegExp(`has no version "9"; it serves version "${V}"`),
  ),
  bad(
    'a wrong version, infer',
    post({ inputs: [matrix(ROWS)] }, `/v2/models/${NAME}/versions/9/infer`),
    404,
    /no version "9"/,
  ),
  bad('GET on infer', get(INFER), 405, /GET is not allowed/),
  bad('POST on model metadata', post({}, `/v2/models/${NAME}`), 405, /POST is not allowed/),
  bad(
    'an unknown V2 path (never a modelgate prediction)',
    post({ inputs: [] }, `/v2/models/${NAME}/predict`),
    404,
    /no route/,
  ),
  bad('not JSON', post('{"inputs": ['), 400, /not valid JSON/),
  bad('an empty body', post(''), 400, /empty/),
  bad('a JSON array', post('[1]'), 400, /must be a JSON object/),
  bad('no inputs', post({}), 400, /"inputs" must be a non-empty array/),
  bad('inputs empty', post({ inputs: [] }), 400, /"inputs" must be a non-empty array/),
  bad('inputs an object', post({ inputs: {} }), 400, /"inputs" must be a non-empty array/),
  bad('an unknown request field', post({ inputs: [matrix(ROWS)], input: 1 }), 400, /unknown field "input"/),
  bad('an id that is a number', post({ id: 42, inputs: [matrix(ROWS)] }), 400, /"id" must be a string/),
  bad(
    'model_name of another model',
    post({ model_name: 'other', inputs: [matrix(ROWS)] }),
    400,
    /"model_name" is "other"/,
  ),
  bad(
    'parameters not an object',
    post({ parameters: [1], inputs: [matrix(ROWS)] }),
    400,
    /"parameters" must be an object/,
  ),
  bad(
    'binary_data_output a string',
    post({ parameters: { binary_data_output: 'yes' }, inputs: [matrix(ROWS)] }),
    400,
    /binary_data_output must be true or false/,
  ),
  bad('an input that is a string', post({ inputs: ['x'] }), 400, /input 0 must be an object/),
  bad(
    'an input without a name',
    one({ shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }),
    400,
    /"name" must be a non-empty string/,
  ),
  bad('an unknown input field', one({ ...matrix(ROWS), contents: {} }), 400, /unknown field "contents"/),
  bad(
    'datatype FP16',
    one(matrix(ROWS, 'FP16')),
    400,
    /datatype "FP16" is not one modelgate takes.*half precision/,
  ),
  bad('datatype in lower case', one(matrix(ROWS, 'fp32')), 400, /datatype "fp32" is not one/),
  bad('datatype a number', one(matrix(ROWS, 1 as unknown as string)), 400, /datatype a number/),
  bad('shape not an array', one({ ...matrix(ROWS), shape: 12 }), 400, /"shape" must be an array/),
  bad('shape of rank 3', one({ ...matrix(ROWS), shape: [3, 2, 2] }), 400, /has 3 dimensions/),
  bad('shape empty', one({ ...matrix(ROWS), shape: [] }), 400, /has 0 dimensions/),
  bad('a negative dimension', one({ ...matrix(ROWS), shape: [-3, 4] }), 400, /non-negative integer, got -3/),
  bad(
    'a fractional dimension',
    one({ ...matrix(ROWS), shape: [1.5, 4] }),
    400,
    /non-negative integer, got 1.5/,
  ),
  bad(
    'a dimension as a string',
    one({ ...matrix(ROWS), shape: ['3', 4] }),
    400,
    /non-negative integer, got "3"/,
  ),
  bad(
    'a shape whose product overflows',
    one({ ...matrix(ROWS), shape: [2 ** 52, 2 ** 52] }),
    413,
    /more than .* values, the limit/,
  ),
  bad(
    'a shape over the row limit',
    one({ name: 'x', shape: [101, 4], datatype: 'FP32', data: Array(404).fill(1) }),
    413,
    /101 rows, over the limit of 100/,
  ),
  bad('zero rows', one({ name: 'x', shape: [0, 4], datatype: 'FP32', data: [] }), 400, /no rows/),
  bad(
    'data shorter than the shape',
    one({ ...matrix(ROWS), data: [1, 2, 3] }),
    400,
    /"data" holds 3 values, its shape \[3, 4\] 12/,
  ),
  bad(
    'data longer than the shape',
    one({ ...matrix(ROWS), data: Array(13).fill(1) }),
    400,
    /holds more than 12 values/,
  ),
  bad(
    'data nested deeper than the shape',
    one({ ...matrix(ROWS), data: [[[1, 2, 3, 4]], [[1, 2, 3, 4]], [[1, 2, 3, 4]]] }),
    400,
    /nested deeper than its shape/,
  ),
  bad(
    'data very deeply nested',
    post(
      `{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": ${'['.repeat(5000)}1${']'.repeat(5000)}}]}`,
    ),
    400,
    /nested deeper/,
  ),
  bad('data not an array', one({ ...matrix(ROWS), data: 'abc' }), 400, /"data" must be an array/),
  bad('no data', one({ name: 'x', shape: [1, 4], datatype: 'FP32' }), 400, /has no "data"/),
  bad(
    'a string in FP32 data',
    one({ ...matrix([[1, 2, 3, 4]]), data: [1, '2', 3, 4] }),
    400,
    /value 1 is a string, not a FP32 element/,
  ),
  bad(
    'a boolean in FP64 data',
    one({ ...matrix([[1, 2, 3, 4]], 'FP64'), data: [1, true, 3, 4] }),
    400,
    /value 1 is a boolean/,
  ),
  bad(
    'a fraction in INT32 data',
    one({ ...matrix([[1, 2, 3, 4]], 'INT32'), data: [1, 2.5, 3, 4] }),
    400,
    /value 1 \(2.5\) is not an integer within the range of INT32/,
  ),
  bad(
    '300 in UINT8 data',
    one({ ...matrix([[1, 2, 3, 4]], 'UINT8'), data: [1, 300, 3, 4] }),
    400,
    /\(300\) is not an integer within the range of UINT8/,
  ),
  bad(
    '-1 in UINT32 data',
    one({ ...matrix([[1, 2, 3, 4]], 'UINT32'), data: [1, -1, 3, 4] }),
    400,
    /\(-1\) is not an integer within the range of UINT32/,
  ),
  bad(
    'a number in BOOL data',
    one({ ...matrix([[1, 2, 3, 4]], 'BOOL'), data: [1, 0, 1, 0] }),
    400,
    /value 0 is a number, not a BOOL element/,
  ),
  bad(
    'BOOL for numeric features',
    one({ ...matrix([[1, 2, 3, 4]], 'BOOL'), data: [true, false, true, false] }),
    400,
    /feature "sepal_length": expected a number or null, got a boolean/,
  ),
  bad(
    'BYTES for numeric features',
    one({ ...matrix([[1, 2, 3, 4]], 'BYTES'), data: ['1', '2', '3', '4'] }),
    400,
    /expected a number or null, got a string/,
  ),
  bad(
    'a null for a model without an imputer',
    one({ ...matrix([[1, 2, 3, 4]]), data: [1, null, 3, 4] }),
    400,
    /row 0, feature "sepal_width" is missing, and this model has no imputer/,
  ),
  bad(
    '[N, 3] for a model of 4 features',
    one({ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }),
    400,
    /has shape \[1, 3\]; send one \[rows, 4\] tensor/,
  ),
  bad(
    'an [N] tensor not named as a feature',
    one({ name: 'x', shape: [4], datatype: 'FP32', data: [1, 2, 3, 4] }),
    400,
    /has shape \[4\]; send one \[rows, 4\] tensor/,
  ),
  bad(
    'per-feature inputs with an unknown name',
    post({
      inputs: [
        { name: 'sepal_length', shape: [1], datatype: 'FP32', data: [1] },
        { name: 'petal', shape: [1], datatype: 'FP32', data: [1] },
      ],
    }),
    400,
    /the inputs "petal" name no feature/,
  ),
  bad(
    'per-feature inputs, a feature left out (no imputer)',
    post({ inputs: FEATURES.slice(1).map((f) => ({ name: f, shape: [1], datatype: 'FP32', data: [1] })) }),
    400,
    /row 0, feature "sepal_length" is missing/,
  ),
  bad(
    'per-feature inputs of different lengths',
    post({
      inputs: FEATURES.map((f, j) => ({
        name: f,
        shape: [j === 2 ? 2 : 1],
        datatype: 'FP32',
        data: j === 2 ? [1, 2] : [1],
      })),
    }),
    400,
    /different numbers of rows/,
  ),
  bad(
    'the same input twice',
    post({
      inputs: [
        { name: 'sepal_length', shape: [1], datatype: 'FP32', data: [1] },
        { name: 'sepal_length', shape: [1], datatype: 'FP32', data: [1] },
      ],
    }),
    400,
    /the input "sepal_length" is given twice/,
  ),
  bad(
    'an unknown output',
    post({ inputs: [matrix(ROWS)], outputs: [{ name: 'output0' }] }),
    400,
    /no output "output0"; its outputs are label, probabilities/,
  ),
  bad(
    'an output twice',
    post({ inputs: [matrix(ROWS)], outputs: [{ name: 'label' }, { name: 'label' }] }),
    400,
    /asked for twice/,
  ),
  bad(
    'outputs an object',
    post({ inputs: [matrix(ROWS)], outputs: { name: 'label' } }),
    400,
    /"outputs" must be an array/,
  ),
  bad(
    'binary_data a number',
    post({ inputs: [matrix(ROWS)], outputs: [{ name: 'label', parameters: { binary_data: 1 } }] }),
    400,
    /binary_data must be true or false/,
  ),
  bad(
    'the classification extension',
    post({ inputs: [matrix(ROWS)], outputs: [{ name: 'label', parameters: { classification: 2 } }] }),
    400,
    /classification extension is not supported/,
  ),
  bad(
    'an input in shared memory (tritonclient set_shared_memory)',
    one({
      name: 'x',
      shape: [1, 4],
      datatype: 'FP32',
      parameters: { shared_memory_region: 'r', shared_memory_byte_size: 16 },
    }),
    400,
    /shared memory extension is not supported/,
  ),
  bad(
    'an output to shared memory',
    post({ inputs: [matrix(ROWS)], outputs: [{ name: 'label', parameters: { shared_memory_region: 'r' } }] }),
    400,
    /shared memory extension is not supported/,
  ),
  bad(
    'content_type base64',
    one({ ...matrix(ROWS), parameters: { content_type: 'base64' } }),
    400,
    /content_type "base64" is not supported/,
  ),
  bad(
    'a body over the size limit',
    post({ inputs: [matrix(ROWS)], pad: 'x'.repeat(20_000) }),
    413,
    /over the limit of 16384 bytes/,
  ),
  // The binary tensor data extension.
  bad(
    'Inference-Header-Content-Length not a number',
    binary({ inputs: [] }, [], 'abc'),
    400,
    /must be a byte count, got "abc"/,
  ),
  bad(
    'Inference-Header-Content-Length negative',
    binary({ inputs: [] }, [], '-5'),
    400,
    /must be a byte count, got "-5"/,
  ),
  bad(
    'Inference-Header-Content-Length beyond the body',
    binary({ inputs: [] }, [], '99999'),
    400,
    /says the JSON is 99999 bytes, but the body is/,
  ),
  bad(
    'Inference-Header-Content-Length 0 (raw binary)',
    binary('', [f32([1, 2, 3, 4])], '0'),
    400,
    /is 0 \(a raw binary tensor/,
  ),
  bad(
    'Inference-Header-Content-Length cutting the JSON',
    binary({ inputs: [matrix(ROWS)] }, [], '10'),
    400,
    /not valid JSON/,
  ),
  bad(
    'a header that is not UTF-8',
    { ...binary('', [], '2'), binary: Uint8Array.from([0xc3, 0x28]) },
    400,
    /not valid UTF-8/,
  ),
  bad(
    'binary_data_size without the header',
    one({ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }),
    400,
    /has parameters.binary_data_size, but the request has no Inference-Header-Content-Length/,
  ),
  bad(
    'binary_data_size negative',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: -16 } }] },
      [f32([1, 2, 3, 4])],
    ),
    400,
    /binary_data_size must be a non-negative integer, got -16/,
  ),
  bad(
    'binary_data_size a string',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: '16' } }] },
      [f32([1, 2, 3, 4])],
    ),
    400,
    /binary_data_size must be a non-negative integer, got "16"/,
  ),
  bad(
    'binary_data_size huge',
    binary(
      {
        inputs: [
          { name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 2 ** 53 - 1 } },
        ],
      },
      [f32([1, 2, 3, 4])],
    ),
    400,
    /goes past the end of the body/,
  ),
  bad(
    'binary_data_size and data both',
    binary({ inputs: [{ ...matrix([[1, 2, 3, 4]]), parameters: { binary_data_size: 16 } }] }, [
      f32([1, 2, 3, 4]),
    ]),
    400,
    /has both "data" and parameters.binary_data_size/,
  ),
  bad(
    "binary_data_size not the shape's bytes",
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 12 } }] },
      [f32([1, 2, 3])],
    ),
    400,
    /binary_data_size is 12 bytes, but 4 FP32 values \(shape \[1, 4\]\) are 16/,
  ),
  bad(
    'bytes left after the tensors',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] },
      [f32([1, 2, 3, 4]), Uint8Array.from([1])],
    ),
    400,
    /holds 1 bytes after the JSON header/,
  ),
  bad(
    'a BOOL byte that is 2',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BOOL', parameters: { binary_data_size: 4 } }] },
      [Uint8Array.from([0, 1, 2, 0])],
    ),
    400,
    /BOOL element 2 is the byte 2/,
  ),
  bad(
    'NaN in FP32 for a model that takes no missing value',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] },
      [f32([1, Number.NaN, 3, 4])],
    ),
    400,
    /feature "sepal_width" is missing, and this model has no imputer/,
  ),
  bad(
    'Infinity in FP64',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP64', parameters: { binary_data_size: 32 } }] },
      [npBytes('FP64', [1, Number.POSITIVE_INFINITY, 3, 4])],
    ),
    400,
    /feature "sepal_width": the number is out of range \(not finite\)/,
  ),
  bad(
    'BYTES of invalid UTF-8',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BYTES', parameters: { binary_data_size: 6 } }] },
      [Uint8Array.from([2, 0, 0, 0, 0xc3, 0x28])],
    ),
    400,
    /element 0 is not valid UTF-8/,
  ),
  bad(
    'a BYTES length beyond the tensor',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BYTES', parameters: { binary_data_size: 5 } }] },
      [Uint8Array.from([255, 255, 255, 255, 65])],
    ),
    400,
    /element 0 says it is 4294967295 bytes, beyond the tensor's end/,
  ),
  bad(
    'too few BYTES elements',
    binary(
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BYTES', parameters: { binary_data_size: 5 } }] },
      [Uint8Array.from([1, 0, 0, 0, 65])],
    ),
    400,
    /hold 1 BYTES elements, its shape \[1, 4\] 4/,
  ),
];

// A direct invoke has no path: it is always a modelgate prediction.
const HTTP_TRANSPORTS = transports.list.filter((t) => !t.name.includes('direct invoke'));

describe.each(HTTP_TRANSPORTS)('KServe V2 through $name', (t) => {
  it.each(GOOD.filter(t.supports).map((c) => [c.name, c] as const))('answers: %s', async (_, c) => {
    const a = await t.send(c);
    expect(a.status, a.body).toBe(c.status);
    c.check?.(a);
  });

  it.each(BAD.filter(t.supports).map((c) => [c.name, c] as const))('refuses: %s', async (_, c) => {
    const a = await t.send(c);
    expect(a.status, a.body).toBe(c.status);
    expect(a.contentType).toBe('application/json');
    const body = JSON.parse(a.body) as { error: unknown };
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body.error).toBe('string');
    if (c.message) expect(body.error).toMatch(c.message);
  });
});

describe('readiness', () => {
  it('is a 503 {"error"} while the model loads, and after it failed, for the server and the model', async () => {
    for (const status of [{ state: 'loading' as const }, { state: 'failed' as const, reason: 'bad file' }]) {
      const core = new Core(() => status);
      for (const path of [
        '/v2/health/ready',
        '/v2/models/model/ready',
        '/v2/models/model',
        '/v2/models/model/infer',
      ]) {
        const r = await core.handle({
          method: path.endsWith('infer') ? 'POST' : 'GET',
          path,
          headers: {},
          body: '{}',
        });
        expect(r.status, path).toBe(503);
        const body = JSON.parse(r.body) as { error: string };
        expect(body.error).toMatch(
          status.state === 'loading' ? /still loading/ : /failed to load; the reason is in the server log/,
        );
        expect(r.body).not.toMatch(/bad file/);
      }
      const live = await core.handle({ method: 'GET', path: '/v2/health/live', headers: {} });
      expect(live.status).toBe(200);
    }
  });
});

describe('every transport', () => {
  it('carries every case (the core, five Lambda event shapes, the HTTP server)', () => {
    expect(HTTP_TRANSPORTS.length).toBe(6);
    for (const t of HTTP_TRANSPORTS) {
      expect(GOOD.filter(t.supports).length, t.name).toBe(GOOD.length);
      expect(BAD.filter(t.supports).length, t.name).toBe(BAD.length);
    }
  });

  it('answers ROW0 the same as the modelgate protocol', async () => {
    const a = await transports.list[0]?.send(post({ inputs: [matrix([ROWS[0] as number[]])] }));
    answers(ROW0)(a as Answer);
  });
});
