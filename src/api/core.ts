// The transport-free core: a plain request in, a plain response out. It is a router: protocols
// (src/api/protocols/) declare their routes, the core matches the request to one, reads the body within
// the limits, and runs the hooks around it; the models come from a registry. The HTTP server and the
// Lambda handler only translate to and from these shapes.

import { normalBasePath } from './base-path.js';
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
import type { Hooks } from './hooks.js';
import type { CoreRequest, CoreResponse, Exchange, Protocol, Route, RouteContext } from './protocol.js';
import { kserveV2Protocol } from './protocols/kserve-v2/index.js';
import { type ModelPage, modelgateProtocol } from './protocols/modelgate.js';
import { type ModelLease, type ModelRegistry, type ModelStatus, SingleModel } from './registry.js';
import { type Limits, withDefaultLimits } from './request.js';

export { normalBasePath } from './base-path.js';
export type { CoreRequest, CoreResponse, Exchange, Protocol, Route } from './protocol.js';
export { jsonResponse } from './protocol.js';
export type { ModelStatus } from './registry.js';

export interface CoreOptions {
  limits?: Partial<Limits>;
  /**
   * 'strict': each route at its own path (the HTTP server). 'any-path': a route also matches at the
   * end of a longer path, and any other POST predicts, since API Gateway may put a resource path in
   * front (the Lambda handler).
   */
  routing?: 'strict' | 'any-path';
  /** Served under this path (`/ml`): requests outside it are a 404. */
  basePath?: string;
  /** Called with every 5xx's error, for the adapter's log. */
  onInternalError?: (error: unknown) => void;
  /** More GET routes of the modelgate protocol that answer from the default model (the server's `/cost`). */
  modelPages?: Readonly<Record<string, ModelPage>>;
  /** The protocols served, in the order their routes are matched (default: modelgate's own, then KServe V2). */
  protocols?: readonly Protocol[];
  /**
   * Protocols served after `protocols` (or the default), adding to them rather than replacing them: the
   * server's /metrics, the OpenAPI document.
   */
  moreProtocols?: readonly Protocol[];
  hooks?: readonly Hooks[];
}

/**
 * Media types read as JSON: JSON itself, and the two that clients send JSON under by default (curl -d
 * sends application/x-www-form-urlencoded; some SDKs send text/plain).
 */
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

interface Compiled {
  route: Route;
  protocol: Protocol;
  /** The pattern's segments; a `{name}` one is a parameter. */
  segments: readonly string[];
  params: readonly (string | undefined)[];
}

/** The path without its query string or trailing slash ('' is '/'). */
function pathOf(raw: string): string {
  const q = raw.indexOf('?');
  let p = q >= 0 ? raw.slice(0, q) : raw;
  if (p === '') p = '/';
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export class Core {
  readonly limits: Limits;
  readonly models: ModelRegistry;
  readonly protocols: readonly Protocol[];
  private readonly routing: 'strict' | 'any-path';
  private readonly basePath: string;
  private readonly onInternalError?: (error: unknown) => void;
  private readonly hooks: readonly Hooks[];
  private readonly afterHooks: boolean;
  /** Routes without parameters by path; the others in order. */
  private readonly exact = new Map<string, Compiled[]>();
  private readonly patterned: Compiled[] = [];
  private readonly anyPathPost?: { route: Route; protocol: Protocol };

  constructor(models: ModelRegistry | (() => ModelStatus), options: CoreOptions = {}) {
    this.limits = withDefaultLimits(options.limits);
    for (const [k, v] of Object.entries(this.limits)) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`limit ${k} must be a positive integer, got ${v}`);
    }
    this.models = typeof models === 'function' ? new SingleModel(models) : models;
    this.routing = options.routing ?? 'strict';
    this.basePath = normalBasePath(options.basePath);
    this.onInternalError = options.onInternalError;
    this.hooks = options.hooks ?? [];
    this.afterHooks = this.hooks.some((h) => h.after !== undefined);
    this.protocols = [
      ...(options.protocols ?? [modelgateProtocol({ modelPages: options.modelPages }), kserveV2Protocol()]),
      ...(options.moreProtocols ?? []),
    ];
    for (const protocol of this.protocols) {
      for (const route of protocol.routes) {
        const segments = route.path === '/' ? [] : route.path.slice(1).split('/');
        const params = segments.map((s) =>
          s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1) : undefined,
        );
        const compiled = { route, protocol, segments, params };
        if (params.every((p) => p === undefined)) {
          const list = this.exact.get(route.path) ?? [];
          list.push(compiled);
          this.exact.set(route.path, list);
        } else this.patterned.push(compiled);
      }
      if (protocol.anyPathPost && !this.anyPathPost)
        this.anyPathPost = { route: protocol.anyPathPost, protocol };
    }
  }

  async handle(req: CoreRequest): Promise<CoreResponse> {
    const method = req.method.toUpperCase();
    const exchange: Exchange = { request: req, method, path: pathOf(req.path), started: performance.now() };
    let response: CoreResponse | undefined;
    for (const hook of this.hooks) {
      response = hook.before?.(exchange);
      if (response) break;
    }
    if (!response) {
      try {
        response = await this.route(req, exchange, method);
      } catch (err) {
        response = this.errorAnswer(exchange, err);
      }
    }
    if (this.afterHooks) {
      // A route may answer the same response object every time (the cost page is made once): the hooks
      // get this request's own headers to add to.
      response = { ...response, headers: { ...response.headers } };
      for (const hook of this.hooks) hook.after?.(exchange, response);
    }
    return response;
  }

  /**
   * An error an adapter found before the core saw the request (a body over the limit while it was
   * read), written in the format of the protocol that owns the path.
   */
  errorResponse(path: string, error: ApiError): CoreResponse {
    const p = pathOf(path);
    const protocol =
      this.protocols.find((x) => x !== this.protocols[0] && x.owns(p)) ?? (this.protocols[0] as Protocol);
    return protocol.errorResponse(error);
  }

  private errorAnswer(exchange: Exchange, err: unknown): CoreResponse {
    const error =
      err instanceof ApiError
        ? err
        : new InternalError('modelgate failed to answer this request; the fault is logged', err);
    // A 503 while the model loads is the answer a readiness probe expects, not a fault to log.
    if (error.status >= 500 && !(error instanceof ModelNotReadyError)) this.onInternalError?.(err);
    for (const hook of this.hooks) hook.onError?.(exchange, err);
    const protocol =
      this.protocols.find((p) => p.name === exchange.protocol) ??
      this.protocols.find((p) => p !== this.protocols[0] && p.owns(exchange.path)) ??
      (this.protocols[0] as Protocol);
    return protocol.errorResponse(error);
  }

  private async route(req: CoreRequest, exchange: Exchange, method: string): Promise<CoreResponse> {
    let path = exchange.path;
    // `OPTIONS * HTTP/1.1` asks about the server as a whole.
    if (method === 'OPTIONS' && exchange.path === '*') return optionsAnswer(['GET', 'POST']);
    if (this.basePath !== '') {
      if (path !== this.basePath && !path.startsWith(`${this.basePath}/`))
        throw new NotFoundError(`no route for ${path}; this server answers under ${this.basePath}`, { path });
      path = path.slice(this.basePath.length) || '/';
    }
    let found = this.match(path);
    if (!found && this.routing === 'any-path') {
      // The longest ending of the path that is a route: /prod/iris/metadata is /metadata. Under a path
      // another protocol owns (/v2/...), only that protocol's routes: /v2/models/x/predict is no
      // modelgate /models/x/predict.
      const owner = this.protocols.find((p) => p !== this.protocols[0] && p.owns(path));
      for (let i = path.indexOf('/', 1); i > 0 && !found; i = path.indexOf('/', i + 1)) {
        found = this.match(path.slice(i));
        if (found && owner) {
          const candidates = found.candidates.filter((c) => c.protocol === owner);
          found = candidates.length > 0 ? { ...found, candidates } : undefined;
        }
      }
      // A path another protocol owns (/v2/...) is that protocol's 404, never a modelgate prediction.
      if (!found && this.anyPathPost && !this.ownedElsewhere(path, this.anyPathPost.protocol)) {
        const { route, protocol } = this.anyPathPost;
        found = { path, candidates: [{ route, protocol, segments: [], params: [] }], values: [] };
      }
    }
    if (!found) {
      if (this.ownedElsewhere(path, this.protocols[0] as Protocol))
        throw new NotFoundError(`no route for ${exchange.path}`, { path: exchange.path });
      throw new NotFoundError(
        `no route for ${exchange.path}; predictions are POST ${this.basePath}/ or POST ${this.basePath}/predict`,
        { path: exchange.path },
      );
    }
    if (method === 'OPTIONS') {
      exchange.protocol = (found.candidates[0] as Compiled).protocol.name;
      exchange.route = 'options';
      return optionsAnswer(found.candidates.map((c) => c.route.method));
    }
    const want = method === 'HEAD' ? 'GET' : method;
    const chosen = found.candidates.find((c) => c.route.method === want);
    if (!chosen) {
      const first = found.candidates[0] as Compiled;
      exchange.protocol = first.protocol.name;
      const allow = [...new Set(found.candidates.map((c) => c.route.method))];
      throw new MethodNotAllowedError(method, exchange.path, allow);
    }
    exchange.protocol = chosen.protocol.name;
    exchange.route = chosen.route.name;
    const params: Record<string, string> = {};
    chosen.params.forEach((name, i) => {
      if (name !== undefined) params[name] = found.values[i] as string;
    });
    const registry = this.models;
    if (!registry.lease) return chosen.route.handle(this.context(req, method, found.path, params), exchange);
    // A registry that swaps or evicts models: each predictor the route gets is held until it answers.
    const leases: ModelLease[] = [];
    const models: ModelRegistry = {
      defaultEntry: () => registry.defaultEntry(),
      list: () => registry.list(),
      find: (name) => registry.find(name),
      ready: async (entry) => {
        const lease = await (registry.lease as NonNullable<ModelRegistry['lease']>).call(registry, entry);
        leases.push(lease);
        return lease.predictor;
      },
    };
    try {
      return await chosen.route.handle(this.context(req, method, found.path, params, models), exchange);
    } finally {
      for (const lease of leases) lease.release();
    }
  }

  /** Whether a protocol other than `protocol` owns the path (its errors, its 404s). */
  private ownedElsewhere(path: string, protocol: Protocol): boolean {
    return this.protocols.some((p) => p !== protocol && p !== this.protocols[0] && p.owns(path));
  }

  /** The routes at `path` (every method), with the path's segments for their parameters. */
  private match(path: string): { path: string; candidates: Compiled[]; values: string[] } | undefined {
    const exact = this.exact.get(path);
    if (exact) return { path, candidates: exact, values: [] };
    if (this.patterned.length === 0) return undefined;
    const segments = path === '/' ? [] : path.slice(1).split('/');
    let candidates: Compiled[] | undefined;
    let values: string[] = [];
    for (const c of this.patterned) {
      if (c.segments.length !== segments.length) continue;
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++)
        ok = c.params[i] !== undefined ? segments[i] !== '' : c.segments[i] === segments[i];
      if (!ok) continue;
      // Routes of one pattern share their parameters' places: the first match names them.
      if (!candidates) {
        candidates = [];
        values = segments.map((s, i) => (c.params[i] !== undefined ? decodeSegment(s) : s));
      } else if (!samePattern(candidates[0] as Compiled, c)) continue;
      candidates.push(c);
    }
    return candidates ? { path, candidates, values } : undefined;
  }

  private context(
    req: CoreRequest,
    method: string,
    path: string,
    params: Record<string, string>,
    models: ModelRegistry = this.models,
  ): RouteContext {
    const limits = this.limits;
    const bytes = (): Uint8Array => {
      const { body } = req;
      if (body === undefined) return EMPTY;
      const out = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      if (out.length > limits.maxBodyBytes) throw bodyTooLargeError(limits.maxBodyBytes, out.length);
      return out;
    };
    return {
      request: req,
      method,
      path,
      params,
      limits,
      models,
      protocols: this.protocols,
      bytes,
      text: () => {
        const { body } = req;
        if (typeof body === 'string') {
          // Its UTF-8 bytes are at least as many as its UTF-16 units.
          if (body.length > limits.maxBodyBytes)
            throw bodyTooLargeError(limits.maxBodyBytes, Buffer.byteLength(body, 'utf8'));
          return body;
        }
        try {
          return utf8.decode(bytes());
        } catch (cause) {
          if (cause instanceof ApiError) throw cause;
          throw new BadRequestError('invalid_body', 'the body is not valid UTF-8 text', undefined, cause);
        }
      },
      requireJson: () => {
        const header = req.headers['content-type'];
        if (header === undefined || header.trim() === '') return;
        const type = (header.split(';')[0] as string).trim().toLowerCase();
        if (JSON_MEDIA_TYPES.has(type) || type.endsWith('+json')) return;
        throw new UnsupportedMediaTypeError(header);
      },
    };
  }
}

/**
 * The answer to OPTIONS on a path that has routes (a CORS preflight is answered before, by the CORS
 * hooks): 204 with the path's methods, HEAD wherever GET is, and OPTIONS itself.
 */
function optionsAnswer(methods: readonly string[]): CoreResponse {
  const allow = new Set<string>();
  for (const m of methods) {
    allow.add(m);
    if (m === 'GET') allow.add('HEAD');
  }
  allow.add('OPTIONS');
  return { status: 204, headers: { allow: [...allow].join(', ') }, body: '' };
}

function samePattern(a: Compiled, b: Compiled): boolean {
  return a.segments.length === b.segments.length && a.segments.every((s, i) => s === b.segments[i]);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadRequestError(
      'invalid_path',
      `the path segment ${JSON.stringify(s)} is not valid percent-encoding`,
    );
  }
}
