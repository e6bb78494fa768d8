/** What was wrong with a row, for the API's error details. */
export interface RowProblem {
  row?: number;
  feature?: string;
  expected?: string;
  got?: string;
  unknown?: string[];
  /** The numbers the feature takes (the first MAX_ALLOWED_IN_DETAILS of them). */
  allowed?: readonly (number | string)[];
  /** How many numbers the feature takes, when `allowed` shows only the first. */
  allowedCount?: number;
}

/**
 * A row does not fit the model's features: wrong length, wrong type, unknown or missing feature, or a
 * number the feature does not take (unknown_category: a category its encoder never saw).
 */
export class InvalidRowError extends Error {
  override name = 'InvalidRowError';
  readonly code:
    | 'invalid_row'
    | 'missing_feature'
    | 'unknown_feature'
    | 'unknown_category'
    | 'out_of_range'
    | 'unanswerable_row';
  readonly details: RowProblem;

  constructor(code: InvalidRowError['code'], message: string, details: RowProblem) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** onnxruntime could not load the model. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** onnxruntime failed while running a model that loaded. */
export class InferenceError extends Error {
  override name = 'InferenceError';
}

/** The model card and the graph disagree (widths, types, class counts, output names): the model is refused. */
export class ModelMismatchError extends ModelLoadError {
  override name = 'ModelMismatchError';
}

/**
 * The model produced NaN or an infinity. Such a number cannot be vouched for (and JSON would carry it
 * as null), so the request fails instead of being answered.
 */
export class NonFiniteOutputError extends Error {
  override name = 'NonFiniteOutputError';
  readonly output: string;
  readonly row: number;
  readonly value: number;
  /** The number as JSON cannot carry it: NaN, Infinity or -Infinity. */
  readonly spelt: string;

  constructor(output: string, row: number, value: number) {
    const spelt = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    super(`the model produced ${spelt} in its output "${output}" for row ${row}`);
    this.output = output;
    this.row = row;
    this.value = value;
    this.spelt = spelt;
  }
}
