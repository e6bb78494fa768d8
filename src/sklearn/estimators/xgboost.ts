// XGBoost's scikit-learn wrappers as a Pipeline's final estimator (a ColumnTransformer and an
// XGBClassifier, say): the same trees and objective as an XGBoost file imported on its own
// (src/xgboost), over the features the steps before give. XGBoost takes missing values itself.
import { xgboostOutput } from '../../xgboost/convert.js';
import { xgboostFromPickle } from '../../xgboost/pickle.js';
import { ModelImportError } from '../errors.js';
import type { Family, Flow, Output } from '../flow.js';
import type { Estimator } from '../state.js';

function xgb(est: Estimator, f: Flow): Output {
  const found = xgboostFromPickle(est.obj);
  const { model } = found;
  if (model.numFeature !== f.width)
    throw new ModelImportError(`the ${est.name} takes ${model.numFeature} features, but ${f.width} reach it`);
  const out = xgboostOutput(f.b, f.x, model, found.iterations ? { iterations: found.iterations } : {});
  if (out.kind === 'value') return { kind: 'value', name: out.name, acceptsMissing: true };
  // binary:hinge: scores whose argmax is the label, without probabilities.
  if (out.kind === 'labels')
    return { kind: 'scores', name: out.name, classes: out.classes, acceptsMissing: true };
  return { kind: 'probabilities', name: out.name, classes: out.classes, acceptsMissing: true };
}

export const family: Family = {
  family: 'XGBoost',
  finals: { XGBClassifier: xgb, XGBRegressor: xgb, XGBRFClassifier: xgb, XGBRFRegressor: xgb },
  foreign: {
    'xgboost.sklearn.XGBClassifier': 'an XGBoost classifier (its Booster holds the model)',
    'xgboost.sklearn.XGBRegressor': 'an XGBoost regressor (its Booster holds the model)',
    'xgboost.sklearn.XGBRFClassifier': 'an XGBoost random forest classifier (its Booster holds the model)',
    'xgboost.sklearn.XGBRFRegressor': 'an XGBoost random forest regressor (its Booster holds the model)',
    'xgboost.core.Booster': 'an XGBoost model: its state is the serialised model, read as data',
  },
};
