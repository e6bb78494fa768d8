// The core over Node's HTTP server: keep-alive, a body size limit enforced while reading, request ids,
// structured JSON logs, and a graceful stop that answers every request received and then closes every
// connection.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Core, type CoreOptions, type CoreResponse, jsonResponse, type ModelStatus } from '../api/core.js';
import { PayloadTooLargeError } from '../api/errors.js';
import { FragmentedBodyError } from './errors.js';
import { JsonLog } from './log.js';
import { discardRestOfBody, readBody } from './server-body.js';
import { Connections } from './server-connections.js';

export interface ServerOptions extends CoreOptions {
  host?: string;
  port?: number;
  /** Log request bodies (off by default: they may hold personal data). */
  logBodies?: boolean;
  /** Where log lines go; default: JSON lines on stdout. */
  log?: JsonLog;
  /** Idle keep-alive connections are closed after this long (default 65 s). */
  keepAliveTimeoutMs?: number;
  /** close() cuts the connections still open this long after it began (default 10 s). */
  drainTimeoutMs?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  log: JsonLog;
  /**
   * Stops accepting connections, answers every request already received (with `connection: close`),
   * closes idle keep-alive connections, and resolves once no connection is left, or after
   * `drainTimeoutMs` with those still open cut (and logged).
   */
  close(): Promise<void>;
}

export const SERVER_DEFAULTS = {
  keepAliveTimeoutMs: 65_000,
  drainTimeoutMs: 10_000,
} as const;

/** The rest of a refused body is read and dropped up to this many times the body limit (at least 16 MiB), for up to 5 s. */
const DISCARD_LIMIT_FACTOR = 4;
const DISCARD_MIN_BYTES = 16 * 1024 * 1024;
const DISCARD_MS = 5_000;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function startServer(
  model: () => ModelStatus,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const timing = timeLimits(options);
  const log = options.log ?? new JsonLog();
  const core = new Core(model, {
    ...options,
    onInternalError: (error) => {
      const e = error as Error;
      log.now({ level: 'error', msg: 'internal error', error: e?.message, stack: e?.stack });
    },
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

  /** `invited`: the client may be sending a body (it was not waiting for 100 Continue, or got it). */
  function onRequest(req: IncomingMessage, res: ServerResponse, invited: boolean): void {
    const started = performance.now();
    const header = req.headers['x-request-id'];
    const requestId =
      typeof header === 'string' && REQUEST_ID.test(header)
        ? header
        : `${idPrefix}-${(++idCounter).toString(36)}`;
    connections.started(req.socket, res);
    readBody(req, maxBody).then(
      async (body) => {
        const out = await core.handle({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers as Record<string, string | undefined>,
          body,
        });
        if (writeHead(res, out, requestId, connections.draining))
          res.end(req.method === 'HEAD' ? undefined : out.body);
        finish(out.status, body);
      },
      (err: unknown) => {
        if (!(err instanceof PayloadTooLargeError || err instanceof FragmentedBodyError)) {
          // The client went away mid-upload: nobody to answer.
          log.line({
            level: 'info',
            requestId,
            msg: 'request aborted while reading its body',
            error: String(err),
          });
          res.destroy();
          return;
        }
        const out = jsonResponse(err.status, err.toJSON(), { connection: 'close' });
        if (!writeHead(res, out, requestId, true)) return;
        if (!invited) res.end(out.body);
        else {
          // The client may still be sending: the answer goes out now, the connection closes once the
          // rest of the body has been read (within a bound), so the client gets to read the answer.
          res.write(out.body);
          discardRestOfBody(req, res, discardBound);
        }
        finish(err.status);
      },
    );

    function finish(status: number, body?: Buffer): void {
      log.line({
        level: status >= 500 ? 'error' : 'info',
        requestId,
        method: req.method,
        path: req.url,
        status,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
        ...(options.logBodies && body ? { body: body.toString('utf8') } : {}),
      });
    }
  }

  const server = createServer((req, res) => onRequest(req, res, true));
  server.keepAliveTimeout = timing.keepAliveTimeoutMs;
  server.headersTimeout = Math.max(server.keepAliveTimeout + 1_000, 66_000);
  server.requestTimeout = 30_000;
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
  const limits: TimeLimits = {
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? SERVER_DEFAULTS.keepAliveTimeoutMs,
    drainTimeoutMs: options.drainTimeoutMs ?? SERVER_DEFAULTS.drainTimeoutMs,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer of milliseconds, got ${value}`);
  }
  return limits;
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
  headers.push('content-length', String(Buffer.byteLength(out.body)));
  res.writeHead(out.status, headers);
  return true;
}
