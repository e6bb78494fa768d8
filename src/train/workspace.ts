// The tree grower's buffers, laid out in one WebAssembly memory so that the histogram loop
// (wasm/histogram.wat) and the JavaScript around it share them without copies.
import type { Binned } from './binning.js';
import { HISTOGRAM_WASM } from './wasm/histogram-wasm.js';

interface HistogramExports {
  histogram(
    rows: number,
    m: number,
    g: number,
    og: number,
    stats: number,
    codes: number,
    n: number,
    features: number,
    offsets: number,
    width: number,
    mask: number,
    sums: number,
    counts: number,
    count: number,
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
  histogramAll(
    n: number,
    g: number,
    stats: number,
    codes: number,
    features: number,
    offsets: number,
    width: number,
    mask: number,
    sums: number,
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
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

export class Workspace {
  /** The target each row's tree is fitted to (written by the booster). */
  readonly g: Float64Array;
  /** Row indices; each node owns a segment, kept in ascending order. */
  readonly rows: Uint32Array;
  /** Bin codes, column-major, as views of the width the data needs. */
  readonly codes: Uint8Array | Uint16Array | Uint32Array;
  readonly histograms: Histogram[];
  private readonly exports: HistogramExports;
  private readonly ptr: {
    g: number;
    og: number;
    rows: number;
    tmp: number;
    codes: number;
    offsets: number;
    stats: number;
  };
  private readonly stats: Float64Array;
  private readonly width: number;
  private readonly mask: number;

  constructor(
    private readonly binned: Binned,
    histogramSlots: number,
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
    // The loop reads codes as unaligned 32-bit words: 4 bytes of padding keep the last read inside.
    const codes = alloc(n * features * this.width + 4);
    const slots = Array.from({ length: histogramSlots }, () => ({
      sum: alloc(bins * 8),
      count: alloc(bins * 4),
    }));
    if (top > MAX_BYTES) {
      throw new RangeError(
        `the training data needs ${(top / 2 ** 30).toFixed(1)} GiB of working memory, over the 4 GiB one trainer can use: train on fewer rows or features`,
      );
    }
    const memory = new WebAssembly.Memory({ initial: Math.ceil(top / PAGE) + 1 });
    const module = new WebAssembly.Module(Buffer.from(HISTOGRAM_WASM, 'base64'));
    this.exports = new WebAssembly.Instance(module, { env: { memory } })
      .exports as unknown as HistogramExports;
    const buf = memory.buffer;
    this.g = new Float64Array(buf, g, n);
    this.rows = new Uint32Array(buf, rows, n);
    this.stats = new Float64Array(buf, stats, 4);
    new Int32Array(buf, offsets, features + 1).set(offset);
    const View = binned.codes.constructor as
      | Uint8ArrayConstructor
      | Uint16ArrayConstructor
      | Uint32ArrayConstructor;
    this.codes = new View(buf, codes, n * features);
    this.codes.set(binned.codes);
    this.histograms = slots.map((s) => ({
      sum: new Float64Array(buf, s.sum, bins),
      count: new Uint32Array(buf, s.count, bins),
      sumPtr: s.sum,
      countPtr: s.count,
    }));
    this.ptr = { g, og, rows, tmp, codes, offsets, stats };
  }

  /**
   * Fills `hist` over rows[start..end): each bin's sum of g, and its row count unless `knownCounts`
   * gives them. Returns the rows' sum and sum of squares of g.
   */
  histogram(hist: Histogram, start: number, end: number, knownCounts?: Uint32Array): NodeSums {
    const { rows: n, features } = this.binned;
    hist.sum.fill(0);
    if (knownCounts) hist.count.set(knownCounts);
    else hist.count.fill(0);
    const p = this.ptr;
    if (knownCounts && start === 0 && end === n) {
      this.exports.histogramAll(
        n,
        p.g,
        p.stats,
        p.codes,
        features,
        p.offsets,
        this.width,
        this.mask,
        hist.sumPtr,
      );
    } else {
      this.exports.histogram(
        p.rows + start * 4,
        end - start,
        p.g,
        p.og,
        p.stats,
        p.codes,
        n,
        features,
        p.offsets,
        this.width,
        this.mask,
        hist.sumPtr,
        hist.countPtr,
        knownCounts ? 0 : 1,
      );
    }
    return { sum: this.stats[0], sumSq: this.stats[1] };
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
}
