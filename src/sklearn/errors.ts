/** The bytes are not a pickle this reader can follow: truncated, an unknown opcode, a broken stack. */
export class PickleFormatError extends Error {
  override name = 'PickleFormatError';
}

/**
 * The pickle names a global that is not on modelgate's allowlist (a function that would run code, a
 * class modelgate does not rebuild). Nothing from the file is ever called; the file is refused.
 */
export class PickleRefusedError extends Error {
  override name = 'PickleRefusedError';
  constructor(
    readonly global: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The pickle names a class that is a model modelgate does not read, not code: a scikit-learn estimator
 * it does not convert, or a model of another library (LightGBM, XGBoost, ...). Nothing is rebuilt, as
 * for any refusal; the message names the class as a thing, to follow "modelgate does not convert", and
 * says what is supported or how to get the model in.
 */
export class UnsupportedClassError extends PickleRefusedError {
  override name = 'UnsupportedClassError';
}

/** The pickle goes past a bound on its work or size (operations, stack, memo, array bytes, time). */
export class PickleLimitError extends Error {
  override name = 'PickleLimitError';
}

/** The file holds a model modelgate cannot convert: the message names the estimator and what is missing. */
export class ModelImportError extends Error {
  override name = 'ModelImportError';
}

/**
 * The file holds an estimator, a step or a setting modelgate does not convert; the message names it as a
 * thing ("a SimpleImputer with add_indicator=True"), to follow "modelgate does not convert".
 */
export class UnsupportedModelError extends ModelImportError {
  override name = 'UnsupportedModelError';
}
