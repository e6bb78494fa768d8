// Categorical features in the trainer: split search by sorted category statistics (a set split where
// no threshold on the codes separates the classes), missing values and unseen codes sent where the
// training sent missing values, and the exported graph answering as the trainer does through the
// Predictor, with categories sent as strings.
import { describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { binFeatures } from '../../src/train/binning.js';
import { DEFAULT_PARAMS, fitBoosting, predictBoosted } from '../../src/train/boosting.js';
import { parseCsv } from '../../src/train/csv.js';
import { buildDataset } from '../../src/train/dataset.js';
import { TrainingDataError } from '../../src/train/errors.js';
import { Random } from '../../src/train/random.js';
import { trainFromCsv } from '../../src/train/train.js';
import { CATEGORY_SMOOTHING, leafOf, MAX_LISTED_CATEGORIES, TreeGrower } from '../../src/train/tree.js';

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

/** Each value of `a` `k` times over (a category needs CATEGORY_SMOOTHING rows to be picked out). */
const times = (a: number[], k: number): number[] => Array.from({ length: k }, () => a).flat();

describe('categorical split search', () => {
  // Codes 0 and 2 high, 1 and 3 low: no threshold on the code separates them, the set {1, 3} does.
  const codes = times([0, 1, 2, 3], 30);
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

  it('partitions rows by the set, each side in ascending row order', () => {
    const x = Array.from({ length: 200 }, (_, r) => (r * 7) % 5);
    const y = x.map((c) => (c === 1 || c === 4 ? 2 : -1));
    const grower = new TreeGrower(
      binFeatures(Float32Array.from(x), x.length, 1, undefined, [5]),
      { maxDepth: 1, minSamplesSplit: 2, minSamplesLeaf: 1 },
      new Random(0),
    );
    grower.g.set(y);
    for (let i = 0; i < x.length; i++) grower.rows[i] = i;
    const { tree, leaves } = grower.grow(x.length);
    grower.close();
    const set = tree.categoryLeft?.[0] as Uint8Array;
    for (const leaf of leaves) {
      const rows = Array.from(grower.rows.subarray(leaf.start, leaf.end));
      expect(rows).toEqual([...rows].sort((a, b) => a - b));
      const left = leaf.node === tree.left[0];
      expect(rows.every((r) => set[x[r]] === (left ? 1 : 0))).toBe(true);
      expect(rows.length).toBe(x.filter((c) => set[c] === (left ? 1 : 0)).length);
    }
  });

  it('takes missing values as a category, and sends what the node never saw where they go', () => {
    // Code 0 low; code 1 and missing high; code 2 of 4 never appears, nor does 3.
    const x = times([0, 0, 0, 1, 1, Number.NaN, Number.NaN, Number.NaN], 10);
    const y = times([-1, -1, -1, 1, 1, 1, 1, 1], 10);
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
    const x = times([0, 1, 1, 1, 2, 2], 10);
    const y = times([5, -1, -1, -1, -1, -1], 10);
    const set = Array.from(stump(x, 1, y, [3]).categoryLeft?.[0] ?? []);
    // {0} alone is high: {1, 2} (5 rows) left, and missing with them.
    expect(set).toEqual([0, 1, 1, 1]);
  });

  it('never picks out a category with fewer rows than CATEGORY_SMOOTHING', () => {
    // Code 0 (30 rows) low, 1 and 3 (30 each) high; code 2 has 9 rows, lower than 0: a search over all
    // four would list 2 and 0, from the low end of the order 2, 0, 3, 1.
    const x = [
      ...times([0], 30),
      ...times([1], 30),
      ...times([2], CATEGORY_SMOOTHING - 1),
      ...times([3], 30),
    ];
    const y = x.map((c) => [-2, 0.5, -3, 0.3][c]);
    const set = Array.from(stump(x, 1, y, [4]).categoryLeft?.[0] ?? []);
    // The listed side (1) is picked from the categories with enough rows: {1, 3}; 2 is left with 0.
    expect(set.slice(0, 4)).toEqual([0, 1, 0, 1]);
  });

  it('picks out categories from either end of the order, at most MAX_LISTED_CATEGORIES of them', () => {
    // 40 codes of 20 rows each: the 3 highest stand out. From the low end that side would take 37.
    const k = 40;
    const x = times(
      Array.from({ length: k }, (_, c) => c),
      20,
    );
    const y = x.map((c) => (c >= k - 3 ? 5 : (c % 7) / 10));
    const set = Array.from(stump(x, 1, y, [k]).categoryLeft?.[0] ?? []);
    const high = set[k - 1];
    expect(set.slice(k - 3, k)).toEqual([high, high, high]);
    expect(set.slice(0, k - 3).every((v) => v !== high)).toBe(true);
    expect(MAX_LISTED_CATEGORIES).toBeLessThan(k - 3);
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

/** A mixed table: a number with gaps, a text category with gaps, an integer-coded category. */
function mixedCsv(rows: number, task: 'binary' | 'multiclass' | 'regression', seed = 1): string {
  const rnd = new Random(seed);
  const colors = ['red', 'green', 'blue', 'amber', 'violet'];
  const lines = ['age,color,size,target'];
  for (let r = 0; r < rows; r++) {
    const age = Math.round(rnd.next() * 60 + 18);
    const c = Math.floor(rnd.next() * colors.length);
    const size = 1 + Math.floor(rnd.next() * 4);
    const missingColor = rnd.next() < 0.1;
    // red, blue and a missing color push up; green and violet down: not an interval of any order.
    const colorEffect = missingColor ? 1 : [1, -1, 1, 0, -1][c];
    const score =
      colorEffect + (size === 2 || size === 4 ? 0.8 : -0.8) + (age - 45) / 30 + (rnd.next() - 0.5);
    const target =
      task === 'regression'
        ? (score * 10).toFixed(3)
        : task === 'binary'
          ? score > 0
            ? 'yes'
            : 'no'
          : score > 0.8
            ? 'high'
            : score > -0.8
              ? 'mid'
              : 'low';
    lines.push(`${rnd.next() < 0.1 ? '' : age},${missingColor ? '' : colors[c]},${size},${target}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('training on categorical columns, answered through the Predictor', () => {
  it.each([
    ['binary', 10_000],
    ['multiclass', 10_000],
    ['regression', 10_000],
    ['binary, numbers in histogram bins', 100],
  ] as const)(
    '%s: the graph answers as the trainer, strings in, unseen and missing where missing went',
    async (name, exactUpTo) => {
      const task = name.startsWith('binary') ? 'binary' : (name as 'multiclass' | 'regression');
      const csv = new TextEncoder().encode(mixedCsv(400, task));
      const result = trainFromCsv(csv, {
        source: 'mixed.csv',
        target: 'target',
        categorical: ['color', 'size'],
        nEstimators: 20,
        exactUpTo,
        maxBins: 16,
        threads: 1,
      });
      expect(result.boosted.binning.exact).toBe(exactUpTo > 400);
      const { card, boosted } = result;
      expect(card.features).toEqual([
        { name: 'age', type: 'number' },
        {
          name: 'color',
          type: 'category',
          categories: ['amber', 'blue', 'green', 'red', 'violet'],
          unknown: 'missing',
        },
        { name: 'size', type: 'category', categories: ['1', '2', '3', '4'], unknown: 'missing' },
      ]);
      expect(card.missing).toBe('impute');
      expect(boosted.categories).toEqual([0, 5, 4]);
      expect(result.summary.categorical).toBe(2);

      const requests = [
        { age: 30, color: 'red', size: '2' },
        { age: 50, color: 'green', size: 3 },
        { age: null, color: 'violet', size: 1 },
        { age: 40, color: 'purple', size: 4 },
        { age: 40, color: null, size: 4 },
        { age: 40, size: 4 },
      ];
      // The same rows as the trainer reads them: codes, NaN for missing and for the unseen "purple".
      const x = Float64Array.from([
        30,
        3,
        1,
        50,
        2,
        2,
        Number.NaN,
        4,
        0,
        40,
        Number.NaN,
        3,
        40,
        Number.NaN,
        3,
        40,
        Number.NaN,
        3,
      ]);
      const expected = predictBoosted(boosted, x, requests.length);
      const predictor = await Predictor.load(result.bytes);
      try {
        const out = await predictor.predict(requests);
        const got =
          out.kind === 'values' ? out.values : out.kind === 'probabilities' ? out.probabilities : undefined;
        expect(got).toBeDefined();
        expect(got!.length).toBe(expected.length);
        for (let i = 0; i < expected.length; i++) expect(got![i]).toBeCloseTo(expected[i], 5);
        // "purple", null and an absent color are one answer: the branch missing colors took in training.
        const width = expected.length / requests.length;
        const row = (r: number) => Array.from(got!.slice(r * width, (r + 1) * width));
        expect(row(3)).toEqual(row(4));
        expect(row(5)).toEqual(row(4));
      } finally {
        await predictor.release();
      }
    },
  );

  it('learns what one-hot columns in front of the numeric trainer learn, within half a point', () => {
    const train = mixedCsv(1500, 'binary', 2);
    const test = mixedCsv(1000, 'binary', 3);
    const heldOut = (lines: string) =>
      lines
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
    const cat = trainFromCsv(new TextEncoder().encode(train), {
      source: 'train.csv',
      target: 'target',
      categorical: ['color', 'size'],
      threads: 1,
    });
    const colors = ['amber', 'blue', 'green', 'red', 'violet'];
    const sizes = ['1', '2', '3', '4'];
    const oneHot = (lines: string) =>
      [
        ['age', ...colors.map((c) => `c_${c}`), ...sizes.map((s) => `s_${s}`), 'target'].join(','),
        ...heldOut(lines).map(([age, color, size, t]) =>
          [
            age,
            ...colors.map((c) => (color === '' ? '' : color === c ? 1 : 0)),
            ...sizes.map((s) => (size === s ? 1 : 0)),
            t,
          ].join(','),
        ),
      ].join('\n');
    const hot = trainFromCsv(new TextEncoder().encode(oneHot(train)), {
      source: 'hot.csv',
      target: 'target',
      threads: 1,
    });
    const rows = heldOut(test);
    const accuracy = (p: Float64Array) =>
      rows.filter((r, i) => (p[2 * i + 1] > 0.5 ? 'yes' : 'no') === r[3]).length / rows.length;
    const xCat = Float64Array.from(
      rows.flatMap(([age, color, size]) => [
        age === '' ? Number.NaN : Number(age),
        color === '' ? Number.NaN : colors.indexOf(color),
        sizes.indexOf(size),
      ]),
    );
    const xHot = Float64Array.from(
      rows.flatMap(([age, color, size]) => [
        age === '' ? Number.NaN : Number(age),
        ...colors.map((c) => (color === '' ? Number.NaN : color === c ? 1 : 0)),
        ...sizes.map((s) => (size === s ? 1 : 0)),
      ]),
    );
    const catAccuracy = accuracy(predictBoosted(cat.boosted, xCat, rows.length));
    const hotAccuracy = accuracy(predictBoosted(hot.boosted, xHot, rows.length));
    expect(catAccuracy).toBeGreaterThanOrEqual(hotAccuracy - 0.005);
  });

  it('refuses a categorical column it does not have, or the target', () => {
    const csv = new TextEncoder().encode(mixedCsv(20, 'binary'));
    const train = (categorical: string[]) => () =>
      trainFromCsv(csv, { source: 'm.csv', target: 'target', categorical, threads: 1 });
    expect(train(['colour'])).toThrow(TrainingDataError);
    expect(train(['colour'])).toThrow('--categorical names "colour", which m.csv does not have');
    expect(train(['target'])).toThrow('--categorical names "target", the target');
  });

  it('learns text columns as categories without being told; --categorical is for integer codes', () => {
    const csv = new TextEncoder().encode(mixedCsv(200, 'binary'));
    const options = { source: 'm.csv', target: 'target', nEstimators: 10, threads: 1 };
    const told = trainFromCsv(csv, { ...options, categorical: ['color', 'size'] });
    const untold = trainFromCsv(csv, options);
    expect(untold.card.features.map((f) => [f.name, f.type])).toEqual([
      ['age', 'number'],
      ['color', 'category'],
      ['size', 'number'],
    ]);
    expect(untold.boosted.categories).toEqual([0, 5, 0]);
    const colorOnly = trainFromCsv(csv, { ...options, categorical: ['color'] });
    expect(untold.boosted.stages).toEqual(colorOnly.boosted.stages);
    expect(told.boosted.categories).toEqual([0, 5, 4]);
  });

  it('reads categories as scikit-learn sorts them: numbers numerically in their shortest spelling', () => {
    const table = parseCsv('n,t,y\n10,b,1\n2.0,a,0\n2,,1\n,B,0\n', 'd.csv');
    const d = buildDataset(table, { target: 'y', categorical: ['n', 't'], source: 'd.csv' });
    expect(d.categories).toEqual([
      ['2', '10'],
      ['B', 'a', 'b'],
    ]);
    expect(Array.from(d.x)).toEqual([1, 2, 0, 1, 0, Number.NaN, Number.NaN, 0]);
  });
});

describe('a yes/no column, a boolean feature in the card', () => {
  it('answers true, false and null as the trainer answers 1, 0 and a missing value, under either spelling', async () => {
    const rnd = new Random(7);
    const lines = ['Age,Travels Alone,target'];
    for (let r = 0; r < 300; r++) {
      const age = Math.round(18 + rnd.next() * 60);
      const alone = rnd.next() < 0.5;
      const score = (alone ? -0.7 : 0.7) + (age - 45) / 25 + (rnd.next() - 0.5);
      lines.push(`${age},${rnd.next() < 0.1 ? '' : alone ? 'yes' : 'no'},${score > 0 ? 'up' : 'down'}`);
    }
    const result = trainFromCsv(new TextEncoder().encode(`${lines.join('\n')}\n`), {
      source: 'alone.csv',
      target: 'target',
      nEstimators: 20,
      threads: 1,
    });
    expect(result.card.features).toEqual([
      { name: 'age', type: 'number', column: 'Age' },
      { name: 'travels_alone', type: 'boolean', column: 'Travels Alone' },
    ]);
    const requests = [
      { age: 30, travels_alone: true },
      { Age: 30, 'Travels Alone': false },
      { age: 60, travels_alone: null },
      [45, true],
    ];
    const x = Float64Array.from([30, 1, 30, 0, 60, Number.NaN, 45, 1]);
    const expected = predictBoosted(result.boosted, x, requests.length);
    const predictor = await Predictor.load(result.bytes);
    try {
      const out = await predictor.predict(requests);
      if (out.kind !== 'probabilities') throw new Error(out.kind);
      expect(out.probabilities.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) expect(out.probabilities[i]).toBeCloseTo(expected[i], 5);
      await expect(predictor.predict([{ age: 30, travels_alone: 1 }])).rejects.toThrow(
        /expected true or false/,
      );
    } finally {
      await predictor.release();
    }
  });
});

describe('a boolean feature split as a category of two', () => {
  it('sends missing values where the training sent them, not to the side of the mean', async () => {
    // "yes" when the flag is true or missing; mostly false, so the mean (0.25) would put a missing
    // flag among the false ones.
    const rnd = new Random(3);
    const lines = ['n,flag,target'];
    for (let r = 0; r < 200; r++) {
      const u = rnd.next();
      const flag = u < 0.15 ? '' : u < 0.35 ? 'true' : 'false';
      lines.push(`${Math.round(rnd.next() * 9)},${flag},${flag === 'false' ? 'no' : 'yes'}`);
    }
    const result = trainFromCsv(new TextEncoder().encode(`${lines.join('\n')}\n`), {
      source: 'flag.csv',
      target: 'target',
      nEstimators: 5,
      threads: 1,
    });
    expect(result.card.features[1]).toEqual({ name: 'flag', type: 'boolean' });
    expect(result.boosted.categories).toEqual([0, 2]);
    const root = result.boosted.stages[0][0];
    expect(root.feature[0]).toBe(1);
    // Bins: false (0), true (1), missing: false on one side, true and missing on the other.
    const [isFalse, isTrue, isMissing] = root.categoryLeft?.[0] ?? [];
    expect(isTrue).toBe(isMissing);
    expect(isFalse).toBe(1 - isTrue);
    const predictor = await Predictor.load(result.bytes);
    try {
      const out = await predictor.predict([
        { n: 1, flag: true },
        { n: 1, flag: false },
        { n: 1, flag: null },
        { n: 1 },
      ]);
      if (out.kind !== 'probabilities') throw new Error(out.kind);
      expect(out.labels).toEqual(['yes', 'no', 'yes', 'yes']);
    } finally {
      await predictor.release();
    }
  });
});
