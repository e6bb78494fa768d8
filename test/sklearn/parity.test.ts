// Parity with scikit-learn itself: each estimator in test/fixtures/sklearn (scikit-learn 1.9, numpy 2)
// and test/fixtures/sklearn-1.2 (Debian's scikit-learn 1.2, numpy 1.24), fitted and saved by
// scripts/reference/make_sklearn_fixtures.py with the version its JSON names, is imported
// from its pickle and its joblib files (zlib, uncompressed, and xz for 1.9), served by the Predictor, and must give scikit-learn's
// own predict and predict_proba on the held-out rows: labels identical on at least 99.9% of rows,
// probabilities within 1e-4, regression values within 1e-3 relative. Neural networks compute their layers in
// float32 by default; with float64 layers they must match scikit-learn within 1e-9.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

interface Expected {
  estimator: string;
  features: string[];
  fittedOnFrame: boolean;
  rows: (number | null)[][];
  predict: (number | string)[];
  classes?: (number | string)[];
  proba?: number[][];
}

const cases = ['sklearn', 'sklearn-1.2'].flatMap((folder) =>
  readdirSync(join(FIXTURES, folder))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [`${folder}/${f.replace(/\.json$/, '')}`]),
);

const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Expected;

describe.each(cases)('%s', (name) => {
  const expected = read(name);

  it.each(
    ['pkl', 'joblib', 'raw.joblib', 'xz.joblib'].filter((ext) =>
      existsSync(join(FIXTURES, `${name}.${ext}`)),
    ),
  )(`imported from .%s, answers as scikit-learn does`, async (ext) => {
    const value = await loadModelFile(readFileSync(join(FIXTURES, `${name}.${ext}`)));
    const { model, card } = sklearnToOnnx(value, {
      name,
      source: `${name}.${ext}`,
      features: expected.fittedOnFrame ? undefined : expected.features,
    });
    expect(card.features.map((f) => f.name)).toEqual(expected.features);
    const predictor = await Predictor.load(encodeModel(model));
    const rows = expected.rows.map((r) =>
      Object.fromEntries(expected.features.map((f, i) => [f, r[i] ?? null])),
    );
    const out = await predictor.predict(rows);
    if (expected.proba) {
      expect(card.classes).toEqual(expected.classes);
      const k = expected.classes?.length ?? 0;
      let worst = 0;
      expected.proba.forEach((p, r) => {
        for (let c = 0; c < k; c++)
          worst = Math.max(
            worst,
            Math.abs((out.probabilities?.[r * k + c] ?? Number.NaN) - (p[c] as number)),
          );
      });
      expect(worst, 'largest probability difference').toBeLessThanOrEqual(1e-4);
      const agree = expected.predict.filter((label, r) => out.labels?.[r] === label).length;
      expect(agree / expected.predict.length, 'labels that agree').toBeGreaterThanOrEqual(0.999);
    } else if (expected.classes) {
      // A classifier without predict_proba (LinearSVC, hinge-loss SGD): labels only.
      expect(card.classes).toEqual(expected.classes);
      const agree = expected.predict.filter((label, r) => out.labels?.[r] === label).length;
      expect(agree / expected.predict.length, 'labels that agree').toBeGreaterThanOrEqual(0.999);
    } else {
      expected.predict.forEach((v, r) => {
        const got = out.values?.[r] ?? Number.NaN;
        expect(Math.abs(got - (v as number)), `row ${r}`).toBeLessThanOrEqual(
          1e-3 * Math.max(1, Math.abs(v as number)),
        );
      });
    }
    await predictor.release();
  });
});

describe.each(cases.filter(([name]) => /mlp/.test(name as string)))('%s with float64 layers', (name) => {
  it('answers as scikit-learn does within 1e-9', async () => {
    const expected = read(name);
    const value = await loadModelFile(readFileSync(join(FIXTURES, `${name}.pkl`)));
    const { model } = sklearnToOnnx(value, {
      name,
      source: `${name}.pkl`,
      features: expected.fittedOnFrame ? undefined : expected.features,
      layers: 'float64',
    });
    const predictor = await Predictor.load(encodeModel(model));
    const rows = expected.rows.map((r) =>
      Object.fromEntries(expected.features.map((f, i) => [f, r[i] ?? null])),
    );
    const out = await predictor.predict(rows);
    const want = expected.proba ? expected.proba.flat() : (expected.predict as number[]);
    const got = expected.proba ? out.probabilities : out.values;
    want.forEach((v, i) => {
      expect(Math.abs((got?.[i] ?? Number.NaN) - v), `value ${i}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(v)),
      );
    });
    await predictor.release();
  });
});
