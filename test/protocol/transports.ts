// The transports the protocol suite runs through: the core, the Lambda handler for every event shape,
// and a live HTTP server, each over the same loaded model.
import { expect } from 'vitest';
import { createLambdaHandler, type LambdaHandler } from '../../src/adapters/lambda.js';
import { JsonLog } from '../../src/adapters/log.js';
import { type RunningServer, startServer } from '../../src/adapters/server.js';
import { Core } from '../../src/api/core.js';
import type { Limits } from '../../src/api/request.js';
import type { Predictor } from '../../src/runtime/predictor.js';

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The body's bytes (a binary answer's, decoded from base64 on Lambda). */
  raw: Uint8Array;
}

/** A request as the suite sends it. */
export interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** The body as sent (text). */
  body?: string;
  /** Send this as a base64-encoded body (API Gateway, ALB); adapters that cannot, skip the case. */
  base64?: string;
  /** A binary body (the V2 binary tensor extension): base64 on Lambda, bytes to the core and the server. */
  binary?: Uint8Array;
  /** Needs an HTTP method, path or headers: a direct Lambda invoke cannot carry it. */
  needsHttp?: boolean;
  /** Needs strict routing (the HTTP server and the core): behind API Gateway any POST path predicts. */
  strictRouting?: boolean;
}

export interface Transport {
  name: string;
  /** Whether the transport can express the request. */
  supports: (c: Sent) => boolean;
  send: (c: Sent) => Promise<Answer>;
}

export interface Transports {
  list: Transport[];
  server: RunningServer;
  close(): Promise<void>;
}

/** Every transport over `predictor`; the server's JSON log lines go to `log` when given. */
export async function startTransports(
  predictor: Predictor,
  limits: Partial<Limits>,
  log?: (line: Record<string, unknown>) => void,
): Promise<Transports> {
  const ready = () => ({ state: 'ready' as const, predictor });
  const core = new Core(ready, { limits });
  const lambda = createLambdaHandler(predictor, {
    limits,
    log: new JsonLog({ write: () => {} }, { level: 'off' }),
  });
  const sink = {
    write: (text: string) => {
      for (const l of text.trim().split('\n')) log?.(JSON.parse(l) as Record<string, unknown>);
    },
  };
  const server = await startServer(ready, { port: 0, limits, log: new JsonLog(sink) });

  const method = (c: Sent) => c.method ?? 'POST';
  const path = (c: Sent) => c.path ?? '/';
  const base64Of = (c: Sent) =>
    c.binary !== undefined ? Buffer.from(c.binary).toString('base64') : c.base64;
  const eventBody = (c: Sent) => ({
    body: base64Of(c) ?? c.body ?? null,
    isBase64Encoded: base64Of(c) !== undefined,
  });
  const fromLambda = (r: Awaited<ReturnType<LambdaHandler>>): Answer => {
    const raw = r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
    return {
      status: r.statusCode,
      contentType: r.headers['content-type'],
      body: r.isBase64Encoded ? raw.toString('utf8') : r.body,
      headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v])),
      raw,
    };
  };
  const list: Transport[] = [
    {
      name: 'core',
      // Base64 is a Lambda event's encoding, which its adapter decodes: the core sees plain bodies.
      supports: (c: Sent) => c.base64 === undefined,
      send: async (c: Sent) => {
        const r = await core.handle({
          method: method(c),
          path: path(c),
          headers: c.headers ?? {},
          body: c.binary ?? c.body,
        });
        const raw = r.bytes ?? Buffer.from(r.body, 'utf8');
        return {
          status: r.status,
          contentType: r.headers['content-type'],
          body: Buffer.from(raw).toString('utf8'),
          headers: r.headers,
          raw,
        };
      },
    },
    {
      name: 'Lambda: API Gateway REST (v1 proxy, stage prod)',
      supports: (c: Sent) => !c.strictRouting,
      send: async (c: Sent) =>
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
      supports: (c: Sent) => !c.strictRouting,
      send: async (c: Sent) =>
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
      supports: (c: Sent) => !c.strictRouting,
      send: async (c: Sent) =>
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
      supports: (c: Sent) => !c.strictRouting,
      send: async (c: Sent) => {
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
      supports: (c: Sent) =>
        !c.needsHttp && c.base64 === undefined && c.binary === undefined && c.body !== undefined,
      send: async (c: Sent) => fromLambda(await lambda({ body: c.body })),
    },
    {
      name: 'HTTP server',
      supports: (c: Sent) => c.base64 === undefined,
      send: async (c: Sent) => {
        const m = method(c);
        const res = await fetch(`${server.url}${path(c)}`, {
          method: m,
          headers: { 'content-type': 'application/json', ...c.headers },
          body:
            m === 'GET' || m === 'HEAD'
              ? undefined
              : c.binary
                ? new Blob([c.binary as Uint8Array<ArrayBuffer>])
                : c.body,
        });
        const raw = new Uint8Array(await res.arrayBuffer());
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return {
          status: res.status,
          contentType: res.headers.get('content-type') ?? undefined,
          body: Buffer.from(raw).toString('utf8'),
          headers,
          raw,
        };
      },
    },
  ];
  return {
    list,
    server,
    close: () => server.close(),
  };
}
