// DummyClassifier and DummyRegressor: the same answer for every row (the class prior, the most frequent
// class, a constant; the training target's mean, median, a quantile or a constant), as a constant row
// expanded to the request's rows. They are baselines, and GradientBoosting's default init.
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type Output, overRows } from '../flow.js';
import type { Estimator } from '../state.js';
import { NpScalar } from '../values.js';

/**
 * What DummyClassifier.predict_proba answers for every row, by its strategy; `what` names the model in
 * an error ("a DummyClassifier", "a GradientBoostingClassifier with init DummyClassifier").
 */
export function dummyProbabilities(dummy: Estimator, what: string): number[] {
  const strategy = dummy.string('_strategy', dummy.string('strategy', 'prior'));
  const prior = Array.from(dummy.matrix('class_prior_').values);
  const oneHot = (at: number) => prior.map((_, c) => (c === at ? 1 : 0));
  switch (strategy) {
    case 'prior':
      return prior;
    case 'most_frequent':
      // numpy's argmax: the first of equal maxima
      return oneHot(prior.indexOf(Math.max(...prior)));
    case 'uniform':
      return prior.map(() => 1 / prior.length);
    case 'constant': {
      // A numpy scalar when the constant came from the data (np.int64(1)), else a Python value.
      const raw = dummy.raw('constant');
      const constant = raw instanceof NpScalar ? raw.value : raw;
      const at = dummy.classes().findIndex((c) => c === constant || Number(c) === Number(constant));
      if (at < 0) throw new ModelImportError(`${what}'s constant is not one of its classes`);
      return oneHot(at);
    }
    default:
      throw new UnsupportedModelError(
        `${what}(strategy=${JSON.stringify(strategy)}) (its predictions are drawn at random at predict time, so no graph can give scikit-learn's answer)`,
      );
  }
}

/** A constant row [1, k] repeated for each of the flow's rows: [N, k]. */
function everyRow(f: Flow, row: readonly number[]): string {
  return overRows(f, double(f.b, f.b.fresh('row'), [1, row.length], row), row.length);
}

function dummyClassifier(est: Estimator, f: Flow): Output {
  const strategy = est.string('_strategy', est.string('strategy', 'prior'));
  // predict draws its labels at random under "uniform" (and "stratified"), whatever predict_proba says.
  if (strategy === 'uniform' || strategy === 'stratified')
    throw new UnsupportedModelError(
      `a DummyClassifier(strategy=${JSON.stringify(strategy)}) (its predict draws labels at random, so no graph can give scikit-learn's answer)`,
    );
  if (est.raw('n_outputs_') !== undefined && est.number('n_outputs_', 1) !== 1)
    throw new UnsupportedModelError(
      'a DummyClassifier of several outputs (not converted yet: docs/importing.md lists the models of several targets that are)',
    );
  const classes = est.classes();
  const p = dummyProbabilities(est, 'a DummyClassifier');
  if (p.length !== classes.length)
    throw new ModelImportError(
      `the DummyClassifier's class_prior_ has ${p.length} values for ${classes.length} classes`,
    );
  // The label is predict's (the most frequent class for "prior", the constant): the probabilities' argmax.
  return { kind: 'probabilities', name: everyRow(f, p), classes, acceptsMissing: true };
}

function dummyRegressor(est: Estimator, f: Flow): Output {
  const constant = est.matrix('constant_').values;
  if (constant.length !== 1)
    throw new UnsupportedModelError(
      `a DummyRegressor of ${constant.length} outputs (not converted yet: docs/importing.md lists the models of several targets that are)`,
    );
  return { kind: 'value', name: everyRow(f, [constant[0] as number]), acceptsMissing: true };
}

export const family: Family = {
  family: 'dummy baselines',
  finals: { DummyClassifier: dummyClassifier, DummyRegressor: dummyRegressor },
};
