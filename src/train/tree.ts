// A regression tree grown depth-first with the friedman_mse criterion, as scikit-learn's
// DecisionTreeRegressor(criterion='friedman_mse') grows it inside gradient boosting. Split search
// reads per-node histograms over binned features (the smaller child's histogram is built, the larger
// one's is the parent's minus it), so each level costs O(rows x features), never a sort per node.
// A categorical feature is split as LightGBM and HistGradientBoosting split one: its categories (with
// missing values as one more) sorted by mean target in the node, the best run from either end of that
// order on one side.
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

/**
 * Added to the count of a category when ordering categories, so that a rare category's mean is pulled
 * towards 0, and the fewest rows a category needs in a node to be picked out by a split (LightGBM's
 * cat_smooth; scikit-learn's HistGradientBoosting uses its MIN_CAT_SUPPORT, 10, both ways).
 */
export const CATEGORY_SMOOTHING = 10;

/**
 * The most categories a split picks out from one end of the sorted order (LightGBM's
 * max_cat_threshold, 32 there): on the generated tables of scripts/categorical-quality.mjs, 16 was as
 * good as 32 on few categories and better on 200.
 */
export const MAX_LISTED_CATEGORIES = 16;

/** A fitted tree as flat arrays; `left[i] < 0` marks a leaf. Rows go left when x[feature] <= threshold. */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /**
   * Where the data has categorical features: at a categorical split, which codes go left (index k, past
   * the last of its k codes, says where missing values go, and with them any code not seen there).
   */
  categoryLeft?: (Uint8Array | undefined)[];
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
  /** A categorical split: for each of the feature's bins (codes, then missing), 1 if it goes left. */
  goesLeft?: Uint8Array;
}

/** Grows many trees over the same binned data, reusing one workspace. */
export class TreeGrower {
  private readonly bins: number;
  /** The grower's buffers, with the booster's scores and targets beside them. */
  readonly workspace: Workspace;
  private readonly pool: Histogram[];
  private readonly featureOrder: Int32Array;
  /** Bin counts over every row: the root's counts whenever a tree is grown on all rows. */
  private allRowsCount?: Uint32Array;

  constructor(
    private readonly binned: Binned,
    private readonly params: TreeParams,
    private readonly random: Random,
    threads = 1,
    outputs = 1,
  ) {
    this.bins = binned.offset[binned.features];
    // Depth-first growth holds at most one histogram per level plus the one being built.
    this.workspace = new Workspace(binned, params.maxDepth + 2, threads, outputs);
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
    const categoryLeft: (Uint8Array | undefined)[] = [];
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
      const {
        mid,
        left: leftSums,
        right: rightSums,
      } = split.goesLeft
        ? ws.partitionBy(start, end, split.feature, split.goesLeft)
        : ws.partition(start, end, split.feature, split.bin);
      feature[id] = split.feature;
      threshold[id] = split.threshold;
      if (split.goesLeft) categoryLeft[id] = split.goesLeft;

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

    const tree: Tree = {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
    };
    if (this.binned.categorical) {
      tree.categoryLeft = Array.from({ length: feature.length }, (_, i) => categoryLeft[i]);
    }
    return { tree, leaves };
  }

  /**
   * The split with the best friedman_mse proxy improvement, (n_r * s_l - n_l * s_r)^2 / (n_l * n_r).
   * Features are visited in a seeded random order and only a strictly better split replaces the best,
   * so ties go to the first visited, as in scikit-learn.
   */
  private findSplit(hist: Histogram, n: number, sum: number): Split | undefined {
    const { offset, features, lo, hi } = this.binned;
    const minLeaf = this.params.minSamplesLeaf;
    const order = this.featureOrder;
    for (let f = 0; f < features; f++) order[f] = f;
    this.random.shuffle(order);
    const categorical = this.binned.categorical;
    let bestProxy = Number.NEGATIVE_INFINITY;
    let best: Split | undefined;
    // Each run of numeric features in the order is scanned by the workspace's loop, each categorical
    // feature here, the best so far carried from one to the next.
    for (let k = 0; k < features; ) {
      const f = order[k];
      if (categorical?.[f]) {
        const found = this.categoricalSplit(hist, f, n, sum, bestProxy);
        if (found) {
          bestProxy = found.proxy;
          best = found.split;
        }
        k++;
        continue;
      }
      let end = k + 1;
      while (end < features && !categorical?.[order[end]]) end++;
      const found = this.workspace.bestSplit(hist, order, k, end, n, sum, minLeaf, bestProxy);
      if (found) {
        const { feature, last, next } = found;
        bestProxy = found.proxy;
        // Halfway between the two bins' values, or the left one's where halfway rounds onto the right's.
        let t = hi[last] / 2 + lo[next] / 2;
        if (t === lo[next] || !Number.isFinite(t)) t = hi[last];
        best = { feature, bin: last - offset[feature], threshold: t };
      }
      k = end;
    }
    return best;
  }

  /**
   * The best split of categorical feature f better than `bestProxy`, found as LightGBM and
   * HistGradientBoosting find one: the node's categories with at least CATEGORY_SMOOTHING rows (missing
   * values as one of them) in the order of sum / (count + CATEGORY_SMOOTHING); then the first 1, 2, ...
   * up to MAX_LISTED_CATEGORIES of that order from either end are one side, scored as a numeric split is,
   * and everything else the other. Rarer categories are never picked out: their means say little, and
   * they stay with the middle of the order. Codes absent from the node, and missing values when it has
   * none, go with the larger side: where a value never seen there is most likely to belong.
   */
  private categoricalSplit(
    hist: Histogram,
    f: number,
    n: number,
    sum: number,
    bestProxy: number,
  ): { split: Split; proxy: number } | undefined {
    const { offset } = this.binned;
    const { sum: hs, count: hc } = hist;
    const minLeaf = this.params.minSamplesLeaf;
    const first = offset[f];
    const bins = offset[f + 1] - first;
    const used: number[] = [];
    let present = 0;
    for (let b = first; b < offset[f + 1]; b++) {
      if (hc[b] === 0) continue;
      present++;
      if (hc[b] >= CATEGORY_SMOOTHING) used.push(b);
    }
    if (present < 2 || used.length === 0) return undefined;
    const key = (b: number) => hs[b] / (hc[b] + CATEGORY_SMOOTHING);
    used.sort((a, b) => key(a) - key(b) || a - b);
    // One side must leave something to the other: a used category, or a rare one.
    const limit = Math.min(MAX_LISTED_CATEGORIES, used.length === present ? used.length - 1 : used.length);
    let proxyAtCut = bestProxy;
    let cut = 0;
    let fromTop = false;
    for (const top of [false, true]) {
      let sumLeft = 0;
      let nLeft = 0;
      for (let i = 0; i < limit; i++) {
        const b = used[top ? used.length - 1 - i : i];
        sumLeft += hs[b];
        nLeft += hc[b];
        const nRight = n - nLeft;
        if (nLeft < minLeaf || nRight < minLeaf) continue;
        const diff = nRight * sumLeft - nLeft * (sum - sumLeft);
        const proxy = (diff * diff) / (nLeft * nRight);
        if (proxy > proxyAtCut) {
          proxyAtCut = proxy;
          cut = i + 1;
          fromTop = top;
        }
      }
    }
    if (cut === 0) return undefined;
    const goesLeft = new Uint8Array(bins);
    let leftRows = 0;
    for (let i = 0; i < cut; i++) {
      const b = used[fromTop ? used.length - 1 - i : i];
      goesLeft[b - first] = 1;
      leftRows += hc[b];
    }
    const missing = bins - 1;
    const unseenLeft = hc[first + missing] > 0 ? goesLeft[missing] : leftRows >= n - leftRows ? 1 : 0;
    goesLeft[missing] = unseenLeft;
    for (let c = 0; c < missing; c++) if (hc[first + c] === 0) goesLeft[c] = unseenLeft;
    return { split: { feature: f, bin: -1, threshold: 0, goesLeft }, proxy: proxyAtCut };
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

/**
 * The leaf a row of float32 feature values reaches. A categorical feature holds its code; NaN, or a
 * code the split does not know, goes where missing values go.
 */
export function leafOf(tree: Tree, x: Float32Array | Float64Array, base: number): number {
  let node = 0;
  while (tree.left[node] >= 0) {
    const v = x[base + tree.feature[node]];
    const set = tree.categoryLeft?.[node];
    let goLeft: boolean;
    if (set) {
      const missing = set.length - 1;
      goLeft = set[Number.isInteger(v) && v >= 0 && v < missing ? v : missing] === 1;
    } else goLeft = v <= tree.threshold[node];
    node = goLeft ? tree.left[node] : tree.right[node];
  }
  return node;
}
