// The prediction job of the core: body text in, response body out, or an ApiError. Transport-free:
// the HTTP server, the Lambda handler and `modelgate predict` all call this.
import { InferenceError, InvalidRowError } from '../runtime/errors.js';
import type { Predictor } from '../runtime/predictor.js';
import { BadRequestError, InternalError } from './errors.js';
import { DEFAULT_LIMITS, type Limits, parseJsonBody, parsePredictRequest } from './request.js';
import { formatPredictions } from './response.js';

export async function predictBody(
  predictor: Predictor,
  text: string,
  limits: Limits = DEFAULT_LIMITS,
): Promise<Record<string, unknown>> {
  return predictValue(predictor, parseJsonBody(text, limits), limits);
}

/** For callers that already hold the parsed body (a Lambda direct invoke, say). */
export async function predictValue(
  predictor: Predictor,
  body: unknown,
  limits: Limits = DEFAULT_LIMITS,
): Promise<Record<string, unknown>> {
  const req = parsePredictRequest(body, predictor.card, limits);
  let out: Awaited<ReturnType<Predictor['predict']>>;
  try {
    out = await predictor.predict(req.rows);
  } catch (cause) {
    if (cause instanceof InvalidRowError) {
      const row = req.format === 'row' ? { ...cause.details, row: undefined } : cause.details;
      // One named row: "row 0" means nothing to the sender.
      const message =
        req.format === 'row'
          ? cause.message.replace(/^row 0, /, '').replace(/^row 0 /, 'the body ')
          : cause.message;
      throw new BadRequestError(cause.code, message, stripUndefined(row), cause);
    }
    if (cause instanceof InferenceError)
      throw new InternalError('the model failed to run on this input', cause);
    throw cause;
  }
  return formatPredictions(req, out, predictor.card);
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
