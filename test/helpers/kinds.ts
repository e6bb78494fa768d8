// Small models of several kinds, loaded, for the tests that serve more than one: a probabilistic
// classifier (iris, string classes), a regressor (scikit-learn ridge), a label-only classifier with
// integer classes (LinearSVC), and a packed network whose outputs are scores (logits).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packOnnx } from '../../src/onnx/pack.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { IRIS_MODEL } from './models.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

export interface KindModel {
  predictor: Predictor;
  /** Rows in feature order the model takes. */
  rows: (number | null)[][];
}

async function sklearn(name: string): Promise<KindModel> {
  const expected = JSON.parse(readFileSync(fixture(`sklearn/${name}.json`), 'utf8')) as {
    features: string[];
    fittedOnFrame: boolean;
    rows: (number | null)[][];
  };
  const { model } = sklearnToOnnx(await loadModelFile(readFileSync(fixture(`sklearn/${name}.pkl`))), {
    name,
    source: `${name}.pkl`,
    features: expected.fittedOnFrame ? undefined : expected.features,
  });
  return { predictor: await Predictor.load(encodeModel(model)), rows: expected.rows.slice(0, 3) };
}

async function logits(): Promise<KindModel> {
  const { features, rows } = JSON.parse(readFileSync(fixture('onnx/logits.json'), 'utf8')) as {
    features: string[];
    rows: number[][];
  };
  const packed = packOnnx(decodeModel(readFileSync(fixture('onnx/logits.onnx'))), {
    name: 'logits',
    source: 'logits.onnx',
    features,
    classes: ['setosa', 'versicolor', 'virginica'],
    task: 'classification',
  });
  return { predictor: await Predictor.load(encodeModel(packed.model)), rows: rows.slice(0, 3) };
}

/** iris (probabilities), ridge (values), linearsvc-multi (labels), logits (scores). */
export async function loadKinds(): Promise<Record<'iris' | 'ridge' | 'svc' | 'logits', KindModel>> {
  return {
    iris: {
      predictor: await Predictor.load(readFileSync(IRIS_MODEL)),
      rows: [
        [5.9, 3, 5.1, 1.8],
        [5.1, 3.5, 1.4, 0.2],
      ],
    },
    ridge: await sklearn('ridge'),
    svc: await sklearn('linearsvc-multi'),
    logits: await logits(),
  };
}
