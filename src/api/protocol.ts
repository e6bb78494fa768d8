// What a protocol is to the core: its routes (method, path pattern, handler), and how it writes an
// error. A protocol is one module (src/api/protocols/); the core matches a request to a route, hands
// the route a context (path parameters, the body read within its limits, the models), and runs the
// hooks around it.

import type { Predictor } from '../runtime/predictor.js';
import type { ApiError } from './errors.js';
import type { ModelEntry, ModelRegistry } from './registry.js';
import type { Limits } from './request.js';

export interface CoreRequest {
  method: string;
  /** The path, with or without a query string. */
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body as the transport received it (an adapter decodes base64 before it gets here). */
  body?: string | Uint8Array;
  /** The adapter's request id (x-request-id, or the Lambda request id), for logs and the answer's header. */
  requestId?: string;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  /** The answer's text (JSON, HTML); '' when it is `bytes`. */
  body: string;
  /** A binary answer (the V2 binary tensor extension): the adapters send these bytes instead of `body`. */
  bytes?: Uint8Array;
}

/** What a route handler is given. */
export interface RouteContext {
  readonly request: CoreRequest;
  /** Upper case; a HEAD request reaches a GET route as 'HEAD'. */
  readonly method: string;
  /** The path matched: no query string, no trailing slash, the base path and any prefix taken off. */
  readonly path: string;
  /** The pattern's `{name}` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly limits: Limits;
  /** The models; each predictor its ready() hands out is held for this request until the answer is made. */
  readonly models: ModelRegistry;
  /**
   * The entry's predictor at once when it is loaded (held for the request as ready()'s is), else
   * undefined: then `models.ready(entry)` loads it or says why it cannot.
   */
  readyNow(entry: ModelEntry): Predictor | undefined;
  /** Every protocol the core serves, in the order their routes are matched (the OpenAPI document lists them). */
  readonly protocols: readonly Protocol[];
  /** The body as UTF-8 text, checked against the size limit (a 400 or 413 otherwise). */
  text(): string;
  /** The body's bytes, checked against the size limit. */
  bytes(): Uint8Array;
  /** The request's content type is one JSON is read from (else a 415). */
  requireJson(): void;
}

/** What hooks see of a request: the context, and what the route found out while answering. */
export interface Exchange {
  readonly request: CoreRequest;
  readonly method: string;
  readonly path: string;
  /** The protocol and route that answered (`modelgate` `predict`, `kserve-v2` `infer`), or unset (404). */
  protocol?: string;
  route?: string;
  /** The model that answered, and its version: a route sets them once it has found the model. */
  model?: string;
  version?: string;
  /** Rows predicted, for batch-size metrics. */
  rows?: number;
  /** performance.now() when the core got the request. */
  readonly started: number;
}

export type RouteHandler = (ctx: RouteContext, exchange: Exchange) => Promise<CoreResponse> | CoreResponse;

export interface Route {
  readonly method: 'GET' | 'POST';
  /** A path of literal segments and `{name}` ones, each matching one segment: `/v2/models/{name}/ready`. */
  readonly path: string;
  /** A short name for metrics and logs: `predict`, `metadata`, `infer`. */
  readonly name: string;
  readonly handle: RouteHandler;
}

export interface Protocol {
  readonly name: string;
  readonly routes: readonly Route[];
  /**
   * Where the core cannot match a path to a route (a 404, a 405), whether this protocol owns it, so the
   * error is written in its format (the V2 protocol owns `/v2/...`).
   */
  owns(path: string): boolean;
  /** The answer for an error, in this protocol's error format. */
  errorResponse(error: ApiError): CoreResponse;
  /**
   * A POST to a path no route matches, when the core routes any path (API Gateway may put a resource
   * path in front): the modelgate protocol predicts.
   */
  readonly anyPathPost?: Route;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

export function jsonResponse(
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): CoreResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) };
}
