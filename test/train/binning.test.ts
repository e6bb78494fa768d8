import { describe, expect, it } from 'vitest';
import { binFeatures, FEATURE_THRESHOLD } from '../../src/train/binning.js';
import { Random } from '../../src/train/random.js';

/**
 * The bins as a comparison sort gives them: rows ordered by value, values chained closer than
 * FEATURE_THRESHOLD grouped, then quantile bins over the groups, and each row's code from its position.
 */
function referenceBins(x: Float32Array, rows: number, features: number, maxBins?: number) {
  const codes: number[][] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let f = 0; f < features; f++) {
    // -0 before 0, as the float32 keys order them.
    const negZero = (v: number) => (Object.is(v, -0) ? 1 : 0);
    const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => {
      const va = x[a * features + f];
      const vb = x[b * features + f];
      return va - vb || negZero(vb) - negZero(va);
    });
    const group = new Int32Array(rows);
    const gLo: number[] = [];
    const gHi: number[] = [];
    const gCount: number[] = [];
    for (const [i, r] of order.entries()) {
      const v = x[r * features + f];
      if (gHi.length > 0 && v <= gHi[gHi.length - 1] + FEATURE_THRESHOLD) {
        gHi[gHi.length - 1] = v;
        gCount[gCount.length - 1]++;
      } else {
        gLo.push(v);
        gHi.push(v);
        gCount.push(1);
      }
      group[i] = gLo.length - 1;
    }
    const binOfGroup: number[] = [];
    let count = 0;
    if (maxBins === undefined || gLo.length <= maxBins) {
      gLo.forEach((v, g) => {
        lo.push(v);
        hi.push(gHi[g]);
        binOfGroup.push(g);
      });
    } else {
      let seen = 0;
      let open = false;
      for (let g = 0; g < gLo.length; g++) {
        if (!open) {
          lo.push(gLo[g]);
          hi.push(gHi[g]);
          count++;
          open = true;
        } else hi[hi.length - 1] = gHi[g];
        binOfGroup.push(count - 1);
        seen += gCount[g];
        if (seen >= (count * rows) / maxBins) open = false;
      }
    }
    const col = new Array<number>(rows);
    order.forEach((r, i) => {
      col[r] = binOfGroup[group[i]];
    });
    codes.push(col);
  }
  return { codes, lo, hi };
}

describe('binning', () => {
  const random = new Random(7);
  const rows = 3000;
  // Columns chosen for the bin search's edge cases: values sharing their top 16 key bits across bins,
  // signed zeros, chains of values closer than the threshold, few distinct values, huge magnitudes.
  const columns: ((r: number) => number)[] = [
    () => random.next() * 2 - 1,
    () => 1 + random.next() * 1e-3,
    (r) => (r % 3 === 0 ? -0 : r % 3 === 1 ? 0 : random.next() - 0.5),
    (r) => Math.floor(r / 7) * 5e-8,
    (r) => r % 5,
    () => (random.next() - 0.5) * 1e30,
    () => -random.next() * 1e-30,
  ];
  const features = columns.length;
  const x = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) x[r * features + f] = columns[f](r);

  it.each([
    ['exact', undefined],
    ['255 quantile bins', 255],
    ['16 quantile bins', 16],
  ])('gives the bins of a comparison sort (%s)', (_, maxBins) => {
    const binned = binFeatures(x, rows, features, maxBins);
    const want = referenceBins(x, rows, features, maxBins);
    expect(Array.from(binned.lo)).toEqual(want.lo);
    expect(Array.from(binned.hi)).toEqual(want.hi);
    for (let f = 0; f < features; f++) {
      expect(Array.from(binned.codes.subarray(f * rows, (f + 1) * rows))).toEqual(want.codes[f]);
    }
  });

  it.each([16, 255])(
    "finds %i bins on a sample past sampleRows, with each bin's range over every row",
    (maxBins) => {
      const binned = binFeatures(x, rows, features, maxBins, undefined, 700);
      expect(binned.exact).toBe(false);
      for (let f = 0; f < features; f++) {
        const first = binned.offset[f];
        const count = binned.offset[f + 1] - first;
        expect(count).toBeLessThanOrEqual(maxBins);
        const lo = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
        const hi = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
        for (let r = 0; r < rows; r++) {
          const v = x[r * features + f];
          const b = binned.codes[f * rows + r];
          lo[b] = Math.min(lo[b], v);
          hi[b] = Math.max(hi[b], v);
        }
        for (let b = 0; b < count; b++) {
          // Every bin holds rows, its range is theirs (signed zeros compared as equal), and ranges are ordered.
          expect(lo[b]).toBeLessThanOrEqual(hi[b]);
          expect(binned.lo[first + b] === lo[b] && binned.hi[first + b] === hi[b]).toBe(true);
          if (b > 0) expect(hi[b - 1]).toBeLessThan(lo[b]);
        }
      }
      // Below sampleRows, the bins are every row's.
      const whole = binFeatures(x, rows, features, maxBins, undefined, rows);
      expect(Array.from(whole.lo)).toEqual(referenceBins(x, rows, features, maxBins).lo);
    },
  );
});
