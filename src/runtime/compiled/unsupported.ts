/**
 * Why a graph is not compiled: an operator, attribute, element type or input the evaluator does not
 * implement exactly as onnxruntime does. The model then runs on onnxruntime, as every model did before.
 */
export class Unsupported extends Error {
  override name = 'Unsupported';
}

/** A run of a compiled graph that cannot go on (shapes that do not fit, an index out of range). */
export class CompiledRunError extends Error {
  override name = 'CompiledRunError';
}
