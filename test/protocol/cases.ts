// The protocol suite's cases: every adapter must answer these the same way (protocol.md).
import { REFERENCE_ROW } from '../helpers/models.js';
import type { Sent } from './transports.js';

/** The limits every adapter under test is configured with. */
export const LIMITS = { maxBodyBytes: 16_384, maxRows: 100 };

export interface Case extends Sent {
  name: string;
  status: number;
  /** Error cases: the error's type, and what its message must say. */
  type?: string;
  message?: RegExp;
  check?: (body: Record<string, unknown>) => void;
}

const row = (values: unknown[]) => JSON.stringify({ input: [values] });
const good = JSON.stringify(REFERENCE_ROW);

export const GOOD: Case[] = [
  {
    name: 'the reference request',
    body: good,
    status: 200,
    check: (b) => {
      const p = b.prediction as { label: string; probability: number };
      if (
        p.label !== 'virginica' ||
        !(p.probability > 0.99) ||
        p.probability !== Math.round(p.probability * 1e4) / 1e4
      ) {
        throw new Error(`unexpected answer ${JSON.stringify(b)}`);
      }
    },
  },
  {
    name: 'scikit-learn-lambda: {"input": [[0, 0, 0, 0]]}',
    body: '{"input": [[0, 0, 0, 0]]}',
    status: 200,
    check: (b) => {
      const keys = Object.keys(b).join();
      const pred = b.prediction as unknown[];
      if (keys !== 'prediction' || pred.length !== 1 || typeof pred[0] !== 'string')
        throw new Error(JSON.stringify(b));
    },
  },
  {
    name: 'scikit-learn-lambda with return_probabilities',
    body: '{"input": [[0, 0, 0, 0]], "return_probabilities": true}',
    status: 200,
    check: (b) => {
      const probs = b.probabilities as Record<string, number>[];
      const sum = Object.values(probs[0]).reduce((a, v) => a + v, 0);
      if (Object.keys(probs[0]).join() !== 'setosa,versicolor,virginica' || Math.abs(sum - 1) > 1e-6) {
        throw new Error(JSON.stringify(b));
      }
    },
  },
  {
    name: 'instances',
    body: JSON.stringify({
      instances: [REFERENCE_ROW, { ...REFERENCE_ROW, petal_length: 1.4, petal_width: 0.2 }],
    }),
    status: 200,
    check: (b) => {
      const p = b.predictions as { label: string }[];
      if (p.length !== 2 || p[0].label !== 'virginica') throw new Error(JSON.stringify(b));
    },
  },
  { name: 'POST /predict', path: '/predict', body: good, status: 200, needsHttp: true },
  {
    name: 'JSON with a charset',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: good,
    status: 200,
    needsHttp: true,
  },
  {
    name: "curl -d's default content type",
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: good,
    status: 200,
    needsHttp: true,
  },
  { name: 'a base64-encoded body', base64: Buffer.from(good).toString('base64'), status: 200 },
  {
    name: 'GET /health',
    method: 'GET',
    path: '/health',
    status: 200,
    needsHttp: true,
    check: (b) => {
      if (b.status !== 'ok') throw new Error(JSON.stringify(b));
    },
  },
  { name: 'GET /ready', method: 'GET', path: '/ready', status: 200, needsHttp: true },
  {
    name: 'GET /metadata: the card and the input schema',
    method: 'GET',
    path: '/metadata',
    status: 200,
    needsHttp: true,
    check: (b) => {
      const card = b.card as { features: unknown[] };
      const schema = b.schema as { properties: Record<string, unknown> };
      if (card.features.length !== 4 || Object.keys(schema.properties).length !== 4)
        throw new Error(JSON.stringify(b));
    },
  },
];

const malformed = [
  '{',
  '}',
  '{"sepal_length": }',
  '{"sepal_length": 5.9,}',
  "{'sepal_length': 5.9}",
  '{sepal_length: 5.9}',
  '{"sepal_length": 5.9 "sepal_width": 3}',
  '{"input": [[1, 2, 3, 4]]]}',
  '{"input": [[1, 2, 3, 4]}',
  '[[1, 2, 3, 4]',
  'input=1,2,3,4',
  'sepal_length=5.9&sepal_width=3',
  '<xml/>',
  '{"a": 01}',
  '{"a": .5}',
  '{"a": +1}',
  '{"a": 0x10}',
  '{"a": "unterminated}',
  '{"a": "bad escape \\q"}',
  '{"a": tru}',
  '{"a": nul}',
  '{"input": [[1, 2, 3, 4]]} trailing',
  '{"input": [[1, 2, 3, 4]]}{"input": [[1, 2, 3, 4]]}',
];

const truncatedFrom = [
  good,
  '{"input": [[5.9, 3, 5.1, 1.8], [5.1, 3.5, 1.4, 0.2]], "return_probabilities": true}',
];
const truncated = truncatedFrom.flatMap((t) => [1, 5, 10, 20, t.length - 1].map((n) => t.slice(0, n)));

export const BAD: Case[] = [
  ...malformed.map((body) => ({
    name: `malformed JSON: ${body}`,
    body,
    status: 400,
    type: 'invalid_json',
    message: /not valid JSON/,
  })),
  ...truncated.map((body) => ({
    name: `truncated JSON: ${body}`,
    body,
    status: 400,
    type: 'invalid_json',
    message: /not valid JSON/,
  })),
  { name: 'empty body', body: '', status: 400, type: 'invalid_json', message: /the body is empty/ },
  { name: 'no body at all', status: 400, type: 'invalid_json', message: /the body is empty/ },
  {
    name: 'a body of spaces',
    body: '   \n ',
    status: 400,
    type: 'invalid_json',
    message: /the body is empty/,
  },
  ...['NaN', 'Infinity', '-Infinity', 'undefined'].map((lit) => ({
    name: `${lit} literal`,
    body: `{"input": [[${lit}, 3, 5.1, 1.8]]}`,
    status: 400,
    type: 'invalid_json',
    message: /not valid JSON/,
  })),
  ...['"5.9"', '"NaN"', '"Infinity"', '"-Infinity"', '"1e999"', '""', '" "', '"5,9"'].map((s) => ({
    name: `a string for a number: ${s}`,
    body: row([JSON.parse(s), 3, 5.1, 1.8]),
    status: 400,
    type: 'invalid_row',
    message: /row 0, feature "sepal_length": expected a number or null, got a string/,
  })),
  ...[true, false, {}, { v: 1 }, [1], []].map((v) => ({
    name: `a ${JSON.stringify(v)} for a number`,
    body: row([5.9, v, 5.1, 1.8]),
    status: 400,
    type: 'invalid_row',
    message: /row 0, feature "sepal_width": expected a number or null, got (a boolean|an object|an array)/,
  })),
  ...['1e999', '-1e999', '1e309', '-2e308'].map((n) => ({
    name: `a number that overflows: ${n}`,
    body: `{"input": [[5.9, 3, ${n}, 1.8]]}`,
    status: 400,
    type: 'invalid_row',
    message: /feature "petal_length": the number is out of range/,
  })),
  {
    name: 'an overflowing number in a named row',
    body: '{"sepal_length": 1e999, "sepal_width": 3, "petal_length": 5.1, "petal_width": 1.8}',
    status: 400,
    type: 'invalid_row',
    message: /feature "sepal_length": the number is out of range/,
  },
  ...[
    ['an array', '[5.9, 3, 5.1, 1.8]', /got an array/],
    ['an empty array', '[]', /got an array/],
    ['a string', '"hello"', /got a string/],
    ['a number', '42', /got a number/],
    ['true', 'true', /got a boolean/],
    ['null', 'null', /got null/],
  ].map(([what, body, message]) => ({
    name: `a non-object body: ${what}`,
    body: body as string,
    status: 400,
    type: 'invalid_request',
    message: message as RegExp,
  })),
  { name: 'an empty object', body: '{}', status: 400, type: 'invalid_request', message: /empty object/ },
  ...['sepal_lenght', 'Sepal_Length', 'sepal length', 'petal.width', ''].map((k) => ({
    name: `only an unknown key: ${JSON.stringify(k)}`,
    body: JSON.stringify({ [k]: 1 }),
    status: 400,
    type: 'invalid_request',
    message: new RegExp(
      `none of the model's features \\(got ${JSON.stringify(JSON.stringify(k)).slice(1, -1).replace(/[.]/g, '\\.')}`,
    ),
  })),
  ...['colour', 'petal_lenght', 'SEPAL_WIDTH'].map((k) => ({
    name: `an unknown feature beside good ones: ${k}`,
    body: JSON.stringify({ ...REFERENCE_ROW, [k]: 1 }),
    status: 400,
    type: 'unknown_feature',
    message: new RegExp(`unknown feature "${k}"`),
  })),
  {
    name: 'an unknown feature in a batch row object',
    body: JSON.stringify({ input: [REFERENCE_ROW, { ...REFERENCE_ROW, extra: 2 }] }),
    status: 400,
    type: 'unknown_feature',
    message: /row 1 has unknown feature "extra"/,
  },
  ...['sepal_length', 'petal_width'].map((f) => ({
    name: `a missing feature: ${f}`,
    body: JSON.stringify(Object.fromEntries(Object.entries(REFERENCE_ROW).filter(([k]) => k !== f))),
    status: 400,
    type: 'missing_feature',
    message: new RegExp(`feature "${f}" is missing, and this model has no imputer`),
  })),
  {
    name: 'a null feature',
    body: JSON.stringify({ ...REFERENCE_ROW, sepal_width: null }),
    status: 400,
    type: 'missing_feature',
    message: /feature "sepal_width" is missing/,
  },
  {
    name: 'a null in a batch row',
    body: row([5.9, null, 5.1, 1.8]),
    status: 400,
    type: 'missing_feature',
    message: /row 0, feature "sepal_width" is missing/,
  },
  ...[[], [1], [1, 2, 3], [1, 2, 3, 4, 5], Array.from({ length: 40 }, () => 1)].map((r) => ({
    name: `a row of ${r.length} values`,
    body: row(r),
    status: 400,
    type: 'invalid_row',
    message: new RegExp(
      `row 0 has ${r.length} values, the model expects 4 \\(sepal_length, sepal_width, petal_length, petal_width\\)`,
    ),
  })),
  ...[
    [
      [1, 2, 3, 4],
      [1, 2, 3],
    ],
    [[1, 2, 3, 4], [1, 2, 3, 4], [1]],
    [
      [1, 2, 3, 4],
      [1, 2, 3, 4, 5, 6],
    ],
  ].map((rows) => ({
    name: `a ragged batch of ${rows.map((r) => r.length).join('/')}`,
    body: JSON.stringify({ input: rows }),
    status: 400,
    type: 'invalid_row',
    message: /row \d+ has \d+ values, the model expects 4/,
  })),
  ...[5, 'abc', null, true].map((r) => ({
    name: `a batch row that is ${JSON.stringify(r)}`,
    body: JSON.stringify({ input: [[1, 2, 3, 4], r] }),
    status: 400,
    type: 'invalid_row',
    message: /row 1 must be an array of 4 numbers or an object keyed by feature name/,
  })),
  ...[
    ['an object', '{"a": 1}', /"input" must be an array of rows, got an object/],
    ['a string', '"rows"', /got a string/],
    ['a number', '4', /got a number/],
    ['null', 'null', /got null/],
  ].map(([what, v, message]) => ({
    name: `input is ${what}`,
    body: `{"input": ${v}}`,
    status: 400,
    type: 'invalid_request',
    message: message as RegExp,
  })),
  {
    name: 'empty input',
    body: '{"input": []}',
    status: 400,
    type: 'invalid_request',
    message: /"input" is empty/,
  },
  ...['"true"', '1', 'null', '[]', '{}'].map((v) => ({
    name: `return_probabilities is ${v}`,
    body: `{"input": [[1, 2, 3, 4]], "return_probabilities": ${v}}`,
    status: 400,
    type: 'invalid_request',
    message: /"return_probabilities" must be true or false/,
  })),
  {
    name: 'return_prediction is "false"',
    body: '{"input": [[1, 2, 3, 4]], "return_prediction": "false"}',
    status: 400,
    type: 'invalid_request',
    message: /"return_prediction" must be true or false, got a string/,
  },
  {
    name: 'both flags false',
    body: '{"input": [[1, 2, 3, 4]], "return_prediction": false, "return_probabilities": false}',
    status: 400,
    type: 'invalid_request',
    message: /both false: nothing to return/,
  },
  {
    name: 'a misspelt flag',
    body: '{"input": [[1, 2, 3, 4]], "return_probability": true}',
    status: 400,
    type: 'invalid_request',
    message: /unknown field "return_probability" beside "input"/,
  },
  ...[
    [
      'arrays',
      '{"instances": [[1, 2, 3, 4]]}',
      /instance 0 must be an object keyed by feature name, got an array/,
    ],
    ['a scalar', '{"instances": [1]}', /instance 0 must be an object/],
    ['an object', '{"instances": {"a": 1}}', /"instances" must be an array of rows/],
    ['empty', '{"instances": []}', /"instances" is empty/],
    ['beside another field', '{"instances": [{}], "x": 1}', /unknown field "x" beside "instances"/],
  ].map(([what, body, message]) => ({
    name: `instances: ${what}`,
    body: body as string,
    status: 400,
    message: message as RegExp,
  })),
  {
    name: 'too many rows',
    body: JSON.stringify({ input: Array.from({ length: 101 }, () => [1, 2, 3, 4]) }),
    status: 413,
    type: 'too_many_rows',
    message: /101 rows, over the limit of 100/,
  },
  {
    name: 'too many instances',
    body: JSON.stringify({ instances: Array.from({ length: 150 }, () => REFERENCE_ROW) }),
    status: 413,
    type: 'too_many_rows',
    message: /150 rows, over the limit of 100/,
  },
  {
    name: 'a body over the limit',
    body: JSON.stringify({ input: [[1, 2, 3, 4]], pad: 'x'.repeat(20_000) }),
    status: 413,
    type: 'body_too_large',
    message: /over the limit of 16384 bytes/,
  },
  {
    name: 'a body far over the limit',
    body: `{"input": [${Array.from({ length: 5000 }, () => '[1.5, 2.5, 3.5, 4.5]').join(',')}]}`,
    status: 413,
    type: 'body_too_large',
    message: /over the limit of 16384 bytes/,
  },
  ...[
    'text/csv',
    'application/xml',
    'multipart/form-data; boundary=x',
    'image/png',
    'application/octet-stream',
  ].map((ct) => ({
    name: `content type ${ct}`,
    headers: { 'content-type': ct },
    body: good,
    status: 415,
    type: 'unsupported_media_type',
    message: /send application\/json/,
    needsHttp: true,
  })),
  ...['GET', 'PUT', 'DELETE', 'PATCH'].map((method) => ({
    name: `${method} /predict`,
    method,
    path: '/predict',
    body: method === 'GET' || method === 'DELETE' ? undefined : good,
    status: 405,
    type: 'method_not_allowed',
    message: new RegExp(`${method} is not allowed on (/prod)?/predict; use POST`),
    needsHttp: true,
  })),
  ...['POST', 'PUT', 'DELETE'].map((method) => ({
    name: `${method} /health`,
    method,
    path: '/health',
    body: method === 'DELETE' ? undefined : good,
    status: 405,
    type: 'method_not_allowed',
    message: /is not allowed on (\/prod)?\/health; use GET/,
    needsHttp: true,
  })),
  ...['/nope', '/predictions', '/v1/models/iris:predict', '/predict/extra'].map((path) => ({
    name: `unknown path ${path}`,
    path,
    body: good,
    status: 404,
    type: 'not_found',
    message: /no route for/,
    needsHttp: true,
    strictRouting: true,
  })),
  ...['!!!notbase64!!!', 'abc', 'e3sie30='.replace('=', '==='), '%%%%'].map((b64) => ({
    name: `base64 garbage: ${b64}`,
    base64: b64,
    status: 400,
    type: 'invalid_body',
    message: /not valid base64/,
  })),
  {
    name: 'base64 of bytes that are not UTF-8',
    base64: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64'),
    status: 400,
    type: 'invalid_body',
    message: /not valid UTF-8/,
  },
  {
    name: 'base64 of something that is not JSON',
    base64: Buffer.from('hello world').toString('base64'),
    status: 400,
    type: 'invalid_json',
    message: /not valid JSON/,
  },
  ...[
    '{"__proto__": {"polluted": 1}, "sepal_length": 1}',
    '{"__proto__": 5.9}',
    '{"constructor": {"prototype": {"x": 1}}, "sepal_length": 1}',
    '{"constructor": 1}',
    '{"input": [{"__proto__": 1, "sepal_length": 1}]}',
    '{"instances": [{"constructor": 1}]}',
    '{"toString": 1, "sepal_length": 2}',
    '{"hasOwnProperty": 1, "sepal_length": 2}',
  ].map((body) => ({
    name: `prototype keys: ${body}`,
    body,
    status: 400,
    message: /__proto__|constructor|toString|hasOwnProperty/,
  })),
  ...[1000, 3000].map((depth) => ({
    name: `deeply nested arrays (${depth})`,
    body: `{"input": ${'['.repeat(depth)}${']'.repeat(depth)}}`,
    status: 400,
    type: 'invalid_row',
    message: /row 0 has 1 values/,
  })),
  {
    name: 'deeply nested objects',
    body: `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`,
    status: 400,
    type: 'invalid_request',
    message: /none of the model's features/,
  },
  {
    name: 'a deeply nested feature value',
    body: JSON.stringify({
      ...REFERENCE_ROW,
      sepal_length: JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`),
    }),
    status: 400,
    type: 'invalid_row',
    message: /feature "sepal_length": expected a number or null, got an array/,
  },
];
