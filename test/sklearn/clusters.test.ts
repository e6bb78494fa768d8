// The clusterers and mixtures beyond the differential cases: served through the API, ties (the first
// center, as scikit-learn's Cython argmin, and a bisecting split's left side), the digamma the Bayesian
// mixture's constants use, and files whose shapes do not fit (refused with a ModelImportError naming the
// attribute).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { ModelImportError, UnsupportedModelError } from '../../src/sklearn/errors.js';
import { digamma } from '../../src/sklearn/estimators/mixture.js';
import { loadModelFile, readModelFile } from '../../src/sklearn/joblib.js';
import {
  binBytes,
  f8,
  int,
  ndarray,
  object,
  op,
  type Part,
  pickle,
  pipeline,
  pyGlobal,
  str,
} from '../helpers/pickle-writer.js';

const matrix = (rows: number[][]): Part =>
  ndarray(
    [rows.length, rows[0]?.length ?? 0],
    'f8',
    binBytes(new Uint8Array(new Float64Array(rows.flat()).buffer)),
  );
const f4 = (rows: number[][]): Part =>
  ndarray(
    [rows.length, rows[0]?.length ?? 0],
    'f4',
    binBytes(new Uint8Array(new Float32Array(rows.flat()).buffer)),
  );
const kmeans = (state: Record<string, Part>) => object('sklearn.cluster._kmeans', 'KMeans', state);
const mixture = (state: Record<string, Part>) =>
  object('sklearn.mixture._gaussian_mixture', 'GaussianMixture', state);
const tree = (state: Record<string, Part>) =>
  object('sklearn.cluster._bisect_k_means', '_BisectingTree', state);

const convert = (model: Part) => sklearnToOnnx(readModelFile(pickle(model)), { name: 'm', source: 'm.pkl' });

async function clustersOf(model: Part, rows: number[][]): Promise<number[]> {
  const predictor = await Predictor.load(encodeModel(convert(model).model));
  try {
    const p = await predictor.predict(rows);
    if (p.kind !== 'clusters') throw new Error(`a ${p.kind} prediction`);
    return Array.from(p.clusters);
  } finally {
    await predictor.release();
  }
}

const DIFFERENTIAL = fileURLToPath(new URL('../fixtures/differential', import.meta.url));

describe('served: a converted clusterer answers as scikit-learn predicts', () => {
  it.each([
    ['kmeans-lloyd', 'distances'],
    ['gmm-full', 'probabilities'],
    ['affinity-propagation', undefined],
  ])('%s, one row by feature name and a batch with its %s', async (name, extra) => {
    const expected = JSON.parse(readFileSync(`${DIFFERENTIAL}/${name}.json`, 'utf8')) as {
      features: string[];
      rows: number[][];
      predict: number[];
      distances?: number[][];
      proba?: number[][];
    };
    const file = readFileSync(`${DIFFERENTIAL}/${name}.pkl`);
    const { model, card } = sklearnToOnnx(await loadModelFile(file), { name, source: `${name}.pkl` });
    expect(card.task).toBe('clustering');
    const predictor = await Predictor.load(encodeModel(model));
    const core = new Core(() => ({ state: 'ready', predictor }));
    const post = async (body: unknown) =>
      JSON.parse(
        (await core.handle({ method: 'POST', path: '/', headers: {}, body: JSON.stringify(body) })).body,
      );
    try {
      const row = Object.fromEntries(expected.features.map((f, i) => [f, expected.rows[0]?.[i]]));
      const one = await post(row);
      expect(one.prediction.cluster).toBe(expected.predict[0]);
      const flag = extra ? { [`return_${extra}`]: true } : {};
      const batch = await post({ input: expected.rows.slice(0, 4), ...flag });
      expect(batch.prediction).toEqual(expected.predict.slice(0, 4));
      const want = extra === 'distances' ? expected.distances : extra ? expected.proba : undefined;
      if (want) {
        const got = batch[extra as string] as number[][];
        expect(got).toHaveLength(4);
        for (const [i, r] of got.entries())
          for (const [c, v] of r.entries()) expect(Math.abs(v - (want[i]?.[c] as number))).toBeLessThan(1e-6);
      } else expect(Object.keys(batch)).toEqual(['prediction']);
    } finally {
      await predictor.release();
    }
  });
});

describe('ties: the first of equally near centers', () => {
  // Centers 0 and 2 on one axis: the row 1 scores ||c||² - 2 x·c = 0 against both, exactly.
  it.each([
    ['float64', matrix],
    ['float32', f4],
  ])('KMeans (%s centers) gives the row halfway between two centers the first', async (_, centers) => {
    const model = (c: number[][]) => kmeans({ n_features_in_: int(1), cluster_centers_: centers(c) });
    expect(await clustersOf(model([[0], [2]]), [[1], [0.5], [1.5]])).toEqual([0, 0, 1]);
    expect(await clustersOf(model([[2], [0]]), [[1], [0.5], [1.5]])).toEqual([0, 1, 0]);
  });

  it('BisectingKMeans sends a row halfway between a split to its left side', async () => {
    // Root split: left [0] (a leaf, label 1), right [2] (split again: [1.5] label 0, [3] label 2).
    const leaf = (center: number, label: number) => tree({ center: f8([center]), label: int(label) });
    const root = tree({
      center: f8([1]),
      left: leaf(0, 1),
      right: tree({ center: f8([2]), left: leaf(1.5, 0), right: leaf(3, 2) }),
    });
    const model = object('sklearn.cluster._bisect_k_means', 'BisectingKMeans', {
      n_features_in_: int(1),
      cluster_centers_: matrix([[1.5], [0], [3]]),
      _bisecting_tree: root,
    });
    // 1: halfway at the root (left: label 1), though nearest to center 0 (1.5); 2.25: halfway below.
    expect(await clustersOf(model, [[1], [1.1], [2.25], [2.3], [-5]])).toEqual([1, 0, 0, 2, 1]);
  });
});

describe('digamma', () => {
  // scipy.special.digamma's values.
  it.each([
    [1e-3, -1000.5755719318103],
    [0.5, -1.9635100260214235],
    [1, -0.5772156649015329],
    [2.5, 0.7031566406452432],
    [5.999, 1.7059363290792255],
    [6, 1.7061176684318005],
    [10, 2.251752589066721],
    [123.4, 4.8113737751162775],
    [1e6, 13.81551005796419],
  ])('ψ(%s) = %s', (x, want) => {
    expect(Math.abs(digamma(x) - want)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(want)));
  });

  it('refuses an argument that is not positive', () => {
    expect(() => digamma(0)).toThrow(RangeError);
    expect(() => digamma(Number.NaN)).toThrow(RangeError);
  });
});

describe('files whose shapes do not fit', () => {
  const gmm = (type: string, precisions: Part) =>
    mixture({
      n_features_in_: int(2),
      covariance_type: str(type),
      weights_: f8([0.5, 0.5]),
      means_: matrix([
        [0, 0],
        [1, 1],
      ]),
      precisions_cholesky_: precisions,
    });
  it.each<[string, Part, RegExp]>([
    [
      'a KMeans whose centers have 3 features of the 2 it takes',
      kmeans({
        n_features_in_: int(2),
        cluster_centers_: matrix([
          [0, 0, 0],
          [1, 1, 1],
        ]),
      }),
      /the KMeans's cluster_centers_ holds centers of 3 features, but 2 reach it/,
    ],
    [
      'a KMeans whose centers are a vector',
      kmeans({ n_features_in_: int(2), cluster_centers_: f8([0, 1]) }),
      /the KMeans's cluster_centers_ of shape \(2\) is not a matrix of one center per row/,
    ],
    [
      "a full GaussianMixture with a diagonal mixture's precisions_cholesky_",
      gmm(
        'full',
        matrix([
          [1, 1],
          [1, 1],
        ]),
      ),
      /precisions_cholesky_ of shape \(2, 2\) does not fit covariance_type='full' with 2 components of 2 features \(2, 2, 2\)/,
    ],
    [
      'a diag GaussianMixture with a zero on the diagonal of its Cholesky factor',
      gmm(
        'diag',
        matrix([
          [1, 0],
          [1, 1],
        ]),
      ),
      /precisions_cholesky_ has a diagonal entry 0: not the Cholesky factor of a positive-definite precision/,
    ],
    [
      'a tied GaussianMixture with a negative diagonal entry',
      gmm(
        'tied',
        matrix([
          [1, 0],
          [0, -2],
        ]),
      ),
      /diagonal entry -2/,
    ],
    [
      'a BisectingKMeans whose tree has fewer leaves than clusters',
      object('sklearn.cluster._bisect_k_means', 'BisectingKMeans', {
        n_features_in_: int(1),
        cluster_centers_: matrix([[0], [1], [2]]),
        _bisecting_tree: tree({
          center: f8([1]),
          left: tree({ center: f8([0]), label: int(0) }),
          right: tree({ center: f8([2]), label: int(1) }),
        }),
      }),
      /bisecting tree has 2 leaves for 3 clusters/,
    ],
    [
      'a FeatureAgglomeration whose labels_ leave cluster 1 without features',
      pipeline(
        object('sklearn.cluster._agglomerative', 'FeatureAgglomeration', {
          n_features_in_: int(3),
          pooling_func: pyGlobal('numpy', 'mean'),
          labels_: ndarray([3], 'i8', binBytes(new Uint8Array(new BigInt64Array([0n, 2n, 2n]).buffer))),
        }),
        object('sklearn.linear_model._base', 'LinearRegression', {
          n_features_in_: int(3),
          coef_: f8([1, 2, 3]),
          intercept_: f8([0]),
        }),
      ),
      /the FeatureAgglomeration's labels_ leaves a cluster of 0 to 2 without features/,
    ],
  ])('refuses %s, naming it', (_, model, message) => {
    expect(() => convert(model)).toThrow(ModelImportError);
    expect(() => convert(model)).toThrow(message);
  });

  it('refuses a FeatureAgglomeration pooling past the bound (100,000 features: one cluster of half, singletons)', () => {
    const d = 100_000;
    const labels = BigInt64Array.from({ length: d }, (_, j) => BigInt(j < d / 2 ? 0 : j - d / 2 + 1));
    const k = d / 2 + 1;
    const model = pipeline(
      object('sklearn.cluster._agglomerative', 'FeatureAgglomeration', {
        n_features_in_: int(d),
        pooling_func: pyGlobal('numpy', 'mean'),
        labels_: ndarray([d], 'i8', binBytes(new Uint8Array(labels.buffer))),
      }),
      object('sklearn.linear_model._base', 'LinearRegression', {
        n_features_in_: int(k),
        coef_: f8(new Array<number>(k).fill(1)),
        intercept_: f8([0]),
      }),
    );
    const started = performance.now();
    // A dense pooling matrix would be 100,000 x 50,001 doubles (40 GB).
    expect(() => convert(model)).toThrow(
      /the FeatureAgglomeration pools 100000 features into 50001 clusters of up to 50000: more than 1048576 cells/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a GaussianMixture with a covariance_type it does not know', () => {
    expect(() => convert(gmm('banded', f8([1, 1])))).toThrow(UnsupportedModelError);
  });

  it('refuses an AffinityPropagation that did not converge (no centers: scikit-learn labels every row -1)', () => {
    const model = object('sklearn.cluster._affinity_propagation', 'AffinityPropagation', {
      n_features_in_: int(2),
      affinity: str('euclidean'),
      cluster_centers_: ndarray([0, 2], 'f8', binBytes(new Uint8Array())),
    });
    expect(() => convert(model)).toThrow(/an AffinityPropagation that did not converge/);
  });

  it('does not read a None leaf label', () => {
    const model = object('sklearn.cluster._bisect_k_means', 'BisectingKMeans', {
      n_features_in_: int(1),
      cluster_centers_: matrix([[0], [2]]),
      _bisecting_tree: tree({
        center: f8([1]),
        left: tree({ center: f8([0]), label: op.NONE }),
        right: tree({ center: f8([2]), label: int(1) }),
      }),
    });
    expect(() => convert(model)).toThrow(/a leaf without a label of 0 to 1/);
  });
});
