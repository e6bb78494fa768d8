// `modelgate serve <model>`: the prediction API over HTTP until SIGTERM or SIGINT.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { JsonLog, type LogLevel, parseLogLevel, parseRequestSampling } from '../adapters/log.js';
import { loadPredictor } from '../adapters/model.js';
import { packagedModel } from '../adapters/model-file.js';
import { startServer } from '../adapters/server.js';
import type { ModelStatus } from '../api/core.js';
import { costPageRoute } from '../cost/route.js';
import { isRemote } from '../store/uri.js';
import { UsageError } from './errors.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  sha256?: string;
  maxBodyBytes?: number;
  maxRows?: number;
  maxValues?: number;
  logBodies?: boolean;
  /** Log lines below this level are dropped (default: LOG_LEVEL, else info). */
  logLevel?: LogLevel;
  /** The share of request lines written (default: LOG_REQUESTS, else 1). */
  logRequests?: number;
  /** false: no /metrics (commander's --no-metrics). */
  metrics?: boolean;
  loadTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  drainTimeoutMs?: number;
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

/** The log's level and request sampling: the options, else LOG_LEVEL and LOG_REQUESTS, as on Lambda. */
export function logOptions(
  opts: Pick<ServeCommandOptions, 'logLevel' | 'logRequests'>,
  env: NodeJS.ProcessEnv,
): { level?: LogLevel; requests?: number } {
  let level: LogLevel | undefined;
  let requests: number | undefined;
  try {
    level = opts.logLevel ?? (env.LOG_LEVEL ? parseLogLevel(env.LOG_LEVEL) : undefined);
    requests = opts.logRequests ?? (env.LOG_REQUESTS ? parseRequestSampling(env.LOG_REQUESTS) : undefined);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { ...(level ? { level } : {}), ...(requests !== undefined ? { requests } : {}) };
}

/** Serves until a signal; returns the exit code (1 when the model cannot be loaded). */
export async function serveCommand(model: string, opts: ServeCommandOptions): Promise<number> {
  keepYoungGenerationSmall();
  let status: ModelStatus = { state: 'loading' };
  const limits = {
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
    ...(opts.maxValues !== undefined ? { maxValues: opts.maxValues } : {}),
  };
  const log = new JsonLog(process.stdout, logOptions(opts, process.env));
  const running = await startServer(() => status, {
    log,
    ...(opts.metrics === false ? { metrics: false as const } : {}),
    host: opts.host,
    port: opts.port,
    limits,
    logBodies: opts.logBodies,
    headersTimeoutMs: opts.headersTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    drainTimeoutMs: opts.drainTimeoutMs,
    modelPages: { '/cost': costPageRoute() },
  });
  log.now({ level: 'info', msg: 'listening', url: running.url, model });
  try {
    const started = performance.now();
    const predictor = await loadPredictor(
      { uri: model, sha256: opts.sha256, timeoutMs: opts.loadTimeoutMs },
      { batching: true },
    );
    const loadMs = performance.now() - started;
    status = { state: 'ready', predictor, loadMs };
    log.now({
      level: 'info',
      msg: 'model loaded; ready',
      model: predictor.card.name,
      task: predictor.card.task,
      ms: Number(loadMs.toFixed(1)),
    });
  } catch (err) {
    status = { state: 'failed', reason: (err as Error).message };
    log.now({ level: 'error', msg: 'the model failed to load; stopping', error: (err as Error).message });
    await running.close();
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      // Both listeners go, so a second SIGTERM or SIGINT (a second Ctrl-C) stops the process at once.
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
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
