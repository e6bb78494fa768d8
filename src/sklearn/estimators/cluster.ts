// Clusterers with a predict for new rows: the k-means family (KMeans, MiniBatchKMeans: the nearest of
// cluster_centers_; BisectingKMeans: down its bisecting tree) and the nearest-center ones
// (AffinityPropagation, MeanShift: the nearest of cluster_centers_); the k-means family's transform (the
// Euclidean distances to the centers) and FeatureAgglomeration's (the mean of each cluster of features)
// as Pipeline steps. The clusterers without a predict for new rows are refused by name, and Birch for
// its fitted state.
//
// The nearest center as scikit-learn finds it: _labels_inertia (Cython, lloyd_iter_chunked_dense) starts
// each row's scores at ||c||² and adds -2 x·c with one gemm (the row's own ||x||² is left out: it does
// not change the argmin), then keeps the first index of the smallest score (a later center replaces it
// only when strictly smaller). The graph computes the same Gemm(x, C, ||c||², alpha = -2) and ArgMin,
// which keeps the first index too. A row exactly equidistant from two centers gets the first; a row
// within a rounding error of equidistant can land on either side, in scikit-learn as here, since the
// dot products' summation order is the BLAS's. pairwise_distances_argmin (AffinityPropagation,
// MeanShift) ranks the same ||c||² - 2 x·c and keeps the first index of the smallest as well.
//
// Precision: a KMeans fitted on float32 rows keeps float32 cluster_centers_, and its predict takes only
// float32 rows (scikit-learn 1.9 fails on float64 ones), computing the scores in float32: the graph casts
// the rows to float and does the same. Its transform, euclidean_distances, upcasts to float64 chunks,
// computes there and stores float32: the graph does that too.
import { attr, type GraphBuilder, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, double, type Family, type Flow, float, gather, overRows, type TaskOutput } from '../flow.js';
import { Estimator } from '../state.js';
import { NdArray, NpScalar, PyGlobal, PyObject } from '../values.js';
import { mixedColumns } from './decomposition.js';

/** Cluster centers [k, d] as fitted, and whether they are float32 (fitted on float32 rows). */
interface Centers {
  values: Float64Array;
  k: number;
  d: number;
  single: boolean;
}

function isFloat32(value: unknown): boolean {
  return value instanceof NdArray && value.dtype.kind === 'f' && value.dtype.itemsize === 4;
}

/** The estimator's centers, checked against the features that reach it. */
function centersOf(est: Estimator, f: Flow, attribute = 'cluster_centers_'): Centers {
  const m = est.matrix(attribute);
  const [k, d] = m.shape as [number, number];
  if (m.shape.length !== 2 || k < 1)
    throw new ModelImportError(
      `the ${est.name}'s ${attribute} of shape (${m.shape.join(', ')}) is not a matrix of one center per row`,
    );
  if (d !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s ${attribute} holds centers of ${d} features, but ${f.width} reach it`,
    );
  return { values: m.values, k, d, single: isFloat32(est.raw(attribute)) };
}

/** Squared norms of each row of a [k, d] matrix, accumulated as numpy's einsum does in that precision. */
function rowNorms(values: Float64Array, k: number, d: number, single: boolean): Float64Array {
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j] as number;
      s = single ? Math.fround(s + Math.fround(v * v)) : s + v * v;
    }
    out[i] = s;
  }
  return out;
}

/** The rows in the centers' precision (float32 centers: the rows cast to float). */
function rowsIn(f: Flow, single: boolean): string {
  return single ? cast(f.b, f.x, DataType.FLOAT) : f.x;
}

/** ||c||² - 2 x·c [N, k] for every center, in the centers' precision. */
function centerScores(f: Flow, c: Centers): string {
  const norms = rowNorms(c.values, c.k, c.d, c.single);
  const { b } = f;
  const constant = c.single ? float : double;
  const centers = constant(b, b.fresh('centers'), [c.k, c.d], c.values);
  const bias = constant(b, b.fresh('center_norms'), [c.k], norms);
  return b.op('Gemm', [rowsIn(f, c.single), centers, bias], [attr.float('alpha', -2), attr.int('transB', 1)]);
}

/** The index of the smallest score of each row, int64 [N]; the first on ties. */
function argMin(b: GraphBuilder, scores: string): string {
  return b.op('ArgMin', [scores], [attr.int('axis', 1), attr.int('keepdims', 0)]);
}

/**
 * euclidean_distances(X, centers) [N, k] in double: sqrt(max(0, -2 x·c + ||x||² + ||c||²)), summed in
 * that order. Float32 centers: computed in double from the rows cast to float, stored to float32 before
 * the clip and the square root, as _euclidean_distances_upcast does.
 */
function distances(f: Flow, c: Centers): string {
  const { b } = f;
  const x = c.single ? cast(b, cast(b, f.x, DataType.FLOAT), DataType.DOUBLE) : f.x;
  const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
  const xx = b.op('ReduceSum', [b.op('Mul', [x, x]), axes], [attr.int('keepdims', 1)]);
  const centers = double(b, b.fresh('centers'), [c.k, c.d], c.values);
  const cc = double(b, b.fresh('center_norms'), [1, c.k], rowNorms(c.values, c.k, c.d, false));
  let squared = b.op('Add', [
    b.op('Gemm', [x, centers, xx], [attr.float('alpha', -2), attr.int('transB', 1)]),
    cc,
  ]);
  const zero = (single: boolean) => (single ? float : double)(b, b.fresh('zero'), [1], [0]);
  if (c.single) squared = cast(b, squared, DataType.FLOAT);
  const root = b.op('Sqrt', [b.op('Max', [squared, zero(c.single)])]);
  return c.single ? cast(b, root, DataType.DOUBLE) : root;
}

/** KMeans, MiniBatchKMeans: the nearest center, and the distances to every center. */
function nearestCenter(est: Estimator, f: Flow): TaskOutput {
  const c = centersOf(est, f);
  return {
    kind: 'clusters',
    count: c.k,
    label: argMin(f.b, centerScores(f, c)),
    distances: distances(f, c),
  };
}

/** AffinityPropagation, MeanShift: the nearest of cluster_centers_ (neither has a transform). */
function nearestCenterOnly(est: Estimator, f: Flow): TaskOutput {
  if (est.name === 'AffinityPropagation') {
    if (est.string('affinity', 'euclidean') === 'precomputed' || !est.has('cluster_centers_'))
      throw new UnsupportedModelError(
        `an ${est.name} with affinity='precomputed' (it has no cluster centers to predict new rows by)`,
      );
    const shape = est.matrix('cluster_centers_').shape;
    if (shape[0] === 0)
      throw new UnsupportedModelError(
        `an ${est.name} that did not converge (it has no cluster centers and labels every row -1)`,
      );
  }
  const c = centersOf(est, f);
  return { kind: 'clusters', count: c.k, label: argMin(f.b, centerScores(f, c)) };
}

/** The transform of a k-means estimator: the distances to its centers, as the new columns. */
function centerDistancesStep(est: Estimator, f: Flow): void {
  const c = centersOf(est, f);
  f.x = distances(f, c);
  f.columns = mixedColumns(f, c.k, `the ${est.name}`);
  f.width = c.k;
}

// ---------------------------------------------------------------- BisectingKMeans

/** The bisecting tree's nodes, read as data: every split's two centers, every leaf's label and path. */
interface Bisection {
  /** [splits * 2, d]: each split's left center, then its right one (with _X_mean added back). */
  pairs: number[];
  splits: number;
  /** Per leaf: its label and, per split on its path, whether it went left. */
  leaves: { label: number; path: { split: number; left: boolean }[] }[];
  /** The longest path. */
  depth: number;
}

/**
 * The bound on what a tree's paths, or a FeatureAgglomeration's pooled cells, make the graph hold and
 * compute per row: 2^20 (a balanced bisecting tree of 50,000 clusters; a chain of 1,000).
 */
const MAX_TREE_CELLS = 2 ** 20;

function bisection(est: Estimator, d: number, k: number, single: boolean): Bisection {
  const root = est.raw('_bisecting_tree');
  if (!(root instanceof PyObject))
    throw new ModelImportError(`the ${est.name} has no _bisecting_tree: it was not fitted`);
  const mean = est.has('_X_mean') ? est.matrix('_X_mean').values : undefined;
  if (mean && mean.length !== d)
    throw new ModelImportError(`the ${est.name}'s _X_mean holds ${mean.length} values for ${d} features`);
  const out: Bisection = { pairs: [], splits: 0, leaves: [], depth: 0 };
  // A fitted tree has k leaves and k - 1 splits; a file that holds more is not one.
  const walk = (node: PyObject, path: { split: number; left: boolean }[]): void => {
    const left = node.dict?.get('left');
    const right = node.dict?.get('right');
    if (left === null || left === undefined) {
      const raw = node.dict?.get('label');
      const label = raw instanceof NpScalar ? raw.value : raw;
      const n = typeof label === 'bigint' ? Number(label) : label;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= k)
        throw new ModelImportError(
          `the ${est.name}'s bisecting tree has a leaf without a label of 0 to ${k - 1}`,
        );
      out.leaves.push({ label: n, path });
      out.depth = Math.max(out.depth, path.length);
      if (out.leaves.length * out.depth > MAX_TREE_CELLS)
        throw new ModelImportError(
          `the ${est.name}'s bisecting tree has more than ${MAX_TREE_CELLS} path steps over its leaves (leaves times depth): modelgate converts trees within that`,
        );
      if (out.leaves.length > k)
        throw new ModelImportError(`the ${est.name}'s bisecting tree has more leaves than its ${k} clusters`);
      return;
    }
    if (!(left instanceof PyObject) || !(right instanceof PyObject))
      throw new ModelImportError(`the ${est.name}'s bisecting tree has a split without two subclusters`);
    const split = out.splits++;
    if (split >= k)
      throw new ModelImportError(`the ${est.name}'s bisecting tree has more splits than clusters`);
    for (const child of [left, right]) {
      const center = child.dict?.get('center');
      if (!(center instanceof NdArray) || center.size !== d)
        throw new ModelImportError(`the ${est.name}'s bisecting tree holds a center that is not ${d} values`);
      const values = new Estimator(child).matrix('center').values;
      for (let j = 0; j < d; j++) {
        // scikit-learn adds _X_mean in the centers' own precision.
        const v = (values[j] as number) + (mean ? (mean[j] as number) : 0);
        out.pairs.push(single ? Math.fround(v) : v);
      }
    }
    walk(left, [...path, { split, left: true }]);
    walk(right, [...path, { split, left: false }]);
  };
  walk(root, []);
  if (out.leaves.length !== k)
    throw new ModelImportError(
      `the ${est.name}'s bisecting tree has ${out.leaves.length} leaves for ${k} clusters`,
    );
  return out;
}

/**
 * BisectingKMeans.predict: from the root, each row goes to the nearer of the split's two centers (the
 * left one on a tie: _labels_inertia gives it index 0), down to a leaf, whose label it takes. In the
 * graph every split is decided for every row at once: go-left G [N, splits] (1 or 0), and leaf l's score,
 * the sum over the splits on its path of +G (where the path goes left) or -G (right), less its left
 * turns, is 0 at the leaf the row reaches and at most -1 at every other: its ArgMax is that leaf (exact
 * in double). The paths are gathered [leaves, depth], padded: k log k cells for a balanced tree, and
 * bounded for any tree the file holds (MAX_TREE_CELLS).
 */
function bisectingKMeans(est: Estimator, f: Flow): TaskOutput {
  const c = centersOf(est, f);
  const tree = bisection(est, c.d, c.k, c.single);
  const { b } = f;
  const dist = distances(f, c);
  if (tree.splits === 0)
    return { kind: 'clusters', count: c.k, label: argMin(b, centerScores(f, c)), distances: dist };
  const pairs: Centers = {
    values: Float64Array.from(tree.pairs),
    k: 2 * tree.splits,
    d: c.d,
    single: c.single,
  };
  const scores = centerScores(f, pairs);
  const evens = Array.from({ length: tree.splits }, (_, s) => 2 * s);
  const goLeft = cast(
    b,
    b.op('LessOrEqual', [
      gather(b, scores, evens),
      gather(
        b,
        scores,
        evens.map((e) => e + 1),
      ),
    ]),
    DataType.DOUBLE,
  );
  const leaves = tree.leaves.length;
  const depth = tree.depth;
  // [leaves, depth]: the splits on each leaf's path and +1 (left) or -1 (right), padded with sign 0.
  const at = new Array<number>(leaves * depth).fill(0);
  const sign = new Float64Array(leaves * depth);
  const bias = new Float64Array(leaves);
  for (const [l, leaf] of tree.leaves.entries())
    for (const [p, { split, left }] of leaf.path.entries()) {
      at[l * depth + p] = split;
      sign[l * depth + p] = left ? 1 : -1;
      if (left) bias[l] = (bias[l] as number) - 1;
    }
  const turns = b.op('Mul', [
    gather(b, goLeft, at),
    double(b, b.fresh('path_signs'), [leaves * depth], sign),
  ]);
  const perLeaf = b.op('Reshape', [
    turns,
    b.constant(tensor.int64(b.fresh('shape'), [3], [0, leaves, depth])),
  ]);
  const reached = b.op('Add', [
    b.op(
      'ReduceSum',
      [perLeaf, b.constant(tensor.int64(b.fresh('axes'), [1], [2]))],
      [attr.int('keepdims', 0)],
    ),
    double(b, b.fresh('left_turns'), [leaves], bias),
  ]);
  const leaf = b.op('ArgMax', [reached], [attr.int('axis', 1), attr.int('keepdims', 0)]);
  const labels = b.constant(
    tensor.int64(
      b.fresh('leaf_labels'),
      [leaves],
      tree.leaves.map((l) => l.label),
    ),
  );
  return {
    kind: 'clusters',
    count: c.k,
    label: b.op('Gather', [labels, leaf], [attr.int('axis', 0)]),
    distances: dist,
  };
}

// ---------------------------------------------------------------- FeatureAgglomeration

/**
 * FeatureAgglomeration.transform with its default pooling_func, numpy's mean: each cluster of features
 * (labels_) becomes the mean of its columns, their sum over the cluster's size as scikit-learn computes
 * it (np.bincount(labels_, x) / size, in feature order). The graph gathers each cluster's columns
 * [k, largest], padded with a zero, and sums them: a cell per feature for clusters of even size, bounded
 * for any (MAX_TREE_CELLS). Any other pooling function is a function of the file's own.
 */
function featureAgglomeration(est: Estimator, f: Flow): void {
  const pooling = est.raw('pooling_func');
  if (!(pooling instanceof PyGlobal) || pooling.qualified !== 'numpy.mean')
    throw new UnsupportedModelError(
      `a ${est.name} with a pooling_func other than numpy.mean (modelgate reads the mean only)`,
    );
  const labels = est.matrix('labels_').values;
  if (labels.length !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s labels_ labels ${labels.length} features, but ${f.width} reach it`,
    );
  let k = 0;
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= f.width)
      throw new ModelImportError(
        `the ${est.name}'s labels_ holds ${l}, not a cluster of 0 to ${f.width - 1}`,
      );
    k = Math.max(k, l + 1);
  }
  const size = new Float64Array(k);
  for (const l of labels) size[l] = (size[l] as number) + 1;
  if (size.some((n) => n === 0))
    throw new ModelImportError(
      `the ${est.name}'s labels_ leaves a cluster of 0 to ${k - 1} without features`,
    );
  // [k, largest]: each cluster's columns in feature order, padded with a column of zeros (index width).
  const largest = size.reduce((m, n) => Math.max(m, n), 0);
  if (k * largest > MAX_TREE_CELLS)
    throw new ModelImportError(
      `the ${est.name} pools ${f.width} features into ${k} clusters of up to ${largest}: more than ${MAX_TREE_CELLS} cells, past what modelgate converts`,
    );
  const at = new Array<number>(k * largest).fill(f.width);
  const filled = new Array<number>(k).fill(0);
  for (const [j, l] of labels.entries()) at[l * largest + (filled[l] as number)++] = j;
  const { b } = f;
  const padded = b.op(
    'Concat',
    [f.x, overRows(f, double(b, b.fresh('zero'), [1, 1], [0]), 1)],
    [attr.int('axis', 1)],
  );
  const sums = b.op(
    'ReduceSum',
    [
      b.op('Reshape', [
        gather(b, padded, at),
        b.constant(tensor.int64(b.fresh('shape'), [3], [0, k, largest])),
      ]),
      b.constant(tensor.int64(b.fresh('axes'), [1], [2])),
    ],
    [attr.int('keepdims', 0)],
  );
  f.x = b.op('Div', [sums, double(b, b.fresh('sizes'), [k], size)]);
  f.columns = mixedColumns(f, k, `the ${est.name}`);
  f.width = k;
}

const NO_PREDICT = 'it labels the rows it was fitted on and has no predict for new rows';

export const family: Family = {
  family: 'clusterers',
  transformers: {
    KMeans: centerDistancesStep,
    MiniBatchKMeans: centerDistancesStep,
    BisectingKMeans: centerDistancesStep,
    FeatureAgglomeration: featureAgglomeration,
  },
  finals: {
    KMeans: nearestCenter,
    MiniBatchKMeans: nearestCenter,
    BisectingKMeans: bisectingKMeans,
    AffinityPropagation: nearestCenterOnly,
    MeanShift: nearestCenterOnly,
  },
  parts: {
    _BisectingTree: "a BisectingKMeans's bisecting tree",
  },
  references: {
    _kmeans_single_lloyd: "a BisectingKMeans's inner k-means (named in its state, never called)",
    _kmeans_single_elkan: "a BisectingKMeans's inner k-means (named in its state, never called)",
  },
  refused: {
    // Its predict is the nearest of subcluster_centers_, then subcluster_labels_; but the fitted
    // clustering-feature tree beside them links its leaves both ways (prev_leaf_, next_leaf_).
    Birch:
      'not yet: its fitted clustering-feature tree links its leaves both ways, a cycle that modelgate refuses in any pickle',
    DBSCAN: NO_PREDICT,
    OPTICS: NO_PREDICT,
    HDBSCAN: NO_PREDICT,
    SpectralClustering: NO_PREDICT,
    AgglomerativeClustering: NO_PREDICT,
    SpectralBiclustering: NO_PREDICT,
    SpectralCoclustering: NO_PREDICT,
  },
};
