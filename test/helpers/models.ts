import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ModelCard, withCard } from '../../src/onnx/card.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { trainFromCsv } from '../../src/train/train.js';

export const IRIS_CSV = fileURLToPath(new URL('../../examples/iris/iris.csv', import.meta.url));
export const IRIS_MODEL = fileURLToPath(new URL('../../examples/iris/model.onnx', import.meta.url));

/** The reference's request. */
export const REFERENCE_ROW = { sepal_length: 5.9, sepal_width: 3, petal_length: 5.1, petal_width: 1.8 };

export function trainIris(options: { nEstimators?: number } = {}) {
  return trainFromCsv(readFileSync(IRIS_CSV), { target: 'species', source: 'iris.csv', ...options });
}

/** The same model with its card edited (say, to take away the imputer's promise). */
export function withEditedCard(bytes: Uint8Array, edit: (card: ModelCard) => ModelCard): Uint8Array {
  const model = decodeModel(bytes);
  const card = JSON.parse(model.metadataProps.find((e) => e.key === 'modelgate.card')!.value) as ModelCard;
  return encodeModel(withCard(model, edit(card)));
}
