import { describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { DEFAULT_PARAMS, fitBoosting, predictBoosted, validateParams } from '../../src/train/boosting.js';
import { Random } from '../../src/train/random.js';
import { trainFromCsv } from '../../src/train/train.js';
import { csvRows, syntheticCsv } from '../helpers/synthetic.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

function flat(rows: (number | null)[][]): Float64Array {
  return Float64Array.from(rows.flat(), (v) => (v === null ? Number.NaN : v));
}

describe('hyper-parameters', () => {
  it.each<[Partial<typeof DEFAULT_PARAMS>, RegExp]>([
    [{ nEstimators: 0 }, /n-estimators must be an integer from 1/],
    [{ nEstimators: 2.5 }, /n-estimators/],
    [{ learningRate: 0 }, /learning-rate must be a positive number/],
    [{ learningRate: Number.NaN }, /learning-rate/],
    [{ maxDepth: 0 }, /max-depth/],
    [{ minSamplesSplit: 1 }, /min-samples-split/],
    [{ minSamplesLeaf: 0 }, /min-samples-leaf/],
    [{ subsample: 0 }, /subsample must be in \(0, 1\]/],
    [{ subsample: 1.5 }, /subsample/],
    [{ seed: -1 }, /seed/],
    [{ maxBins: 1 }, /max-bins/],
  ])('rejects %o with a RangeError', (change, message) => {
    expect(() => validateParams({ ...DEFAULT_PARAMS, ...change })).toThrow(RangeError);
    expect(() => validateParams({ ...DEFAULT_PARAMS, ...change })).toThrow(message);
  });

  it('seeds must be whole 32-bit numbers', () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
  });
});

describe('gradient boosting', () => {
  it('is reproducible: the same seed gives the same model', () => {
    const csv = utf8(syntheticCsv(200, 4, 3, 5, 0.1));
    const a = trainFromCsv(csv, { target: 'y', source: 's.csv', subsample: 0.7, seed: 3 });
    const b = trainFromCsv(csv, { target: 'y', source: 's.csv', subsample: 0.7, seed: 3 });
    const c = trainFromCsv(csv, { target: 'y', source: 's.csv', subsample: 0.7, seed: 4 });
    const x = flat(csvRows(syntheticCsv(200, 4, 3, 5, 0.1)));
    const pa = predictBoosted(a.boosted, x, 200);
    expect(predictBoosted(b.boosted, x, 200)).toEqual(pa);
    expect(predictBoosted(c.boosted, x, 200)).not.toEqual(pa);
  });

  it('learns: training accuracy and R^2 rise well above chance', () => {
    const cls = trainFromCsv(utf8(syntheticCsv(400, 5, 3, 2)), { target: 'y', source: 's.csv' });
    expect(cls.summary.trainAccuracy).toBeGreaterThan(0.9);
    const reg = trainFromCsv(utf8(syntheticCsv(400, 5, 0, 2)), { target: 'y', source: 's.csv' });
    expect(reg.summary.task).toBe('regression');
    expect(reg.summary.trainR2).toBeGreaterThan(0.9);
  });

  it('grows one tree per stage for binary and one per class for multiclass', () => {
    const bin = trainFromCsv(utf8(syntheticCsv(100, 3, 2, 4)), {
      target: 'y',
      source: 's.csv',
      nEstimators: 7,
    });
    expect(bin.boosted.stages.length).toBe(7);
    expect(bin.boosted.stages[0].length).toBe(1);
    const multi = trainFromCsv(utf8(syntheticCsv(100, 3, 4, 4)), {
      target: 'y',
      source: 's.csv',
      nEstimators: 7,
    });
    expect(multi.boosted.stages[0].length).toBe(4);
  });

  it('keeps trees within max-depth and leaves within min-samples-leaf', () => {
    const x = flat(csvRows(syntheticCsv(300, 4, 2, 9)));
    const y = Int32Array.from({ length: 300 }, (_, i) => (x[i * 4] > 0 ? 1 : 0));
    const { model } = fitBoosting(
      { rows: 300, features: 4, x, task: 'classification', yClass: y, nClasses: 2 },
      { ...DEFAULT_PARAMS, nEstimators: 5, maxDepth: 2, minSamplesLeaf: 20 },
    );
    for (const [tree] of model.stages) {
      const depth = (node: number): number =>
        tree.left[node] < 0 ? 0 : 1 + Math.max(depth(tree.left[node]), depth(tree.right[node]));
      expect(depth(0)).toBeLessThanOrEqual(2);
    }
  });

  it('uses histogram bins past exact-up-to rows and exact splits below', () => {
    const csv = utf8(syntheticCsv(600, 3, 2, 6));
    expect(trainFromCsv(csv, { target: 'y', source: 's.csv', nEstimators: 3 }).boosted.binning.exact).toBe(
      true,
    );
    const binned = trainFromCsv(csv, {
      target: 'y',
      source: 's.csv',
      nEstimators: 3,
      exactUpTo: 100,
      maxBins: 16,
    });
    expect(binned.boosted.binning.exact).toBe(false);
    expect(binned.boosted.binning.maxBinsPerFeature).toBeLessThanOrEqual(16);
  });
});

describe('the exported ONNX graph', () => {
  // Tolerance: float32 probabilities from onnxruntime against the trainer's float64 ones.
  const TOL = 1e-5;

  it.each([
    ['binary', 2, 0],
    ['multiclass', 4, 0],
    ['binary with missing values', 2, 0.15],
    ['multiclass with missing values', 3, 0.15],
  ])('%s: onnxruntime gives the trainer’s own probabilities to 1e-5', async (_, k, missing) => {
    const text = syntheticCsv(300, 5, k, 11, missing);
    const res = trainFromCsv(utf8(text), { target: 'y', source: 's.csv' });
    const rows = csvRows(text);
    const expected = predictBoosted(res.boosted, flat(rows), rows.length);
    const predictor = await Predictor.load(res.bytes);
    const out = await predictor.predict(rows);
    expect(out.probabilities!.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(out.probabilities![i] - expected[i]));
    expect(worst).toBeLessThan(TOL);
    // Labels are the argmax of the trainer's probabilities.
    for (let r = 0; r < rows.length; r++) {
      const p = Array.from(expected.subarray(r * k, (r + 1) * k));
      expect(out.labels![r]).toBe(res.card.classes![p.indexOf(Math.max(...p))]);
    }
    await predictor.release();
  });

  it('regression: onnxruntime gives the trainer’s own values to 1e-5 relative', async () => {
    const text = syntheticCsv(300, 4, 0, 12, 0.1);
    const res = trainFromCsv(utf8(text), { target: 'y', source: 's.csv' });
    const rows = csvRows(text);
    const expected = predictBoosted(res.boosted, flat(rows), rows.length);
    const predictor = await Predictor.load(res.bytes);
    const out = await predictor.predict(rows);
    for (let i = 0; i < rows.length; i++) {
      expect(Math.abs(out.values![i] - expected[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected[i])));
    }
    await predictor.release();
  });

  it('carries a model card that says what was trained, on what, with which figures', () => {
    const text = syntheticCsv(120, 3, 3, 13);
    const res = trainFromCsv(utf8(text), { target: 'y', source: 'data/s.csv', nEstimators: 10, seed: 2 });
    const { card } = res;
    expect(card.name).toBe('s');
    expect(card.task).toBe('classification');
    expect(card.features.map((f) => f.name)).toEqual(['x0', 'x1', 'x2']);
    expect(card.classes).toEqual(['c0', 'c1', 'c2']);
    expect(card.target).toBe('y');
    expect(card.missing).toBe('impute');
    expect(card.provenance.source).toBe('modelgate-train');
    expect(card.provenance.estimator).toContain('GradientBoostingClassifier');
    expect(card.provenance.params).toMatchObject({
      nEstimators: 10,
      seed: 2,
      learningRate: 0.1,
      maxDepth: 3,
    });
    expect(card.provenance.data).toMatchObject({ uri: 'data/s.csv', rows: 120, columns: 4 });
    expect(card.provenance.data?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(card.training?.trainAccuracy).toBe(res.summary.trainAccuracy);
  });
});

describe('histogram threads', () => {
  it('give the same model as one thread (each feature is summed by one thread, in row order)', () => {
    // 20,000 rows x 12 features: large enough for the threads to be used.
    const csv = utf8(syntheticCsv(20_000, 12, 2, 21, 0.05));
    const one = trainFromCsv(csv, { target: 'y', source: 's.csv', nEstimators: 8, threads: 1 });
    const two = trainFromCsv(csv, { target: 'y', source: 's.csv', nEstimators: 8, threads: 2 });
    expect(one.boosted.threads).toBe(1);
    expect(two.boosted.threads).toBe(2);
    expect(two.boosted.stages).toEqual(one.boosted.stages);
  });

  it('rejects a thread count out of range', () => {
    const csv = utf8(syntheticCsv(50, 3, 2, 1));
    expect(() => trainFromCsv(csv, { target: 'y', source: 's.csv', threads: 100 })).toThrow(RangeError);
    expect(() => trainFromCsv(csv, { target: 'y', source: 's.csv', threads: 1.5 })).toThrow(
      /threads must be an integer/,
    );
  });
});
