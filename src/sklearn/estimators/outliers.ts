// Outlier detectors: each answers scikit-learn's decision_function (negative: an outlier) and predict's
// label, 1 or -1, decided from that value as its own predict decides it (`decision >= 0` is an inlier
// for IsolationForest, LocalOutlierFactor, SGDOneClassSVM and EllipticEnvelope; libsvm's OneClassSVM
// labels a row an inlier only where its value is > 0). Where a held-out row can land exactly on the
// threshold (an IsolationForest's offset_ is a percentile of the same kind of sums), the graph repeats
// scikit-learn's arithmetic operation for operation, so that its value is the same double.
import { attr, type GraphBuilder, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { affine, cast, double, type Family, type Flow, type TaskOutput } from '../flow.js';
import { asFloat64, elementsOf, field } from '../numpy.js';
import { Estimator, type Matrix } from '../state.js';
import { NdArray, NpScalar, PyTuple, type PyValue } from '../values.js';
import { fittedNeighbours, neighbours, numpySum, rdistToDist } from './neighbors.js';
import { kernelMatrix, libsvm } from './svm.js';
import { Ensemble, type TreeNodes, treeNodes } from './trees.js';

const int64 = (b: GraphBuilder, dims: number[], values: ArrayLike<number>, name = 'i') =>
  b.constant(tensor.int64(b.fresh(name), dims, values));
const scalar = (b: GraphBuilder, name: string, v: number) => double(b, b.fresh(name), [1], [v]);

/** The answer for a decision function d [N, 1]: the label 1 where d >= 0 (or d > 0 when `strict`), else -1. */
function outliers(f: Flow, decision: string, strict: boolean, acceptsMissing = false): TaskOutput {
  const { b } = f;
  const inlier = b.op(strict ? 'Greater' : 'GreaterOrEqual', [decision, scalar(b, 'zero', 0)]);
  const label = b.op('Where', [inlier, int64(b, [1], [1], 'inlier'), int64(b, [1], [-1], 'outlier')]);
  return { kind: 'outliers', label, score: decision, acceptsMissing };
}

/** A finite number the detector's threshold is (offset_), scalar or of one element. */
function offsetOf(est: Estimator): number {
  const raw = est.raw('offset_');
  const v =
    raw instanceof NdArray
      ? raw.size === 1
        ? Number(elementsOf(raw)[0])
        : Number.NaN
      : raw instanceof NpScalar
        ? Number(raw.value)
        : typeof raw === 'number' || typeof raw === 'bigint'
          ? Number(raw)
          : Number.NaN;
  if (!Number.isFinite(v)) throw new ModelImportError(`the ${est.name}'s offset_ is not one finite number`);
  return v;
}

// ---------------------------------------------------------------- IsolationForest

/** The most nodes one isolation tree may have: node ids pass through float32 exactly below 2^24. */
const MAX_TREE_NODES = 2 ** 24;

/** _average_path_length: the average depth of an unsuccessful search in a binary tree of n samples. */
function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** An array per tree (a tuple or list of arrays, as IsolationForest keeps its per-node paths), or undefined. */
function perTree(est: Estimator, attr: string, trees: number): Float64Array[] | undefined {
  const raw: PyValue | undefined = est.raw(attr);
  if (raw === undefined || raw === null) return undefined;
  const items = raw instanceof PyTuple ? raw.items : Array.isArray(raw) ? raw : undefined;
  if (!items || items.length !== trees || !items.every((a) => a instanceof NdArray))
    throw new ModelImportError(`the ${est.name}'s ${attr} is not one array for each of its ${trees} trees`);
  return (items as NdArray[]).map((a) => asFloat64(a));
}

/** Each node's depth (the root 1) and its training samples (n_node_samples), for files without the paths. */
function depthsAndSamples(est: Estimator, tree: Estimator, nodes: TreeNodes) {
  const raw = tree.estimator('tree_').raw('nodes');
  const samples = raw instanceof NdArray ? field(raw, 'n_node_samples') : undefined;
  if (!samples) throw new ModelImportError(`the ${est.name}'s trees have no n_node_samples`);
  const counts = elementsOf(samples).map((v) => Number(v));
  const depth = new Float64Array(nodes.left.length);
  depth[0] = 1;
  for (let n = 0; n < nodes.left.length; n++)
    for (const child of [nodes.left[n] as number, nodes.right[n] as number])
      if (child > n && child < depth.length) depth[child] = (depth[n] as number) + 1;
  return { depth, counts };
}

/**
 * IsolationForest: each tree's leaf for the row (the features cast to float32, as the trees compare
 * them, and where max_features < 1 only the tree's estimators_features_), its decision path length plus
 * the average path length of its training samples minus 1 (the per-node values 1.5+ stores), summed
 * over the trees in order; score_samples = -2^(-sum / (trees * c(max_samples))), or -0.5 where that
 * denominator is 0; the decision is score_samples - offset_. A TreeEnsembleRegressor finds each tree's
 * leaf (as a float32 node id, exact), the values are gathered in double and summed in tree order
 * (CumSum), as numpy adds them.
 */
function isolationForest(est: Estimator, f: Flow): TaskOutput {
  const list = est.raw('estimators_');
  if (!Array.isArray(list) || list.length === 0)
    throw new ModelImportError(`the ${est.name} has no fitted trees`);
  const trees = list.map((t) => Estimator.of(t, `a tree of the ${est.name}`));
  const count = trees.length;
  const subsets = est.raw('estimators_features_');
  if (!Array.isArray(subsets) || subsets.length !== count || !subsets.every((s) => s instanceof NdArray))
    throw new ModelImportError(
      `the ${est.name}'s estimators_features_ is not one array of features for each of its ${count} trees`,
    );
  // scikit-learn reads a tree's own features only where max_features left some out.
  const subsample = est.number('_max_features', f.width) !== f.width;
  const maxSamples = est.number('_max_samples', est.number('max_samples_', Number.NaN));
  if (!Number.isInteger(maxSamples) || maxSamples < 1)
    throw new ModelImportError(`the ${est.name}'s _max_samples is not a positive count of samples`);
  const paths = perTree(est, '_decision_path_lengths', count);
  const averages = perTree(est, '_average_path_length_per_tree', count);

  const ens = new Ensemble();
  const values: number[] = [];
  const firstNode: number[] = [];
  // c(max_samples) as numpy computed it, where a node of that many samples holds it (every root, unless
  // the trees were fitted with weights); computed here otherwise.
  let average = Number.NaN;
  trees.forEach((tree, t) => {
    const nodes = treeNodes(tree);
    const n = nodes.left.length;
    if (n === 0 || n > MAX_TREE_NODES)
      throw new ModelImportError(
        `a tree of the ${est.name} has ${n} nodes (modelgate reads 1 to ${MAX_TREE_NODES})`,
      );
    const features = elementsOf(subsets[t] as NdArray).map((v) => Number(v));
    if (!features.every((j) => Number.isInteger(j) && j >= 0 && j < f.width))
      throw new ModelImportError(
        `the ${est.name}'s estimators_features_ names a feature outside the ${f.width} that reach it`,
      );
    const mapped: TreeNodes = subsample
      ? {
          ...nodes,
          feature: Array.from(nodes.feature, (j, node) => {
            if ((nodes.left[node] as number) < 0) return j;
            const to = features[j];
            if (to === undefined)
              throw new ModelImportError(
                `a tree of the ${est.name} splits on its feature ${j}, but holds ${features.length}`,
              );
            return to;
          }),
        }
      : nodes;
    const { depth, counts } =
      paths && averages
        ? { depth: paths[t] as Float64Array, counts: undefined }
        : depthsAndSamples(est, tree, nodes);
    const perNode = averages
      ? (averages[t] as Float64Array)
      : Float64Array.from(counts ?? [], averagePathLength);
    if (depth.length !== n || perNode.length !== n)
      throw new ModelImportError(`the ${est.name}'s path lengths do not fit its trees' ${n} nodes`);
    if (Number.isNaN(average) && averages) {
      const root = tree.estimator('tree_').raw('nodes');
      const samples = root instanceof NdArray ? field(root, 'n_node_samples') : undefined;
      if (samples && Number(elementsOf(samples)[0]) === maxSamples) average = perNode[0] as number;
    }
    firstNode.push(values.length);
    for (let node = 0; node < n; node++) values.push((depth[node] as number) + (perNode[node] as number) - 1);
    // Each leaf gives its node id to its tree's own target.
    ens.add(mapped, (node) => [node], t);
  });
  if (Number.isNaN(average)) average = averagePathLength(maxSamples);
  const { b } = f;
  const leaves = cast(b, ens.apply(f, count, new Float64Array(count)), DataType.INT64);
  const at = b.op('Add', [leaves, int64(b, [1, count], firstNode, 'first_node')]);
  const perTreeDepth = b.op('Gather', [double(b, b.fresh('path_lengths'), [values.length], values), at]);
  const summed = b.op('CumSum', [perTreeDepth, int64(b, [], [1], 'axis')]);
  const depths = b.op('Slice', [
    summed,
    int64(b, [1], [count - 1], 'last'),
    int64(b, [1], [count], 'end'),
    int64(b, [1], [1], 'axes'),
  ]);
  const denominator = count * average;
  const exponent =
    denominator !== 0
      ? b.op('Neg', [b.op('Div', [depths, scalar(b, 'denominator', denominator)])])
      : b.op('Add', [b.op('Mul', [depths, scalar(b, 'zero', 0)]), scalar(b, 'minus_one', -1)]);
  const scores = b.op('Neg', [b.op('Pow', [scalar(b, 'two', 2), exponent])]);
  const decision = b.op('Sub', [scores, scalar(b, 'offset', offsetOf(est))]);
  // The trees send missing values down as each split's missing_go_to_left says; score_samples takes
  // NaN in the scikit-learns whose trees store that (modelgate checks 1.6 and later).
  const missing = trees.every((t) => treeNodes(t).missingLeft !== undefined) && est.savedBy(1, 6);
  return outliers(f, decision, false, missing);
}

// ---------------------------------------------------------------- LocalOutlierFactor

/**
 * LocalOutlierFactor(novelty=True): the row's k = n_neighbors_ nearest training rows (as the neighbour
 * search chooses them, ties included), their reachability distances max(distance, the neighbour's own
 * k-th distance), the row's local reachability density 1 / (their mean + 1e-10), and score_samples =
 * -mean(neighbour's _lrd / the row's); the decision is that minus offset_. Which tied rows the search
 * keeps matters only where they differ in _lrd or k-th distance, and the graph follows the search there.
 */
function localOutlierFactor(est: Estimator, f: Flow): TaskOutput {
  if (est.raw('novelty') !== true)
    throw new UnsupportedModelError(
      'a LocalOutlierFactor with novelty=False (scikit-learn has no predict or decision_function for new rows then: fit it with novelty=True)',
    );
  const { metric, fit, n } = fittedNeighbours(est, f);
  if (metric.kind === 'cosine')
    throw new UnsupportedModelError(
      "a LocalOutlierFactor with the cosine metric (among equally distant rows scikit-learn's argpartition keeps ones modelgate cannot tell)",
    );
  const k = est.number('n_neighbors_');
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new ModelImportError(
      `the ${est.name}'s n_neighbors_ (${k}) is not a count of its ${n} training rows`,
    );
  const fitted = est.matrix('_distances_fit_X_');
  const lrd = est.matrix('_lrd');
  if (
    fitted.shape.length !== 2 ||
    fitted.shape[0] !== n ||
    (fitted.shape[1] as number) < k ||
    lrd.values.length !== n
  )
    throw new ModelImportError(
      `the ${est.name}'s _distances_fit_X_ (${fitted.shape.join(', ')}) and _lrd (${lrd.values.length}) do not fit its ${n} training rows and ${k} neighbours`,
    );
  const width = fitted.shape[1] as number;
  const kth = Float64Array.from({ length: n }, (_, i) => fitted.values[i * width + k - 1] as number);
  // One code per distinct (k-th distance, density): tied rows matter only where these differ.
  const seen = new Map<string, number>();
  const codes = Float64Array.from({ length: n }, (_, i) => {
    const key = `${kth[i]},${lrd.values[i]}`;
    if (!seen.has(key)) seen.set(key, seen.size);
    return seen.get(key) as number;
  });
  const { b } = f;
  const [index, nearest] = neighbours(est, f, fit, k, codes, metric);
  const distances = rdistToDist(b, nearest, metric);
  const reach = b.op('Max', [distances, b.op('Gather', [double(b, b.fresh('kth'), [n], kth), index])]);
  const count = scalar(b, 'k', k);
  const mean = (x: string) => b.op('Div', [numpySum(b, x, k), count]);
  const density = b.op('Div', [scalar(b, 'one', 1), b.op('Add', [mean(reach), scalar(b, 'epsilon', 1e-10)])]);
  const ratios = b.op('Div', [
    b.op('Gather', [double(b, b.fresh('lrd'), [n], lrd.values), index]),
    b.op('Unsqueeze', [density, int64(b, [1], [1], 'axes')]),
  ]);
  const decision = b.op('Sub', [b.op('Neg', [mean(ratios)]), scalar(b, 'offset', offsetOf(est))]);
  return outliers(f, decision, false);
}

// ---------------------------------------------------------------- the kernel and linear ones

/** OneClassSVM: libsvm's value sum(dual_coef * K(x, sv)) + intercept_ (= -rho), an inlier where it is > 0. */
function oneClassSvm(est: Estimator, f: Flow): TaskOutput {
  const m = libsvm(est);
  if (m.dual.values.length !== m.nSV || m.intercept.length !== 1)
    throw new ModelImportError(
      `the ${est.name}'s dual_coef_ (${m.dual.values.length}) and intercept_ (${m.intercept.length}) do not fit its ${m.nSV} support vectors`,
    );
  const { b } = f;
  const decision = b.op('Add', [
    b.op('MatMul', [kernelMatrix(f, m), double(b, b.fresh('dual'), [m.nSV, 1], m.dual.values)]),
    scalar(b, 'intercept', m.intercept[0] as number),
  ]);
  return outliers(f, decision, true);
}

/** SGDOneClassSVM: x . coef_ - offset_, an inlier where it is >= 0. */
function sgdOneClassSvm(est: Estimator, f: Flow): TaskOutput {
  const coef = est.matrix('coef_');
  if (coef.values.length !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s coef_ holds ${coef.values.length} weights, ${f.width} features reach it`,
    );
  const decision = f.b.op('Sub', [affine(f, coef, undefined, true), scalar(f.b, 'offset', offsetOf(est))]);
  return outliers(f, decision, false);
}

/**
 * EllipticEnvelope: -(squared Mahalanobis distance to location_ under precision_) - offset_, an inlier
 * where it is >= 0. scikit-learn computes the distance with scipy's cdist (VI . (x - location), the
 * square root of its dot with x - location) and squares it again: so does the graph.
 */
function ellipticEnvelope(est: Estimator, f: Flow): TaskOutput {
  if (!est.has('precision_'))
    throw new UnsupportedModelError(
      'an EllipticEnvelope with store_precision=False (scikit-learn inverts covariance_ at predict; modelgate reads precision_)',
    );
  const location = est.matrix('location_');
  const precision: Matrix = est.matrix('precision_');
  const d = f.width;
  if (location.values.length !== d || precision.values.length !== d * d)
    throw new ModelImportError(
      `the ${est.name}'s location_ (${location.values.length}) and precision_ (${precision.shape.join(', ')}) do not fit the ${d} features that reach it`,
    );
  const { b } = f;
  const centered = b.op('Sub', [f.x, double(b, b.fresh('location'), [1, d], location.values)]);
  const transposed = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) transposed[j * d + i] = precision.values[i * d + j] as number;
  const projected = b.op('MatMul', [centered, double(b, b.fresh('precision_t'), [d, d], transposed)]);
  const squared = b.op(
    'ReduceSum',
    [b.op('Mul', [projected, centered]), int64(b, [1], [1], 'axes')],
    [attr.int('keepdims', 1)],
  );
  const distance = b.op('Sqrt', [squared]);
  const decision = b.op('Sub', [
    b.op('Neg', [b.op('Mul', [distance, distance])]),
    scalar(b, 'offset', offsetOf(est)),
  ]);
  return outliers(f, decision, false);
}

export const family: Family = {
  family: 'outlier detectors',
  finals: {
    IsolationForest: isolationForest,
    LocalOutlierFactor: localOutlierFactor,
    OneClassSVM: oneClassSvm,
    SGDOneClassSVM: sgdOneClassSvm,
    EllipticEnvelope: ellipticEnvelope,
  },
};
