// TransformedTargetRegressor: the regressor's value through the inverse of the transformer the target
// was fitted through, where modelgate can compute that inverse exactly (the scalers, the identity).
import { UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type Output } from '../flow.js';
import type { Estimator } from '../state.js';
import { heldOutput } from './ensembles.js';

/** transformer_.inverse_transform of a value [N] or [N, 1], as each scaler's inverse_transform computes it. */
function inverse(t: Estimator, f: Flow, value: string): string {
  const { b } = f;
  const one = (attr: string) => {
    const m = t.matrix(attr);
    if (m.values.length !== 1)
      throw new UnsupportedModelError(
        `a TransformedTargetRegressor whose ${t.name} has ${m.values.length} targets`,
      );
    return double(b, b.fresh(attr), [1], [m.values[0] as number]);
  };
  const flag = (attr: string) => t.number(attr, 1) !== 0;
  switch (t.name) {
    case 'FunctionTransformer': {
      const func = t.raw('func');
      const inverseFunc = t.raw('inverse_func');
      if ((func !== null && func !== undefined) || (inverseFunc !== null && inverseFunc !== undefined))
        throw new UnsupportedModelError(
          'a TransformedTargetRegressor with func or inverse_func (functions modelgate does not run; a StandardScaler, MinMaxScaler, MaxAbsScaler or RobustScaler transformer converts)',
        );
      return value;
    }
    case 'StandardScaler': {
      let y = value;
      if (flag('with_std') && t.has('scale_')) y = b.op('Mul', [y, one('scale_')]);
      if (flag('with_mean') && t.has('mean_')) y = b.op('Add', [y, one('mean_')]);
      return y;
    }
    case 'MinMaxScaler':
      return b.op('Div', [b.op('Sub', [value, one('min_')]), one('scale_')]);
    case 'MaxAbsScaler':
      return b.op('Mul', [value, one('scale_')]);
    case 'RobustScaler': {
      let y = value;
      if (flag('with_scaling') && t.has('scale_')) y = b.op('Mul', [y, one('scale_')]);
      if (flag('with_centering') && t.has('center_')) y = b.op('Add', [y, one('center_')]);
      return y;
    }
    default:
      throw new UnsupportedModelError(
        `a TransformedTargetRegressor with a ${t.name} of the target (modelgate inverts a StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler or no transformer)`,
      );
  }
}

function transformedTarget(est: Estimator, f: Flow): Output {
  const regressor = est.estimator('regressor_');
  const out = heldOutput(regressor, f);
  if (out.kind !== 'value')
    throw new UnsupportedModelError(`a TransformedTargetRegressor over the classifier ${regressor.name}`);
  if (est.number('_training_dim', 1) !== 1)
    throw new UnsupportedModelError(
      'a TransformedTargetRegressor with several targets (not converted yet: docs/importing.md lists the models of several targets that are)',
    );
  return { kind: 'value', name: inverse(est.estimator('transformer_'), f, out.name), acceptsMissing: true };
}

export const family: Family = {
  family: 'TransformedTargetRegressor',
  finals: { TransformedTargetRegressor: transformedTarget },
};
