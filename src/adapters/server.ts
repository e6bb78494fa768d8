// The core over Node's HTTP server: keep-alive, a body size limit enforced while reading, time limits
// on requests that trickle in, request ids, structured JSON logs, and a graceful stop that answers
// every request received and then closes every connection.
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Core, type CoreOptions, type CoreResponse, jsonResponse, type ModelStatus } from '../api/core.js';
import { type ApiError, PayloadTooLargeError } from '../api/errors.js';
import { openapiProtocol } from '../api/protocols/openapi.js';
import type { ModelRegistry } from '../api/registry.js';
import {
  FragmentedBodyError,
  HeadersTooLargeError,
  MalformedRequestError,
  RequestTimeoutError,
} from './errors.js';
import { JsonLog, type Logger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { type BodySink, discardRestOfBody, readBody } from './server-body.js';
import { Connections } from './server-connections.js';

export interface ServerOptions extends CoreOptions {
  host?: string;
  port?: number;
  /** Log request bodies (off by default: they may hold personal data). */
  logBodies?: boolean;
  /** Where log lines go; default: JSON lines on stdout. */
  log?: Logger;
  /** Idle keep-alive connections are closed after this long (default 65 s). */
  keepAliveTimeoutMs?: number;
  /**
   * A request's headers must have arrived this long after its first byte (or after the connection
   * was accepted), else 408 (default 10 s, and at most `requestTimeoutMs`).
   */
  headersTimeoutMs?: number;
  /** A request, headers and body, must have arrived whole this long after its first byte, else 408 (default 30 s). */
  requestTimeoutMs?: number;
  /** close() cuts the connections still open this long after it began (default 10 s). */
  drainTimeoutMs?: number;
  /** Prometheus metrics at GET /metrics (default: a new ServerMetrics); false serves none. */
  metrics?: ServerMetrics | false;
  /** The OpenAPI document at GET /openapi.json (default true). */
  openapi?: boolean;
}

export interface RunningServer {
  server: Server;
  url: string;
  log: Logger;
  /** The metrics /metrics serves, unless they were turned off. */
  metrics?: ServerMetrics;
  /**
   * Stops accepting connections, answers every request already received (with `connection: close`),
   * closes idle keep-alive connections, and resolves once no connection is left, or after
   * `drainTimeoutMs` with those still open cut (and logged).
   */
  close(): Promise<void>;
}

export const SERVER_DEFAULTS = {
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  drainTimeoutMs: 10_000,
} as const;

/** The rest of a refused body is read and dropped up to this many times the body limit (at least 16 MiB), for up to 5 s. */
const DISCARD_LIMIT_FACTOR = 4;
const DISCARD_MIN_BYTES = 16 * 1024 * 1024;
const DISCARD_MS = 5_000;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function startServer(
  model: ModelRegistry | (() => ModelStatus),
  options: ServerOptions = {},
): Promise<RunningServer> {
  const timing = timeLimits(options);
  const log = options.log ?? new JsonLog();
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new ServerMetrics());
  /** A fault behind a 500, or the core's own failure to answer (with the request's id when known). */
  const logInternalError = (error: unknown, requestId?: string): void => {
    const e = error as Error;
    log.now({
      level: 'error',
      ...(requestId !== undefined ? { requestId } : {}),
      msg: 'internal error',
      error: e?.message,
      stack: e?.stack,
    });
  };
  const core = new Core(model, {
    ...options,
    // Metrics first: its `before` runs even where another hook answers (a CORS preflight).
    hooks: [...(metrics ? [metrics] : []), ...(options.hooks ?? [])],
    moreProtocols: [
      ...(options.moreProtocols ?? []),
      ...(metrics ? [metrics.protocol()] : []),
      ...(options.openapi === false ? [] : [openapiProtocol()]),
    ],
    onInternalError: (error) => logInternalError(error),
  });
  const maxBody = core.limits.maxBodyBytes;
  const discardBound = {
    bytes: Math.max(DISCARD_MIN_BYTES, DISCARD_LIMIT_FACTOR * maxBody),
    ms: DISCARD_MS,
  };

  // Request ids: a random prefix for this process and a counter (a UUID per request costs more than
  // the prediction); a valid x-request-id from the caller is kept instead.
  const idPrefix = randomBytes(6).toString('hex');
  let idCounter = 0;
  const nextRequestId = (): string => `${idPrefix}-${(++idCounter).toString(36)}`;

  /** `invited`: the client may be sending a body (it was not waiting for 100 Continue, or got it). */
  function onRequest(req: IncomingMessage, res: ServerResponse, invited: boolean): void {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : nextRequestId();
    connections.started(req.socket, res, requestId);
    readBody(req, maxBody, new Answering(req, res, invited, requestId));
  }

  /**
   * One request from its body to its answer. A class rather than closures: every request makes one,
   * and what a request allocates is what the collector works through under load.
   */
  class Answering implements BodySink {
    private readonly started = performance.now();
    private body: Buffer | undefined;

    constructor(
      private readonly req: IncomingMessage,
      private readonly res: ServerResponse,
      private readonly invited: boolean,
      private readonly requestId: string,
    ) {}

    bodyRead(body: Buffer): void {
      const { req } = this;
      this.body = body;
      core
        .handle({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers as Record<string, string | undefined>,
          body,
          requestId: this.requestId,
        })
        .then(
          (out) => this.send(out),
          (err: unknown) => this.failed(err),
        );
    }

    /** The core failed to answer at all (it answers its own errors; this is a fault in a hook, say). */
    private failed(err: unknown): void {
      logInternalError(err, this.requestId);
      this.res.destroy();
    }

    private send(out: CoreResponse): void {
      const { req, res } = this;
      if (writeHead(res, out, this.requestId, connections.draining))
        res.end(req.method === 'HEAD' ? undefined : (out.bytes ?? out.body));
      this.finish(out.status);
    }

    bodyFailed(err: unknown): void {
      const { req, res, requestId } = this;
      if (!(err instanceof PayloadTooLargeError || err instanceof FragmentedBodyError)) {
        // The client went away mid-upload (or the transport answered, say a timeout): nobody to answer.
        if (!connections.answered(req.socket)) {
          log.line({
            level: 'info',
            requestId,
            msg: 'request aborted while reading its body',
            error: String(err),
          });
        }
        res.destroy();
        return;
      }
      metrics?.transportAnswer(err.status, err.type);
      const refused = core.errorResponse(req.url ?? '/', err);
      const out = { ...refused, headers: { ...refused.headers, connection: 'close' } };
      if (!writeHead(res, out, requestId, true)) return;
      if (!this.invited) res.end(out.body);
      else {
        // The client may still be sending: the answer goes out now, the connection closes once the
        // rest of the body has been read (within a bound), so the client gets to read the answer.
        res.write(out.body);
        discardRestOfBody(req, res, discardBound);
      }
      this.finish(err.status);
    }

    private finish(status: number): void {
      if (status < 500 && !log.sampleRequest()) return;
      const { req, body } = this;
      log.line({
        // A 503 while the model loads is what a readiness probe is told, every few seconds: not an error.
        level: status === 503 ? 'warn' : status >= 500 ? 'error' : 'info',
        requestId: this.requestId,
        method: req.method,
        path: req.url,
        status,
        ms: Math.round((performance.now() - this.started) * 1000) / 1000,
        ...(options.logBodies && body ? { body: body.toString('utf8') } : {}),
      });
    }
  }

  const server = createServer(
    {
      keepAliveTimeout: timing.keepAliveTimeoutMs,
      headersTimeout: timing.headersTimeoutMs,
      requestTimeout: timing.requestTimeoutMs,
      // Node checks these two limits on a sweep, every 30 s unless told: a limit would be late by up
      // to that much.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1_000, Math.floor(Math.min(timing.headersTimeoutMs, timing.requestTimeoutMs) / 4)),
      ),
    },
    (req, res) => onRequest(req, res, true),
  );
  const connections = new Connections(server);

  // Expect: 100-continue: a declared body over the limit is refused before it is invited.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBody) {
      onRequest(req, res, false);
      return;
    }
    res.writeContinue();
    onRequest(req, res, true);
  });

  // What Node's parser refuses, or a request that did not arrive in time, answered in the core's
  // error body where nothing else has been written on the connection yet (Node's own answer has none).
  server.on('clientError', (err: NodeJS.ErrnoException, stream: Duplex) => {
    const socket = stream as Socket;
    const current = connections.current(socket);
    const error = transportError(err, current !== undefined, timing);
    if (!error || !socket.writable || current?.responseStarted) {
      socket.destroy();
      return;
    }
    connections.markAnswered(socket);
    // A request whose headers never parsed has no id yet: it gets one, as every answer carries one.
    const requestId = current?.requestId ?? nextRequestId();
    metrics?.transportAnswer(error.status, error.type);
    log.line({ level: 'info', requestId, status: error.status, msg: error.message });
    const out = jsonResponse(error.status, error.toJSON(), { connection: 'close' });
    const head = [`HTTP/1.1 ${out.status} ${STATUS_CODES[out.status]}`, `x-request-id: ${requestId}`];
    for (const name in out.headers) head.push(`${name}: ${out.headers[name]}`);
    head.push(`content-length: ${Buffer.byteLength(out.body)}`);
    socket.end(`${head.join('\r\n')}\r\n\r\n${out.body}`, () => socket.destroy());
    // A client that does not read would hold the connection open: it is cut regardless.
    setTimeout(() => socket.destroy(), 1_000).unref();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    log,
    ...(metrics ? { metrics } : {}),
    close: async () => {
      const cut = await connections.drain(timing.drainTimeoutMs);
      if (cut > 0) {
        log.now({
          level: 'warn',
          msg: `drain timeout: cut ${cut} connection${cut === 1 ? '' : 's'} still open after ${timing.drainTimeoutMs} ms`,
          connections: cut,
        });
      }
      log.flush();
    },
  };
}

type TimeLimits = { -readonly [K in keyof typeof SERVER_DEFAULTS]: number };

/** The time limits in force, each checked: a positive integer of milliseconds. */
function timeLimits(options: ServerOptions): TimeLimits {
  const requestTimeoutMs = options.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs;
  // In the order checked: the request limit first, as the headers limit's default derives from it.
  const limits: TimeLimits = {
    requestTimeoutMs,
    headersTimeoutMs:
      options.headersTimeoutMs ?? Math.min(SERVER_DEFAULTS.headersTimeoutMs, requestTimeoutMs),
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? SERVER_DEFAULTS.keepAliveTimeoutMs,
    drainTimeoutMs: options.drainTimeoutMs ?? SERVER_DEFAULTS.drainTimeoutMs,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer of milliseconds, got ${value}`);
  }
  // Node would swap the two silently (a headers limit above the request limit becomes the request limit).
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `headersTimeoutMs (${limits.headersTimeoutMs}) must not be more than requestTimeoutMs (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** The answer to an error Node's HTTP parser reports; undefined for a connection error (no one to answer). */
function transportError(
  err: NodeJS.ErrnoException,
  requestStarted: boolean,
  timing: TimeLimits,
): ApiError | undefined {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // A request whose handler has run has all its headers: it is the body that was late.
    return requestStarted
      ? new RequestTimeoutError('request', timing.requestTimeoutMs)
      : new RequestTimeoutError('headers', timing.headersTimeoutMs);
  }
  // The server takes Node's limit (16 KB unless node runs with --max-http-header-size).
  if (err.code === 'HPE_HEADER_OVERFLOW') return new HeadersTooLargeError(maxHeaderSize);
  if (err.code?.startsWith('HPE_')) {
    const reason = (err as { reason?: unknown }).reason;
    return new MalformedRequestError(typeof reason === 'string' ? reason : err.message);
  }
  return undefined;
}

/**
 * Writes the status and headers in one writeHead (a flat header list skips setHeader's bookkeeping);
 * false when a response was already started.
 */
function writeHead(res: ServerResponse, out: CoreResponse, requestId: string, close: boolean): boolean {
  if (res.headersSent) return false;
  const headers: string[] = ['x-request-id', requestId];
  for (const name in out.headers) headers.push(name, out.headers[name]);
  if (close && out.headers.connection === undefined) headers.push('connection', 'close');
  // A 204 has no body, and so no Content-Length (RFC 9110, 8.6).
  if (out.status !== 204)
    headers.push('content-length', String(out.bytes ? out.bytes.length : Buffer.byteLength(out.body)));
  res.writeHead(out.status, headers);
  return true;
}
