// Typed features through every adapter: the core, the Lambda handler for every event shape, and the
// live HTTP server answer mixed rows (a number, a boolean, a category sent as a string) the same way,
// and refuse each kind of wrong value with the same 400, naming the feature.
import { afterAll, describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { twoInputs } from '../helpers/graphs.js';
import type { Case } from './cases.js';
import { startTransports, type Transports } from './transports.js';

const predictor = await Predictor.load(twoInputs(), { batching: true });
const serverLog: Record<string, unknown>[] = [];
const transports: Transports = await startTransports(predictor, { maxRows: 100 }, (l) => serverLog.push(l));

afterAll(async () => {
  await transports.close();
  await predictor.release();
});

/** value = x0 + x1 + {a: 10, b: 20, c: 30}[color] (test/helpers/graphs.ts, twoInputs). */
const answers = (expected: unknown) => (b: Record<string, unknown>) => {
  expect(b).toEqual(expected);
};

const GOOD: Case[] = [
  {
    name: 'a named row of a number, a boolean and a category',
    body: '{"x0": 1.5, "x1": true, "color": "b"}',
    status: 200,
    check: answers({ prediction: { value: 22.5 } }),
  },
  {
    name: 'the column spelling of a feature',
    body: '{"x0": 1, "x1": false, "Color": "c"}',
    status: 200,
    check: answers({ prediction: { value: 31 } }),
  },
  {
    name: 'positional rows of mixed types',
    body: '{"input": [[1, true, "a"], [2, false, "c"]]}',
    status: 200,
    check: answers({ prediction: [12, 32] }),
  },
  {
    name: 'instances of mixed types',
    body: '{"instances": [{"x0": 0, "x1": true, "color": "a"}, {"x0": 0, "x1": false, "color": "b"}]}',
    status: 200,
    check: answers({ predictions: [{ value: 11 }, { value: 20 }] }),
  },
];

const bad = (name: string, body: string, type: string, message: RegExp): Case => ({
  name,
  body,
  status: 400,
  type,
  message,
});

const BAD: Case[] = [
  bad(
    'an unknown category',
    '{"x0": 1, "x1": true, "color": "purple"}',
    'unknown_category',
    /feature "color": "purple" is not one of the categories this model takes \("a", "b", "c"\)/,
  ),
  bad(
    'a number for a category of text',
    '{"x0": 1, "x1": true, "color": 7}',
    'invalid_row',
    /feature "color": expected a category \(a string\), got a number/,
  ),
  bad(
    'a string for a number',
    '{"x0": "1", "x1": true, "color": "a"}',
    'invalid_row',
    /feature "x0": expected a number or null, got a string/,
  ),
  bad(
    'a boolean as a string',
    '{"x0": 1, "x1": "true", "color": "a"}',
    'invalid_row',
    /feature "x1": expected true or false, got a string/,
  ),
  bad(
    'a number for a boolean',
    '{"x0": 1, "x1": 1, "color": "a"}',
    'invalid_row',
    /feature "x1": expected true or false, got a number/,
  ),
  bad(
    'a boolean for a category',
    '{"x0": 1, "x1": true, "color": false}',
    'invalid_row',
    /feature "color": expected a category \(a string\), got a boolean/,
  ),
  bad(
    'an object for a category',
    '{"x0": 1, "x1": true, "color": {"a": 1}}',
    'invalid_row',
    /feature "color": expected a category \(a string\), got an object/,
  ),
  bad('a missing category', '{"x0": 1, "x1": true}', 'missing_feature', /feature "color" is missing/),
  bad('a null boolean', '{"x0": 1, "x1": null, "color": "a"}', 'missing_feature', /feature "x1" is missing/),
  bad(
    'a feature by its name and its column',
    '{"x0": 1, "x1": true, "color": "a", "Color": "b"}',
    'invalid_row',
    /gives the feature "color" twice/,
  ),
  bad(
    'a positional row of the wrong length',
    '{"input": [[1, true]]}',
    'invalid_row',
    /row 0 has 2 values, the model expects 3/,
  ),
  bad(
    'a wrong type in the second positional row',
    '{"input": [[1, true, "a"], [1, "no", "a"]]}',
    'invalid_row',
    /row 1, feature "x1": expected true or false/,
  ),
];

describe.each(transports.list)('typed features through $name', (t) => {
  it.each(GOOD.filter(t.supports).map((c) => [c.name, c] as const))('answers: %s', async (_, c) => {
    const a = await t.send(c);
    expect(a.status, a.body).toBe(200);
    c.check?.(JSON.parse(a.body));
  });

  it.each(BAD.filter(t.supports).map((c) => [c.name, c] as const))('refuses: %s', async (_, c) => {
    const a = await t.send(c);
    expect(a.status, a.body).toBe(400);
    const error = (JSON.parse(a.body) as { error: { type: string; message: string } }).error;
    expect(error.type).toBe(c.type);
    expect(error.message).toMatch(c.message as RegExp);
  });
});

it('left the HTTP server serving, with no 5xx logged', async () => {
  const res = await fetch(`${transports.server.url}/predict`, { method: 'POST', body: GOOD[0]?.body });
  expect(res.status).toBe(200);
  transports.server.log.flush();
  expect(serverLog.filter((l) => Number(l.status) >= 500 || l.level === 'error')).toEqual([]);
});
