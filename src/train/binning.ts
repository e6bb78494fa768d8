// Each feature's values into ordered bins, so that split search reads histograms instead of sorting.
// In exact mode every distinct value is its own bin, which finds the same splits as sorting does (the
// method of scikit-learn's tree); past a size, values are grouped into quantile bins, as histogram
// gradient boosting does. A categorical feature's bins are its codes 0..k-1, then one bin for missing.

/** scikit-learn's tree treats feature values closer than this as equal (FEATURE_THRESHOLD). */
export const FEATURE_THRESHOLD = 1e-7;

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
 */
export function binFeatures(
  xf: Float32Array,
  rows: number,
  features: number,
  maxBins?: number,
  categories?: ArrayLike<number>,
): Binned {
  const lo: number[] = [];
  const hi: number[] = [];
  const offset = new Int32Array(features + 1);
  // Codes are written straight into an array as wide as the most bins a feature can get (a copy
  // of 4 bytes per cell would be 64 MB at 800,000 x 20), then narrowed if the widest turns out narrower.
  let bound = maxBins === undefined ? rows : maxBins;
  for (let f = 0; f < features; f++) bound = Math.max(bound, (categories?.[f] ?? 0) + 1);
  const bins = codesFor(bound, rows * features);
  const sorter = new ColumnSorter(xf, rows, features);
  const gLo = new Float64Array(rows);
  const gHi = new Float64Array(rows);
  const gCount = new Float64Array(rows);
  /** The group of each position in sorted order. */
  const groupAt = new Int32Array(rows);
  const binOfGroup = new Int32Array(rows);
  let exact = true;
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
    sorter.sort(f);
    // Groups of values chained closer than FEATURE_THRESHOLD, with their counts.
    let groups = 0;
    for (let i = 0; i < rows; i++) {
      const v = sorter.value(i);
      if (groups > 0 && v <= gHi[groups - 1] + FEATURE_THRESHOLD) {
        gHi[groups - 1] = v;
        gCount[groups - 1] += 1;
      } else {
        gLo[groups] = v;
        gHi[groups] = v;
        gCount[groups] = 1;
        groups++;
      }
      groupAt[i] = groups - 1;
    }
    let count = 0;
    if (maxBins === undefined || groups <= maxBins) {
      for (let g = 0; g < groups; g++) {
        lo.push(gLo[g]);
        hi.push(gHi[g]);
        binOfGroup[g] = g;
      }
      count = groups;
    } else {
      exact = false;
      // Quantile bins: close a bin once it holds its share of the rows.
      let seen = 0;
      let open = false;
      for (let g = 0; g < groups; g++) {
        if (!open) {
          lo.push(gLo[g]);
          hi.push(gHi[g]);
          count++;
          open = true;
        } else hi[hi.length - 1] = gHi[g];
        binOfGroup[g] = count - 1;
        seen += gCount[g];
        if (seen >= (count * rows) / maxBins) open = false;
      }
    }
    offset[f + 1] = offset[f] + count;
    widest = Math.max(widest, count);
    const col = f * rows;
    for (let i = 0; i < rows; i++) bins[col + sorter.row(i)] = binOfGroup[groupAt[i]];
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

/** An array of `n` codes wide enough for `bins` bins. */
function codesFor(bins: number, n: number): Codes {
  return bins <= 256 ? new Uint8Array(n) : bins <= 65536 ? new Uint16Array(n) : new Uint32Array(n);
}

/**
 * Sorts one column at a time and tells, for each sorted position, the row and its value. Values are
 * float32, so each maps to a 32-bit unsigned key whose integer order is numeric order; an LSD radix
 * sort (three passes of 11 bits) orders rows by it in linear time, several times faster than a
 * comparison sort.
 */
class ColumnSorter {
  private readonly key: Uint32Array;
  private readonly keyTmp: Uint32Array;
  private readonly order: Uint32Array;
  private readonly orderTmp: Uint32Array;
  private readonly values: Float32Array;
  /** The sorted values' bits (the same memory as `values`). */
  private readonly valueBits: Uint32Array;
  private readonly counts = new Uint32Array(2048);
  /** The matrix's bits: a float's key comes from its bits without a conversion. */
  private readonly xBits: Uint32Array;

  constructor(
    xf: Float32Array,
    private readonly rows: number,
    private readonly features: number,
  ) {
    this.xBits = new Uint32Array(xf.buffer, xf.byteOffset, xf.length);
    this.key = new Uint32Array(rows);
    this.keyTmp = new Uint32Array(rows);
    this.order = new Uint32Array(rows);
    this.orderTmp = new Uint32Array(rows);
    this.values = new Float32Array(rows);
    this.valueBits = new Uint32Array(this.values.buffer);
  }

  sort(f: number): void {
    const { xBits, rows, features, counts } = this;
    let key = this.key;
    let order = this.order;
    let keyTmp = this.keyTmp;
    let orderTmp = this.orderTmp;
    for (let r = 0; r < rows; r++) {
      const u = xBits[r * features + f];
      // Negative floats: flip every bit; others: set the sign bit. Unsigned order is then numeric order.
      key[r] = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
      order[r] = r;
    }
    for (let shift = 0; shift < 32; shift += 11) {
      counts.fill(0);
      for (let i = 0; i < rows; i++) counts[(key[i] >>> shift) & 2047]++;
      let total = 0;
      for (let d = 0; d < 2048; d++) {
        const c = counts[d];
        counts[d] = total;
        total += c;
      }
      for (let i = 0; i < rows; i++) {
        const k = key[i];
        const at = counts[(k >>> shift) & 2047]++;
        keyTmp[at] = k;
        orderTmp[at] = order[i];
      }
      [key, keyTmp] = [keyTmp, key];
      [order, orderTmp] = [orderTmp, order];
    }
    // Three passes leave the result in the scratch arrays. The values are the sorted keys turned back
    // into floats' bits: no reading of the matrix in row order.
    this.order.set(order);
    const valueBits = this.valueBits;
    for (let i = 0; i < rows; i++) {
      const k = key[i];
      valueBits[i] = k & 0x80000000 ? (k ^ 0x80000000) >>> 0 : ~k >>> 0;
    }
  }

  row(i: number): number {
    return this.order[i];
  }

  value(i: number): number {
    return this.values[i];
  }
}
