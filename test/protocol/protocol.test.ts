// One protocol suite, run through the core, through the Lambda handler for every event shape, and
// against the live HTTP server: the same cases, the same answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaHandler, type LambdaHandler } from '../../src/adapters/lambda.js';
import { JsonLog } from '../../src/adapters/log.js';
import { type RunningServer, startServer } from '../../src/adapters/server.js';
import { Core } from '../../src/api/core.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { trainIris, withEditedCard } from '../helpers/models.js';
import { BAD, type Case, GOOD, LIMITS } from './cases.js';

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

type Transport = {
  name: string;
  /** Whether the transport can express the case. */
  supports: (c: Case) => boolean;
  send: (c: Case) => Promise<Answer>;
};

let predictor: Predictor;
let core: Core;
let lambda: LambdaHandler;
let server: RunningServer;
const serverLog: Record<string, unknown>[] = [];

beforeAll(async () => {
  // The iris model without its imputer's promise: missing features are then a 400 to test.
  predictor = await Predictor.load(withEditedCard(trainIris().bytes, (c) => ({ ...c, missing: 'reject' })));
  const ready = () => ({ state: 'ready' as const, predictor });
  core = new Core(ready, { limits: LIMITS });
  lambda = createLambdaHandler(predictor, { limits: LIMITS });
  const sink = {
    write: (text: string) =>
      serverLog.push(
        ...text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ),
  };
  server = await startServer(ready, { port: 0, limits: LIMITS, log: new JsonLog(sink) });
});

afterAll(async () => {
  await server.close();
  await predictor.release();
});

const method = (c: Case) => c.method ?? 'POST';
const path = (c: Case) => c.path ?? '/';
const eventBody = (c: Case) => ({
  body: c.base64 ?? c.body ?? null,
  isBase64Encoded: c.base64 !== undefined,
});

function fromLambda(r: Awaited<ReturnType<LambdaHandler>>): Answer {
  return { status: r.statusCode, contentType: r.headers['content-type'], body: r.body };
}

const transports: Transport[] = [
  {
    name: 'core',
    supports: () => true,
    send: async (c) => {
      const r = await core.handle({
        method: method(c),
        path: path(c),
        headers: c.headers ?? {},
        body: c.base64 ?? c.body,
        bodyIsBase64: c.base64 !== undefined,
      });
      return { status: r.status, contentType: r.headers['content-type'], body: r.body };
    },
  },
  {
    name: 'Lambda: API Gateway REST (v1 proxy, stage prod)',
    supports: (c) => !c.strictRouting,
    send: async (c) =>
      fromLambda(
        await lambda({
          resource: '/{proxy+}',
          path: path(c),
          httpMethod: method(c),
          headers: c.headers ?? null,
          multiValueHeaders: null,
          queryStringParameters: null,
          requestContext: { stage: 'prod', path: `/prod${path(c)}`, httpMethod: method(c) },
          ...eventBody(c),
        }),
      ),
  },
  {
    name: 'Lambda: API Gateway HTTP API (v2, stage prefix)',
    supports: (c) => !c.strictRouting,
    send: async (c) =>
      fromLambda(
        await lambda({
          version: '2.0',
          routeKey: 'ANY /{proxy+}',
          rawPath: `/prod${path(c)}`,
          rawQueryString: '',
          headers: c.headers ?? {},
          requestContext: { stage: 'prod', http: { method: method(c), path: `/prod${path(c)}` } },
          ...eventBody(c),
        }),
      ),
  },
  {
    name: 'Lambda: Function URL',
    supports: (c) => !c.strictRouting,
    send: async (c) =>
      fromLambda(
        await lambda({
          version: '2.0',
          routeKey: '$default',
          rawPath: path(c),
          rawQueryString: '',
          headers: c.headers ?? {},
          requestContext: {
            domainName: 'abc.lambda-url.us-east-1.on.aws',
            http: { method: method(c), path: path(c) },
          },
          ...eventBody(c),
        }),
      ),
  },
  {
    name: 'Lambda: Application Load Balancer',
    supports: (c) => !c.strictRouting,
    send: async (c) => {
      const r = await lambda({
        requestContext: {
          elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/1' },
        },
        httpMethod: method(c),
        path: path(c),
        queryStringParameters: {},
        headers: c.headers ?? {},
        ...eventBody(c),
      });
      expect(r.statusDescription).toMatch(new RegExp(`^${r.statusCode} `));
      return fromLambda(r);
    },
  },
  {
    name: 'Lambda: direct invoke {"body": "<json>"}',
    supports: (c) => !c.needsHttp && c.base64 === undefined && c.body !== undefined,
    send: async (c) => fromLambda(await lambda({ body: c.body })),
  },
  {
    name: 'HTTP server',
    supports: (c) => c.base64 === undefined,
    send: async (c) => {
      const m = method(c);
      const res = await fetch(`${server.url}${path(c)}`, {
        method: m,
        headers: { 'content-type': 'application/json', ...c.headers },
        body: m === 'GET' || m === 'HEAD' ? undefined : c.body,
      });
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? undefined,
        body: await res.text(),
      };
    },
  },
];

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

describe.each(transports)('protocol through $name', (t) => {
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
    const res = await fetch(`${server.url}/predict`, { method: 'POST', body: GOOD[0].body });
    expect(res.status).toBe(200);
    server.log.flush();
    expect(serverLog.length).toBeGreaterThan(100);
    expect(serverLog.filter((l) => Number(l.status) >= 500 || l.level === 'error')).toEqual([]);
  });
});
