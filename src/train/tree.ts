// A regression tree grown depth-first with the friedman_mse criterion, as scikit-learn's
// DecisionTreeRegressor(criterion='friedman_mse') grows it inside gradient boosting. Split search
// reads per-node histograms over binned features (the smaller child's histogram is built, the larger
// one's is the parent's minus it), so each level costs O(rows x features), never a sort per node.
import type { Binned } from './binning.js';
import type { Random } from './random.js';
import { type Histogram, type NodeSums, Workspace } from './workspace.js';

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

interface Split {
  feature: number;
  /** The feature's last bin that goes left. */
  bin: number;
  threshold: number;
}

/** Grows many trees over the same binned data, reusing one workspace. */
export class TreeGrower {
  private readonly bins: number;
  private readonly workspace: Workspace;
  private readonly pool: Histogram[];
  private readonly featureOrder: Int32Array;
  /** Bin counts over every row: the root's counts whenever a tree is grown on all rows. */
  private allRowsCount?: Uint32Array;

  constructor(
    private readonly binned: Binned,
    private readonly params: TreeParams,
    private readonly random: Random,
    threads = 1,
  ) {
    this.bins = binned.offset[binned.features];
    // Depth-first growth holds at most one histogram per level plus the one being built.
    this.workspace = new Workspace(binned, params.maxDepth + 2, threads);
    this.pool = [...this.workspace.histograms];
    this.featureOrder = new Int32Array(binned.features);
  }

  /** Threads filling histograms (1: the main thread only). */
  get threads(): number {
    return this.workspace.threadCount;
  }

  /** Stops the grower's histogram threads; call when done growing. */
  close(): void {
    this.workspace.close();
  }

  /** The targets the next tree is fitted to, one per row: the booster writes them here. */
  get g(): Float64Array {
    return this.workspace.g;
  }

  /** The rows the next tree is grown on: the booster writes them here, in ascending order. */
  get rows(): Uint32Array {
    return this.workspace.rows;
  }

  /**
   * Grows a tree on g for rows[0..count) (reordered so that each leaf's rows are contiguous). Leaf
   * values are the mean target, the squared-error fit; boosting may replace them.
   */
  grow(count: number): GrownTree {
    const ws = this.workspace;
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
    const allRows = count === this.binned.rows;
    const rootStats = ws.histogram(rootHist, 0, count, allRows ? this.allRowsCount : undefined);
    if (allRows && !this.allRowsCount) this.allRowsCount = rootHist.count.slice();

    const { maxDepth, minSamplesSplit, minSamplesLeaf } = this.params;
    const splittable = (n: number, depth: number, s: NodeSums): boolean => {
      const mean = s.sum / n;
      return (
        depth < maxDepth &&
        n >= minSamplesSplit &&
        n >= 2 * minSamplesLeaf &&
        s.sumSq / n - mean * mean > EPSILON
      );
    };

    // Depth-first, left before right: node ids come out in preorder, as scikit-learn numbers them.
    // A node gets a histogram only when it may be split; leaves never need one.
    const visit = (
      start: number,
      end: number,
      depth: number,
      hist: Histogram | undefined,
      stats: NodeSums,
    ): void => {
      const id = addNode();
      const n = end - start;
      value[id] = stats.sum / n;
      const split = hist ? this.findSplit(hist, n, stats.sum) : undefined;
      if (!split) {
        if (hist) this.give(hist);
        leaves.push({ node: id, start, end });
        return;
      }
      const parent = hist!;
      const { mid, left: leftSums, right: rightSums } = ws.partition(start, end, split.feature, split.bin);
      feature[id] = split.feature;
      threshold[id] = split.threshold;

      const leftSplits = splittable(mid - start, depth + 1, leftSums);
      const rightSplits = splittable(end - mid, depth + 1, rightSums);
      let leftHist: Histogram | undefined;
      let rightHist: Histogram | undefined;
      if (leftSplits || rightSplits) {
        // Histogram the smaller child; the larger one's, when it needs one, is the parent's minus it.
        const leftSmaller = mid - start <= end - mid;
        const small = this.take();
        if (leftSmaller) ws.histogram(small, start, mid);
        else ws.histogram(small, mid, end);
        const largeNeeds = leftSmaller ? rightSplits : leftSplits;
        const smallNeeds = leftSmaller ? leftSplits : rightSplits;
        if (largeNeeds) {
          const { sum: ps, count: pc } = parent;
          const { sum: ss, count: sc } = small;
          for (let i = 0; i < this.bins; i++) {
            ps[i] -= ss[i];
            pc[i] -= sc[i];
          }
        } else this.give(parent);
        if (!smallNeeds) this.give(small);
        leftHist = leftSplits ? (leftSmaller ? small : parent) : undefined;
        rightHist = rightSplits ? (leftSmaller ? parent : small) : undefined;
      } else this.give(parent);

      left[id] = feature.length;
      visit(start, mid, depth + 1, leftHist, leftSums);
      right[id] = feature.length;
      visit(mid, end, depth + 1, rightHist, rightSums);
    };
    if (splittable(count, 0, rootStats)) visit(0, count, 0, rootHist, rootStats);
    else {
      this.give(rootHist);
      visit(0, count, 0, undefined, rootStats);
    }

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

  private take(): Histogram {
    const hist = this.pool.pop();
    if (!hist) throw new Error('tree grower: histogram pool exhausted');
    return hist;
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
