// One protocol suite, run through the core, through the Lambda handler for every event shape, and
// against the live HTTP server: the same cases, the same answers.
import { afterAll, describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { trainIris, withEditedCard } from '../helpers/models.js';
import { BAD, type Case, GOOD, LIMITS } from './cases.js';
import { type Answer, startTransports, type Transports } from './transports.js';

const serverLog: Record<string, unknown>[] = [];
// The iris model without its imputer's promise: missing features are then a 400 to test.
const predictor = await Predictor.load(
  withEditedCard(trainIris().bytes, (c) => ({ ...c, missing: 'reject' })),
);
const transports: Transports = await startTransports(predictor, LIMITS, (line) => serverLog.push(line));

afterAll(async () => {
  await transports.close();
  await predictor.release();
});

function expectAnswer(c: Case, a: Answer): void {
  expect(a.status, a.body).toBe(c.status);
  expect(a.contentType).toBe('application/json');
  const json = JSON.parse(a.body) as Record<string, unknown>;
  if (c.status >= 400) {
    const error = json.error as { type: string; message: string };
    expect(typeof error.message).toBe('string');
    if (c.type) expect(error.type).toBe(c.type);
    if (c.message) expect(error.message).toMatch(c.message);
  }
  c.check?.(json);
}

describe.each(transports.list)('protocol through $name', (t) => {
  it.each(GOOD.filter(t.supports).map((c) => [c.name, c] as const))('answers: %s', async (_, c) => {
    expectAnswer(c, await t.send(c));
  });

  it.each(BAD.filter(t.supports).map((c) => [c.name, c] as const))('refuses: %s', async (_, c) => {
    expectAnswer(c, await t.send(c));
  });
});

describe('the corpus', () => {
  it('holds at least 100 bad requests, every one a 4xx', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(100);
    for (const c of BAD) expect(c.status).toBeGreaterThanOrEqual(400);
    for (const c of BAD) expect(c.status).toBeLessThan(500);
  });

  it('left the HTTP server serving, with no 5xx logged', async () => {
    const res = await fetch(`${transports.server.url}/predict`, { method: 'POST', body: GOOD[0].body });
    expect(res.status).toBe(200);
    transports.server.log.flush();
    expect(serverLog.length).toBeGreaterThan(100);
    expect(serverLog.filter((l) => Number(l.status) >= 500 || l.level === 'error')).toEqual([]);
  });
});
