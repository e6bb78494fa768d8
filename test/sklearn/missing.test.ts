// What the converter writes in the card about missing values and categories, read from committed
// differential cases (test/fixtures/differential; the harness checks their answers against scikit-learn):
// a feature may be missing unless its NaN reaches a step scikit-learn raises on, and a OneHotEncoder
// that refuses unknown categories lists the numbers its feature takes. Trees take missing values as the
// scikit-learn that saved them does (the version, the splitter, the criterion, monotonic constraints).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../../src/onnx/card.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { UnsupportedModelError } from '../../src/sklearn/errors.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { type PyDict, PyObject, type PyValue } from '../../src/sklearn/values.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/differential/${name}.pkl`, import.meta.url));

async function load(name: string): Promise<PyValue> {
  return loadModelFile(readFileSync(fixture(name)));
}

const convert = (value: PyValue, name: string): ModelCard =>
  sklearnToOnnx(value, { name, source: `${name}.pkl` }).card;

/** The card's missing, and each feature's own missing and values where it has them. */
async function rules(name: string) {
  const card = convert(await load(name), name);
  return {
    missing: card.missing,
    features: Object.fromEntries(
      card.features
        .filter((f) => f.missing !== undefined || f.values !== undefined)
        .map((f) => [
          f.name,
          { ...(f.missing ? { missing: f.missing } : {}), ...(f.values ? { values: f.values } : {}) },
        ]),
    ),
  };
}

describe('missing values, step by step', () => {
  it.each([
    // An imputer in front of everything, or one per ColumnTransformer part, or a tree that takes NaN
    // behind a scaler (scalers keep NaN): every feature may be missing.
    ['imputer-mean-logreg', 'impute'],
    ['columns-pipeline-inside', 'impute'],
    ['columns-missing-imputed-remainder', 'impute'],
    ['scaler-standard-missing-hgb', 'impute'],
    ['scaler-minmax-clip-missing-hgb', 'impute'],
    // A OneHotEncoder(handle_unknown="ignore") answers a missing category with zeros.
    ['onehot-ignore-missing', 'impute'],
    // NaN reaching an estimator that raises on it.
    ['logreg-missing-rows', 'reject'],
    ['svc-missing-rows', 'reject'],
    ['gb-missing-rows', 'reject'],
  ])('%s: %s', async (name, missing) => {
    expect(await rules(name)).toEqual({ missing, features: {} });
  });

  it('an imputer on some columns: those features may be missing, one by one', async () => {
    expect(await rules('columns-imputed-partly')).toEqual({
      missing: 'reject',
      features: { alpha: { missing: 'impute' }, beta: { missing: 'impute' } },
    });
    expect(await rules('columns-imputed-partly-arrays')).toEqual({
      missing: 'reject',
      features: { x3: { missing: 'impute' } },
    });
  });
});

describe('OneHotEncoder(handle_unknown="error"): the numbers a feature takes', () => {
  it('read straight from a column: the categories', async () => {
    expect(await rules('onehot-unknown-refused-logreg')).toEqual({
      missing: 'reject',
      features: { colour: { values: [0, 1, 2, 3] }, size: { values: [0, 1] } },
    });
  });

  it('NaN as a category, or an imputer before it: the feature may be missing', async () => {
    expect((await rules('onehot-unknown-refused-nan-category')).features).toEqual({
      colour: { missing: 'impute', values: [0, 1, 2, 3] },
      size: { values: [0, 1] },
    });
    expect((await rules('onehot-unknown-refused-imputed')).features).toEqual({
      colour: { missing: 'impute', values: [0, 1, 2, 3] },
      size: { missing: 'impute', values: [0, 1] },
    });
  });

  it('NaN never seen: refused like an unknown category', async () => {
    expect((await rules('onehot-unknown-refused-nan-unseen')).features).toEqual({
      colour: { values: [0, 1, 2, 3] },
      size: { values: [0, 1] },
    });
  });

  it.each([
    [
      'onehot-unknown-refused-after-clip',
      /after a MinMaxScaler that turns several numbers of feature "colour" into its category/,
    ],
    [
      'onehot-unknown-refused-after-scaler',
      /after a MaxAbsScaler that turns several numbers of feature "colour"/,
    ],
    [
      'onehot-unknown-refused-after-standard-scaler',
      /after a StandardScaler that turns several numbers of feature "colour"/,
    ],
  ])('after a scaler that does not map back exactly (%s): refused, saying so', async (name, message) => {
    const value = await load(name);
    expect(() => convert(value, name)).toThrow(UnsupportedModelError);
    expect(() => convert(value, name)).toThrow(message);
    expect(() => convert(value, name)).toThrow(
      /encode the column before scaling it, or use handle_unknown="ignore"/,
    );
  });
});

/** The estimator object (the Pipeline's last step, or the file's one estimator) and its state. */
function state(value: PyValue): PyDict {
  if (!(value instanceof PyObject) || !value.dict) throw new Error('not an estimator');
  const steps = value.dict.get('steps');
  if (Array.isArray(steps)) {
    const last = steps[steps.length - 1] as { items: PyValue[] };
    return state(last.items[1] as PyValue);
  }
  return value.dict;
}

/** The card's missing for the file as if the given scikit-learn version had saved it, with parameters set. */
async function missingAs(name: string, version: string, params: Record<string, PyValue> = {}) {
  const value = await load(name);
  const dict = state(value);
  dict.map.set('_sklearn_version', version);
  for (const [k, v] of Object.entries(params)) dict.map.set(k, v);
  return convert(value, name).missing;
}

describe('trees take missing values as the scikit-learn that saved them', () => {
  it.each<[string, string, Record<string, PyValue>, 'impute' | 'reject']>([
    ['tree-missing-at-predict', '1.3.2', {}, 'impute'],
    ['tree-missing-at-predict', '1.5.2', { splitter: 'random' }, 'reject'],
    ['tree-missing-at-predict', '1.6.1', { splitter: 'random' }, 'impute'],
    ['tree-monotonic-missing-at-predict', '1.8.0', {}, 'reject'],
    ['tree-monotonic-missing-at-predict', '1.9.1', {}, 'impute'],
    ['tree-regressor-absolute-error-missing-at-predict', '1.6.1', {}, 'reject'],
    ['tree-regressor-absolute-error-missing-at-predict', '1.9.1', {}, 'impute'],
    ['forest-missing-at-predict', '1.3.2', {}, 'reject'],
    ['forest-missing-at-predict', '1.4.2', {}, 'impute'],
    ['forest-monotonic-missing-at-predict', '1.6.1', {}, 'reject'],
    ['forest-regressor-absolute-error-missing-at-predict', '1.8.0', {}, 'reject'],
    ['extratrees-missing-at-predict', '1.5.2', {}, 'reject'],
    ['extratrees-missing-at-predict', '1.6.1', {}, 'impute'],
    ['extratrees-regressor-absolute-error-missing-at-predict', '1.6.1', {}, 'reject'],
  ])('%s saved by %s %j: %s', async (name, version, params, missing) => {
    expect(await missingAs(name, version, params)).toBe(missing);
  });
});
