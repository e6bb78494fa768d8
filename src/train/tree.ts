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
  /** The feature's last bin that goes left. */
  bin: number;
  threshold: number;
}

/** Per-bin sums of the target and row counts over a node's rows. */
interface Histogram {
  sum: Float64Array;
  count: Uint32Array;
}

/** Reusable buffers for growing many trees over the same binned data. */
export class TreeGrower {
  private readonly bins: number;
  private readonly pool: Histogram[] = [];
  private readonly featureOrder: Int32Array;
  /** The node's targets gathered in row order, so the per-feature loops read them sequentially. */
  private readonly ordered: Float64Array;
  /** Bin counts over every row: the root's counts whenever a tree is grown on all rows. */
  private allRowsCount?: Uint32Array;

  constructor(
    private readonly binned: Binned,
    private readonly params: TreeParams,
    private readonly random: Random,
  ) {
    this.bins = binned.offset[binned.features];
    this.featureOrder = new Int32Array(binned.features);
    this.ordered = new Float64Array(binned.rows);
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
    const visit = (start: number, end: number, depth: number, hist: Histogram, stats: NodeStats): void => {
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
      const { sum: ps, count: pc } = hist;
      const { sum: ss, count: sc } = small;
      for (let i = 0; i < this.bins; i++) {
        ps[i] -= ss[i];
        pc[i] -= sc[i];
      }
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

  /** Fills `hist` with each bin's sum of g and row count over rows[start..end); returns the node's sums. */
  private buildHistogram(
    hist: Histogram,
    g: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
  ): NodeStats {
    const { codes, offset, features } = this.binned;
    const total = this.binned.rows;
    const { sum: hs, count: hc } = hist;
    const og = this.ordered;
    const m = end - start;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < m; i++) {
      const v = g[rows[start + i]];
      og[i] = v;
      sum += v;
      sumSq += v * v;
    }
    hs.fill(0);
    // Every row: the counts are the same for every tree, so they are counted once.
    const allRows = m === total;
    if (allRows && this.allRowsCount) hc.set(this.allRowsCount);
    else hc.fill(0);
    const countRows = !(allRows && this.allRowsCount);
    for (let f = 0; f < features; f++) {
      const col = f * total;
      const off = offset[f];
      if (countRows) {
        for (let i = 0; i < m; i++) {
          const b = off + codes[col + rows[start + i]];
          hs[b] += og[i];
          hc[b] += 1;
        }
      } else {
        for (let i = 0; i < m; i++) hs[off + codes[col + rows[start + i]]] += og[i];
      }
    }
    if (allRows && !this.allRowsCount) this.allRowsCount = hc.slice();
    return { sum, sumSq };
  }

  /**
   * The split with the best friedman_mse proxy improvement, (n_r * s_l - n_l * s_r)^2 / (n_l * n_r).
   * Features are visited in a seeded random order and only a strictly better split replaces the best,
   * so ties go to the first visited, as in scikit-learn.
   */
  private findSplit(hist: Histogram, n: number, sum: number): Split | undefined {
    const { offset, features, lo, hi } = this.binned;
    const { sum: hs, count: hc } = hist;
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
        const count = hc[b];
        if (count === 0) continue;
        if (prev >= 0 && nLeft >= minLeaf && n - nLeft >= minLeaf) {
          const nRight = n - nLeft;
          const diff = nRight * sumLeft - nLeft * (sum - sumLeft);
          const proxy = (diff * diff) / (nLeft * nRight);
          if (proxy > bestProxy) {
            bestProxy = proxy;
            let t = hi[prev] / 2 + lo[b] / 2;
            if (t === lo[b] || !Number.isFinite(t)) t = hi[prev];
            best = { feature: f, bin: prev - offset[f], threshold: t };
          }
        }
        sumLeft += hs[b];
        nLeft += count;
        prev = b;
      }
    }
    return best;
  }

  /**
   * Moves rows going left to the front of [start, end); returns where the right rows begin. A row goes
   * left when its bin is at most the split's: within a node no row has a bin between the split's two
   * sides, so this is x <= threshold.
   */
  private partition(rows: Uint32Array, start: number, end: number, split: Split): number {
    const { codes, rows: total } = this.binned;
    const col = split.feature * total;
    const last = split.bin;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (codes[col + rows[i]] <= last) i++;
      else {
        const tmp = rows[i];
        rows[i] = rows[j];
        rows[j] = tmp;
        j--;
      }
    }
    return i;
  }

  private take(): Histogram {
    return this.pool.pop() ?? { sum: new Float64Array(this.bins), count: new Uint32Array(this.bins) };
  }

  private give(hist: Histogram): void {
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
