// LightGBM parity: every case of scripts/reference/make_lightgbm_fixtures.py (binary, multiclass, each
// regression objective, missing values, categorical splits, early stopping, rf boosting, string labels,
// pandas categories) in every file it was saved as (text, JSON dump, pickle, joblib), imported as
// `modelgate import` imports it (detectFormat, convertModelFile, encodeModel, Predictor.load), must give
// LightGBM's own answers on the held-out rows: labels equal, probabilities within 1e-5 absolute, values
// within 1e-5 relative (|a - b| <= 1e-5 * max(1, |b|)); the refused cases are refused with a message.
//
// The committed cases (test/fixtures/lightgbm) always run. With the Python reference installed (CI has
// it), the generator also runs afresh into a temporary folder and those cases are checked the same way.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/cli/detect.js';
import { convertModelFile } from '../../src/cli/import.js';
import { type ClassLabel, validateCard } from '../../src/onnx/card.js';
import { checkCardAgainstGraph } from '../../src/onnx/graph-check.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor, type PredictorOptions } from '../../src/runtime/predictor.js';
import { ModelImportError } from '../../src/sklearn/errors.js';
import { PYTHON_MISSING, REFERENCE_DIR, referencePython } from '../helpers/python.js';

const PROBABILITY_TOLERANCE = 1e-5;
const VALUE_TOLERANCE = 1e-5;
const COMMITTED = fileURLToPath(new URL('../fixtures/lightgbm', import.meta.url));
/** The generator takes about 3 s here; a hung Python must not hold the suite. */
const GENERATOR_TIMEOUT_MS = 120_000;

interface Expected {
  name: string;
  estimator: string;
  objective: string;
  task: 'classification' | 'regression';
  features: string[];
  rows: (number | string | null)[][];
  refused: boolean;
  files: string[];
  predict?: (ClassLabel | number)[];
  classes?: ClassLabel[];
  proba?: number[][];
}

const FORMATS: Record<string, string> = {
  txt: 'lightgbm-text',
  json: 'lightgbm-json',
  pkl: 'pickle',
  joblib: 'joblib',
};

const cases = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: string[] }).cases;
const expectedOf = (dir: string, name: string) =>
  JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as Expected;

/** The first difference from LightGBM's answers beyond the tolerance, or undefined. */
async function mismatch(
  dir: string,
  expected: Expected,
  ext: string,
  runtime: PredictorOptions['runtime'] = 'onnxruntime',
): Promise<string | undefined> {
  let e = expected;
  const bytes = readFileSync(join(dir, `${e.name}.${ext}`));
  const format = detectFormat(bytes);
  if (format !== FORMATS[ext]) return `${ext} detected as ${format}`;
  let converted: Awaited<ReturnType<typeof convertModelFile>>;
  try {
    converted = await convertModelFile(bytes, format, { name: e.name, source: `${e.name}.${ext}` });
  } catch (err) {
    if (e.refused && err instanceof ModelImportError && err.message.length > 0) return undefined;
    return `import failed: ${(err as Error).name}: ${(err as Error).message}`;
  }
  if (e.refused) return 'imported a model LightGBM fixtures mark as refused';
  const { card } = converted;
  // The card as serve reads it, and as the graph declares its inputs and outputs.
  try {
    validateCard(JSON.parse(JSON.stringify(card)));
    checkCardAgainstGraph(card, converted.model.graph);
  } catch (err) {
    return `the card does not check: ${(err as Error).message}`;
  }
  // A text or a dump holds the Booster alone: its classes are LightGBM's indices, not the wrapper's labels.
  if (e.classes && (ext === 'txt' || ext === 'json') && e.estimator !== 'Booster') {
    const labels = e.classes;
    e = {
      ...e,
      classes: labels.map((_, i) => i),
      predict: (e.predict ?? []).map((w) => labels.indexOf(w as ClassLabel)),
    };
  }
  if (card.task !== e.task) return `task ${card.task}, LightGBM's ${e.task}`;
  if (JSON.stringify(card.features.map((f) => f.name)) !== JSON.stringify(e.features))
    return `features ${card.features.map((f) => f.name)}, LightGBM's ${e.features}`;
  if (e.classes && JSON.stringify(card.classes) !== JSON.stringify(e.classes))
    return `classes ${JSON.stringify(card.classes)}, LightGBM's ${JSON.stringify(e.classes)}`;
  let predictor: Predictor;
  try {
    predictor = await Predictor.load(encodeModel(converted.model), { runtime });
  } catch (err) {
    return `onnxruntime did not load it: ${(err as Error).message}`;
  }
  if (runtime === 'compiled' && predictor.runtime.runtime !== 'compiled') {
    await predictor.release();
    return `did not compile: ${predictor.runtime.notCompiled}`;
  }
  try {
    const out = await predictor.predict(e.rows);
    const want = e.predict as (ClassLabel | number)[];
    if (e.task === 'regression') {
      for (const [r, w] of want.entries()) {
        const got = out.values?.[r] as number;
        const d = Math.abs(got - (w as number)) / Math.max(1, Math.abs(w as number));
        if (!(d <= VALUE_TOLERANCE)) return `row ${r}: value ${got}, LightGBM ${w}`;
      }
      return undefined;
    }
    for (const [r, w] of want.entries())
      if (out.labels?.[r] !== w)
        return `row ${r}: label ${JSON.stringify(out.labels?.[r])}, LightGBM ${JSON.stringify(w)}`;
    const k = e.classes?.length ?? 0;
    for (const [r, row] of (e.proba ?? []).entries())
      for (const [c, w] of row.entries()) {
        const got = out.probabilities?.[r * k + c] as number;
        if (!(Math.abs(got - w) <= PROBABILITY_TOLERANCE))
          return `row ${r} class ${c}: probability ${got}, LightGBM ${w}`;
      }
    return undefined;
  } finally {
    await predictor.release();
  }
}

async function checkAll(dir: string, runtime?: PredictorOptions['runtime']): Promise<string[]> {
  const failures: string[] = [];
  for (const name of cases(dir)) {
    const e = expectedOf(dir, name);
    for (const ext of e.files) {
      const m = await mismatch(dir, e, ext, runtime);
      if (m) failures.push(`${name}.${ext}: ${m}`);
    }
  }
  return failures;
}

describe('LightGBM models imported without Python give LightGBM’s answers', () => {
  it('on every committed case, in every file it was saved as', async () => {
    const names = cases(COMMITTED);
    expect(names.length).toBeGreaterThan(25);
    expect(await checkAll(COMMITTED)).toEqual([]);
  });

  it('on every committed case on the compiled evaluator, each of them compiled', async () => {
    expect(await checkAll(COMMITTED, 'compiled')).toEqual([]);
  });

  it('covers every setting the brief names, and refuses linear trees, multiclassova and ranking', () => {
    const all = cases(COMMITTED).map((n) => expectedOf(COMMITTED, n));
    const objectives = new Set(all.map((e) => e.objective));
    for (const o of [
      'binary',
      'multiclass',
      'regression',
      'regression_l1',
      'huber',
      'fair',
      'quantile',
      'mape',
      'poisson',
      'gamma',
      'tweedie',
      'cross_entropy',
    ])
      expect(objectives, o).toContain(o);
    expect(
      all
        .filter((e) => e.refused)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['lambdarank', 'linear-tree', 'multiclassova']);
    const files = new Set(all.flatMap((e) => e.files));
    expect([...files].sort()).toEqual(['joblib', 'json', 'pkl', 'txt']);
  });

  describe('against live LightGBM', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'modelgate-lightgbm-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it(
      'regenerates the cases and imports each the same way',
      async (ctx) => {
        const python = await referencePython();
        if (!python) {
          if (process.env.CI) throw new Error(PYTHON_MISSING);
          ctx.skip();
          return;
        }
        await new Promise<void>((resolve, reject) =>
          execFile(
            python,
            [join(REFERENCE_DIR, 'make_lightgbm_fixtures.py'), tmp],
            {
              timeout: GENERATOR_TIMEOUT_MS,
              env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' },
            },
            (err) => (err ? reject(err) : resolve()),
          ),
        );
        expect(await checkAll(tmp)).toEqual([]);
      },
      GENERATOR_TIMEOUT_MS + 60_000,
    );
  });
});
