// AWS Lambda events into core requests (src/adapters/lambda-event.ts), and core responses back: API
// Gateway REST (v1 proxy) and HTTP APIs (v2), Function URLs (v2), Application Load Balancers, and direct
// invokes. It decides nothing, and it never throws: whatever the event, the invoker gets an answer.
import { Core, type CoreOptions, type CoreResponse, jsonResponse } from '../api/core.js';
import { ApiError, InternalError } from '../api/errors.js';
import { openapiProtocol } from '../api/protocols/openapi.js';
import type { ModelRegistry } from '../api/registry.js';
import type { Predictor } from '../runtime/predictor.js';
import { type EventShape, eventShape, type LambdaEvent, toCoreRequest } from './lambda-event.js';
import { JsonLog, type Logger } from './log.js';

export {
  type DirectInvoke,
  type EventShape,
  eventShape,
  type HttpApiEvent,
  type LambdaEvent,
  MAX_EVENT_DEPTH,
  type RestApiEvent,
  toCoreRequest,
} from './lambda-event.js';

export interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
  statusDescription?: string;
}

export interface LambdaContext {
  awsRequestId?: string;
  functionVersion?: string;
}

export interface LambdaHandlerOptions extends CoreOptions {
  /**
   * Where lines go (default: JSON lines on stdout, each written at once, since Lambda may freeze the
   * environment as soon as the answer is returned). Every line carries the request id and whether this
   * invoke is the environment's first (`coldStart`).
   */
  log?: Logger;
  /** The OpenAPI document at GET /openapi.json (default true). */
  openapi?: boolean;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function toLambdaResult(shape: EventShape, res: CoreResponse): LambdaResult {
  // Lambda's result is JSON: a binary answer travels as base64, which API Gateway and ALBs decode.
  const binary = res.bytes !== undefined;
  const body = binary ? Buffer.from(res.bytes as Uint8Array).toString('base64') : res.body;
  const out: LambdaResult = { statusCode: res.status, headers: res.headers, body };
  if (shape === 'alb') {
    out.statusDescription = `${res.status} ${REASONS[res.status] ?? ''}`.trim();
    out.isBase64Encoded = binary;
  } else if (shape !== 'direct' || binary) out.isBase64Encoded = binary;
  return out;
}

/** Takes any event (LambdaEvent describes the well-formed ones): a malformed one is a 400, never a throw. */
export type LambdaHandler = (event: LambdaEvent | unknown, context?: LambdaContext) => Promise<LambdaResult>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * JSON lines for Lambda: written at once, with the function's version on each. Request lines are off
 * unless asked for (`requests`, LOG_REQUESTS): Lambda writes its own START, END and REPORT lines for
 * every invoke, API Gateway its access log, and a line of ours would cost a synchronous write on every
 * warm invoke. Errors and 5xx answers are always written.
 */
export function lambdaLog(
  env: NodeJS.ProcessEnv = process.env,
  options: { level?: string; requests?: number } = {},
): JsonLog {
  const version = env.AWS_LAMBDA_FUNCTION_VERSION;
  return new JsonLog(
    { write: (text: string) => process.stdout.write(text) },
    {
      ...(options.level ? { level: options.level as 'info' } : {}),
      requests: options.requests ?? 0,
      ...(version ? { fields: { functionVersion: version } } : {}),
    },
  );
}

/**
 * A handler over a loaded model (or a registry of models); any POST predicts, whatever resource path
 * API Gateway adds (its stage is taken off first). It always resolves with a result: a malformed event
 * is a 400 naming the field, and anything that escapes the core (a fault) is a 500 JSON body whose
 * request id is logged with the error. Importing this has no side effects: `modelgate/lambda/handler`
 * is the deployable entry that loads the model during init.
 */
export function createLambdaHandler(
  model: Predictor | ModelRegistry,
  options: LambdaHandlerOptions = {},
): LambdaHandler {
  const log = options.log ?? lambdaLog();
  let requestId: string | undefined;
  let coldStart = true;
  let first = true;
  const fault = (msg: string, error: unknown) => {
    const e = error instanceof Error ? error : undefined;
    log.now({
      level: 'error',
      requestId,
      coldStart,
      msg,
      error: e ? e.message : `a thrown ${typeof error}`,
      stack: e?.stack,
    });
  };
  const onInternalError = options.onInternalError ?? ((error: unknown) => fault('internal error', error));
  const registry: ModelRegistry | (() => { state: 'ready'; predictor: Predictor }) =
    'defaultEntry' in model ? model : () => ({ state: 'ready', predictor: model });
  const core = new Core(registry, {
    routing: 'any-path',
    ...options,
    moreProtocols: [
      ...(options.moreProtocols ?? []),
      ...(options.openapi === false ? [] : [openapiProtocol()]),
    ],
    onInternalError,
  });
  return async (event, context) => {
    requestId = undefined;
    coldStart = first;
    first = false;
    const started = performance.now();
    let shape: EventShape = 'direct';
    let result: LambdaResult;
    let path: string | undefined;
    let method: string | undefined;
    try {
      const id = isObject(context) ? context.awsRequestId : undefined;
      requestId = typeof id === 'string' ? id : undefined;
      shape = eventShape(event);
      const { request } = toCoreRequest(event);
      ({ path, method } = request);
      const res = await core.handle(requestId === undefined ? request : { ...request, requestId });
      result = toLambdaResult(shape, withRequestId(res, requestId));
    } catch (err) {
      if (err instanceof ApiError && err.status < 500)
        result = toLambdaResult(shape, withRequestId(jsonResponse(err.status, err.toJSON()), requestId));
      else {
        onInternalError(err);
        const body = new InternalError(
          'modelgate failed to answer this request; the fault is logged',
          err,
        ).toJSON();
        if (requestId !== undefined) body.error.details = { requestId };
        result = toLambdaResult(shape, withRequestId(jsonResponse(500, body), requestId));
      }
    }
    const status = result.statusCode;
    if (status >= 500 || log.sampleRequest()) {
      log.now({
        level: status === 503 ? 'warn' : status >= 500 ? 'error' : 'info',
        requestId,
        coldStart,
        shape,
        ...(method !== undefined ? { method, path } : {}),
        status,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
      });
    }
    return result;
  };
}

function withRequestId(res: CoreResponse, requestId: string | undefined): CoreResponse {
  // A copy: a route may answer the same response object every time (the cost page).
  return requestId === undefined ? res : { ...res, headers: { ...res.headers, 'x-request-id': requestId } };
}
