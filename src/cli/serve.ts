// `modelgate serve <models...>`: the prediction API over HTTP for one model or many (files, folders,
// s3:// prefixes), in one process or `--workers N` on one port, reloading a model when its source
// changes or on SIGHUP, until SIGTERM or SIGINT.

import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonLog, type LogLevel, parseLogLevel, parseRequestSampling } from '../adapters/log.js';
import { ServerMetrics } from '../adapters/metrics.js';
import { packagedModel } from '../adapters/model-file.js';
import { watchModels } from '../adapters/model-watch.js';
import { DeferredModels, type ModelFile, ModelSet, resolveModelFiles } from '../adapters/models.js';
import { type RunningServer, SERVER_DEFAULTS, type ServerOptions, startServer } from '../adapters/server.js';
import { corsHooks } from '../api/cors.js';
import type { Hooks } from '../api/hooks.js';
import type { ModelEntry } from '../api/registry.js';
import { costPageRoute } from '../cost/route.js';
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
  /** Server processes on the one port (default: the CPUs available); 1 serves in this process. */
  workers?: number;
  /** `*` or the origins allowed to call the API from a browser (parsed by parseCorsOrigins). */
  cors?: '*' | string[];
  /** Serve under this path (`/ml`). */
  basePath?: string;
  /** The default model's name (answering `/`); else the first. */
  default?: string;
  maxModels?: number;
  /** Poll interval for s3:// and https:// models, ms (0: off); default 30 s for s3://, off for https://. */
  reloadIntervalMs?: number;
  /** false: no file watching or polling (SIGHUP still reloads). */
  watch?: boolean;
  /** 'compiled': modelgate's own evaluator for the graphs it compiles (default: onnxruntime for all). */
  runtime?: 'onnxruntime' | 'compiled';
}

/** At most this many models on one endpoint unless --max-models says otherwise. */
export const MAX_MODELS = 1000;

/**
 * The young generation `serve` asks of V8 where it starts node itself (its workers; the container
 * image's entry point and `npm start` give node the same flag). V8's own default lets the semi-spaces
 * grow to 16 MB; pinned at their starting 1 MB, the collector ran so often that requests still waiting
 * for their batch were copied and promoted, and CPU per request at 256 connections rose from ~28 to
 * ~45 µs (and a 10,000-row batch took ~15% longer). 8 MB answers as fast as 16 at ~15 MB less peak
 * memory (docs/serving.md, "Memory"). The size is read when V8 starts, so it cannot be set from here
 * for this process; a semi-space flag given to node (command line or NODE_OPTIONS) is left to rule.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=8';

/** node's flags for a worker: this process's, with YOUNG_GENERATION_FLAG unless a semi-space size was given. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, nodeOptions ?? ''].join(' ');
  return given.includes('semi-space') ? [...execArgv] : [...execArgv, YOUNG_GENERATION_FLAG];
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

/** `serve`'s models: the sources named on the command line, else the one modelToServe finds. */
export function modelsToServe(
  named: readonly string[],
  sha256: string | undefined,
  env: NodeJS.ProcessEnv,
  programDir: URL,
): { uris: string[]; sha256?: string } {
  if (named.length > 1) return { uris: [...named], sha256 };
  const { uri, sha256: digest } = modelToServe(named[0], sha256, env, programDir);
  return { uris: [uri], ...(digest !== undefined ? { sha256: digest } : {}) };
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

/**
 * A worker's metrics, every series labelled with the worker: a scrape of /metrics reaches the one
 * worker its connection was given to, and a series of one worker's counts stays that worker's (two
 * workers' counts under one name would seem to go back and forth between scrapes).
 */
function workerMetrics(worker: WorkerLink): ServerMetrics {
  const metrics = new ServerMetrics();
  metrics.registry.setDefaultLabels({ worker: String(worker.slot) });
  return metrics;
}

/** Serves until a signal; returns the exit code (1 when the models cannot be opened, or a lone one cannot load). */
export async function serveCommand(sources: readonly string[], opts: ServeCommandOptions): Promise<number> {
  // A bad LOG_LEVEL or LOG_REQUESTS is a usage error here, not a worker's failure to start.
  const logging = logOptions(opts, process.env);
  const workers = opts.workers ?? availableCpus();
  if (workers > 1 && cluster.isPrimary) {
    cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
    return runPrimary({
      workers,
      drainTimeoutMs: opts.drainTimeoutMs ?? SERVER_DEFAULTS.drainTimeoutMs,
      log: new JsonLog(wholeLines(process.stdout), {
        ...logging,
        fields: { role: 'primary', pid: process.pid },
      }),
    });
  }
  const worker = workerLink();
  try {
    return await serveHere(sources, opts, worker);
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
 * One server in this process. Alone, it listens at once and answers 503 for the models while they
 * load; in a worker of `--workers N` the models load before the worker listens, so the primary never
 * hands a connection to a worker that would answer 503, and its lines say which worker wrote them.
 */
async function serveHere(
  sources: readonly string[],
  opts: ServeCommandOptions,
  worker: WorkerLink | undefined,
): Promise<number> {
  const limits = {
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
    ...(opts.maxValues !== undefined ? { maxValues: opts.maxValues } : {}),
  };
  const log = worker
    ? new JsonLog(wholeLines(process.stdout), {
        ...logOptions(opts, process.env),
        fields: { worker: worker.slot, pid: process.pid },
      })
    : new JsonLog(process.stdout, logOptions(opts, process.env));
  const hooks: Hooks[] = opts.cors ? [corsHooks({ origins: opts.cors })] : [];
  // The server answers (health, 503 for the models) while the models' files are read.
  const registry = new DeferredModels();
  const serverOptions: ServerOptions = {
    log,
    ...(opts.metrics === false
      ? { metrics: false as const }
      : worker
        ? { metrics: workerMetrics(worker) }
        : {}),
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
    const running = await startServer(registry, serverOptions);
    log.now({
      level: 'info',
      msg: 'listening',
      url: running.url,
      ...(sources.length === 1 ? { model: sources[0] } : { models: sources }),
    });
    return running;
  };
  let running = worker ? undefined : await listen();
  const stopWith = async (message: string, error: string, models?: ModelSet): Promise<number> => {
    log.now({ level: 'error', msg: message, error });
    await running?.close();
    await models?.close();
    await worker?.failed(error);
    return 1;
  };
  const started = performance.now();
  let models: ModelSet;
  let lone = false;
  try {
    const timeoutMs = opts.loadTimeoutMs ?? 30_000;
    const files = await resolveModelFiles(sources, { maxModels: opts.maxModels ?? MAX_MODELS, timeoutMs });
    lone = files.length === 1 && sources.length === 1 && files[0]?.uri === sources[0];
    if (opts.sha256 !== undefined) {
      if (!lone)
        throw new UsageError(
          '--sha256 holds one model to its digest: give one model file, not several or a folder',
        );
      (files[0] as ModelFile).sha256 = opts.sha256;
    }
    models = await ModelSet.open(files, {
      loading: 'eager',
      defaultName: opts.default,
      log,
      predictor: { batching: true, runtime: opts.runtime },
      timeoutMs,
    });
    registry.set(models);
    await models.loadAll();
  } catch (err) {
    return stopWith('the models cannot be served; stopping', (err as Error).message);
  }
  const entries = models.list();
  const first = entries[0] as ModelEntry;
  const status = first.status();
  if (lone && status.state !== 'ready')
    return stopWith(
      'the model failed to load; stopping',
      status.state === 'failed' ? status.reason : `the model is ${status.state}`,
      models,
    );
  running ??= await listen();
  // Watching starts from the files' state when they were read: a change since is seen by the first poll.
  const watch =
    opts.watch === false
      ? undefined
      : watchModels(models, {
          log,
          ...(opts.reloadIntervalMs !== undefined
            ? { s3IntervalMs: opts.reloadIntervalMs, httpsIntervalMs: opts.reloadIntervalMs }
            : {}),
        });
  const hangUp = (): void => {
    log.now({ level: 'info', msg: 'SIGHUP: reloading every model' });
    void models.reloadAll('SIGHUP');
  };
  process.on('SIGHUP', hangUp);
  const failed = entries.filter((e) => e.status().state === 'failed').map((e) => e.name);
  log.now({
    level: failed.length > 0 ? 'warn' : 'info',
    msg: 'model loaded; ready',
    ...(lone && status.state === 'ready'
      ? { model: status.predictor.card.name, task: status.predictor.card.task }
      : {
          models: entries.length,
          default: models.defaultEntry()?.name,
          ...(failed.length ? { failed } : {}),
        }),
    ms: Number((performance.now() - started).toFixed(1)),
  });
  // Told after its own line is written: the primary's "all workers ready" comes after every worker's.
  worker?.ready(running.url);
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
  process.off('SIGHUP', hangUp);
  watch?.close();
  log.now({
    level: 'info',
    msg: 'shutting down: finishing in-flight requests',
    signal,
    drainTimeoutMs: opts.drainTimeoutMs,
  });
  await running.close();
  await models.close();
  log.now({ level: 'info', msg: 'stopped' });
  return 0;
}
