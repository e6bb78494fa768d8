import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { binFeatures } from '../../src/train/binning.js';
import { Random } from '../../src/train/random.js';
import { TreeGrower } from '../../src/train/tree.js';

/** The best friedman_mse split by brute force: sort each feature, try every cut between distinct values. */
function bruteForceSplit(x: Float32Array, rows: number, features: number, g: Float64Array) {
  let best = { proxy: Number.NEGATIVE_INFINITY, feature: -1, threshold: 0 };
  const total = g.reduce((a, b) => a + b, 0);
  for (let f = 0; f < features; f++) {
    const order = Array.from({ length: rows }, (_, i) => i).sort(
      (a, b) => x[a * features + f] - x[b * features + f],
    );
    let sumLeft = 0;
    for (let i = 1; i < rows; i++) {
      sumLeft += g[order[i - 1]];
      const a = x[order[i - 1] * features + f];
      const b = x[order[i] * features + f];
      if (b <= a + 1e-7) continue;
      const nl = i;
      const nr = rows - i;
      const diff = nr * sumLeft - nl * (total - sumLeft);
      const proxy = (diff * diff) / (nl * nr);
      if (proxy > best.proxy) best = { proxy, feature: f, threshold: a / 2 + b / 2 };
    }
  }
  return best;
}

function randomData(rows: number, features: number, seed: number, distinct: number) {
  const rnd = new Random(seed);
  const x = new Float32Array(rows * features);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rnd.next() * distinct) / 7;
  const g = Float64Array.from(
    { length: rows },
    (_, r) => x[r * features] * 0.5 - (x[r * features + 1] > 3 ? 1 : 0) + rnd.next(),
  );
  return { x, g };
}

function growStump(x: Float32Array, rows: number, features: number, g: Float64Array, maxBins?: number) {
  const grower = new TreeGrower(
    binFeatures(x, rows, features, maxBins),
    { maxDepth: 1, minSamplesSplit: 2, minSamplesLeaf: 1 },
    new Random(0),
  );
  grower.g.set(g);
  for (let i = 0; i < rows; i++) grower.rows[i] = i;
  return { grower, grown: grower.grow(rows) };
}

describe('tree growing', () => {
  it.each([
    ['u8 bin codes (few distinct values)', 500, 50],
    ['u16 bin codes (over 256 distinct values)', 3000, 2000],
    ['u32 bin codes (over 65,536 distinct values)', 70_000, 1_000_000],
  ])('the exact method finds the brute-force best split: %s', (_, rows, distinct) => {
    const features = 3;
    const { x, g } = randomData(rows, features, rows, distinct);
    const { grown } = growStump(x, rows, features, g);
    const best = bruteForceSplit(x, rows, features, g);
    expect(grown.tree.feature[0]).toBe(best.feature);
    expect(grown.tree.threshold[0]).toBe(best.threshold);
  });

  it('partitions rows into leaves that respect the split, keeping each leaf in ascending order', () => {
    const rows = 400;
    const features = 2;
    const { x, g } = randomData(rows, features, 3, 40);
    const grower = new TreeGrower(
      binFeatures(x, rows, features),
      { maxDepth: 3, minSamplesSplit: 2, minSamplesLeaf: 5 },
      new Random(1),
    );
    grower.g.set(g);
    for (let i = 0; i < rows; i++) grower.rows[i] = i;
    const { tree, leaves } = grower.grow(rows);
    const seen = new Set<number>();
    for (const leaf of leaves) {
      expect(leaf.end - leaf.start).toBeGreaterThanOrEqual(5);
      let mean = 0;
      for (let i = leaf.start; i < leaf.end; i++) {
        const r = grower.rows[i];
        if (i > leaf.start) expect(r).toBeGreaterThan(grower.rows[i - 1]);
        seen.add(r);
        // Walking the tree from the root lands every row of this segment in this leaf.
        let node = 0;
        while (tree.left[node] >= 0) {
          node =
            x[r * features + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
        }
        expect(node).toBe(leaf.node);
        mean += g[r] / (leaf.end - leaf.start);
      }
      expect(tree.value[leaf.node]).toBeCloseTo(mean, 12);
    }
    expect(seen.size).toBe(rows);
  });

  it('does not split a node whose target is constant', () => {
    const rows = 50;
    const { x } = randomData(rows, 2, 5, 20);
    const { grown } = growStump(x, rows, 2, new Float64Array(rows).fill(0.25));
    expect(grown.tree.left[0]).toBe(-1);
    expect(grown.leaves).toEqual([{ node: 0, start: 0, end: rows }]);
  });

  it('with quantile bins, splits at a bin edge that still separates the rows cleanly', () => {
    const rows = 5000;
    const { x, g } = randomData(rows, 2, 9, 100_000);
    const { grower, grown } = growStump(x, rows, 2, g, 32);
    const [l, r] = grown.leaves;
    const f = grown.tree.feature[0];
    const t = grown.tree.threshold[0];
    for (let i = l.start; i < l.end; i++) expect(x[grower.rows[i] * 2 + f]).toBeLessThanOrEqual(t);
    for (let i = r.start; i < r.end; i++) expect(x[grower.rows[i] * 2 + f]).toBeGreaterThan(t);
  });
});

describe('the WebAssembly modules', () => {
  it('are compiled from their .wat files as committed', async () => {
    const script = fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, '--check']);
    expect(stdout).toMatch(/matches/);
  });
});
