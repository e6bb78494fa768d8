// The prediction job of the core: body text in, response body out, or an ApiError. Transport-free:
// the HTTP server, the Lambda handler and `modelgate predict` all call this.
import { InferenceError, InvalidRowError, NonFiniteOutputError } from '../runtime/errors.js';
import type { Prediction } from '../runtime/prediction.js';
import type { Predictor } from '../runtime/predictor.js';
import { BadRequestError, InternalError, ModelOutputError } from './errors.js';
import {
  DEFAULT_LIMITS,
  type Limits,
  parseJsonBody,
  parsePredictRequest,
  withDefaultLimits,
} from './request.js';
import { formatPredictions } from './response.js';

export async function predictBody(
  predictor: Predictor,
  text: string,
  given: Partial<Limits> = DEFAULT_LIMITS,
): Promise<Record<string, unknown>> {
  const limits = complete(given);
  return predictValue(predictor, parseJsonBody(text, limits), limits);
}

/**
 * For callers that already hold the parsed body (a Lambda direct invoke, say). `observed.rows` is set
 * to the request's row count once it is parsed (for the batch-size metric).
 */
export async function predictValue(
  predictor: Predictor,
  body: unknown,
  given: Partial<Limits> = DEFAULT_LIMITS,
  observed?: { rows?: number },
): Promise<Record<string, unknown>> {
  const limits = complete(given);
  const req = parsePredictRequest(body, predictor.card, limits, predictor.encoder);
  if (observed) observed.rows = req.rows.length;
  let out: Prediction;
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
    if (cause instanceof NonFiniteOutputError) {
      // For one named row, "row 0" means nothing to the sender.
      const where = req.format === 'row' ? 'for this row' : `for row ${cause.row}`;
      throw new ModelOutputError(
        `the model produced a number that is not finite (${cause.spelt}) ${where}; the answer is withheld rather than served as null, and the fault is logged`,
        { ...(req.format === 'row' ? {} : { row: cause.row }), output: cause.output },
        cause,
      );
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

/** Limits as given when they are whole (the core's are), else with the defaults filled in. */
function complete(given: Partial<Limits>): Limits {
  return given.maxBodyBytes !== undefined && given.maxRows !== undefined && given.maxValues !== undefined
    ? (given as Limits)
    : withDefaultLimits(given);
}
