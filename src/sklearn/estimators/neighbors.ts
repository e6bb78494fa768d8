// k nearest neighbours as scikit-learn finds them, ties included. When several training rows are exactly
// as far from a request as its k-th nearest, which of them scikit-learn keeps is decided by how it
// searches: every search (brute force, kd_tree, ball_tree) pushes the candidates, in an order of its
// own, onto a fixed-size max-heap (sklearn/utils/_heap.pyx heap_push) that rejects a value equal to its
// largest and otherwise replaces its root and sifts down, so the survivors among equals depend on the
// heap's shape, not only on the order (neither "the lowest index" nor "the first seen" is right). The
// graph reproduces that heap exactly, but only for a batch where it can change the answer (a row whose
// tied rows at the k-th distance disagree on the class or target); every other batch takes the k
// smallest distances directly.
//
// The order the candidates arrive in: brute force scans the training rows in index order (for one
// chunk of queries and one of training rows; with more than 256 training rows and several threads,
// scikit-learn's own answer to ties depends on its thread count, and modelgate answers as one thread
// does). kd_tree and ball_tree walk their tree depth first, the child with the smaller lower bound on
// the distance first (the left one when equal), and within a leaf in its idx_array order; the bounds are
// computed with scikit-learn's own arithmetic (per feature, in order) from the fitted tree in the file.
import { attr, GraphBuilder, tensor } from '../../onnx/builder.js';
import { AttributeType, DataType, type GraphProto } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import type { Family, Flow, Output } from '../flow.js';
import { elementsOf, field } from '../numpy.js';
import { againstPoints } from '../points.js';
import type { Estimator, Matrix } from '../state.js';
import { NdArray, NpScalar, PyDict, PyObject, PyTuple } from '../values.js';

/** A builder for a subgraph (an If branch, a Loop body) whose names cannot meet the outer graph's. */
class ScopedBuilder extends GraphBuilder {
  constructor(private readonly scope: string) {
    super(scope);
  }

  override fresh(prefix: string): string {
    return super.fresh(`${this.scope}_${prefix}`);
  }

  graph(): GraphProto {
    return this.build().graph;
  }
}

const double = (b: GraphBuilder, dims: number[], values: ArrayLike<number>, name = 'c') =>
  b.constant(tensor.double(b.fresh(name), dims, values));
const int64 = (b: GraphBuilder, dims: number[], values: ArrayLike<number>, name = 'i') =>
  b.constant(tensor.int64(b.fresh(name), dims, values));
const cast = (b: GraphBuilder, x: string, to: number) => b.op('Cast', [x], [attr.int('to', to)]);
const graphAttr = (name: string, g: GraphProto) => ({ name, type: AttributeType.GRAPH, g });

/** The columns of x [N, d], each [N, 1] (one Split). */
const columns = (b: GraphBuilder, x: string, d: number): string[] =>
  d === 1
    ? [x]
    : b.node('Split', [x, int64(b, [d], new Array(d).fill(1), 'split')], [attr.int('axis', 1)], {
        outputs: d,
      });

/**
 * A distance as scikit-learn's DistanceMetric computes it, through its reduced form ("rdist", which the
 * searches compare): Euclidean (the sum of squares), Manhattan (the sum of |x - y|), Chebyshev (their
 * maximum), Minkowski with p (the sum of |x - y|^p), each feature in order; cosine, brute force only
 * (1 - the normalized rows' dot product, clipped to [0, 2]), where rdist and the distance are one.
 */
export interface Metric {
  kind: 'euclidean' | 'manhattan' | 'chebyshev' | 'minkowski' | 'cosine';
  p: number;
}

/** One feature's term of the reduced distance, from the gap x - y. */
function metricTerm(b: GraphBuilder, gap: string, m: Metric): string {
  if (m.kind === 'euclidean') return b.op('Mul', [gap, gap]);
  const abs = b.op('Abs', [gap]);
  return m.kind === 'minkowski' ? b.op('Pow', [abs, double(b, [1], [m.p], 'p')]) : abs;
}

/** The terms combined in feature order: a sum, or Chebyshev's maximum. */
function metricCombine(b: GraphBuilder, acc: string, term: string, m: Metric): string {
  return b.op(m.kind === 'chebyshev' ? 'Max' : 'Add', [acc, term]);
}

/** DistanceMetric._rdist_to_dist. */
export function rdistToDist(b: GraphBuilder, r: string, m: Metric): string {
  if (m.kind === 'euclidean') return b.op('Sqrt', [r]);
  if (m.kind === 'minkowski') return b.op('Pow', [r, double(b, [1], [1 / m.p], 'inverse_p')]);
  return r;
}

/** DistanceMetric._dist_to_rdist. */
function distToRdist(b: GraphBuilder, d: string, m: Metric): string {
  if (m.kind === 'euclidean') return b.op('Mul', [d, d]);
  if (m.kind === 'minkowski') return b.op('Pow', [d, double(b, [1], [m.p], 'p')]);
  return d;
}

/** The fitted kd_tree or ball_tree: its arrays as scikit-learn's BinaryTree.__getstate__ keeps them. */
interface Tree {
  kind: 'kd_tree' | 'ball_tree';
  idx: number[];
  start: number[];
  end: number[];
  leaf: boolean[];
  radius: number[];
  /** kd_tree: [2, nodes, d] (lower, upper); ball_tree: [1, nodes, d] (centroids) */
  bounds: Matrix;
}

function fittedTree(est: Estimator, kind: 'kd_tree' | 'ball_tree', n: number, d: number): Tree {
  const tree = est.raw('_tree');
  const state = tree instanceof PyObject ? tree.state : undefined;
  const [, idx, nodes, bounds] = state instanceof PyTuple ? state.items : [];
  if (!(idx instanceof NdArray) || !(nodes instanceof NdArray) || !(bounds instanceof NdArray))
    throw new ModelImportError(`the ${est.name}'s ${kind} has no index, nodes or bounds`);
  const ints = (name: string) => {
    const f = field(nodes, name);
    if (!f) throw new ModelImportError(`the ${est.name}'s ${kind} nodes have no ${name}`);
    return elementsOf(f).map((v) => Number(v));
  };
  const out: Tree = {
    kind,
    idx: elementsOf(idx).map((v) => Number(v)),
    start: ints('idx_start'),
    end: ints('idx_end'),
    leaf: ints('is_leaf').map((v) => v !== 0),
    radius: ints('radius'),
    bounds: { values: Float64Array.from(elementsOf(bounds).map((v) => Number(v))), shape: bounds.shape },
  };
  const nodeCount = out.start.length;
  const [planes, boundNodes, width] = out.bounds.shape;
  const fine =
    out.idx.length === n &&
    out.idx.every((i) => Number.isInteger(i) && i >= 0 && i < n) &&
    planes === (kind === 'kd_tree' ? 2 : 1) &&
    boundNodes === nodeCount &&
    width === d &&
    out.start.every((s, i) => s >= 0 && s <= (out.end[i] as number) && (out.end[i] as number) <= n);
  if (!fine) throw new ModelImportError(`the ${est.name}'s ${kind} does not fit its ${n} training rows`);
  return out;
}

/** The tree's shape as the search walks it: which node is a leaf, each leaf's path from the root. */
function treeWalk(t: Tree) {
  const internal: number[] = [];
  const leaves: { node: number; path: { at: number; right: boolean }[] }[] = [];
  const walk = (node: number, path: { at: number; right: boolean }[]) => {
    if (node >= t.leaf.length)
      throw new ModelImportError(`the ${t.kind} refers to node ${node}, which it lacks`);
    if (t.leaf[node]) {
      leaves.push({ node, path });
      return;
    }
    if (path.length > 60) throw new ModelImportError(`the ${t.kind} is deeper than any fitted tree`);
    const at = internal.push(node) - 1;
    walk(2 * node + 1, [...path, { at, right: false }]);
    walk(2 * node + 2, [...path, { at, right: true }]);
  };
  walk(0, []);
  return { internal, leaves };
}

/**
 * The lower bound scikit-learn puts on the reduced distance from each row to each node,
 * [N, nodes.length]: kd_tree's min_rdist (per feature, in order, h = 0.5 * ((lo - x) + |lo - x| +
 * (x - hi) + |x - hi|): the sum of h^p, h^2 for Euclidean, or their maximum for Chebyshev);
 * ball_tree's min_rdist (max(0, dist(x, centroid) - radius) in reduced form).
 */
function lowerBounds(
  b: GraphBuilder,
  x: string,
  d: number,
  t: Tree,
  nodes: number[],
  metric: Metric,
): string {
  const m = nodes.length;
  const plane = (p: number, j: number) =>
    nodes.map((node) => t.bounds.values[(p * t.start.length + node) * d + j] as number);
  const xs = columns(b, x, d);
  let sum = '';
  for (let j = 0; j < d; j++) {
    const xj = xs[j] as string;
    let term: string;
    if (t.kind === 'kd_tree') {
      const lo = b.op('Sub', [double(b, [1, m], plane(0, j), 'lo'), xj]);
      const hi = b.op('Sub', [xj, double(b, [1, m], plane(1, j), 'hi')]);
      const twice = b.op('Add', [b.op('Add', [lo, b.op('Abs', [lo])]), b.op('Add', [hi, b.op('Abs', [hi])])]);
      const half = b.op('Mul', [twice, double(b, [1], [0.5], 'half')]);
      term =
        metric.kind === 'euclidean'
          ? b.op('Mul', [half, half])
          : metric.kind === 'minkowski'
            ? b.op('Pow', [half, double(b, [1], [metric.p], 'p')])
            : half;
    } else {
      const gap = b.op('Sub', [xj, double(b, [1, m], plane(0, j), 'centroid')]);
      term = metricTerm(b, gap, metric);
    }
    sum = j === 0 ? term : metricCombine(b, sum, term, metric);
  }
  if (t.kind === 'kd_tree') return sum;
  const radius = double(
    b,
    [1, m],
    nodes.map((node) => t.radius[node] as number),
    'radius',
  );
  const gap = b.op('Max', [b.op('Sub', [rdistToDist(b, sum, metric), radius]), double(b, [1], [0], 'zero')]);
  return distToRdist(b, gap, metric);
}

/**
 * The order a tree search pushes the training rows onto the heap, per row: [N, n] indices. Each leaf's
 * place in the depth-first walk is a binary number whose digit at each ancestor says whether the walk
 * went there second (the ancestors' comparisons, one MatMul); a training row's place is its leaf's,
 * then its position in the leaf.
 */
function searchOrder(b: GraphBuilder, x: string, d: number, t: Tree, n: number, metric: Metric): string {
  const { internal, leaves } = treeWalk(t);
  if (internal.length === 0) return b.op('Identity', [int64(b, [1, n], t.idx, 'order')]);
  const children = internal.flatMap((node) => [2 * node + 1, 2 * node + 2]);
  const bounds = lowerBounds(b, x, d, t, children, metric);
  const pick = (offset: number) =>
    b.op(
      'Gather',
      [
        bounds,
        int64(
          b,
          [internal.length],
          internal.map((_, i) => 2 * i + offset),
        ),
      ],
      [attr.int('axis', 1)],
    );
  // The left child first where its bound is not larger (scikit-learn's `<=`).
  const leftFirst = cast(b, b.op('LessOrEqual', [pick(0), pick(1)]), DataType.DOUBLE);
  const depth = Math.max(...leaves.map((l) => l.path.length));
  const weights = new Float64Array(internal.length * leaves.length);
  const offsets = new Float64Array(leaves.length);
  leaves.forEach((leaf, l) => {
    leaf.path.forEach(({ at, right }, level) => {
      const digit = 2 ** (depth - 1 - level);
      // right child: second when the left goes first; left child: second when it does not
      if (right) weights[at * leaves.length + l] = digit;
      else {
        weights[at * leaves.length + l] = -digit;
        offsets[l] = (offsets[l] as number) + digit;
      }
    });
  });
  const leafKey = b.op('Add', [
    b.op('MatMul', [leftFirst, double(b, [internal.length, leaves.length], weights, 'walk')]),
    double(b, [1, leaves.length], offsets, 'walk_offset'),
  ]);
  const leafOf = new Array<number>(n).fill(-1);
  const position = new Float64Array(n);
  let widest = 1;
  leaves.forEach((leaf, l) => {
    const [s, e] = [t.start[leaf.node] as number, t.end[leaf.node] as number];
    widest = Math.max(widest, e - s);
    for (let i = s; i < e; i++) {
      const row = t.idx[i] as number;
      leafOf[row] = l;
      position[row] = i - s;
    }
  });
  if (leafOf.some((l) => l < 0))
    throw new ModelImportError(`the ${t.kind}'s leaves do not hold every training row once`);
  const key = b.op('Add', [
    b.op('Mul', [
      b.op('Gather', [leafKey, int64(b, [n], leafOf, 'leaf_of')], [attr.int('axis', 1)]),
      double(b, [1], [widest], 'widest'),
    ]),
    double(b, [1, n], position, 'position'),
  ]);
  const [, order] = b.node(
    'TopK',
    [key, int64(b, [1], [n], 'n')],
    [attr.int('largest', 0), attr.int('sorted', 1)],
    { outputs: 2 },
  ) as [string, string];
  return order;
}

/**
 * scikit-learn's heap_push of every training row in `order` onto a heap of size k, for every row of the
 * batch at once: a Loop over the n candidates whose body pushes one (rejected when not smaller than the
 * root; else it replaces the root and sifts down: the larger child, the left one when equal, moves up
 * while it is larger than the new value). The heap is padded with -inf to 2k + 1 columns so that a
 * missing child never wins. Returns the survivors [N, k] (indices, distances), nearest first.
 */
function heapSurvivors(
  b: GraphBuilder,
  distances: string,
  order: string | undefined,
  n: number,
  k: number,
  shapeOf: string,
): [string, string] {
  const width = 2 * k + 1;
  const rows = b.op('Slice', [shapeOf, int64(b, [1], [0]), int64(b, [1], [1])]);
  const shape = b.op('Concat', [rows, int64(b, [1], [width])], [attr.int('axis', 0)]);
  const initial = Array.from({ length: width }, (_, i) => (i < k ? Number.POSITIVE_INFINITY : -Infinity));
  const heap0 = b.op('Expand', [double(b, [1, width], initial, 'heap'), shape]);
  const index0 = b.op('Expand', [int64(b, [1, width], new Array(width).fill(0), 'heap_index'), shape]);

  const body = new ScopedBuilder(b.fresh('push'));
  const t = body.input(body.fresh('t'), DataType.INT64, []);
  const go = body.input(body.fresh('cond'), DataType.BOOL, []);
  const heapIn = body.input(body.fresh('heap'), DataType.DOUBLE, ['N', width]);
  const indexIn = body.input(body.fresh('heap_index'), DataType.INT64, ['N', width]);
  const axis1 = [attr.int('axis', 1)];
  const one = int64(body, [1], [1], 'one');
  const tColumn = body.op('Unsqueeze', [t, int64(body, [1], [0])]);
  let candidate: string;
  let value: string;
  if (order) {
    candidate = body.op('Gather', [order, tColumn], axis1);
    value = body.op('GatherElements', [distances, candidate], axis1);
  } else {
    value = body.op('Gather', [distances, tColumn], axis1);
    candidate = body.op('Expand', [
      body.op('Unsqueeze', [t, int64(body, [2], [0, 1])]),
      body.op('Shape', [value]),
    ]);
  }
  let heap = heapIn;
  let index = indexIn;
  const root = body.op('Gather', [heap, int64(body, [1], [0])], axis1);
  const accepted = body.op('Less', [value, root]);
  let at = body.op('Mul', [cast(body, accepted, DataType.INT64), int64(body, [1], [0])]);
  let active = accepted;
  for (let level = 0; 2 ** (level + 1) - 1 < k; level++) {
    const left = body.op('Add', [body.op('Mul', [at, int64(body, [1], [2])]), one]);
    const right = body.op('Add', [left, one]);
    const leftValue = body.op('GatherElements', [heap, left], axis1);
    const rightValue = body.op('GatherElements', [heap, right], axis1);
    const leftWins = body.op('GreaterOrEqual', [leftValue, rightValue]);
    const child = body.op('Where', [leftWins, left, right]);
    const childValue = body.op('Where', [leftWins, leftValue, rightValue]);
    const swap = body.op('And', [active, body.op('Less', [value, childValue])]);
    const here = body.op('GatherElements', [heap, at], axis1);
    heap = body.op('ScatterElements', [heap, at, body.op('Where', [swap, childValue, here])], axis1);
    const childIndex = body.op('GatherElements', [index, child], axis1);
    const hereIndex = body.op('GatherElements', [index, at], axis1);
    index = body.op('ScatterElements', [index, at, body.op('Where', [swap, childIndex, hereIndex])], axis1);
    at = body.op('Where', [swap, child, at]);
    active = swap;
  }
  const here = body.op('GatherElements', [heap, at], axis1);
  const hereIndex = body.op('GatherElements', [index, at], axis1);
  const heapOut = body.op('ScatterElements', [heap, at, body.op('Where', [accepted, value, here])], axis1);
  const indexOut = body.op(
    'ScatterElements',
    [index, at, body.op('Where', [accepted, candidate, hereIndex])],
    axis1,
  );
  const goOut = body.op('Identity', [go]);
  body.output(goOut, DataType.BOOL, []);
  body.output(heapOut, DataType.DOUBLE, ['N', width]);
  body.output(indexOut, DataType.INT64, ['N', width]);

  const [heapEnd, indexEnd] = b.node(
    'Loop',
    [
      int64(b, [], [n], 'trips'),
      b.constant({ name: b.fresh('go'), dims: [], dataType: DataType.BOOL, rawData: Uint8Array.of(1) }),
      heap0,
      index0,
    ],
    [graphAttr('body', body.graph())],
    { outputs: 2 },
  ) as [string, string];
  const first = (x: string) =>
    b.op('Slice', [x, int64(b, [1], [0]), int64(b, [1], [k]), int64(b, [1], [1], 'axes')]);
  const [nearest, at2] = b.node(
    'TopK',
    [first(heapEnd), int64(b, [1], [k], 'k')],
    [attr.int('largest', 0), attr.int('sorted', 1)],
    { outputs: 2 },
  ) as [string, string];
  return [b.op('GatherElements', [first(indexEnd), at2], axis1), nearest];
}

/** Reduced distances [N, n] (squared for Euclidean) computed as scikit-learn's search computes them. */
function reducedDistances(b: GraphBuilder, x: string, fit: Matrix, bySum: boolean, metric: Metric): string {
  const [n, d] = fit.shape as [number, number];
  if (metric.kind === 'cosine') {
    // cosine_distances: the rows normalized (a zero row left as it is), their dot product, 1 - it,
    // clipped to [0, 2].
    const norms = new Float64Array(n);
    const unit = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      let s2 = 0;
      for (let j = 0; j < d; j++) s2 += (fit.values[i * d + j] as number) ** 2;
      const norm = Math.sqrt(s2) || 1;
      norms[i] = norm;
      for (let j = 0; j < d; j++) unit[i * d + j] = (fit.values[i * d + j] as number) / norm;
    }
    const axes = int64(b, [1], [1], 'axes');
    const rowNorm = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [x, x]), axes], [attr.int('keepdims', 1)])]);
    const zero = b.op('Equal', [rowNorm, double(b, [1], [0], 'zero')]);
    const safe = b.op('Where', [zero, double(b, [1], [1], 'one'), rowNorm]);
    const xUnit = b.op('Div', [x, safe]);
    const similarity = againstPoints(b, xUnit, { values: unit, shape: [n, d] }, 'fit_unit').dot;
    const distance = b.op('Add', [b.op('Neg', [similarity]), double(b, [1], [1], 'one')]);
    return b.op('Min', [b.op('Max', [distance, double(b, [1], [0], 'zero')]), double(b, [1], [2], 'two')]);
  }
  if (bySum || metric.kind !== 'euclidean') {
    // BinaryTree.rdist and the metrics' rdist: per feature, in order.
    const xs = columns(b, x, d);
    let sum = '';
    for (let j = 0; j < d; j++) {
      const gap = b.op('Sub', [
        xs[j] as string,
        double(
          b,
          [1, n],
          Array.from({ length: n }, (_, i) => fit.values[i * d + j] as number),
          'fit_column',
        ),
      ]);
      const term = metricTerm(b, gap, metric);
      sum = j === 0 ? term : metricCombine(b, sum, term, metric);
    }
    return sum;
  }
  // The brute-force search (ArgKmin's Euclidean case): |x|^2 - 2 x.y + |y|^2, clipped at 0.
  return againstPoints(b, x, fit, 'fit').squaredDistances();
}

/**
 * Whether any row of the batch has tied training rows at its k-th distance that disagree on what they
 * answer (`codes`: class codes or targets), so that which of them the search keeps matters: a bool
 * scalar.
 */
function tieMatters(
  b: GraphBuilder,
  distances: string,
  nearest: string,
  k: number,
  codes: Float64Array,
): string {
  const matters = cast(b, tieMattersRows(b, distances, nearest, k, codes), DataType.DOUBLE);
  return cast(b, b.op('ReduceMax', [matters], [attr.int('keepdims', 0)]), DataType.BOOL);
}

/** Per row [N, 1] (bool): whether its tied training rows at the k-th distance disagree. */
function tieMattersRows(
  b: GraphBuilder,
  distances: string,
  nearest: string,
  k: number,
  codes: Float64Array,
): string {
  const axes = int64(b, [1], [1], 'axes');
  const kth = b.op('Gather', [nearest, int64(b, [1], [k - 1], 'kth')], [attr.int('axis', 1)]);
  const within = cast(b, b.op('LessOrEqual', [distances, kth]), DataType.DOUBLE);
  const crowded = b.op('Greater', [
    b.op('ReduceSum', [within, axes], [attr.int('keepdims', 1)]),
    double(b, [1], [k], 'k'),
  ]);
  const tied = b.op('Equal', [distances, kth]);
  const values = double(b, [1, codes.length], codes, 'codes');
  const highest = b.op(
    'ReduceMax',
    [b.op('Where', [tied, values, double(b, [1], [-Infinity], 'low')])],
    [attr.ints('axes', [1]), attr.int('keepdims', 1)],
  );
  const lowest = b.op(
    'ReduceMin',
    [b.op('Where', [tied, values, double(b, [1], [Infinity], 'high')])],
    [attr.ints('axes', [1]), attr.int('keepdims', 1)],
  );
  return b.op('And', [crowded, b.op('Greater', [highest, lowest])]);
}

/**
 * The k neighbours of each row [N, k] (training-row indices, squared distances, nearest first) as
 * scikit-learn's search chooses them.
 */
export function neighbours(
  est: Estimator,
  f: Flow,
  fit: Matrix,
  k: number,
  codes: Float64Array,
  metric: Metric,
): [index: string, nearest: string] {
  const { b } = f;
  const [n, d] = fit.shape as [number, number];
  const method = est.string('_fit_method', 'brute');
  if (method !== 'brute' && method !== 'kd_tree' && method !== 'ball_tree')
    throw new UnsupportedModelError(`a ${est.name} searched by ${JSON.stringify(method)}`);
  const tree = method === 'brute' ? undefined : fittedTree(est, method, n, d);
  const distances = reducedDistances(b, f.x, fit, tree !== undefined, metric);
  const [nearest, index] = b.node(
    'TopK',
    [distances, int64(b, [1], [k], 'k')],
    [attr.int('largest', 0), attr.int('sorted', 1)],
    { outputs: 2 },
  ) as [string, string];
  // Cosine distances are searched by np.argpartition, not a heap, and which of several rows equally
  // distant at the k-th distance it keeps is not reproduced: a row where they disagree is refused.
  if (metric.kind === 'cosine') {
    f.rules.refusedRows.push({
      rows: tieMattersRows(b, distances, nearest, k, codes),
      because: `training rows equally far from it by cosine distance disagree at neighbour ${k}, and which of them scikit-learn keeps (numpy's argpartition) is not reproduced`,
    });
    return [index, nearest];
  }
  // Which tied rows survive depends on the search only where they disagree: else the k smallest.
  const plain = new ScopedBuilder(b.fresh('plain'));
  plain.output(plain.op('Identity', [index]), DataType.INT64, ['N', k]);
  plain.output(plain.op('Identity', [nearest]), DataType.DOUBLE, ['N', k]);
  const searched = new ScopedBuilder(b.fresh('search'));
  const order = tree ? searchOrder(searched, f.x, d, tree, n, metric) : undefined;
  const [exactIndex, exactNearest] = heapSurvivors(
    searched,
    distances,
    order,
    n,
    k,
    searched.op('Shape', [f.x]),
  );
  searched.output(searched.op('Identity', [exactIndex]), DataType.INT64, ['N', k]);
  searched.output(searched.op('Identity', [exactNearest]), DataType.DOUBLE, ['N', k]);
  const [chosen, chosenNearest] = b.node(
    'If',
    [tieMatters(b, distances, nearest, k, codes)],
    [graphAttr('then_branch', searched.graph()), graphAttr('else_branch', plain.graph())],
    { outputs: 2 },
  ) as [string, string];
  return [chosen, chosenNearest];
}

/**
 * Sum over axis 1 of x [N, k, ...] in numpy's order (pairwise_sum: fewer than 8 terms one by one; up to
 * 128 in eight running sums combined as a tree, then the rest; beyond, halves), so that votes which are
 * equal in exact arithmetic round as scikit-learn's do.
 */
export function numpySum(b: GraphBuilder, x: string, k: number): string {
  const term = (of: string, i: number) =>
    b.op('Squeeze', [
      b.op('Slice', [of, int64(b, [1], [i]), int64(b, [1], [i + 1]), int64(b, [1], [1], 'axes')]),
      int64(b, [1], [1], 'axes'),
    ]);
  const add = (p: string, q: string) => b.op('Add', [p, q]);
  const pairwise = (from: number, n: number): string => {
    if (n < 8) {
      // One term after another: the last of the running sums (CumSum adds in order).
      const part =
        from === 0 && n === k
          ? x
          : b.op('Slice', [x, int64(b, [1], [from]), int64(b, [1], [from + n]), int64(b, [1], [1], 'axes')]);
      const running = b.op('CumSum', [part, int64(b, [], [1], 'axis')]);
      return term(running, n - 1);
    }
    if (n <= 128) {
      const r = Array.from({ length: 8 }, (_, j) => term(x, from + j));
      const whole = n - (n % 8);
      for (let i = 8; i < whole; i += 8)
        for (let j = 0; j < 8; j++) r[j] = add(r[j] as string, term(x, from + i + j));
      const [r0, r1, r2, r3, r4, r5, r6, r7] = r as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      let sum = add(add(add(r0, r1), add(r2, r3)), add(add(r4, r5), add(r6, r7)));
      for (let i = whole; i < n; i++) sum = add(sum, term(x, from + i));
      return sum;
    }
    const half = Math.floor(n / 2) - (Math.floor(n / 2) % 8);
    return add(pairwise(from, half), pairwise(from + half, n - half));
  };
  return pairwise(0, k);
}

/**
 * The metric a fitted neighbours model searches by: effective_metric_ (scikit-learn names minkowski
 * with p = 1, 2 or infinity and no weights "manhattan", "euclidean", "chebyshev"), with p from
 * effective_metric_params_. A weighted minkowski and any other metric are refused.
 */
export function neighbourMetric(est: Estimator): Metric {
  const name = est.string('effective_metric_', est.string('metric', 'minkowski'));
  const params = est.raw('effective_metric_params_') ?? est.raw('metric_params');
  const param = (key: string) => (params instanceof PyDict ? params.map.get(key) : undefined);
  if (param('w') !== undefined && param('w') !== null)
    throw new UnsupportedModelError(
      `a ${est.name} with the weighted ${name} metric (modelgate converts unweighted ones)`,
    );
  const raw = param('p');
  const p = typeof raw === 'number' || typeof raw === 'bigint' ? Number(raw) : est.number('p', 2);
  const aliases: Record<string, Metric['kind']> = {
    euclidean: 'euclidean',
    manhattan: 'manhattan',
    cityblock: 'manhattan',
    l1: 'manhattan',
    chebyshev: 'chebyshev',
    infinity: 'chebyshev',
    cosine: 'cosine',
  };
  if (name === 'minkowski') {
    if (p === 2) return { kind: 'euclidean', p: 2 };
    if (p === 1) return { kind: 'manhattan', p: 1 };
    if (p === Number.POSITIVE_INFINITY) return { kind: 'chebyshev', p };
    if (!(p > 0) || !Number.isFinite(p))
      throw new UnsupportedModelError(`a ${est.name} with the minkowski metric and p=${p}`);
    return { kind: 'minkowski', p };
  }
  const kind = aliases[name];
  if (!kind)
    throw new UnsupportedModelError(
      `a ${est.name} with the ${name} metric (modelgate converts euclidean, manhattan, chebyshev, minkowski and cosine)`,
    );
  return { kind, p: kind === 'manhattan' ? 1 : kind === 'chebyshev' ? Number.POSITIVE_INFINITY : 2 };
}

/** What every neighbour model reads first: its metric, its weights and its training rows, checked. */
export function fittedNeighbours(est: Estimator, f: Flow) {
  const metric = neighbourMetric(est);
  const weights = est.string('weights', 'uniform');
  if (weights !== 'uniform' && weights !== 'distance')
    throw new UnsupportedModelError(`a ${est.name} with weights ${JSON.stringify(weights)}`);
  const fit = est.matrix('_fit_X');
  const [n, d] = fit.shape as [number, number];
  if (d !== f.width)
    throw new ModelImportError(`the ${est.name} was fitted on ${d} features, ${f.width} reach it`);
  return { metric, weights, fit, n };
}

/**
 * KNeighborsClassifier and KNeighborsRegressor over the metrics above, uniform or 1/distance weights
 * (a zero distance takes all the weight, as scikit-learn's _get_weights gives it). The classifier's
 * label is the class with the most votes, the first in classes_ order among equal ones (scipy's mode,
 * scikit-learn's weighted_mode); votes by distance are summed nearest first, as numpy sums them (among
 * equally distant neighbours of different classes the order is the search's sort, which the graph does
 * not reproduce: it only matters where k >= 8 and two classes' votes are equal in exact arithmetic).
 */
export function kNeighbors(est: Estimator, f: Flow): Output {
  const { metric, weights, fit, n } = fittedNeighbours(est, f);
  const k = est.number('n_neighbors', 5);
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new UnsupportedModelError(
      `a ${est.name} asking for ${k} neighbours among ${n} training rows (scikit-learn refuses to predict with it)`,
    );
  const y = est.matrix('_y');
  // A regressor of several targets keeps _y as [rows, targets]; a classifier one code per row.
  const targets = y.shape.length === 2 && est.name === 'KNeighborsRegressor' ? (y.shape[1] as number) : 1;
  if ((y.shape.length !== 1 && targets === 1) || y.values.length !== n * targets)
    throw new UnsupportedModelError(
      `a multi-output ${est.name} (modelgate converts several targets for a KNeighborsRegressor, not several labels)`,
    );
  const { b } = f;
  const [index, nearest] = neighbours(
    est,
    f,
    fit,
    k,
    targets === 1 ? y.values : rowIds(y.values, targets),
    metric,
  );
  const axes = int64(b, [1], [1], 'axes');
  // Each neighbour's weight: 1 (uniform), or 1/distance, where a zero distance takes all the weight.
  let weight: string;
  if (weights === 'uniform')
    weight = b.op('Add', [b.op('Mul', [nearest, double(b, [1], [0], 'zero')]), double(b, [1], [1], 'one')]);
  else {
    const distance = rdistToDist(b, nearest, metric);
    const isZero = b.op('Equal', [distance, double(b, [1], [0], 'zero')]);
    const anyZero = cast(
      b,
      b.op(
        'ReduceMax',
        [cast(b, isZero, DataType.DOUBLE)],
        [attr.ints('axes', [1]), attr.int('keepdims', 1)],
      ),
      DataType.BOOL,
    );
    const inverse = b.op('Div', [double(b, [1], [1], 'one'), distance]);
    weight = b.op('Where', [anyZero, cast(b, isZero, DataType.DOUBLE), inverse]);
  }
  const total = b.op('ReduceSum', [weight, axes], [attr.int('keepdims', 1)]);
  if (est.name === 'KNeighborsRegressor' && targets > 1) {
    // [N, k, targets]: each neighbour's targets times its weight, summed over the neighbours.
    const values = b.op('Gather', [double(b, [n, targets], y.values, 'targets'), index]);
    const axis2 = int64(b, [1], [2], 'axis2');
    const weighted = b.op(
      'ReduceSum',
      [b.op('Mul', [values, b.op('Unsqueeze', [weight, axis2])]), axes],
      [attr.int('keepdims', 0)],
    );
    return { kind: 'value', name: b.op('Div', [weighted, total]), targets };
  }
  if (est.name === 'KNeighborsRegressor') {
    const targets = b.op('Gather', [double(b, [n], y.values, 'targets'), index]);
    const weighted = b.op('ReduceSum', [b.op('Mul', [targets, weight]), axes], [attr.int('keepdims', 1)]);
    return { kind: 'value', name: b.op('Div', [weighted, total]) };
  }
  const classes = est.classes();
  const labels = b.op('Gather', [int64(b, [n], Array.from(y.values), 'codes'), index]);
  // One column per class: the neighbour's label equals it, times its weight.
  const axis2 = int64(b, [1], [2], 'axis2');
  const codes = b.op('Unsqueeze', [labels, axis2]);
  const everyClass = int64(
    b,
    [1, 1, classes.length],
    classes.map((_, c) => c),
    'class_codes',
  );
  const hot = cast(b, b.op('Equal', [codes, everyClass]), DataType.DOUBLE);
  const weighted = b.op('Mul', [hot, b.op('Unsqueeze', [weight, axis2])]);
  // Uniform votes are counts (exact in any order); by distance, summed as weighted_mode sums them.
  const votes =
    weights === 'uniform'
      ? b.op('ReduceSum', [weighted, axes], [attr.int('keepdims', 0)])
      : numpySum(b, weighted, k);
  const probabilities = b.op('Div', [votes, b.op('ReduceSum', [votes, axes], [attr.int('keepdims', 1)])]);
  return { kind: 'probabilities', name: probabilities, classes, labelScores: votes };
}

/**
 * One number per training row that is equal for two rows exactly when their targets are (the index of
 * the first row with the same targets): what the tie check compares, for rows of several targets.
 */
function rowIds(values: Float64Array, width: number): Float64Array {
  const first = new Map<string, number>();
  const ids = new Float64Array(values.length / width);
  for (let r = 0; r < ids.length; r++) {
    const key = Array.from(values.subarray(r * width, (r + 1) * width), (v) =>
      Object.is(v, -0) ? 0 : v,
    ).join(',');
    if (!first.has(key)) first.set(key, r);
    ids[r] = first.get(key) as number;
  }
  return ids;
}

/**
 * RadiusNeighborsClassifier and RadiusNeighborsRegressor: every training row within `radius` (the
 * distance at most the radius: brute force compares the reduced distances, the trees the distances),
 * uniform or 1/distance weights (a zero distance takes all the weight). The classifier's probabilities
 * are the weighted votes over their sum; a row with no neighbour is outlier_label_'s (probability 1),
 * or NaN where there is none (scikit-learn raises; modelgate's server refuses to answer NaN). The
 * regressor's value is the weighted mean, NaN for a row with no neighbour, as scikit-learn's.
 */
function radiusNeighbors(est: Estimator, f: Flow): Output {
  const { metric, weights, fit, n } = fittedNeighbours(est, f);
  const y = est.matrix('_y');
  if (y.shape.length !== 1 || y.values.length !== n)
    throw new UnsupportedModelError(
      `a multi-output ${est.name} (not converted yet: docs/importing.md lists the models of several targets that are)`,
    );
  const radius = est.number('radius', 1);
  const method = est.string('_fit_method', 'brute');
  if (method !== 'brute' && method !== 'kd_tree' && method !== 'ball_tree')
    throw new UnsupportedModelError(`a ${est.name} searched by ${JSON.stringify(method)}`);
  const { b } = f;
  const reduced = reducedDistances(b, f.x, fit, method !== 'brute', metric);
  const distance = rdistToDist(b, reduced, metric);
  const reducedRadius =
    metric.kind === 'euclidean' ? radius * radius : metric.kind === 'minkowski' ? radius ** metric.p : radius;
  const within =
    method === 'brute'
      ? b.op('LessOrEqual', [reduced, double(b, [1], [reducedRadius], 'radius')])
      : b.op('LessOrEqual', [distance, double(b, [1], [radius], 'radius')]);
  const inside = cast(b, within, DataType.DOUBLE);
  const axes = int64(b, [1], [1], 'axes');
  const zero = double(b, [1], [0], 'zero');
  let weight = inside;
  if (weights === 'distance') {
    const atZero = b.op('And', [within, b.op('Equal', [distance, zero])]);
    const anyZero = b.op('Greater', [
      b.op('ReduceSum', [cast(b, atZero, DataType.DOUBLE), axes], [attr.int('keepdims', 1)]),
      zero,
    ]);
    const inverse = b.op('Where', [within, b.op('Div', [double(b, [1], [1], 'one'), distance]), zero]);
    weight = b.op('Where', [anyZero, cast(b, atZero, DataType.DOUBLE), inverse]);
  }
  const count = b.op('ReduceSum', [inside, axes], [attr.int('keepdims', 1)]);
  const outlier = b.op('Equal', [count, zero]);
  if (est.name === 'RadiusNeighborsRegressor') {
    const weighted = b.op('MatMul', [weight, double(b, [n, 1], y.values, 'targets')]);
    const total = b.op('ReduceSum', [weight, axes], [attr.int('keepdims', 1)]);
    return { kind: 'value', name: b.op('Div', [weighted, total]) };
  }
  const classes = est.classes();
  const k = classes.length;
  const hot = new Float64Array(n * k);
  for (let i = 0; i < n; i++) hot[i * k + (y.values[i] as number)] = 1;
  const votes = b.op('MatMul', [weight, double(b, [n, k], hot, 'class_of')]);
  const labels = est.raw('outlier_label_');
  const label = Array.isArray(labels) ? labels[0] : labels;
  let outlierRow: string;
  if (label === null || label === undefined)
    outlierRow = double(b, [1, k], new Array(k).fill(Number.NaN), 'no_label');
  else {
    const scalar = label instanceof NpScalar ? label.value : label;
    const value = typeof scalar === 'bigint' ? Number(scalar) : scalar;
    const at = classes.findIndex((c) => c === value || (typeof c === 'number' && Number(value) === c));
    if (at < 0)
      throw new UnsupportedModelError(
        `a ${est.name} whose outlier_label is not one of its classes (modelgate serves the classes it was fitted on)`,
      );
    outlierRow = double(
      b,
      [1, k],
      classes.map((_, c) => (c === at ? 1 : 0)),
      'outlier',
    );
  }
  const sum = b.op('ReduceSum', [votes, axes], [attr.int('keepdims', 1)]);
  const normalized = b.op('Div', [
    votes,
    b.op('Where', [b.op('Equal', [sum, zero]), double(b, [1], [1], 'one'), sum]),
  ]);
  return { kind: 'probabilities', name: b.op('Where', [outlier, outlierRow, normalized]), classes };
}

/**
 * NearestCentroid: the label of the nearest centroid (pairwise_distances_argmin, Euclidean or
 * Manhattan) where the priors are uniform, else the argmax of the discriminant scores; predict_proba
 * (Euclidean, scikit-learn 1.5+): the softmax of the scores, -|x/s - c/s|^2 + 2 log(prior) with the
 * within-class standard deviations s.
 */
function nearestCentroid(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const k = classes.length;
  const centroids = est.matrix('centroids_');
  const [rows, d] = centroids.shape as [number, number];
  if (rows !== k || d !== f.width)
    throw new ModelImportError(
      `the NearestCentroid's centroids_ do not fit its ${k} classes and ${f.width} features`,
    );
  const metric = est.string('metric', 'euclidean');
  if (metric !== 'euclidean' && metric !== 'manhattan')
    throw new UnsupportedModelError(
      `a NearestCentroid with the ${metric} metric (modelgate converts euclidean and manhattan)`,
    );
  const { b } = f;
  const raw =
    metric === 'euclidean'
      ? againstPoints(b, f.x, centroids, 'centroids').squaredDistances()
      : reducedDistances(b, f.x, centroids, true, { kind: 'manhattan', p: 1 });
  const nearest = b.op('Neg', [raw]);
  if (metric !== 'euclidean' || !est.has('class_prior_')) return { kind: 'scores', name: nearest, classes };
  const prior = Array.from(est.matrix('class_prior_').values);
  const std = Array.from(est.matrix('within_class_std_dev_').values);
  const scale = std.map((s) => (s !== 0 ? s : 1));
  const normalized = b.op('Div', [f.x, double(b, [1, d], scale, 'std')]);
  const centres = Float64Array.from(centroids.values, (v, i) => v / (scale[i % d] as number));
  const squared = b.op('Sqrt', [
    againstPoints(b, normalized, { values: centres, shape: [k, d] }, 'centres').squaredDistances(),
  ]);
  const scores = b.op('Add', [
    b.op('Neg', [b.op('Mul', [squared, squared])]),
    double(
      b,
      [1, k],
      prior.map((p) => 2 * Math.log(p)),
      'log_prior',
    ),
  ]);
  const uniform = prior.every((p) => Math.abs(p - 1 / k) <= 1e-8 + 1e-5 * (1 / k));
  return {
    kind: 'probabilities',
    name: b.op('Softmax', [scores], [attr.int('axis', 1)]),
    classes,
    labelScores: uniform ? nearest : scores,
  };
}

export const family: Family = {
  family: 'nearest neighbours',
  finals: {
    KNeighborsClassifier: kNeighbors,
    KNeighborsRegressor: kNeighbors,
    RadiusNeighborsClassifier: radiusNeighbors,
    RadiusNeighborsRegressor: radiusNeighbors,
    NearestCentroid: nearestCentroid,
  },
  parts: {
    KDTree: "a nearest-neighbours model's kd tree (the order its search meets ties)",
    BallTree: "a nearest-neighbours model's ball tree (the order its search meets ties)",
    ...Object.fromEntries(
      [
        'EuclideanDistance',
        'EuclideanDistance64',
        'MinkowskiDistance',
        'MinkowskiDistance64',
        'ManhattanDistance',
        'ManhattanDistance64',
        'ChebyshevDistance64',
      ].map((metric) => [metric, "a nearest-neighbours search's metric"]),
    ),
  },
};
