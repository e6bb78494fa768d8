// What the reader says about the globals a pickle names: code is refused; a model modelgate does not
// read (a scikit-learn estimator it does not convert, a LightGBM or XGBoost object) is "not supported",
// with what is supported or how to get the model in; scikit-learn 1.5/1.6's bare `_loss` module is
// accepted for its loss classes only. And what the converter refuses rather than write a model that
// would fail at every prediction.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { ModelImportError, PickleRefusedError, UnsupportedClassError } from '../../src/sklearn/errors.js';
import { loadModelFile, readModelFile } from '../../src/sklearn/joblib.js';
import { PyObject, type PyTuple, type PyValue } from '../../src/sklearn/values.js';

/** A protocol 2 pickle that names module.name (GLOBAL), makes an instance of it (EMPTY_TUPLE, NEWOBJ). */
const instanceOf = (module: string, name: string) =>
  Uint8Array.from([0x80, 2, ...Buffer.from(`c${module}\n${name}\n`, 'latin1'), 0x29, 0x81, 0x2e]);

function refusal(module: string, name: string): Error {
  try {
    readModelFile(instanceOf(module, name));
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${module}.${name} was read`);
}

describe("the reader's refusals", () => {
  it.each([
    ['_loss', 'CyHalfBinomialLoss'],
    ['_loss', 'CyHalfMultinomialLoss'],
    ['_loss', '__pyx_unpickle_CyHalfMultinomialLoss'],
    ['sklearn._loss._loss', 'CyHalfPoissonLoss'],
  ])('reads %s.%s (a scikit-learn loss) as data', (module, name) => {
    const value = readModelFile(instanceOf(module, name));
    expect(value).toBeInstanceOf(PyObject);
    expect((value as PyObject).cls.qualified).toBe(`sklearn._loss._loss.${name}`);
  });

  it.each([
    ['_loss', 'system'],
    ['_loss', 'CyNotALoss'],
    ['_loss', 'HalfBinomialLoss'],
    ['posix', 'system'],
    ['evil_module', 'Payload'],
  ])('refuses %s.%s as code it will not run', (module, name) => {
    const err = refusal(module, name);
    expect(err).toBeInstanceOf(PickleRefusedError);
    expect(err).not.toBeInstanceOf(UnsupportedClassError);
    expect(err.message).toBe(
      `the file names ${module}.${name}, which is not on modelgate's allowlist: nothing in it was run, and it is refused`,
    );
  });

  it.each([
    ['lightgbm.basic', 'Booster'],
    ['lightgbm.sklearn', 'LGBMClassifier'],
    ['lightgbm.sklearn', 'LGBMRegressor'],
    ['xgboost.core', 'Booster'],
    ['xgboost.sklearn', 'XGBClassifier'],
    ['xgboost.sklearn', 'XGBRegressor'],
    ['xgboost.sklearn', 'XGBRFClassifier'],
    ['xgboost.sklearn', 'XGBRFRegressor'],
  ])('reads a %s.%s as data, for src/lightgbm or src/xgboost to convert', (module, name) => {
    const value = readModelFile(instanceOf(module, name));
    expect(value).toBeInstanceOf(PyObject);
    expect((value as PyObject).cls.qualified).toBe(`${module}.${name}`);
  });

  it('reads a collections.defaultdict of dicts (a LightGBM best_score) as a dict, and refuses another factory', () => {
    // defaultdict(OrderedDict) via REDUCE, then one SETITEM.
    const dd = (factory: string) =>
      Uint8Array.from([
        0x80,
        2,
        ...Buffer.from('ccollections\ndefaultdict\n', 'latin1'),
        ...Buffer.from(factory, 'latin1'),
        0x85,
        0x52,
        ...Buffer.from('X\x01\x00\x00\x00kK\x01s.', 'latin1'),
      ]);
    const value = readModelFile(dd('ccollections\nOrderedDict\n'));
    expect((value as { map: Map<unknown, unknown> }).map.get('k')).toBe(1);
    expect(() => readModelFile(dd('cposix\nsystem\n'))).toThrow(PickleRefusedError);
    expect(() => readModelFile(dd('cbuiltins\nlist\n'))).toThrow(
      /defaultdict of a factory modelgate does not read/,
    );
  });

  it('says a scikit-learn estimator it does not convert is not supported, and lists what is', () => {
    const err = refusal('sklearn.gaussian_process._gpc', 'GaussianProcessClassifier');
    expect(err).toBeInstanceOf(UnsupportedClassError);
    expect(err.message).toMatch(
      /^a scikit-learn GaussianProcessClassifier \(sklearn\.gaussian_process\._gpc\.GaussianProcessClassifier\); it converts the \d+ scikit-learn classes listed in docs\/importing\.md \(Estimators\)$/,
    );
    expect(err.message).not.toMatch(/refused|allowlist/);
  });

  it.each([
    ['lightgbm.sklearn', 'LGBMRanker', /^a LightGBM object .*reads lightgbm\.basic\.Booster, .*save_model/],
    ['lightgbm.basic', 'Dataset', /^a LightGBM object .*LGBMRegressor/],
    ['xgboost.sklearn', 'XGBRanker', /^an XGBoost object .*reads xgboost\.core\.Booster, .*save_model/],
    ['xgboost.core', 'DMatrix', /^an XGBoost object .*XGBRegressor/],
    ['catboost.core', 'CatBoostClassifier', /^a CatBoost model .*format='onnx'/],
  ])('says a %s.%s is not supported and how to get it in', (module, name, message) => {
    const err = refusal(module, name);
    expect(err).toBeInstanceOf(UnsupportedClassError);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`(${module}.${name}) from a pickle`);
    expect(err.message).not.toMatch(/refused|allowlist/);
  });
});

describe("the converter's refusals", () => {
  it('refuses trees that split on a feature the steps before them do not pass on, instead of failing every prediction', async () => {
    // columns-remainder-tree: ColumnTransformer(scale 3 columns, remainder passthrough) + a tree over all 10.
    // Without its remainder entry (as modelgate once read 1.6's remainder), only 3 columns reach the tree.
    const fixture = fileURLToPath(new URL('../fixtures/sklearn/columns-remainder-tree.pkl', import.meta.url));
    const pipeline = (await loadModelFile(readFileSync(fixture))) as PyObject;
    expect(() => sklearnToOnnx(pipeline, { name: 'x', source: 'x' })).not.toThrow();
    const steps = pipeline.dict?.get('steps') as PyValue[];
    const columns = ((steps[0] as PyTuple).items[1] as PyObject).dict;
    const fitted = columns?.get('transformers_') as PyValue[];
    columns?.map.set('transformers_', fitted.slice(0, 1));
    expect(() => sklearnToOnnx(pipeline, { name: 'x', source: 'x' })).toThrow(ModelImportError);
    expect(() => sklearnToOnnx(pipeline, { name: 'x', source: 'x' })).toThrow(
      /the trees split on feature \d, but only 3 features reach them/,
    );
  });
});
