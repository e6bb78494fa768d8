// Partial least squares and CCA (scikit-learn's _PLS: PLSRegression, PLSCanonical, CCA) as regressors of
// one target: predict is (x - _x_mean) · coef_^T + intercept_ (coef_ is already scaled), in double.
// Their transform is not a Pipeline step (fit_transform gives x and y scores), so it is not converted.
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type Output } from '../flow.js';
import type { Estimator } from '../state.js';
import { shapeOf, timesTransposed } from './decomposition.js';

/** One fitted vector per feature (_x_mean, _x_std), checked against the features that reach it. */
function perFeature(est: Estimator, attr: string, f: Flow): Float64Array {
  const v = est.matrix(attr).values;
  if (v.length !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s ${attr} holds ${v.length} values, ${f.width} features reach it`,
    );
  return v;
}

function predict(est: Estimator, f: Flow): Output {
  const mean = perFeature(est, '_x_mean', f);
  const coef = est.matrix('coef_');
  const [targets, d] = shapeOf(est, 'coef_', coef);
  if (d !== f.width)
    throw new ModelImportError(`the ${est.name}'s coef_ takes ${d} features, but ${f.width} reach it`);
  if (targets !== 1)
    throw new UnsupportedModelError(
      `a ${est.name} of ${targets} targets (not converted yet: docs/importing.md lists the models of several targets that are)`,
    );
  f.x = f.b.op('Sub', [f.x, double(f.b, f.b.fresh('x_mean'), [1, d], mean)]);
  const y = timesTransposed(f, coef, 1, d, 'coef');
  const intercept = est.matrix('intercept_').values;
  return {
    kind: 'value',
    name: f.b.op('Add', [y, double(f.b, f.b.fresh('intercept'), [1], [intercept[0] ?? 0])]),
  };
}

export const family: Family = {
  family: 'cross decomposition',
  finals: { PLSRegression: predict, PLSCanonical: predict, CCA: predict },
};
