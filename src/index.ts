// modelgate's public surface: train, load and predict. Importing it has no side effects.
export type { ClassLabel, FeatureSpec, ModelCard, Task } from './onnx/card.js';
export { InvalidRowError, ModelLoadError } from './runtime/errors.js';
export { type Predictions, Predictor, type PredictorOptions } from './runtime/predictor.js';
export { type TrainOptions, type TrainResult, trainFromCsv } from './train/train.js';
export { VERSION } from './version.js';
