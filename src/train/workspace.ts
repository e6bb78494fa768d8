// The tree grower's buffers, laid out in one shared WebAssembly memory so that the loops in
// wasm/histogram.wat, the JavaScript around them and the histogram threads all use them without copies.
import type { Binned } from './binning.js';
import { TrainingDataError } from './errors.js';
import { GrowerThreads, ITEM_SLOTS, runItem, TaskOp } from './threads.js';
import { HISTOGRAM_WASM } from './wasm/histogram-wasm.js';

interface HistogramExports {
  gather(rows: number, m: number, g: number, og: number, stats: number): void;
  sums(g: number, n: number, stats: number): void;
  histogram(
    rows: number,
    m: number,
    og: number,
    codes: number,
    n: number,
    from: number,
    to: number,
    offsets: number,
    width: number,
    mask: number,
    sums: number,
    counts: number,
    count: number,
  ): void;
  histogramAll(
    n: number,
    g: number,
    codes: number,
    from: number,
    to: number,
    offsets: number,
    width: number,
    mask: number,
    sums: number,
  ): void;
  partition(
    rows: number,
    m: number,
    tmp: number,
    col: number,
    width: number,
    mask: number,
    last: number,
    g: number,
    stats: number,
    back: number,
  ): number;
  newton(rows: number, m: number, g: number, y: number, cls: number, stats: number): void;
  updateBinary(
    rows: number,
    m: number,
    raw: number,
    expNeg: number,
    g: number,
    y: number,
    d: number,
    factor: number,
  ): void;
  updateSquared(rows: number, m: number, raw: number, g: number, y: number, d: number): void;
  move(to: number, from: number, bytes: number): void;
  bestSplit(
    sums: number,
    counts: number,
    offsets: number,
    order: number,
    features: number,
    n: number,
    sum: number,
    minLeaf: number,
    best: number,
    out: number,
  ): void;
}

/** The sum and sum of squares of g over a node's rows. */
export interface NodeSums {
  sum: number;
  sumSq: number;
}

/** Per-bin sums of the target and row counts over a node's rows, as views into the workspace. */
export interface Histogram {
  sum: Float64Array;
  count: Uint32Array;
  sumPtr: number;
  countPtr: number;
}

const PAGE = 65536;
const MAX_PAGES = 65535;
/** Below this many row-feature cells a histogram is filled on the main thread alone. */
const PARALLEL_CELLS = 200_000;
/**
 * Rows in a chunk of a partition or a leaf's update, the pieces threads share (small enough that at
 * 100,000 rows the nodes below the root are shared too). A segment shorter than two chunks is done in
 * one piece, so that below 16,384 rows, which includes every fit of the exact method (10,000 rows by
 * default), every sum is taken in plain row order.
 */
export const CHUNK = 8192;

/** A leaf of a grown tree: its node, and the [start, end) of its rows in the row array. */
export interface LeafRows {
  node: number;
  start: number;
  end: number;
}

export class Workspace {
  /** The target each row's tree is fitted to (written by the booster). */
  readonly g: Float64Array;
  /** Row indices; each node owns a segment, kept in ascending order. */
  readonly rows: Uint32Array;
  readonly histograms: Histogram[];
  /** The booster's raw scores (rows x outputs), in the workspace so that the update loops reach them. */
  readonly raw: Float64Array;
  /** exp(-raw) of each row, for binary log-loss. */
  readonly expNeg: Float64Array;
  /** The target: class codes (classification) or values (regression), written by the booster. */
  readonly yClass: Int32Array;
  readonly yValue: Float64Array;
  private readonly exports: HistogramExports;
  private readonly threads?: GrowerThreads;
  private readonly ptr: {
    g: number;
    og: number;
    rows: number;
    tmp: number;
    codes: number;
    offsets: number;
    stats: number;
    raw: number;
    expNeg: number;
    y: number;
    table: number;
    order: number;
    split: number;
  };
  private readonly stats: Float64Array;
  private readonly order: Int32Array;
  private readonly split: { proxy: Float64Array; at: Int32Array };
  /** The whole memory as float64, for the item table. */
  private readonly f64: Float64Array;
  /** Entries the item table holds (ITEM_SLOTS float64 each). */
  private readonly itemCapacity: number;
  /** The partition's scratch rows (the wasm loop's tmp), for partitionBy. */
  private readonly tmpRows: Uint32Array;
  private readonly width: number;
  private readonly mask: number;

  constructor(
    private readonly binned: Binned,
    histogramSlots: number,
    threads: number,
    outputs = 1,
  ) {
    const { rows: n, features, offset } = binned;
    const bins = offset[features];
    this.width = binned.codes.BYTES_PER_ELEMENT;
    this.mask = this.width === 1 ? 0xff : this.width === 2 ? 0xffff : -1;
    let top = 0;
    const alloc = (bytes: number): number => {
      const at = top;
      top += Math.ceil(bytes / 8) * 8;
      return at;
    };
    const g = alloc(n * 8);
    const og = alloc(n * 8);
    const stats = alloc(32);
    const rows = alloc(n * 4);
    const tmp = alloc(n * 4);
    const offsets = alloc((features + 1) * 4);
    const raw = alloc(n * outputs * 8);
    const expNeg = alloc(n * 8);
    const y = alloc(n * 8);
    // Enough entries for every chunk of the rows twice over, and the leaves of a shallow tree.
    const itemCapacity = 2 * Math.ceil(n / CHUNK) + 256;
    const table = alloc(itemCapacity * ITEM_SLOTS * 8);
    const order = alloc(features * 4);
    const split = alloc(24);
    // The loops read codes as unaligned 32-bit words: 4 bytes of padding keep the last read inside.
    const codes = alloc(n * features * this.width + 4);
    const slots = Array.from({ length: histogramSlots }, () => ({
      sum: alloc(bins * 8),
      count: alloc(bins * 4),
    }));
    const pages = Math.ceil(top / PAGE) + 1;
    if (pages > MAX_PAGES) {
      throw new TrainingDataError(
        `the training data needs ${(top / 2 ** 30).toFixed(1)} GiB of working memory, over the 4 GiB one trainer can use: train on fewer rows or features`,
      );
    }
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const module = new WebAssembly.Module(Buffer.from(HISTOGRAM_WASM, 'base64'));
    this.exports = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp } })
      .exports as unknown as HistogramExports;
    const buf = memory.buffer;
    this.g = new Float64Array(buf, g, n);
    this.rows = new Uint32Array(buf, rows, n);
    this.tmpRows = new Uint32Array(buf, tmp, n);
    this.stats = new Float64Array(buf, stats, 4);
    this.f64 = new Float64Array(buf);
    this.itemCapacity = itemCapacity;
    this.raw = new Float64Array(buf, raw, n * outputs);
    this.expNeg = new Float64Array(buf, expNeg, n);
    this.yClass = new Int32Array(buf, y, n);
    this.yValue = new Float64Array(buf, y, n);
    new Int32Array(buf, offsets, features + 1).set(offset);
    const codeView =
      this.width === 1
        ? new Uint8Array(buf, codes, n * features)
        : this.width === 2
          ? new Uint16Array(buf, codes, n * features)
          : new Uint32Array(buf, codes, n * features);
    codeView.set(binned.codes);
    this.histograms = slots.map((s) => ({
      sum: new Float64Array(buf, s.sum, bins),
      count: new Uint32Array(buf, s.count, bins),
      sumPtr: s.sum,
      countPtr: s.count,
    }));
    this.ptr = { g, og, rows, tmp, codes, offsets, stats, raw, expNeg, y, table, order, split };
    this.order = new Int32Array(buf, order, features);
    this.split = { proxy: new Float64Array(buf, split, 1), at: new Int32Array(buf, split + 8, 3) };
    const useful = Math.min(threads, features);
    if (useful > 1 && n * features >= PARALLEL_CELLS)
      this.threads = new GrowerThreads(memory, module, useful);
  }

  /** Threads that fill histograms (1: the main thread only). */
  get threadCount(): number {
    return this.threads?.count ?? 1;
  }

  /**
   * Fills `hist` over rows[start..end): each bin's sum of g, and its row count unless `knownCounts`
   * gives them (then rows[start..end) must be every row). Returns the rows' sum and sum of squares of g.
   */
  histogram(hist: Histogram, start: number, end: number, knownCounts?: Uint32Array): NodeSums {
    const { rows: n } = this.binned;
    const p = this.ptr;
    const e = this.exports;
    const m = end - start;
    hist.sum.fill(0);
    const { features } = this.binned;
    // As runItem reads them.
    const args = [
      p.rows + start * 4,
      m,
      p.og,
      p.codes,
      n,
      p.offsets,
      this.width,
      this.mask,
      hist.sumPtr,
      hist.countPtr,
      knownCounts ? 0 : 1,
      p.g,
    ];
    if (knownCounts) {
      hist.count.set(knownCounts);
      e.sums(p.g, n, p.stats);
      this.runItems(TaskOp.AllRows, args, features, n * features >= PARALLEL_CELLS);
    } else {
      hist.count.fill(0);
      e.gather(args[0], m, p.g, p.og, p.stats);
      this.runItems(TaskOp.Rows, args, features, m * features >= PARALLEL_CELLS);
    }
    return { sum: this.stats[0], sumSq: this.stats[1] };
  }

  /** Runs items [0, items) of a task, on the threads when `parallel` and there are any. */
  private runItems(op: TaskOp, args: readonly number[], items: number, parallel: boolean): void {
    const a = Int32Array.from(args);
    const own = (i: number) => runItem(this.exports, this.f64, a, op, i);
    if (this.threads && parallel) this.threads.run(op, args, items, own);
    else for (let i = 0; i < items; i++) own(i);
  }

  /**
   * Stable partition of rows[start..end) by feature `f`'s bin: bins up to `last` first. Returns where
   * the second part begins and each part's sums of g. Ascending segments stay ascending, which keeps
   * the histogram's reads of the codes in memory order. A segment of two chunks or more is cut into
   * chunks that threads partition at once, each keeping its left rows in place and putting its right
   * ones in its part of tmp; the parts are then put together in order, and each side's sums are the
   * chunks' sums added in chunk order.
   */
  partition(
    start: number,
    end: number,
    f: number,
    last: number,
  ): { mid: number; left: NodeSums; right: NodeSums } {
    const p = this.ptr;
    const m = end - start;
    const col = p.codes + f * this.binned.rows * this.width;
    const st = this.stats;
    if (m < 2 * CHUNK) {
      const count = this.exports.partition(
        p.rows + start * 4,
        m,
        p.tmp,
        col,
        this.width,
        this.mask,
        last,
        p.g,
        p.stats,
        1,
      );
      return {
        mid: start + count,
        left: { sum: st[0], sumSq: st[1] },
        right: { sum: st[2], sumSq: st[3] },
      };
    }
    const items = Math.ceil(m / CHUNK);
    const args = [
      p.rows + start * 4,
      m,
      p.tmp + start * 4,
      col,
      this.width,
      this.mask,
      last,
      p.g,
      p.table,
      CHUNK,
    ];
    this.runItems(TaskOp.Partition, args, items, true);
    const table = this.f64;
    const t0 = p.table >>> 3;
    const { move } = this.exports;
    const left = { sum: 0, sumSq: 0 };
    const right = { sum: 0, sumSq: 0 };
    let at = start;
    for (let i = 0; i < items; i++) {
      const e = t0 + i * ITEM_SLOTS;
      const from = start + i * CHUNK;
      const count = table[e + 4];
      if (at !== from) move(p.rows + at * 4, p.rows + from * 4, count * 4);
      at += count;
      left.sum += table[e];
      left.sumSq += table[e + 1];
      right.sum += table[e + 2];
      right.sumSq += table[e + 3];
    }
    const mid = at;
    for (let i = 0; i < items; i++) {
      const from = start + i * CHUNK;
      const count = Math.min(CHUNK, end - from) - table[t0 + i * ITEM_SLOTS + 4];
      move(p.rows + at * 4, p.tmp + from * 4, count * 4);
      at += count;
    }
    return { mid, left, right };
  }

  /**
   * Writes the leaves' pieces into the item table (start and end; a leaf of two chunks or more is cut
   * into chunks) and returns each piece's leaf; undefined when there are more than the table holds
   * (a deep tree's many leaves), and the leaves are then done whole on the main thread.
   */
  private cutLeaves(leaves: readonly LeafRows[]): Int32Array | undefined {
    const pieces = (leaf: LeafRows) => {
      const m = leaf.end - leaf.start;
      return m < 2 * CHUNK ? 1 : Math.ceil(m / CHUNK);
    };
    let items = 0;
    for (const leaf of leaves) items += pieces(leaf);
    if (items > this.itemCapacity) return undefined;
    const owner = new Int32Array(items);
    const table = this.f64;
    let e = this.ptr.table >>> 3;
    let k = 0;
    leaves.forEach((leaf, j) => {
      const count = pieces(leaf);
      for (let c = 0; c < count; c++, e += ITEM_SLOTS) {
        table[e] = leaf.start + c * CHUNK;
        table[e + 1] = c === count - 1 ? leaf.end : leaf.start + (c + 1) * CHUNK;
        owner[k++] = j;
      }
    });
    return owner;
  }

  /**
   * The best numeric split of a node from its histogram better than `best`, over the features
   * order[from..to) in that order (friedman_mse's proxy; ties to the first seen: see bestSplit in
   * histogram.wat): its proxy, feature, and the last bin on the left and the first on the right
   * (histogram indices); undefined when none beats `best`.
   */
  bestSplit(
    hist: Histogram,
    order: Int32Array,
    from: number,
    to: number,
    n: number,
    sum: number,
    minLeaf: number,
    best: number,
  ): { proxy: number; feature: number; last: number; next: number } | undefined {
    const p = this.ptr;
    this.order.set(order.subarray(from, to));
    const { exports: e, split } = this;
    e.bestSplit(hist.sumPtr, hist.countPtr, p.offsets, p.order, to - from, n, sum, minLeaf, best, p.split);
    const [feature, last, next] = split.at;
    if (feature < 0) return undefined;
    return { proxy: split.proxy[0], feature, last, next };
  }

  /** Whether a task over these many rows is worth waking the threads for. */
  private worthThreads(rows: number): boolean {
    return rows >= CHUNK;
  }

  /**
   * Log-loss leaves' Newton sums, each over its rows: of g, and of p (1 - p), where p = [yClass = cls] -
   * g is the probability the gradient was taken at. A leaf cut in pieces adds the pieces' sums in order.
   */
  newtonSums(leaves: readonly LeafRows[], cls: number, rows: number): { num: number; den: number }[] {
    const p = this.ptr;
    const owner = this.cutLeaves(leaves);
    if (!owner) {
      return leaves.map((leaf) => {
        this.exports.newton(p.rows + leaf.start * 4, leaf.end - leaf.start, p.g, p.y, cls, p.stats);
        return { num: this.stats[0], den: this.stats[1] };
      });
    }
    const args = [p.rows, p.raw, p.expNeg, p.g, p.y, cls, 0, 0, p.table];
    this.runItems(TaskOp.Newton, args, owner.length, this.worthThreads(rows));
    const out = leaves.map(() => ({ num: 0, den: 0 }));
    const table = this.f64;
    const t0 = p.table >>> 3;
    owner.forEach((j, k) => {
      out[j].num += table[t0 + k * ITEM_SLOTS + 4];
      out[j].den += table[t0 + k * ITEM_SLOTS + 5];
    });
    return out;
  }

  /**
   * Adds each leaf's step (delta[leaf.node]) to its rows' raw scores and writes the next tree's target
   * into g: with `factor` (exp(-delta)), binary log-loss, expNeg *= factor (recomputed from raw past
   * float64's range) and g = yClass - 1 / (1 + expNeg); without, squared error, g = yValue - raw.
   */
  updateLeaves(
    leaves: readonly LeafRows[],
    delta: Float64Array,
    factor: Float64Array | undefined,
    rows: number,
  ): void {
    const p = this.ptr;
    const e = this.exports;
    const owner = this.cutLeaves(leaves);
    if (!owner) {
      for (const leaf of leaves) {
        const at = p.rows + leaf.start * 4;
        const m = leaf.end - leaf.start;
        const d = delta[leaf.node];
        if (factor) e.updateBinary(at, m, p.raw, p.expNeg, p.g, p.y, d, factor[leaf.node]);
        else e.updateSquared(at, m, p.raw, p.g, p.y, d);
      }
      return;
    }
    const table = this.f64;
    const t0 = p.table >>> 3;
    owner.forEach((j, k) => {
      const node = leaves[j].node;
      table[t0 + k * ITEM_SLOTS + 2] = delta[node];
      table[t0 + k * ITEM_SLOTS + 3] = factor ? factor[node] : 0;
    });
    const args = [p.rows, p.raw, p.expNeg, p.g, p.y, 0, 0, 0, p.table];
    this.runItems(
      factor ? TaskOp.UpdateBinary : TaskOp.UpdateSquared,
      args,
      owner.length,
      this.worthThreads(rows),
    );
  }

  /**
   * Stable partition of rows[start..end) by a categorical feature `f`: rows whose bin (relative to the
   * feature's first) has `goesLeft` set come first. As partition(), in JavaScript: categorical splits
   * are the few, and a set does not fit the wasm loop's one comparison.
   */
  partitionBy(
    start: number,
    end: number,
    f: number,
    goesLeft: Uint8Array,
  ): { mid: number; left: NodeSums; right: NodeSums } {
    const { rows: n, codes } = this.binned;
    const rows = this.rows;
    const g = this.g;
    const col = f * n;
    const right = this.tmpRows;
    let rightCount = 0;
    let at = start;
    let ls = 0;
    let lq = 0;
    let rs = 0;
    let rq = 0;
    for (let i = start; i < end; i++) {
      const row = rows[i];
      const v = g[row];
      if (goesLeft[codes[col + row]]) {
        rows[at++] = row;
        ls += v;
        lq += v * v;
      } else {
        right[rightCount++] = row;
        rs += v;
        rq += v * v;
      }
    }
    rows.set(right.subarray(0, rightCount), at);
    return { mid: at, left: { sum: ls, sumSq: lq }, right: { sum: rs, sumSq: rq } };
  }

  /** Stops the histogram threads. */
  close(): void {
    this.threads?.close();
  }
}
