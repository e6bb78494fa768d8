// Parity with scikit-learn itself: each estimator in test/fixtures/sklearn (scikit-learn 1.9, numpy 2),
// test/fixtures/sklearn-1.6 (scikit-learn 1.6.1, numpy 2.2) and test/fixtures/sklearn-1.2 (Debian's
// scikit-learn 1.2, numpy 1.24), fitted and saved by scripts/reference/make_sklearn_fixtures.py with the
// version its JSON names, is imported from its pickle and its joblib files (zlib; uncompressed for 1.9
// and 1.2; xz for 1.9), served by the Predictor, and must give scikit-learn's own predict and
// predict_proba on the held-out rows: labels identical on every row, probabilities within 1e-5,
// regression values within 1e-5 relative (neural networks too, whose layers compute in float32 by
// default; with float64 layers within 1e-9). Where scikit-learn's probabilities are NaN (before 1.9, a
// one-vs-rest normalization of sigmoids that all underflowed), the model's are NaN too, never invented
// (and a Predictor that refuses non-finite answers refuses those rows).
// A fixture whose JSON says `refused` must be refused with a message matching it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ClassLabel } from '../../src/onnx/card.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { type ImportOptions, sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const PARITY_FOLDERS = ['sklearn', 'sklearn-1.6', 'sklearn-1.2'];

const PROBABILITY_TOLERANCE = 1e-5;
const VALUE_TOLERANCE = 1e-5;

interface Expected {
  estimator: string;
  features: string[];
  fittedOnFrame: boolean;
  refused?: string;
  rows: (number | null)[][];
  predict: (number | string | boolean)[];
  classes?: (number | string | boolean)[];
  /** null where scikit-learn's own probability is NaN */
  proba?: (number | null)[][];
}

interface Answers {
  labels?: ClassLabel[];
  probabilities?: ArrayLike<number>;
  values?: ArrayLike<number>;
  /** Rows the Predictor refused to answer because the model computed NaN or an infinity for them. */
  refused?: Set<number>;
}

/** The fields of the Predictor's result these tests read (whatever shape the result type takes). */
interface Read {
  labels?: ClassLabel[];
  probabilities?: ArrayLike<number>;
  values?: ArrayLike<number>;
}

/**
 * What the model answers for the rows: the one place that reads the Predictor's result. Where a
 * Predictor refuses a non-finite answer (the server's rule), the rows are asked one by one and a refused
 * row reads as NaN, which is what the graph computed.
 */
async function answers(model: Uint8Array, rows: Record<string, number | null>[]): Promise<Answers> {
  const predictor = await Predictor.load(model);
  const read = async (some: Record<string, number | null>[]) =>
    (await predictor.predict(some)) as unknown as Read;
  try {
    try {
      const out = await read(rows);
      return { labels: out.labels, probabilities: out.probabilities, values: out.values };
    } catch (err) {
      if ((err as Error).name !== 'NonFiniteOutputError') throw err;
    }
    const labels: ClassLabel[] = [];
    const probabilities: number[] = [];
    const refused = new Set<number>();
    for (const [r, row] of rows.entries()) {
      try {
        const out = await read([row]);
        labels.push(out.labels?.[0] as ClassLabel);
        probabilities.push(...Array.from(out.probabilities ?? []));
      } catch (err) {
        if ((err as Error).name !== 'NonFiniteOutputError') throw err;
        refused.add(r);
        labels.push(Number.NaN);
        probabilities.push(...new Array(predictor.card.classes?.length ?? 0).fill(Number.NaN));
      }
    }
    return { labels, probabilities, refused };
  } finally {
    await predictor.release();
  }
}

const cases = PARITY_FOLDERS.flatMap((folder) =>
  readdirSync(join(FIXTURES, folder))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${folder}/${f.replace(/\.json$/, '')}`),
);

const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Expected;
const formats = (name: string) =>
  ['pkl', 'joblib', 'raw.joblib', 'xz.joblib'].filter((ext) => existsSync(join(FIXTURES, `${name}.${ext}`)));

async function imported(name: string, ext: string, options: Partial<ImportOptions> = {}) {
  const expected = read(name);
  const value = await loadModelFile(readFileSync(join(FIXTURES, `${name}.${ext}`)));
  return sklearnToOnnx(value, {
    name,
    source: `${name}.${ext}`,
    features: expected.fittedOnFrame ? undefined : expected.features,
    ...options,
  });
}

function rowsOf(expected: Expected): Record<string, number | null>[] {
  return expected.rows.map((r) => Object.fromEntries(expected.features.map((f, i) => [f, r[i] ?? null])));
}

/**
 * Labels equal on every row, except that a row whose probabilities scikit-learn itself gives as NaN may
 * be refused (the server answers an error for a non-finite result instead of a label).
 */
function expectLabels(expected: Expected, got: Answers): void {
  const wrong = expected.predict.flatMap((label, r) =>
    got.labels?.[r] === label || (got.refused?.has(r) && expected.proba?.[r]?.includes(null))
      ? []
      : [`row ${r}: ${String(got.labels?.[r])}, not ${String(label)}`],
  );
  expect(wrong, 'rows whose label differs from scikit-learn').toEqual([]);
}

describe.each(cases.filter((name) => read(name).refused === undefined))('%s', (name) => {
  const expected = read(name);

  it.each(formats(name))(`imported from .%s, answers as scikit-learn does`, async (ext) => {
    const { model, card } = await imported(name, ext);
    expect(card.features.map((f) => f.name)).toEqual(expected.features);
    const got = await answers(encodeModel(model), rowsOf(expected));
    if (expected.classes) {
      expect(card.classes).toEqual(expected.classes);
      expectLabels(expected, got);
    }
    if (expected.proba) {
      const k = expected.classes?.length ?? 0;
      let worst = 0;
      expected.proba.forEach((p, r) => {
        for (let c = 0; c < k; c++) {
          const mine = got.probabilities?.[r * k + c] ?? Number.NaN;
          const theirs = p[c] ?? null;
          if (theirs === null) expect(mine, `row ${r} class ${c}: scikit-learn's is NaN`).toBeNaN();
          else
            worst = Math.max(worst, Number.isNaN(mine) ? Number.POSITIVE_INFINITY : Math.abs(mine - theirs));
        }
      });
      expect(worst, 'largest probability difference').toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
    } else if (!expected.classes) {
      expected.predict.forEach((v, r) => {
        const want = v as number;
        const mine = got.values?.[r] ?? Number.NaN;
        expect(Math.abs(mine - want), `row ${r}`).toBeLessThanOrEqual(
          VALUE_TOLERANCE * Math.max(1, Math.abs(want)),
        );
      });
    }
  });
});

describe.each(cases.filter((name) => read(name).refused !== undefined))('%s', (name) => {
  const expected = read(name);
  it.each(formats(name))('is refused from .%s, with a message that names why', async (ext) => {
    await expect(imported(name, ext)).rejects.toThrow(new RegExp(expected.refused as string));
  });
});

describe.each(cases.filter((name) => /mlp/.test(name)))('%s with float64 layers', (name) => {
  it('answers as scikit-learn does within 1e-9', async () => {
    const expected = read(name);
    const { model } = await imported(name, 'pkl', { layers: 'float64' });
    const got = await answers(encodeModel(model), rowsOf(expected));
    const want = expected.proba ? (expected.proba.flat() as number[]) : (expected.predict as number[]);
    const mine = expected.proba ? got.probabilities : got.values;
    want.forEach((v, i) => {
      expect(Math.abs((mine?.[i] ?? Number.NaN) - v), `value ${i}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(v)),
      );
    });
  });
});
