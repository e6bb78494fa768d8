// AWS Lambda events into core requests, and core responses back: API Gateway REST (v1 proxy) and HTTP
// APIs (v2), Function URLs (v2), Application Load Balancers, and direct invokes. It decides nothing.
import { Core, type CoreOptions, type CoreRequest, type CoreResponse } from '../api/core.js';
import type { Predictor } from '../runtime/predictor.js';

export interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
  statusDescription?: string;
}

export interface LambdaContext {
  awsRequestId?: string;
}

export type EventShape = 'rest' | 'http' | 'alb' | 'direct';

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lowerHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(h)) return out;
  for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function bodyOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Which kind of event this is. */
export function eventShape(event: unknown): EventShape {
  if (!isRecord(event)) return 'direct';
  const ctx = event.requestContext;
  if (event.version === '2.0' && isRecord(ctx) && isRecord(ctx.http)) return 'http';
  if (typeof event.httpMethod === 'string' && isRecord(ctx) && isRecord(ctx.elb)) return 'alb';
  if (typeof event.httpMethod === 'string') return 'rest';
  return 'direct';
}

export function toCoreRequest(event: unknown): { shape: EventShape; request: CoreRequest } {
  const shape = eventShape(event);
  if (shape === 'direct') {
    // A direct invoke carries the request itself, or wraps it: {"body": {...}} or {"body": "<json>"}.
    let body: string;
    if (typeof event === 'string') body = event;
    else if (isRecord(event) && Object.hasOwn(event, 'body')) {
      body = typeof event.body === 'string' ? event.body : JSON.stringify(event.body ?? null);
    } else body = JSON.stringify(event ?? null);
    return { shape, request: { method: 'POST', path: '/', headers: {}, body } };
  }
  const e = event as Record<string, unknown>;
  const headers = lowerHeaders(e.headers);
  const common = { headers, body: bodyOf(e.body), bodyIsBase64: e.isBase64Encoded === true };
  if (shape === 'http') {
    const http = (e.requestContext as Record<string, Record<string, unknown>>).http;
    const method = String(http.method ?? 'GET');
    const path = typeof e.rawPath === 'string' ? e.rawPath : String(http.path ?? '/');
    return { shape, request: { method, path, ...common } };
  }
  return {
    shape,
    request: { method: String(e.httpMethod), path: typeof e.path === 'string' ? e.path : '/', ...common },
  };
}

export function toLambdaResult(shape: EventShape, res: CoreResponse): LambdaResult {
  const out: LambdaResult = { statusCode: res.status, headers: res.headers, body: res.body };
  if (shape === 'alb') {
    out.statusDescription = `${res.status} ${REASONS[res.status] ?? ''}`.trim();
    out.isBase64Encoded = false;
  } else if (shape !== 'direct') out.isBase64Encoded = false;
  return out;
}

export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<LambdaResult>;

/** A handler over a loaded model; any POST predicts, whatever stage or resource path API Gateway adds. */
export function createLambdaHandler(predictor: Predictor, options: CoreOptions = {}): LambdaHandler {
  let requestId: string | undefined;
  const core = new Core(() => ({ state: 'ready', predictor }), {
    routing: 'any-path',
    ...options,
    onInternalError:
      options.onInternalError ??
      ((error) => {
        const e = error as Error;
        console.error(
          JSON.stringify({
            level: 'error',
            requestId,
            msg: 'internal error',
            error: e?.message,
            stack: e?.stack,
          }),
        );
      }),
  });
  return async (event, context) => {
    requestId = context?.awsRequestId;
    const { shape, request } = toCoreRequest(event);
    return toLambdaResult(shape, await core.handle(request));
  };
}
