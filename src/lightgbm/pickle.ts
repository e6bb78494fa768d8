// LightGBM objects read from a pickle or joblib file as data (src/sklearn's reader rebuilds them from the
// allowlist in src/sklearn/globals.ts; nothing in the file runs). What lightgbm 4.7 pickles:
//   Booster: __getstate__'s dict, the model text under '_handle' ('handle' before 4.0), best_iteration
//     (-1 or 0 without early stopping), pandas_categorical.
//   LGBMClassifier / LGBMRegressor: the estimator's __dict__: _Booster (the Booster above), _n_features,
//     _best_iteration, _n_classes, _classes and _le (a LabelEncoder whose classes_ are the labels in
//     LightGBM's class order), the fitted parameters.
// Their predict uses best_iteration when it is above 0, and so does the model here.
import type { ClassLabel } from '../onnx/card.js';
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import { Estimator } from '../sklearn/state.js';
import { PyObject, type PyValue, pyInteger } from '../sklearn/values.js';
import type { LgbModel } from './model.js';
import { parseModelText } from './text.js';

/** The lightgbm classes a pickle may hold, as the allowlist lets them through. */
export const LIGHTGBM_CLASSES = [
  'lightgbm.basic.Booster',
  'lightgbm.sklearn.LGBMClassifier',
  'lightgbm.sklearn.LGBMRegressor',
] as const;

/** Whether a value read from a pickle is a LightGBM object (a Booster or a scikit-learn wrapper). */
export function isLightgbmObject(value: PyValue): value is PyObject {
  return value instanceof PyObject && value.cls.module.split('.')[0] === 'lightgbm';
}

export interface PickledLightgbm {
  model: LgbModel;
  /** Booster, LGBMClassifier or LGBMRegressor. */
  estimator: string;
  /** A classifier's labels in LightGBM's class order. */
  classes?: ClassLabel[];
  /** The iterations its predict uses (best_iteration), when above 0. */
  iterations?: number;
}

function booster(obj: PyObject, what: string): { model: LgbModel; best?: number } {
  if (obj.cls.qualified !== 'lightgbm.basic.Booster')
    throw new ModelImportError(`${what} is a ${obj.cls.qualified}, not a lightgbm Booster`);
  const state = obj.dict;
  const text = state?.get('_handle') ?? state?.get('handle');
  if (typeof text !== 'string')
    throw new ModelImportError(`${what} holds no model text (its _handle is not a string): was it fitted?`);
  const model = parseModelText(text);
  const best = pyInteger(state?.get('best_iteration') ?? null);
  return { model, ...(best !== undefined && best > 0 ? { best } : {}) };
}

/** The model a pickled Booster, LGBMClassifier or LGBMRegressor holds. */
export function lightgbmFromPickle(value: PyValue): PickledLightgbm {
  if (!(value instanceof PyObject) || !isLightgbmObject(value))
    throw new ModelImportError('the file does not hold a LightGBM model');
  const { name } = value.cls;
  if (name === 'Booster') {
    const { model, best } = booster(value, 'the Booster');
    return { model, estimator: 'Booster', ...(best ? { iterations: best } : {}) };
  }
  if (name !== 'LGBMClassifier' && name !== 'LGBMRegressor')
    throw new UnsupportedModelError(
      `a LightGBM ${name} (modelgate reads LGBMClassifier, LGBMRegressor and Booster)`,
    );
  const est = new Estimator(value);
  const inner = est.raw('_Booster');
  if (!(inner instanceof PyObject))
    throw new ModelImportError(`the ${name} has no _Booster: it was not fitted`);
  const { model, best } = booster(inner, `the ${name}'s _Booster`);
  const own = pyInteger(est.raw('_best_iteration') ?? null);
  const iterations = own !== undefined && own > 0 ? own : best;
  let classes: ClassLabel[] | undefined;
  if (name === 'LGBMClassifier') {
    const le = est.raw('_le');
    if (le instanceof PyObject) classes = new Estimator(le).classes();
    else {
      const n = pyInteger(est.raw('_n_classes') ?? null);
      if (n === undefined) throw new ModelImportError('the LGBMClassifier has neither _le nor _n_classes');
      classes = Array.from({ length: n }, (_, i) => i);
    }
  }
  return { model, estimator: name, ...(classes ? { classes } : {}), ...(iterations ? { iterations } : {}) };
}
