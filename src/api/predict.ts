// The prediction job of the core: body text in, response body out, or an ApiError. Transport-free:
// the HTTP server, the Lambda handler and `modelgate predict` all call this.

import type { ModelCard } from '../onnx/card.js';
import { InferenceError, InvalidRowError, NonFiniteOutputError } from '../runtime/errors.js';
import type { Prediction } from '../runtime/prediction.js';
import type { Predictor } from '../runtime/predictor.js';
import { BadRequestError, InternalError, ModelOutputError } from './errors.js';
import {
  DEFAULT_LIMITS,
  type Limits,
  type PredictRequest,
  parseJsonBody,
  parsePredictRequest,
  withDefaultLimits,
} from './request.js';
import { formatPredictions, formatPredictionsJson } from './response.js';

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
export function predictValue(
  predictor: Predictor,
  body: unknown,
  given: Partial<Limits> = DEFAULT_LIMITS,
  observed?: { rows?: number },
): Promise<Record<string, unknown>> {
  return predicted(predictor, body, given, observed, formatPredictions);
}

/** predictValue's answer as JSON text (formatPredictionsJson: the same bytes, made faster for batches). */
export function predictJson(
  predictor: Predictor,
  body: unknown,
  given: Partial<Limits> = DEFAULT_LIMITS,
  observed?: { rows?: number },
): Promise<string> {
  return predicted(predictor, body, given, observed, formatPredictionsJson);
}

function predicted<T>(
  predictor: Predictor,
  body: unknown,
  given: Partial<Limits>,
  observed: { rows?: number } | undefined,
  format: (req: PredictRequest, out: Prediction, card: ModelCard) => T,
): Promise<T> {
  // Not async: one promise a request rather than one per step (the hot path's allocations).
  let req: PredictRequest;
  try {
    req = parsePredictRequest(body, predictor.card, complete(given), predictor.encoder);
  } catch (err) {
    return Promise.reject(err);
  }
  if (observed) observed.rows = req.rows.length;
  const single = req.format === 'row';
  return predictor.predict(req.rows).then(
    (out) => format(req, out, predictor.card),
    (cause: unknown) => {
      throw asApiError(cause, single);
    },
  );
}

/**
 * Rows through the Predictor, its errors as the core's: a row the card refuses is a 400 naming the row
 * and the feature, a non-finite answer a 500 of its own type. `single`: the request was one named row,
 * so "row 0" is left out of the messages. Every protocol predicts through here.
 */
export function predictRows(
  predictor: Predictor,
  rows: readonly unknown[],
  single = false,
): Promise<Prediction> {
  return predictor.predict(rows).catch((cause: unknown) => {
    throw asApiError(cause, single);
  });
}

/** A Predictor's error as the core's. */
function asApiError(cause: unknown, single: boolean): unknown {
  if (cause instanceof InvalidRowError) {
    const row = single ? { ...cause.details, row: undefined } : cause.details;
    // One named row: "row 0" means nothing to the sender.
    const message = single
      ? cause.message.replace(/^row 0, /, '').replace(/^row 0 /, 'the body ')
      : cause.message;
    return new BadRequestError(cause.code, message, stripUndefined(row), cause);
  }
  if (cause instanceof NonFiniteOutputError) {
    const where = single ? 'for this row' : `for row ${cause.row}`;
    return new ModelOutputError(
      `the model produced a number that is not finite (${cause.spelt}) ${where}; the answer is withheld rather than served as null, and the fault is logged`,
      { ...(single ? {} : { row: cause.row }), output: cause.output },
      cause,
    );
  }
  if (cause instanceof InferenceError)
    return new InternalError('the model failed to run on this input', cause);
  return cause;
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
