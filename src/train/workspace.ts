// The tree grower's buffers, laid out in one shared WebAssembly memory so that the loops in
// wasm/histogram.wat, the JavaScript around them and the histogram threads all use them without copies.
import type { Binned } from './binning.js';
import { TrainingDataError } from './errors.js';
import { type HistogramArgs, HistogramOp, HistogramThreads } from './threads.js';
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
  private readonly threads?: HistogramThreads;
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
  };
  private readonly stats: Float64Array;
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
    this.ptr = { g, og, rows, tmp, codes, offsets, stats, raw, expNeg, y };
    const useful = Math.min(threads, features);
    if (useful > 1 && n * features >= PARALLEL_CELLS)
      this.threads = new HistogramThreads(memory, module, useful);
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
    const args: HistogramArgs = {
      rows: p.rows + start * 4,
      m,
      og: p.og,
      codes: p.codes,
      n,
      offsets: p.offsets,
      width: this.width,
      mask: this.mask,
      sums: hist.sumPtr,
      counts: hist.countPtr,
      count: knownCounts ? 0 : 1,
      g: p.g,
    };
    if (knownCounts) {
      hist.count.set(knownCounts);
      e.sums(p.g, n, p.stats);
      this.dispatch(HistogramOp.AllRows, args, n, (from, to) =>
        e.histogramAll(n, p.g, p.codes, from, to, p.offsets, this.width, this.mask, hist.sumPtr),
      );
    } else {
      hist.count.fill(0);
      e.gather(args.rows, m, p.g, p.og, p.stats);
      this.dispatch(HistogramOp.Rows, args, m, (from, to) =>
        e.histogram(
          args.rows,
          m,
          p.og,
          p.codes,
          n,
          from,
          to,
          p.offsets,
          this.width,
          this.mask,
          hist.sumPtr,
          hist.countPtr,
          1,
        ),
      );
    }
    return { sum: this.stats[0], sumSq: this.stats[1] };
  }

  private dispatch(
    op: HistogramOp,
    args: HistogramArgs,
    rows: number,
    own: (from: number, to: number) => void,
  ): void {
    const { features } = this.binned;
    if (this.threads && rows * features >= PARALLEL_CELLS) this.threads.run(op, args, features, own);
    else own(0, features);
  }

  /**
   * Stable partition of rows[start..end) by feature `f`'s bin: bins up to `last` first. Returns where
   * the second part begins and each part's sums of g. Ascending segments stay ascending, which keeps
   * the histogram's reads of the codes in memory order.
   */
  partition(
    start: number,
    end: number,
    f: number,
    last: number,
  ): { mid: number; left: NodeSums; right: NodeSums } {
    const p = this.ptr;
    const col = p.codes + f * this.binned.rows * this.width;
    const count = this.exports.partition(
      p.rows + start * 4,
      end - start,
      p.tmp,
      col,
      this.width,
      this.mask,
      last,
      p.g,
      p.stats,
    );
    const st = this.stats;
    return {
      mid: start + count,
      left: { sum: st[0], sumSq: st[1] },
      right: { sum: st[2], sumSq: st[3] },
    };
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

  /**
   * A log-loss leaf's sums over rows[start..end): of g, and of p (1 - p), where p = [yClass = cls] - g
   * is the probability the gradient was taken at.
   */
  newton(start: number, end: number, cls: number): { num: number; den: number } {
    const p = this.ptr;
    this.exports.newton(p.rows + start * 4, end - start, p.g, p.y, cls, p.stats);
    return { num: this.stats[0], den: this.stats[1] };
  }

  /**
   * Binary log-loss, for rows[start..end): raw += d, expNeg *= factor (= exp(-d); recomputed from raw
   * past float64's range), and g = yClass - 1 / (1 + expNeg), the next tree's target.
   */
  updateBinary(start: number, end: number, d: number, factor: number): void {
    const p = this.ptr;
    this.exports.updateBinary(p.rows + start * 4, end - start, p.raw, p.expNeg, p.g, p.y, d, factor);
  }

  /** Squared error, for rows[start..end): raw += d and g = yValue - raw, the next tree's target. */
  updateSquared(start: number, end: number, d: number): void {
    const p = this.ptr;
    this.exports.updateSquared(p.rows + start * 4, end - start, p.raw, p.g, p.y, d);
  }

  /** Stops the histogram threads. */
  close(): void {
    this.threads?.close();
  }
}
