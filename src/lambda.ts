// `modelgate/lambda`: the Lambda function's entry. Importing it loads the model named by MODEL_URI (a
// path, relative ones against LAMBDA_TASK_ROOT, or an s3:// or https:// URI, read within
// MODEL_LOAD_TIMEOUT_MS), checked against MODEL_SHA256 when set, during the init phase, so Init
// Duration includes the load and the first invoke is already warm. Without MODEL_URI, the model
// `modelgate package` recorded beside the handler (modelgate.json) is used. A model that fails to load
// fails init with a message that says what failed and where; Lambda retries init next time.
import { fileURLToPath } from 'node:url';
import { createLambdaHandler, type LambdaHandler } from './adapters/lambda.js';
import { loadPredictor } from './adapters/model.js';
import { packagedModel } from './adapters/model-file.js';
import type { Limits } from './api/request.js';

export {
  createLambdaHandler,
  type LambdaHandler,
  type LambdaResult,
  toCoreRequest,
} from './adapters/lambda.js';

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

async function init(): Promise<LambdaHandler> {
  const env = process.env;
  const here = new URL('.', import.meta.url);
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
  return createLambdaHandler(predictor, { limits });
}

export const handler: LambdaHandler = await init();
