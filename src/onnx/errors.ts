/** The bytes are not a well-formed ONNX model. */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

/** The model is well-formed ONNX but its modelgate model card is missing or invalid. */
export class ModelCardError extends Error {
  override name = 'ModelCardError';
}

/** The model card and the graph disagree (widths, types, class counts, output names). */
export class CardGraphMismatchError extends ModelCardError {
  override name = 'CardGraphMismatchError';
}

/** A foreign ONNX model cannot be packed as asked: the message says what it lacks. */
export class PackError extends Error {
  override name = 'PackError';
}
