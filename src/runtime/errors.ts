/** What was wrong with a row, for the API's error details. */
export interface RowProblem {
  row?: number;
  feature?: string;
  expected?: string;
  got?: string;
  unknown?: string[];
}

/** A row does not fit the model's features: wrong length, wrong type, unknown or missing feature. */
export class InvalidRowError extends Error {
  override name = 'InvalidRowError';
  readonly code: 'invalid_row' | 'missing_feature' | 'unknown_feature';
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
