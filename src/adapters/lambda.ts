// AWS Lambda events into core requests (src/adapters/lambda-event.ts), and core responses back: API
// Gateway REST (v1 proxy) and HTTP APIs (v2), Function URLs (v2), Application Load Balancers, and direct
// invokes. It decides nothing, and it never throws: whatever the event, the invoker gets an answer.
import { Core, type CoreOptions, type CoreResponse, jsonResponse } from '../api/core.js';
import { ApiError, InternalError } from '../api/errors.js';
import type { Predictor } from '../runtime/predictor.js';
import { type EventShape, eventShape, toCoreRequest } from './lambda-event.js';

export { type EventShape, eventShape, MAX_EVENT_DEPTH, toCoreRequest } from './lambda-event.js';

export interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
  statusDescription?: string;
}

export interface LambdaContext {
  awsRequestId?: string;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function toLambdaResult(shape: EventShape, res: CoreResponse): LambdaResult {
  const out: LambdaResult = { statusCode: res.status, headers: res.headers, body: res.body };
  if (shape === 'alb') {
    out.statusDescription = `${res.status} ${REASONS[res.status] ?? ''}`.trim();
    out.isBase64Encoded = false;
  } else if (shape !== 'direct') out.isBase64Encoded = false;
  return out;
}

export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<LambdaResult>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function logFault(requestId: string | undefined, msg: string, error: unknown): void {
  const e = error instanceof Error ? error : undefined;
  console.error(
    JSON.stringify({
      level: 'error',
      requestId,
      msg,
      error: e ? e.message : `a thrown ${typeof error}`,
      stack: e?.stack,
    }),
  );
}

/**
 * A handler over a loaded model; any POST predicts, whatever stage or resource path API Gateway adds.
 * It always resolves with a result: a malformed event is a 400 naming the field, and anything that
 * escapes the core (a fault) is a 500 JSON body whose request id is logged with the error.
 */
export function createLambdaHandler(predictor: Predictor, options: CoreOptions = {}): LambdaHandler {
  let requestId: string | undefined;
  const onInternalError =
    options.onInternalError ?? ((error: unknown) => logFault(requestId, 'internal error', error));
  const core = new Core(() => ({ state: 'ready', predictor }), {
    routing: 'any-path',
    ...options,
    onInternalError,
  });
  return async (event, context) => {
    requestId = undefined;
    let shape: EventShape = 'direct';
    try {
      const id = isObject(context) ? context.awsRequestId : undefined;
      requestId = typeof id === 'string' ? id : undefined;
      shape = eventShape(event);
      const { request } = toCoreRequest(event);
      return toLambdaResult(shape, await core.handle(request));
    } catch (err) {
      if (err instanceof ApiError && err.status < 500)
        return toLambdaResult(shape, jsonResponse(err.status, err.toJSON()));
      onInternalError(err);
      const fault = new InternalError('modelgate failed to answer this request; the fault is logged', err);
      const body = fault.toJSON();
      if (requestId !== undefined) body.error.details = { requestId };
      return toLambdaResult(shape, jsonResponse(500, body));
    }
  };
}
