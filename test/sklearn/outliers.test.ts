// The outlier detectors beyond the differential harness: files whose arrays do not fit one another
// (each refused with a ModelImportError naming the array), the refusals of settings that have no
// answer for new rows, the paths older IsolationForests do not store, and the side libsvm puts 0 on.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { ModelImportError, UnsupportedModelError } from '../../src/sklearn/errors.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { NdArray, PyObject, type PyTuple, type PyValue } from '../../src/sklearn/values.js';

const DIR = fileURLToPath(new URL('../fixtures/differential/', import.meta.url));
/** Saved by Debian's scikit-learn 1.2 (scripts/reference/make_outlier_fixtures.py). */
const OLD = fileURLToPath(new URL('../fixtures/sklearn-1.2-outliers/', import.meta.url));

interface Case {
  rows: number[][];
  predict: number[];
  decision: number[];
}

async function fixture(name: string): Promise<{ model: PyObject; expected: Case }> {
  const model = await loadModelFile(readFileSync(`${DIR}${name}.pkl`));
  if (!(model instanceof PyObject)) throw new Error(`${name} is not an estimator`);
  return { model, expected: JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as Case };
}

const state = (o: PyValue) => {
  const dict = (o as PyObject).dict;
  if (!dict) throw new Error('no state');
  return dict.map;
};

/** An array of the same dtype as `like` holding `values` (int64 or float64, as `like` is). */
function arrayLike(like: PyValue, values: number[]): NdArray {
  if (!(like instanceof NdArray)) throw new Error('not an array');
  const bytes =
    like.dtype.kind === 'i'
      ? new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer)
      : new Uint8Array(Float64Array.from(values).buffer);
  return new NdArray(like.dtype, [values.length], bytes);
}

const convert = (model: PyValue) => sklearnToOnnx(model, { name: 'outliers', source: 'test' });

/** The outlier flags and scores the converted model answers for the rows. */
async function answers(model: PyValue, rows: number[][]) {
  const predictor = await Predictor.load(encodeModel(convert(model).model));
  try {
    const p = await predictor.predict(rows);
    if (p.kind !== 'outliers') throw new Error(`answered ${p.kind}`);
    return { outliers: p.outliers, scores: Array.from(p.scores) };
  } finally {
    await predictor.release();
  }
}

function refused(model: PyValue, type: typeof ModelImportError, message: RegExp): void {
  let thrown: unknown;
  try {
    convert(model);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'it converted').toBeInstanceOf(type);
  expect((thrown as Error).message).toMatch(message);
}

describe('an IsolationForest whose arrays do not fit its trees', () => {
  it('refuses a tree feature subset naming a feature the model does not take', async () => {
    const { model } = await fixture('outliers-isolation-forest-max-features');
    const subsets = state(model).get('estimators_features_') as NdArray[];
    subsets[1] = arrayLike(subsets[0], [0, 99, 2]);
    refused(model, ModelImportError, /estimators_features_ names a feature outside the 5/);
  });

  it('refuses fewer feature subsets than trees', async () => {
    const { model } = await fixture('outliers-isolation-forest-max-features');
    (state(model).get('estimators_features_') as NdArray[]).pop();
    refused(
      model,
      ModelImportError,
      /estimators_features_ is not one array of features for each of its 8 trees/,
    );
  });

  it('refuses a tree split on a feature past its own subset', async () => {
    const { model } = await fixture('outliers-isolation-forest-max-features');
    const subsets = state(model).get('estimators_features_') as NdArray[];
    subsets[0] = arrayLike(subsets[0], [0]);
    refused(model, ModelImportError, /splits on its feature \d, but holds 1/);
  });

  it('refuses path lengths of another length than the tree has nodes', async () => {
    const { model } = await fixture('outliers-isolation-forest-default');
    const paths = state(model).get('_decision_path_lengths') as PyTuple;
    paths.items[3] = arrayLike(paths.items[3] as NdArray, [1, 2, 2]);
    refused(model, ModelImportError, /path lengths do not fit its trees' \d+ nodes/);
  });

  it('refuses an offset_ that is not a finite number', async () => {
    const { model } = await fixture('outliers-isolation-forest-default');
    state(model).set('offset_', Number.NaN);
    refused(model, ModelImportError, /offset_ is not one finite number/);
  });
});

describe('IsolationForest: files without the stored path lengths (scikit-learn before 1.5)', () => {
  it('computes the depths and average path lengths from the trees, with the same scores', async () => {
    for (const name of [
      'outliers-isolation-forest-contamination',
      'outliers-isolation-forest-max-features',
    ]) {
      const { model, expected } = await fixture(name);
      state(model).delete('_decision_path_lengths');
      state(model).delete('_average_path_length_per_tree');
      const got = await answers(model, expected.rows);
      expect(got.outliers).toEqual(expected.predict.map((y) => y === -1));
      for (const [r, s] of got.scores.entries()) expect(s).toBeCloseTo(expected.decision[r] as number, 12);
    }
  });
});

describe("scikit-learn 1.2's files (no stored path lengths, numpy 1.24)", () => {
  const names = readdirSync(OLD)
    .filter((f) => f.endsWith('.pkl'))
    .map((f) => f.slice(0, -4));

  it.each(names)('%s: the same labels, and its decision function within 1e-12', async (name) => {
    const model = await loadModelFile(readFileSync(`${OLD}${name}.pkl`));
    const expected = JSON.parse(readFileSync(`${OLD}${name}.json`, 'utf8')) as Case;
    const got = await answers(model, expected.rows);
    expect(got.outliers).toEqual(expected.predict.map((y) => y === -1));
    for (const [r, s] of got.scores.entries())
      expect(Math.abs(s - (expected.decision[r] as number))).toBeLessThan(1e-12);
  });
});

describe('LocalOutlierFactor', () => {
  it('refuses novelty=False: scikit-learn has no predict for new rows then', async () => {
    const { model } = await fixture('outliers-lof-default');
    // The fixture is a Pipeline(StandardScaler, LocalOutlierFactor).
    const steps = state(model).get('steps') as PyTuple[];
    const lof = (steps[1] as PyTuple).items[1] as PyObject;
    state(lof).set('novelty', false);
    refused(
      model,
      UnsupportedModelError,
      /a LocalOutlierFactor with novelty=False \(.*fit it with novelty=True\)/,
    );
  });

  it('refuses densities or distances of another count than the training rows', async () => {
    const { model } = await fixture('outliers-lof-ties-brute');
    const lrd = state(model).get('_lrd') as NdArray;
    state(model).set('_lrd', arrayLike(lrd, [1, 2, 3]));
    refused(
      model,
      ModelImportError,
      /_distances_fit_X_ \(90, 5\) and _lrd \(3\) do not fit its 90 training rows/,
    );
  });
});

describe('the kernel and covariance detectors', () => {
  it('refuses a OneClassSVM whose dual coefficients do not fit its support vectors', async () => {
    const { model } = await fixture('outliers-one-class-svm-unscaled');
    state(model).set('_dual_coef_', arrayLike(state(model).get('_dual_coef_') as NdArray, [1, 2]));
    refused(
      model,
      ModelImportError,
      /dual_coef_ \(2\) and intercept_ \(1\) do not fit its \d+ support vectors/,
    );
  });

  it("labels a OneClassSVM's decision of exactly 0 an outlier, as libsvm's sign does", async () => {
    const { model, expected } = await fixture('outliers-one-class-svm-unscaled');
    const dual = state(model).get('_dual_coef_') as NdArray;
    state(model).set(
      '_dual_coef_',
      new NdArray(dual.dtype, dual.shape, new Uint8Array(dual.bytes?.length ?? 0)),
    );
    state(model).set('_intercept_', arrayLike(state(model).get('_intercept_') as NdArray, [0]));
    const got = await answers(model, expected.rows.slice(0, 3));
    expect(got.scores).toEqual([0, 0, 0]);
    expect(got.outliers).toEqual([true, true, true]);
  });

  it('refuses an EllipticEnvelope whose precision_ does not fit its features', async () => {
    const { model } = await fixture('outliers-elliptic-envelope');
    state(model).set('precision_', arrayLike(state(model).get('precision_') as NdArray, [1, 0, 0, 1]));
    refused(model, ModelImportError, /location_ \(5\) and precision_ \(4\) do not fit the 5 features/);
  });
});
