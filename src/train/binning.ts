// Each feature's values into ordered bins, so that split search reads histograms instead of sorting.
// In exact mode every distinct value is its own bin, which finds the same splits as sorting does (the
// method of scikit-learn's tree); past a size, values are grouped into quantile bins, as histogram
// gradient boosting does. A categorical feature's bins are its codes 0..k-1, then one bin for missing.

import { BINNING_WASM } from './wasm/binning-wasm.js';

/** scikit-learn's tree treats feature values closer than this as equal (FEATURE_THRESHOLD). */
export const FEATURE_THRESHOLD = 1e-7;

/**
 * Past this many rows, quantile bins are found on this many rows spread evenly over the data, as
 * LightGBM (bin_construct_sample_cnt) and HistGradientBoosting (subsample, 2e5) find theirs; every row
 * is then put in its bin, and each bin's smallest and largest value are taken over all of them. At
 * 800,000 x 20 sorting every value was 1.2 s of an 8 s fit.
 */
export const BIN_SAMPLE = 200_000;

export type Codes = Uint8Array | Uint16Array | Uint32Array;

export interface Binned {
  rows: number;
  features: number;
  /** Column-major (features x rows): each value's bin within its feature. */
  codes: Codes;
  /** Feature f's bins are offset[f] .. offset[f + 1] - 1 in a histogram. */
  offset: Int32Array;
  /** Smallest and largest value in each bin (histogram index). */
  lo: Float64Array;
  hi: Float64Array;
  exact: boolean;
  /**
   * Categorical features (1 at their index), when there are any: such a feature with k categories has
   * k + 1 bins, one per code and the last for missing values, and lo = hi = the code (NaN for missing).
   */
  categorical?: Uint8Array;
}

/**
 * Bins the feature matrix `xf` (row-major float32 values, no NaN but in categorical features). With
 * `maxBins` undefined every distinct value gets its own bin. `categories[f]` > 0 makes feature f
 * categorical with that many codes (values 0..k-1, NaN missing; anything else is taken as missing).
 * With `maxBins`, past `sampleRows` rows the bins are found on that many rows (BIN_SAMPLE).
 */
export function binFeatures(
  xf: Float32Array,
  rows: number,
  features: number,
  maxBins?: number,
  categories?: ArrayLike<number>,
  sampleRows = BIN_SAMPLE,
): Binned {
  const lo: number[] = [];
  const hi: number[] = [];
  const offset = new Int32Array(features + 1);
  // Codes are written straight into an array as wide as the most bins a feature can get (a copy
  // of 4 bytes per cell would be 64 MB at 800,000 x 20), then narrowed if the widest turns out narrower.
  let bound = maxBins === undefined ? rows : maxBins;
  for (let f = 0; f < features; f++) bound = Math.max(bound, (categories?.[f] ?? 0) + 1);
  const bins = codesFor(bound, rows * features);
  // The rows the bins are found on: all, or a sample spread evenly over them.
  const pick = maxBins !== undefined && rows > sampleRows ? spread(rows, sampleRows) : undefined;
  const sorter = new ColumnSorter(xf, rows, features, pick);
  // Found on a sample, the bins may hold values it did not see: not exact.
  let exact = pick === undefined;
  let widest = 0;
  const categorical =
    categories && Array.from(categories).some((k) => k > 0) ? new Uint8Array(features) : undefined;
  for (let f = 0; f < features; f++) {
    const k = categories?.[f] ?? 0;
    if (categorical && k > 0) {
      categorical[f] = 1;
      for (let c = 0; c < k; c++) {
        lo.push(c);
        hi.push(c);
      }
      lo.push(Number.NaN);
      hi.push(Number.NaN);
      offset[f + 1] = offset[f] + k + 1;
      widest = Math.max(widest, k + 1);
      const col = f * rows;
      for (let r = 0; r < rows; r++) {
        const v = xf[r * features + f];
        bins[col + r] = Number.isInteger(v) && v >= 0 && v < k ? v : k;
      }
      continue;
    }
    sorter.load(f);
    sorter.sort();
    // Groups of values chained closer than FEATURE_THRESHOLD, then a bin for each, or quantile bins.
    const groups = sorter.groups();
    let count: number;
    if (maxBins === undefined || groups <= maxBins) count = sorter.binPerGroup(groups);
    else {
      exact = false;
      count = sorter.quantiles(groups, maxBins);
    }
    offset[f + 1] = offset[f] + count;
    widest = Math.max(widest, count);
    // On a sample, each bin's range is taken over every row: the thresholds must separate those.
    const range = sorter.findBins(count, bins, f * rows, pick !== undefined);
    const binLo = pick ? range.lo : sorter.binLo;
    const binHi = pick ? range.hi : sorter.binHi;
    for (let b = 0; b < count; b++) {
      lo.push(binLo[b]);
      hi.push(binHi[b]);
    }
  }
  const narrow = codesFor(widest, 0);
  const codes: Codes =
    narrow.BYTES_PER_ELEMENT === bins.BYTES_PER_ELEMENT
      ? bins
      : narrow instanceof Uint8Array
        ? Uint8Array.from(bins)
        : Uint16Array.from(bins);
  const binned: Binned = {
    rows,
    features,
    codes,
    offset,
    lo: Float64Array.from(lo),
    hi: Float64Array.from(hi),
    exact,
  };
  if (categorical) binned.categorical = categorical;
  return binned;
}

/** `count` of rows 0..rows-1, evenly spread and ascending (count < rows). */
function spread(rows: number, count: number): Uint32Array {
  const pick = new Uint32Array(count);
  for (let i = 0; i < count; i++) pick[i] = Math.floor((i * rows) / count);
  return pick;
}

/** An array of `n` codes wide enough for `bins` bins. */
function codesFor(bins: number, n: number): Codes {
  return bins <= 256 ? new Uint8Array(n) : bins <= 65536 ? new Uint16Array(n) : new Uint32Array(n);
}

interface BinningLoops {
  sort(
    column: number,
    pick: number,
    usePick: number,
    m: number,
    key: number,
    tmp: number,
    counts: number,
    values: number,
  ): void;
  groups(values: number, m: number, threshold: number, gLo: number, gHi: number, gCount: number): number;
  quantiles(
    gLo: number,
    gHi: number,
    gCount: number,
    groups: number,
    m: number,
    maxBins: number,
    binLo: number,
    binHi: number,
  ): number;
  firstTable(binLo: number, count: number, first: number): void;
  findBins(
    column: number,
    rows: number,
    first: number,
    binLo: number,
    out: number,
    width: number,
    ranges: number,
    rangeLo: number,
    rangeHi: number,
  ): void;
}

let binningModule: WebAssembly.Module | undefined;

/**
 * Sorts one column's values at a time. Values are float32, so each maps to a 32-bit unsigned key whose
 * integer order is numeric order; an LSD radix sort (four passes of 8 bits, the digits counted in one
 * pass) orders the keys in linear time, several times faster than a comparison sort. Only the keys
 * move: the bins are found by value afterwards, so no permutation is kept. A feature's values are first
 * copied out of the row-major matrix once (load), so that the sort and the bin search read them in
 * order. The passes over every value are WebAssembly (wasm/binning.wat), in a memory of the sorter's
 * own: in JavaScript they took 10 ns and more a value and pass, the sort alone 100 ms of a
 * 100,000-row fit.
 */
class ColumnSorter {
  /** The smallest and largest value of each bin of the feature being binned (binLo: findBins' input). */
  readonly binLo: Float64Array;
  readonly binHi: Float64Array;
  /** The groups of the sorted values: smallest, largest, count. */
  private readonly gLo: Float64Array;
  private readonly gHi: Float64Array;
  private readonly loops: BinningLoops;
  private readonly ptr: {
    column: number;
    pick: number;
    key: number;
    tmp: number;
    values: number;
    counts: number;
    first: number;
    binLo: number;
    binHi: number;
    gLo: number;
    gHi: number;
    gCount: number;
    out: number;
    rangeLo: number;
    rangeHi: number;
  };
  private readonly column: Uint32Array;
  private readonly rangeLo: Float64Array;
  private readonly rangeHi: Float64Array;
  private readonly buffer: ArrayBuffer;
  /** The matrix's bits: a float's key comes from its bits without a conversion. */
  private readonly xBits: Uint32Array;
  /** How many values a sort orders: every row's, or the picked rows'. */
  private readonly m: number;

  constructor(
    xf: Float32Array,
    private readonly rows: number,
    private readonly features: number,
    /** The rows whose values sort() orders, when not all. */
    private readonly pick?: Uint32Array,
  ) {
    this.xBits = new Uint32Array(xf.buffer, xf.byteOffset, xf.length);
    const m = pick ? pick.length : rows;
    this.m = m;
    // A feature has at most m bins, and a sampled one at most maxBins <= 65,536.
    const ranged = pick ? Math.min(m, 65_536) : 0;
    let top = 0;
    const alloc = (bytes: number): number => {
      const at = top;
      top += Math.ceil(bytes / 8) * 8;
      return at;
    };
    this.ptr = {
      column: alloc(rows * 4),
      pick: alloc(pick ? m * 4 : 0),
      key: alloc(m * 4),
      tmp: alloc(m * 4),
      values: alloc(m * 4),
      counts: alloc(4 * 256 * 4),
      first: alloc(65_537 * 4),
      binLo: alloc(m * 8),
      binHi: alloc(m * 8),
      gLo: alloc(m * 8),
      gHi: alloc(m * 8),
      gCount: alloc(m * 8),
      out: alloc(rows * 4),
      rangeLo: alloc(ranged * 8),
      rangeHi: alloc(ranged * 8),
    };
    binningModule ??= new WebAssembly.Module(Buffer.from(BINNING_WASM, 'base64'));
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(top / 65_536)) });
    this.loops = new WebAssembly.Instance(binningModule, { env: { memory } })
      .exports as unknown as BinningLoops;
    const buf = memory.buffer as ArrayBuffer;
    this.buffer = buf;
    const p = this.ptr;
    this.column = new Uint32Array(buf, p.column, rows);
    this.binLo = new Float64Array(buf, p.binLo, m);
    this.binHi = new Float64Array(buf, p.binHi, m);
    this.gLo = new Float64Array(buf, p.gLo, m);
    this.gHi = new Float64Array(buf, p.gHi, m);
    this.rangeLo = new Float64Array(buf, p.rangeLo, ranged);
    this.rangeHi = new Float64Array(buf, p.rangeHi, ranged);
    if (pick) new Uint32Array(buf, p.pick, m).set(pick);
  }

  /** Copies feature f's values out of the matrix, for sort() and findBins(). */
  load(f: number): void {
    const { xBits, rows, features, column } = this;
    for (let r = 0, i = f; r < rows; r++, i += features) column[r] = xBits[i];
  }

  /** Sorts the loaded feature's values (over the picked rows), for groups(). */
  sort(): void {
    const p = this.ptr;
    this.loops.sort(p.column, p.pick, this.pick ? 1 : 0, this.m, p.key, p.tmp, p.counts, p.values);
  }

  /** Groups the sorted values chained closer than FEATURE_THRESHOLD; returns how many groups. */
  groups(): number {
    const p = this.ptr;
    return this.loops.groups(p.values, this.m, FEATURE_THRESHOLD, p.gLo, p.gHi, p.gCount);
  }

  /** A bin for each of the groups (binLo, binHi); returns their count. */
  binPerGroup(groups: number): number {
    this.binLo.set(this.gLo.subarray(0, groups));
    this.binHi.set(this.gHi.subarray(0, groups));
    return groups;
  }

  /** Quantile bins over the groups (binLo, binHi): one closes once it holds its share of the values. */
  quantiles(groups: number, maxBins: number): number {
    const p = this.ptr;
    return this.loops.quantiles(p.gLo, p.gHi, p.gCount, groups, this.m, maxBins, p.binLo, p.binHi);
  }

  /**
   * Writes the loaded feature's bin codes at out[at..at + rows): each value's bin is the last whose
   * smallest value (binLo) is at most it, since a value lies in its group and the next group starts
   * above the group's largest value. A table indexed by a key's top 16 bits narrows the search to the
   * few bins that share them (mostly one), and the codes are written in row order, where following the
   * sort's permutation would scatter them. With `ranges`, also returns each bin's smallest and largest
   * value (views, valid until the next call).
   */
  findBins(count: number, out: Codes, at: number, ranges = false): { lo: Float64Array; hi: Float64Array } {
    const { rows } = this;
    const p = this.ptr;
    // first[p]: the last bin starting at or below the smallest key with top bits p.
    this.loops.firstTable(p.binLo, count, p.first);
    const rangeLo = this.rangeLo.subarray(0, ranges ? count : 0).fill(Number.POSITIVE_INFINITY);
    const rangeHi = this.rangeHi.subarray(0, ranges ? count : 0).fill(Number.NEGATIVE_INFINITY);
    const width = out.BYTES_PER_ELEMENT;
    this.loops.findBins(p.column, rows, p.first, p.binLo, p.out, width, ranges ? 1 : 0, p.rangeLo, p.rangeHi);
    const codes =
      width === 1
        ? new Uint8Array(this.buffer, p.out, rows)
        : width === 2
          ? new Uint16Array(this.buffer, p.out, rows)
          : new Uint32Array(this.buffer, p.out, rows);
    out.set(codes, at);
    return { lo: rangeLo, hi: rangeHi };
  }
}
