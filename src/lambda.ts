// `modelgate/lambda`: the Lambda handler as a library, with no side effects on import.
// `createLambdaHandler(model)` answers events over a loaded model (or a registry of models);
// `handlerFromEnv()` loads the model the function's environment names and gives its handler.
// `modelgate/lambda/handler` (src/lambda-handler.ts) is the deployable entry that does that at init.
//
// handlerFromEnv reads the model named by MODEL_URI (a path, relative ones against LAMBDA_TASK_ROOT, or
// an s3:// or https:// URI, read within MODEL_LOAD_TIMEOUT_MS), checked against MODEL_SHA256 when set.
// Without MODEL_URI, the model `modelgate package` recorded beside the handler (modelgate.json) is
// used. A model that fails to load rejects with a message that says what failed and where.
//
// A MODEL_URI that ends in / names a prefix (a folder, or s3://bucket/prefix/): its .onnx files are
// listed at init (at most MAX_MODELS, default 1000), each is served under its file's name at
// /models/{name}/..., the first (or MODEL_DEFAULT) at / too, and each loads on its first request; the
// loaded ones are kept within MODEL_CACHE_MB (default: the function's memory less 160 MB), the least
// recently used evicted first.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emfFromEnv } from './adapters/emf.js';
import { createLambdaHandler, type LambdaHandler, lambdaLog } from './adapters/lambda.js';
import { type Logger, parseLogLevel, parseRequestSampling } from './adapters/log.js';
import { loadPredictor } from './adapters/model.js';
import { packagedModel } from './adapters/model-file.js';
import { ModelSet, resolveModelFiles } from './adapters/models.js';
import type { Limits } from './api/request.js';
import { isFolderUri } from './store/list.js';
import { isRemote } from './store/uri.js';

export { EmfMetrics, type EmfOptions, emfFromEnv } from './adapters/emf.js';
export {
  createLambdaHandler,
  type HttpApiEvent,
  type LambdaContext,
  type LambdaEvent,
  type LambdaHandler,
  type LambdaHandlerOptions,
  type LambdaResult,
  lambdaLog,
  type RestApiEvent,
  toCoreRequest,
} from './adapters/lambda.js';
export type { Logger, LogLine } from './adapters/log.js';
export type { ModelEntry, ModelRegistry, ModelStatus } from './api/registry.js';

/** A positive integer from the environment, or undefined when the variable is unset or empty. */
function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`modelgate: ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const [name, key] of [
    ['MAX_BODY_BYTES', 'maxBodyBytes'],
    ['MAX_ROWS', 'maxRows'],
    ['MAX_VALUES', 'maxValues'],
  ] as const) {
    const n = positiveInteger(env, name);
    if (n !== undefined) limits[key] = n;
  }
  return limits;
}

/**
 * The handler of the model the environment names (MODEL_URI, else the packaged one), loaded now; its
 * limits from MAX_BODY_BYTES, MAX_ROWS and MAX_VALUES, its log from LOG_LEVEL (debug, info, warn,
 * error, off) and LOG_REQUESTS (on, off, or the share of request lines written); CloudWatch EMF metric
 * lines when METRICS_NAMESPACE names a namespace.
 */
export async function handlerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  /** The folder a packaged function's modelgate.json is in (the deployed entry's own). */
  here: URL = new URL('.', import.meta.url),
): Promise<LambdaHandler> {
  const packaged = env.MODEL_URI ? undefined : packagedModel(here);
  const uri = env.MODEL_URI || packaged?.uri;
  if (!uri)
    throw new Error(
      'modelgate: MODEL_URI is not set and no model was packaged with the handler; set MODEL_URI to the model file (a path, s3:// or https:// URI)',
    );
  const limits = limitsFromEnv(env);
  const log = lambdaLog(env, {
    ...(env.LOG_LEVEL ? { level: parseLogLevel(env.LOG_LEVEL) } : {}),
    ...(env.LOG_REQUESTS ? { requests: parseRequestSampling(env.LOG_REQUESTS) } : {}),
  });
  const emf = emfFromEnv(env);
  const options = { limits, log, ...(emf ? { hooks: [emf] } : {}) };
  if (isFolderUri(uri)) return createLambdaHandler(await prefixModels(uri, env, log), options);
  const predictor = await loadPredictor({
    uri,
    sha256: env.MODEL_SHA256 || packaged?.sha256 || undefined,
    baseDir: packaged ? fileURLToPath(here) : (env.LAMBDA_TASK_ROOT ?? process.cwd()),
    timeoutMs: positiveInteger(env, 'MODEL_LOAD_TIMEOUT_MS'),
  });
  return createLambdaHandler(predictor, options);
}

/** At most this many models under a MODEL_URI prefix unless MAX_MODELS says otherwise. */
export const MAX_PREFIX_MODELS = 1000;

/** Memory kept out of the model cache: Node, onnxruntime and the requests' own (MB). */
export const RESERVED_MEMORY_MB = 160;

/**
 * The model cache's budget: the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) less what Node,
 * onnxruntime and requests need, unless MODEL_CACHE_MB sets it; unbounded outside Lambda.
 */
export function cacheBudgetBytes(env: NodeJS.ProcessEnv): number | undefined {
  const given = positiveInteger(env, 'MODEL_CACHE_MB');
  if (given !== undefined) return given * 1024 * 1024;
  const memory = positiveInteger(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE');
  if (memory === undefined) return undefined;
  return Math.max(32, memory - RESERVED_MEMORY_MB) * 1024 * 1024;
}

/**
 * The models under a prefix (a folder, or s3://bucket/prefix/): listed now, once, each named by its
 * file and loaded on its first request, the loaded ones kept within the cache's budget.
 */
async function prefixModels(uri: string, env: NodeJS.ProcessEnv, log: Logger): Promise<ModelSet> {
  if (env.MODEL_SHA256)
    throw new Error(
      'modelgate: MODEL_SHA256 holds one model to its digest; with a prefix MODEL_URI (ending in /), leave it unset',
    );
  const timeoutMs = positiveInteger(env, 'MODEL_LOAD_TIMEOUT_MS');
  const baseDir = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const location = isRemote(uri) || isAbsolute(uri) ? uri : `${resolve(baseDir, uri)}/`;
  const files = await resolveModelFiles([location], {
    maxModels: positiveInteger(env, 'MAX_MODELS') ?? MAX_PREFIX_MODELS,
    timeoutMs: timeoutMs ?? 30_000,
  });
  const budget = cacheBudgetBytes(env);
  const models = await ModelSet.open(files, {
    loading: 'on-demand',
    ...(env.MODEL_DEFAULT ? { defaultName: env.MODEL_DEFAULT } : {}),
    log,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(budget !== undefined ? { cache: { budgetBytes: budget } } : {}),
  });
  log.now({
    level: 'info',
    msg: 'models listed; each loads on its first request',
    uri,
    models: files.length,
    ...(budget !== undefined ? { cacheBytes: budget } : {}),
  });
  return models;
}
