// The core over Node's HTTP server: keep-alive, a body size limit enforced while reading, request ids,
// structured JSON logs, and a graceful shutdown that lets in-flight requests finish.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Core, type CoreOptions, type CoreResponse, jsonResponse, type ModelStatus } from '../api/core.js';
import { PayloadTooLargeError } from '../api/errors.js';
import { FragmentedBodyError } from './errors.js';
import { JsonLog } from './log.js';
import { readBody } from './server-body.js';

export interface ServerOptions extends CoreOptions {
  host?: string;
  port?: number;
  /** Log request bodies (off by default: they may hold personal data). */
  logBodies?: boolean;
  /** Where log lines go; default: JSON lines on stdout. */
  log?: JsonLog;
  /** Idle keep-alive connections are closed after this long. */
  keepAliveTimeoutMs?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  log: JsonLog;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function startServer(
  model: () => ModelStatus,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? new JsonLog();
  const core = new Core(model, {
    ...options,
    onInternalError: (error) => {
      const e = error as Error;
      log.now({ level: 'error', msg: 'internal error', error: e?.message, stack: e?.stack });
    },
  });
  const maxBody = core.limits.maxBodyBytes;

  // Request ids: a random prefix for this process and a counter (a UUID per request costs more than
  // the prediction); a valid x-request-id from the caller is kept instead.
  const idPrefix = randomBytes(6).toString('hex');
  let idCounter = 0;

  const server = createServer((req, res) => {
    const started = performance.now();
    const header = req.headers['x-request-id'];
    const requestId =
      typeof header === 'string' && REQUEST_ID.test(header)
        ? header
        : `${idPrefix}-${(++idCounter).toString(36)}`;
    readBody(req, maxBody).then(
      async (body) => {
        const out = await core.handle({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers as Record<string, string | undefined>,
          body,
        });
        send(res, out, requestId, req.method === 'HEAD');
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
        // Over the size limit, or in crumbs: answer and close, so the rest of the upload is not read.
        const out = jsonResponse(err.status, err.toJSON(), { connection: 'close' });
        send(res, out, requestId, false);
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
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.headersTimeout = Math.max(server.keepAliveTimeout + 1_000, 66_000);
  server.requestTimeout = 30_000;

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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          log.flush();
          resolve();
        });
        // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
        server.closeIdleConnections();
      }),
  };
}

/** Writes the response in one writeHead (a flat header list skips setHeader's bookkeeping). */
function send(res: ServerResponse, out: CoreResponse, requestId: string, head: boolean): void {
  if (res.headersSent) return;
  const headers: string[] = ['x-request-id', requestId];
  for (const name in out.headers) headers.push(name, out.headers[name]);
  headers.push('content-length', String(Buffer.byteLength(out.body)));
  res.writeHead(out.status, headers);
  res.end(head ? undefined : out.body);
}
