// `modelgate/lambda`: the Lambda handler as a library, with no side effects on import.
// `createLambdaHandler(model)` answers events over a loaded model (or a registry of models);
// `handlerFromEnv()` loads the model the function's environment names and gives its handler.
// `modelgate/lambda/handler` (src/lambda-handler.ts) is the deployable entry that does that at init.
//
// handlerFromEnv reads the model named by MODEL_URI (a path, relative ones against LAMBDA_TASK_ROOT, or
// an s3:// or https:// URI, read within MODEL_LOAD_TIMEOUT_MS), checked against MODEL_SHA256 when set.
// Without MODEL_URI, the model `modelgate package` recorded beside the handler (modelgate.json) is
// used. A model that fails to load rejects with a message that says what failed and where.
import { fileURLToPath } from 'node:url';
import { emfFromEnv } from './adapters/emf.js';
import { createLambdaHandler, type LambdaHandler, lambdaLog } from './adapters/lambda.js';
import { parseLogLevel, parseRequestSampling } from './adapters/log.js';
import { loadPredictor } from './adapters/model.js';
import { packagedModel } from './adapters/model-file.js';
import type { Limits } from './api/request.js';

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
  const predictor = await loadPredictor({
    uri,
    sha256: env.MODEL_SHA256 || packaged?.sha256 || undefined,
    baseDir: packaged ? fileURLToPath(here) : (env.LAMBDA_TASK_ROOT ?? process.cwd()),
    timeoutMs: positiveInteger(env, 'MODEL_LOAD_TIMEOUT_MS'),
  });
  const log = lambdaLog(env, {
    ...(env.LOG_LEVEL ? { level: parseLogLevel(env.LOG_LEVEL) } : {}),
    ...(env.LOG_REQUESTS ? { requests: parseRequestSampling(env.LOG_REQUESTS) } : {}),
  });
  const emf = emfFromEnv(env);
  return createLambdaHandler(predictor, { limits, log, ...(emf ? { hooks: [emf] } : {}) });
}
