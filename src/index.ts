// modelgate's public surface: train, load and predict. Importing it has no side effects.
export type { ClassLabel, FeatureSpec, ModelCard, Task } from './onnx/card.js';
export {
  InvalidRowError,
  ModelLoadError,
  ModelMismatchError,
  NonFiniteOutputError,
} from './runtime/errors.js';
export type {
  LabelPrediction,
  OutputKind,
  Prediction,
  ProbabilityPrediction,
  ScorePrediction,
  ValuePrediction,
} from './runtime/prediction.js';
export { Predictor, type PredictorOptions } from './runtime/predictor.js';
export { type TrainOptions, type TrainResult, trainFromCsv } from './train/train.js';
export { VERSION } from './version.js';
