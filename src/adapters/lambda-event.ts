// Lambda events into core requests: API Gateway REST (v1 proxy) and HTTP APIs (v2), Function URLs (v2),
// Application Load Balancers, and direct invokes. An event is whatever JSON the invoker sent, so every
// field is read through the accessors below, which take a value only when it has the type the event
// format gives it and never convert one (String() on `{"toString": 1}` throws): a field of the wrong
// type is an InvalidEventError (400) naming it, an absent or null one takes its default.
import type { CoreRequest } from '../api/core.js';
import { BadRequestError } from '../api/errors.js';
import { InvalidEventError } from './errors.js';

export type EventShape = 'rest' | 'http' | 'alb' | 'direct';

/**
 * The fields this adapter reads of each event shape, as AWS documents them. An event is whatever JSON
 * the invoker sent, so these describe what a well-formed one holds; the adapter checks each field's
 * type as it reads it rather than trusting them.
 */
export interface RestApiEvent {
  /** API Gateway REST API (v1 proxy integration); an ALB's event has the same fields. */
  httpMethod: string;
  /** The resource path, without the stage. */
  path: string;
  headers?: Record<string, string> | null;
  multiValueHeaders?: Record<string, string[]> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { stage?: string; elb?: { targetGroupArn?: string } } & Record<string, unknown>;
}

export interface HttpApiEvent {
  /** API Gateway HTTP API (payload 2.0) and Lambda Function URLs. */
  version: '2.0';
  /** The path with the stage in front, on a stage other than $default. */
  rawPath: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { stage?: string; http: { method: string; path?: string } } & Record<string, unknown>;
}

/** A direct invoke: the request itself, or it wrapped as {"body": {...}} or {"body": "<json>"}. */
export type DirectInvoke = Record<string, unknown> | string;

export type LambdaEvent = RestApiEvent | HttpApiEvent | DirectInvoke;

/**
 * Nesting a direct invoke may have: a request needs 4 levels ({"input": [[...]]} inside {"body": ...}),
 * and serializing a much deeper value overflows the stack (JSON.parse, which Lambda runs, does not).
 */
export const MAX_EVENT_DEPTH = 64;

type Obj = Record<string, unknown>;

function isRecord(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON type of a value, for messages; never converts it. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

/** A field's own value; inherited ones (`toString` on every object) are not fields of the event. */
function field(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function wrongType(name: string, expected: string, got: unknown): InvalidEventError {
  return new InvalidEventError(`the event's ${name} must be ${expected}, got ${typeName(got)}`, {
    field: name,
    expected,
    got: typeName(got),
  });
}

function optionalString(o: Obj, key: string, name = key): string | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(name, 'a string', v);
  return v;
}

function requiredString(o: Obj, key: string, name = key): string {
  const v = optionalString(o, key, name);
  if (v === undefined || v === '')
    throw new InvalidEventError(`the event has no ${name}`, { field: name, expected: 'a string' });
  return v;
}

function optionalBoolean(o: Obj, key: string): boolean | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(key, 'true or false', v);
  return v;
}

function optionalRecord(o: Obj, key: string, name = key): Obj | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw wrongType(name, 'an object', v);
  return v;
}

/**
 * Request headers by lower-case name. REST APIs (v1) and ALBs with multi-value headers on send
 * `multiValueHeaders` (name to list); a header there counts by its last value, as API Gateway's own
 * `headers` does, and `headers` wins where both have it. Values of another type are not headers and
 * are left out rather than refused: no header changes what a well-formed body means.
 */
function headersOf(e: Obj): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const multi = optionalRecord(e, 'multiValueHeaders');
  if (multi) {
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values)) continue;
      const last = values.findLast((v) => typeof v === 'string');
      if (typeof last === 'string') out[name.toLowerCase()] = last;
    }
  }
  const single = optionalRecord(e, 'headers');
  if (single) {
    for (const [name, value] of Object.entries(single))
      if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

/** Which kind of event this is: by the fields each format always has, whatever their types. */
export function eventShape(event: unknown): EventShape {
  if (!isRecord(event)) return 'direct';
  const ctx = field(event, 'requestContext');
  if (isRecord(ctx) && Object.hasOwn(ctx, 'http')) return 'http';
  if (field(event, 'version') === '2.0' && Object.hasOwn(event, 'rawPath')) return 'http';
  if (isRecord(ctx) && Object.hasOwn(ctx, 'elb')) return 'alb';
  if (Object.hasOwn(event, 'httpMethod') || isRecord(ctx)) return 'rest';
  return 'direct';
}

/** Whether `value` nests objects and arrays deeper than `max`, found without recursion. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** A direct invoke's request as JSON text, for the core to parse as it parses any body. */
function jsonText(value: unknown): string {
  if (deeperThan(value, MAX_EVENT_DEPTH)) {
    throw new InvalidEventError(
      `the event is nested deeper than ${MAX_EVENT_DEPTH} levels; a request is an object of rows`,
      { limit: MAX_EVENT_DEPTH },
    );
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? null);
  } catch (cause) {
    // Only a caller in the same process can hand over such a value (a BigInt, a toJSON that throws).
    throw new InvalidEventError(`the event cannot be read as JSON: ${(cause as Error).message}`);
  }
  return text ?? 'null';
}

function directRequest(event: unknown): CoreRequest {
  // The request itself, or wrapped: {"body": {...}} or {"body": "<json>"}.
  let body: string;
  if (typeof event === 'string') body = event;
  else if (isRecord(event) && Object.hasOwn(event, 'body')) {
    const inner = event.body;
    body = typeof inner === 'string' ? inner : jsonText(inner);
  } else body = jsonText(event);
  return { method: 'POST', path: '/', headers: {}, body };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A body API Gateway or an ALB marked base64-encoded (a binary media type), as bytes. */
function base64Body(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new BadRequestError('invalid_body', 'the body is marked base64-encoded but is not valid base64');
  }
  return Buffer.from(compact, 'base64');
}

/**
 * An HTTP API's path without its stage: rawPath is /prod/predict on a stage named prod (not on the
 * $default stage). A REST API's `path` never has the stage.
 */
function withoutStage(path: string, ctx: Obj): string {
  const stage = optionalString(ctx, 'stage', 'requestContext.stage');
  if (stage === undefined || stage === '' || stage === '$default') return path;
  const prefix = `/${stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/**
 * The plain request the core answers: method, path (the stage taken off), lower-case headers, and the
 * body as text, or as bytes when the event says it is base64.
 */
export function toCoreRequest(event: unknown): { shape: EventShape; request: CoreRequest } {
  const shape = eventShape(event);
  if (shape === 'direct') return { shape, request: directRequest(event) };
  const e = event as Obj;
  const text = optionalString(e, 'body');
  const base64 = optionalBoolean(e, 'isBase64Encoded') === true;
  const common = {
    headers: headersOf(e),
    body: base64 && text !== undefined ? base64Body(text) : text,
  };
  if (shape === 'http') {
    const ctx = optionalRecord(e, 'requestContext') ?? {};
    const http = optionalRecord(ctx, 'http', 'requestContext.http');
    if (!http)
      throw new InvalidEventError('the event has no requestContext.http', { field: 'requestContext.http' });
    const method = requiredString(http, 'method', 'requestContext.http.method');
    const path =
      optionalString(e, 'rawPath') ?? optionalString(http, 'path', 'requestContext.http.path') ?? '/';
    return { shape, request: { method, path: withoutStage(path, ctx), ...common } };
  }
  const method = requiredString(e, 'httpMethod');
  const path = optionalString(e, 'path') ?? '/';
  return { shape, request: { method, path, ...common } };
}
