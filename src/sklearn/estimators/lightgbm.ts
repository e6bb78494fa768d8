// LightGBM's scikit-learn wrappers as a Pipeline's final estimator (a ColumnTransformer and an
// LGBMClassifier, say): the same trees and objective as a LightGBM file imported on its own
// (src/lightgbm), over the features the steps before give. LightGBM takes missing values itself.
import { lightgbmOutput } from '../../lightgbm/convert.js';
import { lightgbmFromPickle } from '../../lightgbm/pickle.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import type { Family, Flow, Output } from '../flow.js';
import type { Estimator } from '../state.js';

function lgbm(est: Estimator, f: Flow): Output {
  const found = lightgbmFromPickle(est.obj);
  const { model } = found;
  if (model.pandasCategorical && model.pandasCategorical.length > 0)
    throw new UnsupportedModelError(
      `an ${est.name} fitted on pandas category columns after other steps (modelgate reads those categories when the ${est.name} is the whole file)`,
    );
  const width = model.maxFeatureIdx + 1;
  if (width !== f.width)
    throw new ModelImportError(`the ${est.name} takes ${width} features, but ${f.width} reach it`);
  const out = lightgbmOutput(f.b, f.x, model, {
    ...(found.classes ? { classes: found.classes } : {}),
    ...(found.iterations ? { iterations: found.iterations } : {}),
  });
  if (out.kind === 'value') return { kind: 'value', name: out.name, acceptsMissing: true };
  return { kind: 'probabilities', name: out.name, classes: out.classes, acceptsMissing: true };
}

export const family: Family = {
  family: 'LightGBM',
  finals: { LGBMClassifier: lgbm, LGBMRegressor: lgbm },
  foreign: {
    'lightgbm.sklearn.LGBMClassifier': 'a LightGBM classifier (its Booster holds the model text)',
    'lightgbm.sklearn.LGBMRegressor': 'a LightGBM regressor (its Booster holds the model text)',
    'lightgbm.basic.Booster': 'a LightGBM model: its state is the model text, read as data',
  },
};
