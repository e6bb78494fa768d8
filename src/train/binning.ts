// Each feature's values into ordered bins, so that split search reads histograms instead of sorting.
// In exact mode every distinct value is its own bin, which finds the same splits as sorting does (the
// method of scikit-learn's tree); past a size, values are grouped into quantile bins, as histogram
// gradient boosting does.

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
}

/**
 * Bins the feature matrix `xf` (row-major float32 values, no NaN). With `maxBins` undefined every
 * distinct value gets its own bin.
 */
export function binFeatures(xf: Float32Array, rows: number, features: number, maxBins?: number): Binned {
  const edgesPerFeature: { lo: ArrayLike<number>; hi: ArrayLike<number> }[] = [];
  // The values are float32 already: sorting them as float32 halves the memory the sort moves.
  const sorted = new Float32Array(rows);
  const gLo = new Float64Array(rows);
  const gHi = new Float64Array(rows);
  const gCount = new Float64Array(rows);
  let exact = true;
  for (let f = 0; f < features; f++) {
    for (let r = 0; r < rows; r++) sorted[r] = xf[r * features + f];
    sorted.sort();
    // Groups of values chained closer than FEATURE_THRESHOLD, with their counts.
    let groups = 0;
    for (let i = 0; i < rows; i++) {
      const v = sorted[i];
      if (groups > 0 && v <= gHi[groups - 1] + FEATURE_THRESHOLD) {
        gHi[groups - 1] = v;
        gCount[groups - 1] += 1;
      } else {
        gLo[groups] = v;
        gHi[groups] = v;
        gCount[groups] = 1;
        groups++;
      }
    }
    if (maxBins === undefined || groups <= maxBins) {
      edgesPerFeature.push({ lo: gLo.slice(0, groups), hi: gHi.slice(0, groups) });
      continue;
    }
    exact = false;
    // Quantile bins: close a bin once it holds its share of the rows.
    const lo: number[] = [];
    const hi: number[] = [];
    let seen = 0;
    let open = false;
    for (let g = 0; g < groups; g++) {
      if (!open) {
        lo.push(gLo[g]);
        hi.push(gHi[g]);
        open = true;
      } else hi[hi.length - 1] = gHi[g];
      seen += gCount[g];
      if (seen >= (lo.length * rows) / maxBins) open = false;
    }
    edgesPerFeature.push({ lo, hi });
  }

  const offset = new Int32Array(features + 1);
  for (let f = 0; f < features; f++) offset[f + 1] = offset[f] + edgesPerFeature[f].lo.length;
  const total = offset[features];
  const lo = new Float64Array(total);
  const hi = new Float64Array(total);
  let widest = 0;
  for (let f = 0; f < features; f++) {
    lo.set(edgesPerFeature[f].lo, offset[f]);
    hi.set(edgesPerFeature[f].hi, offset[f]);
    widest = Math.max(widest, edgesPerFeature[f].lo.length);
  }
  const codes: Codes =
    widest <= 256
      ? new Uint8Array(rows * features)
      : widest <= 65536
        ? new Uint16Array(rows * features)
        : new Uint32Array(rows * features);
  for (let f = 0; f < features; f++) {
    const bLo = lo.subarray(offset[f], offset[f + 1]);
    for (let r = 0; r < rows; r++) codes[f * rows + r] = findBin(bLo, xf[r * features + f]);
  }
  return { rows, features, codes, offset, lo, hi, exact };
}

/** The last bin whose smallest value is <= v. */
function findBin(lo: Float64Array, v: number): number {
  let a = 0;
  let b = lo.length - 1;
  while (a < b) {
    const mid = (a + b + 1) >>> 1;
    if (lo[mid] <= v) a = mid;
    else b = mid - 1;
  }
  return a;
}
