// What the reader says about the globals a pickle names: code is refused; a model modelgate does not
// read (a scikit-learn estimator it does not convert, a LightGBM or XGBoost object) is "not supported",
// with what is supported or how to get the model in; scikit-learn 1.5/1.6's bare `_loss` module is
// accepted for its loss classes only.
import { describe, expect, it } from 'vitest';
import { PickleRefusedError, UnsupportedClassError } from '../../src/sklearn/errors.js';
import { readModelFile } from '../../src/sklearn/joblib.js';
import { PyObject } from '../../src/sklearn/values.js';

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

  it('says a scikit-learn estimator it does not convert is not supported, and lists what is', () => {
    const err = refusal('sklearn.naive_bayes', 'GaussianNB');
    expect(err).toBeInstanceOf(UnsupportedClassError);
    expect(err.message).toMatch(
      /^a scikit-learn GaussianNB \(sklearn\.naive_bayes\.GaussianNB\); it converts Pipeline, SimpleImputer, .*LogisticRegression, .*KNeighborsRegressor \(docs\/importing\.md, Estimators\)$/,
    );
    expect(err.message).not.toMatch(/refused|allowlist/);
  });

  it.each([
    [
      'lightgbm.sklearn',
      'LGBMClassifier',
      /^a LightGBM model.*onnxmltools\.convert_lightgbm.*modelgate pack/,
    ],
    ['lightgbm.basic', 'Booster', /^a LightGBM model.*onnxmltools\.convert_lightgbm/],
    ['xgboost.sklearn', 'XGBRegressor', /^an XGBoost model.*onnxmltools\.convert_xgboost.*modelgate pack/],
    ['xgboost.core', 'Booster', /^an XGBoost model /],
    ['catboost.core', 'CatBoostClassifier', /^a CatBoost model .*format='onnx'/],
  ])('says a %s.%s is not supported and how to get it in', (module, name, message) => {
    const err = refusal(module, name);
    expect(err).toBeInstanceOf(UnsupportedClassError);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`(${module}.${name}) from a pickle`);
    expect(err.message).not.toMatch(/refused|allowlist/);
  });
});
