// A regression tree grown depth-first with the friedman_mse criterion, as scikit-learn's
// DecisionTreeRegressor(criterion='friedman_mse') grows it inside gradient boosting. Split search
// reads per-node histograms over binned features (the smaller child's histogram is built, the larger
// one's is the parent's minus it), so each level costs O(rows x features), never a sort per node.
import type { Binned } from './binning.js';
import type { Random } from './random.js';

/** scikit-learn's EPSILON: a node whose target variance is at most this is not split. */
const EPSILON = 2.220446049250313e-16;

export interface TreeParams {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

/** A fitted tree as flat arrays; `left[i] < 0` marks a leaf. Rows go left when x[feature] <= threshold. */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

/** A fitted tree with, for each leaf, the segment of the row array that reached it. */
export interface GrownTree {
  tree: Tree;
  /** Node id of each leaf, and the [start, end) of its rows in the row array passed in. */
  leaves: { node: number; start: number; end: number }[];
}

interface NodeStats {
  sum: number;
  sumSq: number;
}

function rowStats(g: Float64Array, rows: Uint32Array, start: number, end: number): NodeStats {
  let sum = 0;
  let sumSq = 0;
  for (let i = start; i < end; i++) {
    const v = g[rows[i]];
    sum += v;
    sumSq += v * v;
  }
  return { sum, sumSq };
}

interface Split {
  feature: number;
  /** Last bin (histogram index) that goes left. */
  bin: number;
  threshold: number;
}

/** Reusable buffers for growing many trees over the same binned data. */
export class TreeGrower {
  private readonly histSize: number;
  private readonly pool: Float64Array[] = [];
  private readonly featureOrder: Int32Array;

  constructor(
    private readonly binned: Binned,
    private readonly xf: Float32Array,
    private readonly params: TreeParams,
    private readonly random: Random,
  ) {
    this.histSize = 2 * binned.offset[binned.features];
    this.featureOrder = new Int32Array(binned.features);
  }

  /**
   * Grows a tree on targets `g` for the rows in `rows` (reordered in place so that each leaf's rows are
   * contiguous). Leaf values are the mean target, the squared-error fit; boosting may replace them.
   */
  grow(g: Float64Array, rows: Uint32Array): GrownTree {
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const leaves: GrownTree['leaves'] = [];

    const addNode = (): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      value.push(0);
      return feature.length - 1;
    };

    const rootHist = this.take();
    const rootStats = this.buildHistogram(rootHist, g, rows, 0, rows.length);

    // Depth-first, left before right: node ids come out in preorder, as scikit-learn numbers them.
    const visit = (start: number, end: number, depth: number, hist: Float64Array, stats: NodeStats): void => {
      const id = addNode();
      const n = end - start;
      const { sum, sumSq } = stats;
      const mean = sum / n;
      value[id] = mean;
      const impurity = sumSq / n - mean * mean;
      const canSplit =
        depth < this.params.maxDepth &&
        n >= this.params.minSamplesSplit &&
        n >= 2 * this.params.minSamplesLeaf &&
        impurity > EPSILON;
      const split = canSplit ? this.findSplit(hist, n, sum) : undefined;
      if (!split) {
        this.give(hist);
        leaves.push({ node: id, start, end });
        return;
      }
      const mid = this.partition(rows, start, end, split);
      feature[id] = split.feature;
      threshold[id] = split.threshold;

      // Histogram the smaller child; the larger one is the parent's minus it.
      const small = this.take();
      const leftSmaller = mid - start <= end - mid;
      const smallStats = leftSmaller
        ? this.buildHistogram(small, g, rows, start, mid)
        : this.buildHistogram(small, g, rows, mid, end);
      for (let i = 0; i < this.histSize; i++) hist[i] -= small[i];
      // The larger child's sums are recomputed from its rows, not subtracted, to keep them exact.
      const largeStats = leftSmaller ? rowStats(g, rows, mid, end) : rowStats(g, rows, start, mid);

      left[id] = feature.length;
      visit(start, mid, depth + 1, leftSmaller ? small : hist, leftSmaller ? smallStats : largeStats);
      right[id] = feature.length;
      visit(mid, end, depth + 1, leftSmaller ? hist : small, leftSmaller ? largeStats : smallStats);
    };
    visit(0, rows.length, 0, rootHist, rootStats);

    return {
      tree: {
        feature: Int32Array.from(feature),
        threshold: Float64Array.from(threshold),
        left: Int32Array.from(left),
        right: Int32Array.from(right),
        value: Float64Array.from(value),
      },
      leaves,
    };
  }

  /** Fills `hist` with each bin's [sum of g, row count] over rows[start..end); returns the node's sums. */
  private buildHistogram(
    hist: Float64Array,
    g: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
  ): NodeStats {
    hist.fill(0);
    const { codes, features } = this.binned;
    let sum = 0;
    let sumSq = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const gv = g[r];
      sum += gv;
      sumSq += gv * gv;
      const base = r * features;
      for (let f = 0; f < features; f++) {
        const b = codes[base + f] << 1;
        hist[b] += gv;
        hist[b + 1] += 1;
      }
    }
    return { sum, sumSq };
  }

  /**
   * The split with the best friedman_mse proxy improvement, (n_r * s_l - n_l * s_r)^2 / (n_l * n_r).
   * Features are visited in a seeded random order and only a strictly better split replaces the best,
   * so ties go to the first visited, as in scikit-learn.
   */
  private findSplit(hist: Float64Array, n: number, sum: number): Split | undefined {
    const { offset, features, lo, hi } = this.binned;
    const minLeaf = this.params.minSamplesLeaf;
    const order = this.featureOrder;
    for (let f = 0; f < features; f++) order[f] = f;
    this.random.shuffle(order);
    let bestProxy = Number.NEGATIVE_INFINITY;
    let best: Split | undefined;
    for (let k = 0; k < features; k++) {
      const f = order[k];
      let sumLeft = 0;
      let nLeft = 0;
      let prev = -1;
      for (let b = offset[f]; b < offset[f + 1]; b++) {
        const count = hist[2 * b + 1];
        if (count === 0) continue;
        if (prev >= 0 && nLeft >= minLeaf && n - nLeft >= minLeaf) {
          const nRight = n - nLeft;
          const diff = nRight * sumLeft - nLeft * (sum - sumLeft);
          const proxy = (diff * diff) / (nLeft * nRight);
          if (proxy > bestProxy) {
            bestProxy = proxy;
            let t = hi[prev] / 2 + lo[b] / 2;
            if (t === lo[b] || !Number.isFinite(t)) t = hi[prev];
            best = { feature: f, bin: prev, threshold: t };
          }
        }
        sumLeft += hist[2 * b];
        nLeft += count;
        prev = b;
      }
    }
    return best;
  }

  /** Moves rows going left to the front of [start, end); returns where the right rows begin. */
  private partition(rows: Uint32Array, start: number, end: number, split: Split): number {
    const { features } = this.binned;
    const f = split.feature;
    const t = split.threshold;
    const xf = this.xf;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (xf[rows[i] * features + f] <= t) i++;
      else {
        const tmp = rows[i];
        rows[i] = rows[j];
        rows[j] = tmp;
        j--;
      }
    }
    return i;
  }

  private take(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histSize);
  }

  private give(hist: Float64Array): void {
    this.pool.push(hist);
  }
}

/** The leaf a row of float32 feature values reaches. */
export function leafOf(tree: Tree, x: Float32Array | Float64Array, base: number): number {
  let node = 0;
  while (tree.left[node] >= 0) {
    node = x[base + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return node;
}
