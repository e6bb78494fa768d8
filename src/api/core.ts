// The transport-free core: a plain request in, a plain response out. The HTTP server and the Lambda
// handler only translate to and from these shapes; every decision (routes, limits, errors) is here.
import type { Predictor } from '../runtime/predictor.js';
import {
  ApiError,
  BadRequestError,
  bodyTooLargeError,
  InternalError,
  MethodNotAllowedError,
  ModelNotReadyError,
  NotFoundError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { predictValue } from './predict.js';
import { type Limits, parseJson, withDefaultLimits } from './request.js';
import { inputSchema } from './schema.js';

export interface CoreRequest {
  method: string;
  /** The path, with or without a query string. */
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  body?: string | Uint8Array;
  /** The body is base64 text (API Gateway and ALB say so for binary media types). */
  bodyIsBase64?: boolean;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Where the model is: loading, ready, or failed (with the reason). */
export type ModelStatus =
  | { state: 'loading' }
  | { state: 'ready'; predictor: Predictor }
  | { state: 'failed'; reason: string };

export interface CoreOptions {
  limits?: Partial<Limits>;
  /**
   * 'strict': POST / and /predict predict, GET /health, /ready and /metadata (the HTTP server).
   * 'any-path': any POST predicts and GET routes match on their last path segment, since API Gateway
   * may put a stage and a resource path in front (the Lambda handler).
   */
  routing?: 'strict' | 'any-path';
  /** Called with every 5xx's error, for the adapter's log. */
  onInternalError?: (error: unknown) => void;
  /**
   * More GET routes (exact paths) that answer from the loaded model, as `/metadata` does: 503 until it
   * is ready. The server's `/cost` page is one.
   */
  modelPages?: Readonly<Record<string, (predictor: Predictor) => Promise<CoreResponse>>>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const PREDICT_PATHS = new Set(['/', '/predict']);
const GET_ROUTES = new Set(['/health', '/ready', '/metadata']);
/**
 * Media types read as JSON: JSON itself, and the two that clients send JSON under by default (curl -d
 * sends application/x-www-form-urlencoded; some SDKs send text/plain).
 */
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function jsonResponse(
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): CoreResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) };
}

function errorResponse(err: ApiError): CoreResponse {
  const extra: Record<string, string> =
    err instanceof MethodNotAllowedError ? { allow: err.allow.join(', ') } : {};
  return jsonResponse(err.status, err.toJSON(), extra);
}

function pathOf(raw: string): string {
  const q = raw.indexOf('?');
  let p = q >= 0 ? raw.slice(0, q) : raw;
  if (p === '') p = '/';
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export class Core {
  readonly limits: Limits;
  private readonly routing: 'strict' | 'any-path';
  private readonly onInternalError?: (error: unknown) => void;
  private readonly modelPages: ReadonlyMap<string, (predictor: Predictor) => Promise<CoreResponse>>;
  private readonly metadataBodies = new WeakMap<Predictor, string>();

  constructor(
    private readonly model: () => ModelStatus,
    options: CoreOptions = {},
  ) {
    this.limits = withDefaultLimits(options.limits);
    for (const [k, v] of Object.entries(this.limits)) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`limit ${k} must be a positive integer, got ${v}`);
    }
    this.routing = options.routing ?? 'strict';
    this.onInternalError = options.onInternalError;
    this.modelPages = new Map(Object.entries(options.modelPages ?? {}));
  }

  async handle(req: CoreRequest): Promise<CoreResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      if (err instanceof ApiError) {
        // A 503 while the model loads is the answer a readiness probe expects, not a fault to log.
        if (err.status >= 500 && !(err instanceof ModelNotReadyError)) this.onInternalError?.(err);
        return errorResponse(err);
      }
      this.onInternalError?.(err);
      return errorResponse(
        new InternalError('modelgate failed to answer this request; the fault is logged', err),
      );
    }
  }

  private async route(req: CoreRequest): Promise<CoreResponse> {
    const path = pathOf(req.path);
    const method = req.method.toUpperCase();
    const getRoute = this.getRoute(path);
    if (getRoute) {
      if (method !== 'GET' && method !== 'HEAD') throw new MethodNotAllowedError(method, path, ['GET']);
      return this.get(getRoute);
    }
    const page = this.modelPages.get(path);
    if (page) {
      if (method !== 'GET' && method !== 'HEAD') throw new MethodNotAllowedError(method, path, ['GET']);
      const status = this.model();
      if (status.state !== 'ready') throw this.notReady(status);
      return page(status.predictor);
    }
    if (this.routing === 'strict' && !PREDICT_PATHS.has(path)) {
      throw new NotFoundError(`no route for ${path}; predictions are POST / or POST /predict`, { path });
    }
    if (method !== 'POST') throw new MethodNotAllowedError(method, path, ['POST']);
    this.checkContentType(req.headers['content-type']);
    const text = this.bodyText(req);
    const status = this.model();
    if (status.state !== 'ready') throw this.notReady(status);
    return jsonResponse(200, await predictValue(status.predictor, parseJson(text), this.limits));
  }

  private getRoute(path: string): string | undefined {
    if (GET_ROUTES.has(path)) return path;
    if (this.routing === 'any-path') {
      const last = path.slice(path.lastIndexOf('/'));
      if (GET_ROUTES.has(last)) return last;
    }
    return undefined;
  }

  private get(route: string): CoreResponse {
    if (route === '/health') return jsonResponse(200, { status: 'ok' });
    const status = this.model();
    if (status.state !== 'ready') throw this.notReady(status);
    const { card } = status.predictor;
    if (route === '/ready') return jsonResponse(200, { status: 'ready', model: card.name });
    return this.metadata(status.predictor);
  }

  /** GET /metadata, built once per model: a wide card's schema is not rebuilt on every request. */
  private metadata(predictor: Predictor): CoreResponse {
    let body = this.metadataBodies.get(predictor);
    if (body === undefined) {
      const { card } = predictor;
      body = JSON.stringify({ card, schema: inputSchema(card), limits: this.limits });
      this.metadataBodies.set(predictor, body);
    }
    return { status: 200, headers: { ...JSON_HEADERS }, body };
  }

  private notReady(status: Exclude<ModelStatus, { state: 'ready' }>): ModelNotReadyError {
    // The reason a load failed names files, paths and runtime internals: it is for the operator's log
    // (the adapters write it there), not for every client.
    return new ModelNotReadyError(
      status.state === 'loading'
        ? 'the model is still loading; retry shortly'
        : 'the model failed to load; the reason is in the server log',
    );
  }

  private checkContentType(header: string | undefined): void {
    if (header === undefined || header.trim() === '') return;
    const type = header.split(';')[0].trim().toLowerCase();
    if (JSON_MEDIA_TYPES.has(type) || type.endsWith('+json')) return;
    throw new UnsupportedMediaTypeError(header);
  }

  /** The body as text, within the size limit; base64 decoded and UTF-8 checked. */
  private bodyText(req: CoreRequest): string {
    let bytes: Uint8Array;
    const { body } = req;
    if (body === undefined) bytes = new Uint8Array(0);
    else if (req.bodyIsBase64) {
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
      const compact = text.replace(/\s+/g, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
        throw new BadRequestError(
          'invalid_body',
          'the body is marked base64-encoded but is not valid base64',
        );
      }
      bytes = Buffer.from(compact, 'base64');
    } else if (typeof body === 'string') {
      if (body.length > this.limits.maxBodyBytes) this.tooLarge(Buffer.byteLength(body, 'utf8'));
      return body;
    } else bytes = body;
    if (bytes.length > this.limits.maxBodyBytes) this.tooLarge(bytes.length);
    try {
      return utf8.decode(bytes);
    } catch (cause) {
      throw new BadRequestError('invalid_body', 'the body is not valid UTF-8 text', undefined, cause);
    }
  }

  private tooLarge(size: number): never {
    throw bodyTooLargeError(this.limits.maxBodyBytes, size);
  }
}
