// `modelgate serve <model>`: the prediction API over HTTP until SIGTERM or SIGINT.

import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { JsonLog } from '../adapters/log.js';
import { loadPredictor } from '../adapters/model.js';
import { packagedModel } from '../adapters/model-file.js';
import { type RunningServer, SERVER_DEFAULTS, type ServerOptions, startServer } from '../adapters/server.js';
import type { ModelStatus } from '../api/core.js';
import { corsHooks } from '../api/cors.js';
import type { Hooks } from '../api/hooks.js';
import { costPageRoute } from '../cost/route.js';
import type { Predictor } from '../runtime/predictor.js';
import { isRemote } from '../store/uri.js';
import { UsageError } from './errors.js';
import { availableCpus, runPrimary, type WorkerLink, wholeLines, workerLink } from './serve-workers.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  sha256?: string;
  maxBodyBytes?: number;
  maxRows?: number;
  maxValues?: number;
  logBodies?: boolean;
  loadTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  drainTimeoutMs?: number;
  /** Server processes on the one port (default: the CPUs available); 1 serves in this process. */
  workers?: number;
  /** `*` or the origins allowed to call the API from a browser (parsed by parseCorsOrigins). */
  cors?: '*' | string[];
  /** Serve under this path (`/ml`). */
  basePath?: string;
}

/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) instead of letting it grow to
 * 16 MB ones under load: a request's garbage dies young either way, and the server's peak memory under
 * 64 connections falls from ~123 MB to ~97 MB (docs/serving.md). The growth factor is read each time
 * the heap considers growing, so it can be set after start; a --max-semi-space-size given to node
 * (on the command line or in NODE_OPTIONS) is left to rule instead.
 */
export function keepYoungGenerationSmall(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (!given.includes('semi-space')) v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The model to serve and the sha256 to hold it to: the one named on the command line; else MODEL_URI
 * (with MODEL_SHA256), as the Lambda handler reads them; else the model `modelgate package` recorded
 * in modelgate.json beside the program (`programDir`), as in a container built from a package.
 */
export function modelToServe(
  named: string | undefined,
  sha256: string | undefined,
  env: NodeJS.ProcessEnv,
  programDir: URL,
): { uri: string; sha256?: string } {
  if (named !== undefined) return { uri: named, sha256 };
  if (env.MODEL_URI) return { uri: env.MODEL_URI, sha256: sha256 ?? (env.MODEL_SHA256 || undefined) };
  const packaged = packagedModel(programDir);
  if (!packaged)
    throw new UsageError('name the model to serve (a path, s3:// or https:// URI) or set MODEL_URI');
  const uri = isRemote(packaged.uri) ? packaged.uri : resolve(fileURLToPath(programDir), packaged.uri);
  return { uri, sha256: sha256 ?? packaged.sha256 };
}

/** Serves until a signal; returns the exit code (1 when the model cannot be loaded). */
export async function serveCommand(model: string, opts: ServeCommandOptions): Promise<number> {
  const workers = opts.workers ?? availableCpus();
  if (workers > 1 && cluster.isPrimary)
    return runPrimary({ workers, drainTimeoutMs: opts.drainTimeoutMs ?? SERVER_DEFAULTS.drainTimeoutMs });
  const worker = workerLink();
  try {
    return await serveHere(model, opts, worker);
  } catch (err) {
    // Say why to the primary (a port already taken, say), which reports it if no worker can start.
    await worker?.failed((err as Error).message);
    throw err;
  } finally {
    // The channel to the primary would keep a worker's process alive.
    worker?.done();
  }
}

/**
 * One server in this process. In a worker of `--workers N` the model loads before the worker listens,
 * so the primary never hands a connection to a worker that would answer 503; its lines say which
 * worker wrote them.
 */
async function serveHere(
  model: string,
  opts: ServeCommandOptions,
  worker: WorkerLink | undefined,
): Promise<number> {
  keepYoungGenerationSmall();
  let status: ModelStatus = { state: 'loading' };
  const limits = {
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
    ...(opts.maxValues !== undefined ? { maxValues: opts.maxValues } : {}),
  };
  const log = worker
    ? new JsonLog(wholeLines(process.stdout), { fields: { worker: worker.slot, pid: process.pid } })
    : new JsonLog();
  const hooks: Hooks[] = opts.cors ? [corsHooks({ origins: opts.cors })] : [];
  const serverOptions: ServerOptions = {
    log,
    host: opts.host,
    port: opts.port,
    limits,
    basePath: opts.basePath,
    hooks,
    logBodies: opts.logBodies,
    headersTimeoutMs: opts.headersTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    drainTimeoutMs: opts.drainTimeoutMs,
    modelPages: { '/cost': costPageRoute() },
  };
  const listen = async (): Promise<RunningServer> => {
    const running = await startServer(() => status, serverOptions);
    log.now({ level: 'info', msg: 'listening', url: running.url, model });
    return running;
  };
  let running = worker ? undefined : await listen();
  const started = performance.now();
  let predictor: Predictor;
  try {
    predictor = await loadPredictor(
      { uri: model, sha256: opts.sha256, timeoutMs: opts.loadTimeoutMs },
      { batching: true },
    );
  } catch (err) {
    const message = (err as Error).message;
    status = { state: 'failed', reason: message };
    log.now({ level: 'error', msg: 'the model failed to load; stopping', error: message });
    await running?.close();
    await worker?.failed(message);
    return 1;
  }
  status = { state: 'ready', predictor };
  running ??= await listen();
  worker?.ready(running.url);
  log.now({
    level: 'info',
    msg: 'model loaded; ready',
    model: predictor.card.name,
    task: predictor.card.task,
    ms: Number((performance.now() - started).toFixed(1)),
  });
  const signal = await new Promise<NodeJS.Signals | 'primary'>((resolve) => {
    const stop = (signal: NodeJS.Signals | 'primary'): void => {
      // Both listeners go, so a second SIGTERM or SIGINT (a second Ctrl-C) stops the process at once.
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    // A worker leaves Ctrl-C to the primary, which asks each worker to stop.
    if (!worker) process.on('SIGINT', stop);
    void worker?.stopRequested.then(() => stop('primary'));
  });
  log.now({
    level: 'info',
    msg: 'shutting down: finishing in-flight requests',
    signal,
    drainTimeoutMs: opts.drainTimeoutMs,
  });
  await running.close();
  if (status.state === 'ready') await status.predictor.release();
  log.now({ level: 'info', msg: 'stopped' });
  return 0;
}
