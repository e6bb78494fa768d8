// The transport-free core: a plain request in, a plain response out. It is a router: protocols
// (src/api/protocols/) declare their routes, the core matches the request to one, reads the body within
// the limits, and runs the hooks around it; the models come from a registry. The HTTP server and the
// Lambda handler only translate to and from these shapes.

import type { Predictor } from '../runtime/predictor.js';
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
import {
  loadedPredictor,
  type ModelEntry,
  type ModelLease,
  type ModelRegistry,
  type ModelStatus,
  SingleModel,
} from './registry.js';
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

/** The routes at a path, and the path's segments for their parameters ([] when they have none). */
interface Match {
  path: string;
  candidates: Compiled[];
  values: string[];
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NO_MATCH = Symbol('no match');
/** At most this many paths' matches are kept (the map starts over past it). */
const SEEN_PATHS = 512;
/** Longer paths are matched each time (the map holds at most SEEN_PATHS of this length, 128 KB). */
const SEEN_PATH_LENGTH = 256;

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
  /** Whether an after hook may add headers (then it gets a copy of the response). */
  private readonly copyForHooks: boolean;
  /** Routes without parameters by path (each path's match made once); the others in order. */
  private readonly exact = new Map<string, Match>();
  private readonly patterned: Compiled[] = [];
  /** Paths matched against the patterns lately, and what they matched. */
  private readonly seenPaths = new Map<string, Match | typeof NO_MATCH>();
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
    this.copyForHooks = this.hooks.some((h) => h.after !== undefined && h.readsOnly !== true);
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
          const match = this.exact.get(route.path) ?? { path: route.path, candidates: [], values: [] };
          match.candidates.push(compiled);
          this.exact.set(route.path, match);
        } else this.patterned.push(compiled);
      }
      if (protocol.anyPathPost && !this.anyPathPost)
        this.anyPathPost = { route: protocol.anyPathPost, protocol };
    }
  }

  async handle(req: CoreRequest): Promise<CoreResponse> {
    const given = req.method;
    const method = given === 'POST' || given === 'GET' ? given : given.toUpperCase();
    const exchange: Exchange = { request: req, method, path: pathOf(req.path), started: performance.now() };
    let response: CoreResponse | undefined;
    for (const hook of this.hooks) {
      response = hook.before?.(exchange);
      if (response) break;
    }
    if (!response) {
      let ctx: RequestContext | undefined;
      try {
        const routed = this.route(req, exchange, method);
        if (routed instanceof RequestContext) {
          ctx = routed;
          const out = routed.handler(routed, exchange);
          response = out instanceof Promise ? await out : out;
        } else response = routed;
      } catch (err) {
        response = this.errorAnswer(exchange, err);
      } finally {
        // The predictors the route was given are held until its answer is made.
        ctx?.release();
      }
    }
    if (this.afterHooks) {
      // A route may answer the same response object every time (the cost page is made once): the hooks
      // get this request's own headers to add to.
      if (this.copyForHooks) response = { ...response, headers: { ...response.headers } };
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

  /**
   * The route that answers the request, as the context its handler is given (the handler in
   * `ctx.handler`), or the answer itself (OPTIONS); a 404 or 405 is thrown. Synchronous, so a request
   * for a loaded model is answered without waiting a turn of the event loop.
   */
  private route(req: CoreRequest, exchange: Exchange, method: string): RequestContext | CoreResponse {
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
    let chosen: Compiled | undefined;
    for (const c of found.candidates) {
      if (c.route.method === want) {
        chosen = c;
        break;
      }
    }
    if (!chosen) {
      const first = found.candidates[0] as Compiled;
      exchange.protocol = first.protocol.name;
      const allow = [...new Set(found.candidates.map((c) => c.route.method))];
      throw new MethodNotAllowedError(method, exchange.path, allow);
    }
    exchange.protocol = chosen.protocol.name;
    exchange.route = chosen.route.name;
    let params: Record<string, string> = NO_PARAMS;
    if (found.values.length > 0) {
      params = {};
      for (let i = 0; i < chosen.params.length; i++) {
        const name = chosen.params[i];
        if (name !== undefined) params[name] = found.values[i] as string;
      }
    }
    return new RequestContext(
      chosen.route.handle,
      req,
      method,
      found.path,
      params,
      this.limits,
      this.models,
      this.protocols,
    );
  }

  /** Whether a protocol other than `protocol` owns the path (its errors, its 404s). */
  private ownedElsewhere(path: string, protocol: Protocol): boolean {
    return this.protocols.some((p) => p !== protocol && p !== this.protocols[0] && p.owns(path));
  }

  /** The routes at `path` (every method), with the path's segments for their parameters. */
  private match(path: string): Match | undefined {
    const exact = this.exact.get(path);
    if (exact) return exact;
    if (this.patterned.length === 0) return undefined;
    // The paths a server is asked for are few (a model's infer and ready paths): each one's match is
    // kept, in a bounded map, rather than made again for every request.
    if (path.length > SEEN_PATH_LENGTH) return this.matchPatterns(path);
    const seen = this.seenPaths.get(path);
    if (seen !== undefined) return seen === NO_MATCH ? undefined : seen;
    const found = this.matchPatterns(path);
    if (this.seenPaths.size >= SEEN_PATHS) this.seenPaths.clear();
    this.seenPaths.set(path, found ?? NO_MATCH);
    return found;
  }

  private matchPatterns(path: string): Match | undefined {
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
}

/**
 * What a route handler is given: the request, its path parameters and body within the limits, and the
 * models. It is also the route's view of the registry (`models` is the context itself when the registry
 * leases its predictors): each predictor it hands out is held for the request and released once the
 * answer is made. A class, so a request's context allocates no closures.
 */
class RequestContext implements RouteContext, ModelRegistry {
  readonly models: ModelRegistry;
  private held: ModelLease | ModelLease[] | undefined;

  constructor(
    readonly handler: Route['handle'],
    readonly request: CoreRequest,
    readonly method: string,
    readonly path: string,
    readonly params: Readonly<Record<string, string>>,
    readonly limits: Limits,
    private readonly registry: ModelRegistry,
    readonly protocols: readonly Protocol[],
  ) {
    this.models = registry.lease ? this : registry;
  }

  defaultEntry(): ModelEntry | undefined {
    return this.registry.defaultEntry();
  }

  list(): readonly ModelEntry[] {
    return this.registry.list();
  }

  find(name: string): ModelEntry | undefined {
    return this.registry.find(name);
  }

  async ready(entry: ModelEntry): Promise<Predictor> {
    const registry = this.registry;
    if (!registry.lease) return registry.ready(entry);
    const lease = await registry.lease(entry);
    this.hold(lease);
    return lease.predictor;
  }

  readyNow(entry: ModelEntry): Predictor | undefined {
    const registry = this.registry;
    if (registry.lease) {
      const lease = registry.leaseNow?.(entry);
      if (lease === undefined) return undefined;
      this.hold(lease);
      return lease.predictor;
    }
    return loadedPredictor(entry);
  }

  /** Releases every predictor held for the request. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    if (held === undefined) return;
    if (Array.isArray(held)) for (const lease of held) lease.release();
    else held.release();
  }

  private hold(lease: ModelLease): void {
    const held = this.held;
    if (held === undefined) this.held = lease;
    else if (Array.isArray(held)) held.push(lease);
    else this.held = [held, lease];
  }

  bytes(): Uint8Array {
    const { body } = this.request;
    if (body === undefined) return EMPTY;
    const out = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const most = this.limits.maxBodyBytes;
    if (out.length > most) throw bodyTooLargeError(most, out.length);
    return out;
  }

  text(): string {
    const { body } = this.request;
    const most = this.limits.maxBodyBytes;
    if (typeof body === 'string') {
      // Its UTF-8 bytes are at least as many as its UTF-16 units.
      if (body.length > most) throw bodyTooLargeError(most, Buffer.byteLength(body, 'utf8'));
      return body;
    }
    try {
      return utf8.decode(this.bytes());
    } catch (cause) {
      if (cause instanceof ApiError) throw cause;
      throw new BadRequestError('invalid_body', 'the body is not valid UTF-8 text', undefined, cause);
    }
  }

  requireJson(): void {
    const header = this.request.headers['content-type'];
    if (header === undefined || header === 'application/json') return;
    if (header.trim() === '') return;
    const type = (header.split(';')[0] as string).trim().toLowerCase();
    if (JSON_MEDIA_TYPES.has(type) || type.endsWith('+json')) return;
    throw new UnsupportedMediaTypeError(header);
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
