// XGBoost objects read from a pickle or joblib file as data (src/sklearn's reader rebuilds them from the
// allowlist; nothing in the file runs). What xgboost pickles (python-package/xgboost core.py, sklearn.py):
//   Booster: __getstate__'s dict, its 'handle' a bytearray of XGBoosterSerializeToBuffer: the UBJSON
//     document {"Config": ..., "Model": <the model file's document>} (src/learner.cc LearnerIO::Save).
//   XGBClassifier / XGBRegressor (and the XGBRF ones): the estimator's __dict__: _Booster (the Booster
//     above), n_classes_ (a classifier), the parameters (objective, ...).
// A Booster's predict uses every tree; a wrapper's predict uses best_iteration + 1 of them when early
// stopping set best_iteration (XGBModel._get_iteration_range), and so does the model here. A wrapper's
// classes are 0 .. n_classes_ - 1 (XGBClassifier refuses other labels since 1.6).
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import { Estimator } from '../sklearn/state.js';
import { PyObject, type PyValue, pyInteger } from '../sklearn/values.js';
import type { XgbModel } from './model.js';
import { readModel } from './model.js';
import { parseUbjson } from './ubjson.js';

/** The xgboost classes a pickle may hold, as the allowlist lets them through. */
export const XGBOOST_CLASSES = [
  'xgboost.core.Booster',
  'xgboost.sklearn.XGBClassifier',
  'xgboost.sklearn.XGBRegressor',
  'xgboost.sklearn.XGBRFClassifier',
  'xgboost.sklearn.XGBRFRegressor',
] as const;

const WRAPPERS = new Set(['XGBClassifier', 'XGBRegressor', 'XGBRFClassifier', 'XGBRFRegressor']);

/** Whether a value read from a pickle is an XGBoost object (a Booster or a scikit-learn wrapper). */
export function isXgboostObject(value: PyValue): value is PyObject {
  return value instanceof PyObject && value.cls.module.split('.')[0] === 'xgboost';
}

export interface PickledXgboost {
  model: XgbModel;
  /** Booster, XGBClassifier, XGBRegressor, ... */
  estimator: string;
  /** The iterations its predict uses (best_iteration + 1), when early stopping set it. */
  iterations?: number;
}

function booster(obj: PyObject, what: string): XgbModel {
  if (obj.cls.qualified !== 'xgboost.core.Booster')
    throw new ModelImportError(`${what} is a ${obj.cls.qualified}, not an xgboost Booster`);
  const handle = obj.dict?.get('handle');
  if (!(handle instanceof Uint8Array))
    throw new ModelImportError(`${what} holds no model (its handle is not bytes): was it fitted?`);
  const model = readModel(parseUbjson(handle), 'ubjson');
  return model;
}

/** The model a pickled Booster, XGBClassifier or XGBRegressor holds. */
export function xgboostFromPickle(value: PyValue): PickledXgboost {
  if (!(value instanceof PyObject) || !isXgboostObject(value))
    throw new ModelImportError('the file does not hold an XGBoost model');
  const { name } = value.cls;
  if (name === 'Booster') return { model: booster(value, 'the Booster'), estimator: 'Booster' };
  if (!WRAPPERS.has(name))
    throw new UnsupportedModelError(
      `an XGBoost ${name} (modelgate reads XGBClassifier, XGBRegressor, their XGBRF forms and Booster)`,
    );
  const est = new Estimator(value);
  const inner = est.raw('_Booster');
  if (!(inner instanceof PyObject))
    throw new ModelImportError(`the ${name} has no _Booster: it was not fitted`);
  const model = booster(inner, `the ${name}'s _Booster`);
  if (name.endsWith('Classifier')) {
    const n = pyInteger(est.raw('n_classes_') ?? null);
    if (model.objective === 'binary:logitraw')
      throw new UnsupportedModelError(
        `an ${name} of objective binary:logitraw (its predict compares the raw score with 0.5: neither a probability nor a margin's sign)`,
      );
    if (n !== undefined && n !== Math.max(2, model.numClass))
      throw new ModelImportError(
        `the ${name} has ${n} classes, but its Booster has ${Math.max(2, model.numClass)}`,
      );
  }
  const best = model.bestIteration;
  return { model, estimator: name, ...(best !== undefined ? { iterations: best + 1 } : {}) };
}
