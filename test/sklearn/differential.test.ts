// The differential harness: hundreds of small scikit-learn models (scripts/reference/differential/
// generate.py: every estimator family modelgate converts, the parameters that change their arithmetic,
// and a handful it does not convert), each saved as a pickle and as a zlib joblib file with
// scikit-learn's own answers on held-out rows. Every file is imported exactly as `modelgate import` does
// it (loadModelFile, sklearnToOnnx, encodeModel, Predictor.load) and must end in one of two ways:
//   MATCH    labels equal on every row; probabilities within PROBABILITY_TOLERANCE (absolute); values
//            within VALUE_TOLERANCE relative, |a - b| <= tol * max(1, |b|); the card's features, task
//            and classes as scikit-learn has them;
//   REFUSED  the allowlist's or the converter's error (src/sklearn/errors.ts) with a message.
// Anything else (a different answer, a TypeError, a graph onnxruntime will not load, a row refused that
// scikit-learn answers, a row answered that it refuses) fails.
//
// The committed cases (test/fixtures/differential, scikit-learn 1.9.1) always run. With the Python
// references installed (scripts/reference/setup-python.sh, and `setup-python.sh 1.6.1` for the other file
// format generation; CI has both), the generator also runs afresh under each, side by side, into
// temporary folders, and those cases are checked the same way, so the live scikit-learns are exercised,
// not only the committed files. Without one, its part says it skipped (and fails where CI is set).
//
// The coverage table in docs/importing.md (between the differential-table markers) is rendered from the
// outcomes here; a stale table fails. Rewrite it with `node scripts/differential-table.mjs`.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClassLabel } from '../../src/onnx/card.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import { Predictor, type PredictorOptions } from '../../src/runtime/predictor.js';
import { type LayerPrecision, sklearnToOnnx } from '../../src/sklearn/convert.js';
import { ModelImportError, PickleRefusedError } from '../../src/sklearn/errors.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { CONVERTED_CLASSES, REFUSED_CLASSES } from '../../src/sklearn/registry.js';
import { PYTHON_MISSING, referencePython } from '../helpers/python.js';
import { sklearnClassesIn } from '../helpers/sklearn-classes.js';

const CONVERTED = new Set(CONVERTED_CLASSES);

/** Probabilities: absolute difference. */
const PROBABILITY_TOLERANCE = 1e-5;
/** Regression values: |a - b| <= VALUE_TOLERANCE * max(1, |b|). */
const VALUE_TOLERANCE = 1e-5;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMITTED = join(ROOT, 'test/fixtures/differential');
const GENERATOR = join(ROOT, 'scripts/reference/differential/generate.py');
const DOCS = join(ROOT, 'docs/importing.md');
/**
 * The generator takes 1.5-4 minutes here for about 1,000 cases (each scikit-learn version on one of the two
 * cores, slower while other work runs); a hung Python must not hold the suite.
 */
const GENERATOR_TIMEOUT_MS = 600_000;
const FILES = ['pkl', 'joblib'] as const;

interface Expected {
  name: string;
  family: string;
  sklearn: string;
  estimator: string;
  task: 'classification' | 'regression' | 'clustering' | 'outlier-detection' | 'other';
  features: string[] | null;
  rows: (number | string | null)[][];
  predict: (ClassLabel | number[])[];
  classes?: ClassLabel[];
  proba?: number[][];
  /** A KMeans-like clusterer's distances to each cluster (its transform). */
  distances?: number[][];
  /** An outlier detector's decision_function. */
  decision?: number[];
  /**
   * Rows (indices into `rows`) scikit-learn answers by a tie modelgate does not reproduce (cosine
   * k-neighbours): modelgate must refuse each with unanswerable_row, and answer the others.
   */
  unanswerable?: number[];
  /** Held-out rows scikit-learn's predict refuses (a missing value, an unknown category). */
  refusedRows?: (number | string | null)[][];
}

interface Tolerance {
  probability: number;
  value: number;
}

interface Index {
  sklearn: string;
  families: string[];
  cases: { name: string; family: string }[];
}

type Outcome =
  /** worst: the largest difference (probability, or relative value) on the rows compared. */
  /** compiled: the compiled evaluator answered (runtime: 'compiled' and the graph compiled). */
  | { kind: 'match'; worst: number; classes: string[]; compiled: boolean }
  | { kind: 'refused'; error: string; message: string }
  | { kind: 'mismatch'; detail: string };

/** What Predictor.predict resolves to (named by its signature, so the union the lead is introducing fits). */
type Predictions = Awaited<ReturnType<Predictor['predict']>>;

/** What a prediction answers, read in one place (Predictions is becoming a discriminated union). */
function answers(p: Predictions): {
  labels?: readonly ClassLabel[];
  probabilities?: ArrayLike<number>;
  values?: ArrayLike<number>;
  distances?: ArrayLike<number>;
} {
  if (p.kind === 'clusters')
    return { labels: Array.from(p.clusters), probabilities: p.probabilities, distances: p.distances };
  // An outlier detector's scores are its decision function, compared as values; its labels as predict's.
  if (p.kind === 'outliers') return { labels: p.outliers.map((o) => (o ? -1 : 1)), values: p.scores };
  return { labels: p.labels, probabilities: p.probabilities, values: p.values };
}

/** The first row where `got` differs from `want` by more than `tolerance` relative (floor 1), and the worst. */
function relative(
  got: ArrayLike<number> | undefined,
  want: readonly number[],
  tolerance: number,
  what: string,
): { detail?: string; worst: number } {
  if (!got || got.length !== want.length)
    return { detail: `no ${what} for each of the ${want.length} entries`, worst: Number.POSITIVE_INFINITY };
  let worst = 0;
  let at = -1;
  want.forEach((w, i) => {
    const d = Math.abs((got[i] as number) - w) / Math.max(1, Math.abs(w));
    if (!(d <= worst)) [worst, at] = [Number.isNaN(d) ? Number.POSITIVE_INFINITY : d, i];
  });
  if (worst > tolerance)
    return {
      detail: `${what} ${at}: ${got[at]}, scikit-learn ${want[at]} (relative difference ${worst.toExponential(2)})`,
      worst: Number.POSITIVE_INFINITY,
    };
  return { worst };
}

/**
 * modelgate's own refusals, with a message that reads: the allowlist's (a class modelgate does not
 * rebuild) and the converter's (an estimator or setting it does not convert). A PickleFormatError or
 * PickleLimitError on a file Python wrote is a defect of the reader, not a refusal.
 */
function isRefusal(err: unknown): err is Error {
  return (
    (err instanceof PickleRefusedError || err instanceof ModelImportError) &&
    err.message.length > 0 &&
    !/undefined|\[object /.test(err.message)
  );
}

const describeError = (err: unknown) =>
  err instanceof Error ? `${err.name}: ${err.message}` : `a thrown ${typeof err}: ${String(err)}`;

const readIndex = (dir: string) => JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Index;
const readExpected = (dir: string, name: string) =>
  JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Expected;

/**
 * The first difference between modelgate's answers and scikit-learn's beyond the tolerance (undefined
 * when they agree), and the largest difference measured (probability, or relative value).
 */
function difference(
  expected: Expected,
  out: ReturnType<typeof answers>,
  tolerance: Tolerance,
): { detail?: string; worst: number } {
  const n = expected.rows.length;
  const fail = (detail: string) => ({ detail, worst: Number.POSITIVE_INFINITY });
  if (expected.task === 'regression') {
    const values = out.values;
    // Several targets: scikit-learn's [rows, targets], row by row, as modelgate's values are.
    const wanted = expected.predict.flat() as number[];
    if (!values || values.length !== wanted.length)
      return fail(`no value for each of the ${n} rows (${wanted.length} values)`);
    let worst = 0;
    let at = -1;
    wanted.forEach((want, r) => {
      const d = Math.abs((values[r] as number) - (want as number)) / Math.max(1, Math.abs(want as number));
      if (!(d <= worst)) [worst, at] = [Number.isNaN(d) ? Number.POSITIVE_INFINITY : d, r];
    });
    if (worst > tolerance.value)
      return fail(
        `value ${at} (row ${Math.floor((at * n) / wanted.length)}): ${values[at]}, scikit-learn ${wanted[at]} (relative difference ${worst.toExponential(2)})`,
      );
    return { worst };
  }
  const labels = out.labels;
  if (!labels || labels.length !== n) return fail(`no label for each of the ${n} rows`);
  const unsupervised: { detail?: string; worst: number }[] = [];
  if (expected.task === 'outlier-detection')
    unsupervised.push(relative(out.values, expected.decision ?? [], tolerance.value, 'decision of row'));
  if (expected.task === 'clustering') {
    if (expected.distances)
      unsupervised.push(relative(out.distances, expected.distances.flat(), tolerance.value, 'distance'));
    else if (out.distances) return fail('serves distances where scikit-learn has no transform to clusters');
  }
  const wrong = expected.predict.flatMap((want, r) => (labels[r] === want ? [] : [r]));
  if (wrong.length > 0) {
    const r = wrong[0] as number;
    return fail(
      `${wrong.length} of ${n} labels differ (row ${r}: ${JSON.stringify(labels[r])}, scikit-learn ${JSON.stringify(expected.predict[r])})`,
    );
  }
  const failed = unsupervised.find((d) => d.detail !== undefined);
  if (failed) return failed;
  const worstSoFar = Math.max(0, ...unsupervised.map((d) => d.worst));
  const proba = expected.proba;
  if (!proba)
    return out.probabilities
      ? fail('serves probabilities where scikit-learn has no predict_proba')
      : { worst: worstSoFar };
  const k = expected.classes?.length ?? proba[0]?.length ?? 0;
  const p = out.probabilities;
  if (!p || p.length !== n * k) return fail(`no ${k} probabilities for each of the ${n} rows`);
  let worst = 0;
  let at = [-1, -1];
  proba.forEach((row, r) => {
    row.forEach((want, c) => {
      const d = Math.abs((p[r * k + c] as number) - want);
      if (!(d <= worst)) [worst, at] = [Number.isNaN(d) ? Number.POSITIVE_INFINITY : d, [r, c]];
    });
  });
  if (worst > tolerance.probability) {
    const [r, c] = at as [number, number];
    return fail(
      `row ${r}, ${expected.classes ? `class ${JSON.stringify(expected.classes[c])}` : `cluster ${c}`}: probability ${p[r * k + c]}, scikit-learn ${proba[r]?.[c]} (difference ${worst.toExponential(2)})`,
    );
  }
  return { worst: Math.max(worst, worstSoFar) };
}

/** The case without its unanswerable rows (which modelgate must refuse one by one), and their indices. */
function splitUnanswerable(expected: Expected): { answerable: Expected; unanswerable: number[] } {
  const unanswerable = expected.unanswerable ?? [];
  if (unanswerable.length === 0) return { answerable: expected, unanswerable };
  const drop = new Set(unanswerable);
  const keep = <T>(list: T[] | undefined) => list?.filter((_, r) => !drop.has(r));
  const answerable: Expected = {
    ...expected,
    rows: keep(expected.rows) as Expected['rows'],
    predict: keep(expected.predict) as Expected['predict'],
  };
  if (expected.proba) answerable.proba = keep(expected.proba);
  if (expected.distances) answerable.distances = keep(expected.distances);
  if (expected.decision) answerable.decision = keep(expected.decision);
  return { answerable, unanswerable };
}

/**
 * The arithmetic of neural-network layers per family. MLPs import with float32 layers by default, which
 * misses 1e-5 on some cases (mlp-regressor-lbfgs-deep: 1.4e-5); a user who wants scikit-learn's own
 * answers imports with `--precision float64`, so the harness does too. The default is measured below.
 */
const LAYERS: Record<string, LayerPrecision> = { MLP: 'float64' };

/** The default float32 layers against scikit-learn: the bound docs/importing.md states for them. */
const FLOAT32_LAYERS_TOLERANCE = 1e-4;

/** One file of one case, imported as `modelgate import` imports it, and compared with scikit-learn. */
async function outcome(
  dir: string,
  expected: Expected,
  ext: (typeof FILES)[number],
  layers: LayerPrecision | undefined,
  tolerance: Tolerance = { probability: PROBABILITY_TOLERANCE, value: VALUE_TOLERANCE },
  runtime: PredictorOptions['runtime'] = 'onnxruntime',
): Promise<Outcome> {
  const file = `${expected.name}.${ext}`;
  let predictor: Predictor;
  let card: ReturnType<typeof sklearnToOnnx>['card'];
  let classes: string[];
  try {
    const value = await loadModelFile(readFileSync(join(dir, file)));
    classes = [...sklearnClassesIn(value)].filter((c) => CONVERTED.has(c));
    const converted = sklearnToOnnx(value, { name: expected.name, source: file, layers });
    card = converted.card;
    predictor = await Predictor.load(encodeModel(converted.model), { runtime });
  } catch (err) {
    if (isRefusal(err)) return { kind: 'refused', error: err.name, message: err.message };
    return { kind: 'mismatch', detail: `import failed with ${describeError(err)}` };
  }
  try {
    const names = expected.features ?? expected.rows[0]?.map((_, i) => `x${i}`) ?? [];
    const got = card.features.map((f) => f.name);
    if (JSON.stringify(got) !== JSON.stringify(names))
      return {
        kind: 'mismatch',
        detail: `features ${JSON.stringify(got)}, scikit-learn ${JSON.stringify(names)}`,
      };
    if (card.task !== expected.task)
      return { kind: 'mismatch', detail: `imported as ${card.task}, scikit-learn's is ${expected.task}` };
    if (
      expected.task === 'classification' &&
      JSON.stringify(card.classes) !== JSON.stringify(expected.classes)
    )
      return {
        kind: 'mismatch',
        detail: `classes ${JSON.stringify(card.classes)}, scikit-learn ${JSON.stringify(expected.classes)}`,
      };
    const { answerable, unanswerable } = splitUnanswerable(expected);
    let out: Predictions;
    try {
      out = await predictor.predict(answerable.rows);
    } catch (err) {
      return { kind: 'mismatch', detail: `refused rows scikit-learn answers: ${describeError(err)}` };
    }
    const { detail, worst } = difference(answerable, answers(out), tolerance);
    if (detail) return { kind: 'mismatch', detail };
    for (const r of unanswerable) {
      const refusal = await predictor.predict([expected.rows[r]]).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (!(refusal instanceof InvalidRowError && refusal.code === 'unanswerable_row'))
        return {
          kind: 'mismatch',
          detail: `row ${r}, answered by a tie modelgate does not reproduce, is ${refusal ? `refused with ${describeError(refusal)}` : 'answered'}`,
        };
    }
    for (const [r, row] of (expected.refusedRows ?? []).entries()) {
      try {
        await predictor.predict([row]);
      } catch (err) {
        if (err instanceof InvalidRowError && err.message.length > 0) continue;
        return { kind: 'mismatch', detail: `refused row ${r} with ${describeError(err)}` };
      }
      return {
        kind: 'mismatch',
        detail: `answers ${JSON.stringify(row)}, which scikit-learn refuses (refused row ${r})`,
      };
    }
    return { kind: 'match', worst, classes, compiled: predictor.runtime.runtime === 'compiled' };
  } finally {
    await predictor.release();
  }
}

/** Both files of a case: they must end the same way. */
async function caseOutcome(
  dir: string,
  name: string,
  layers?: LayerPrecision,
  tolerance?: Tolerance,
  runtime?: PredictorOptions['runtime'],
): Promise<Outcome> {
  const expected = readExpected(dir, name);
  const [pkl, joblib] = await Promise.all(
    FILES.map((ext) => outcome(dir, expected, ext, layers ?? LAYERS[expected.family], tolerance, runtime)),
  );
  if (pkl?.kind === 'mismatch') return pkl;
  if (joblib?.kind === 'mismatch')
    return { kind: 'mismatch', detail: `from the joblib file: ${joblib.detail}` };
  if (pkl?.kind !== joblib?.kind)
    return { kind: 'mismatch', detail: `the pickle ends ${pkl?.kind}, the joblib file ${joblib?.kind}` };
  return pkl as Outcome;
}

/** Whether an outcome passes (it matches or is refused); else why not. */
function verdict(name: string, o: Outcome): string | undefined {
  return o.kind === 'mismatch' ? `${name}: ${o.detail}` : undefined;
}

// ---------------------------------------------------------------- the coverage table

/** Markdown: per family, the cases, how many convert with scikit-learn's answers, and the refused ones. */
function renderTable(index: Index, outcomes: Map<string, Outcome>): string {
  const lines = [
    '| family | cases | converted, same answers | refused | refused cases |',
    '|---|---:|---:|---:|---|',
  ];
  let total = 0;
  let converted = 0;
  let refused = 0;
  for (const family of index.families) {
    const cases = index.cases.filter((c) => c.family === family);
    if (cases.length === 0) continue;
    const kinds = cases.map((c) => ({ name: c.name, o: outcomes.get(c.name) }));
    const match = kinds.filter((k) => k.o?.kind === 'match').length;
    const refusedNames = kinds.filter((k) => k.o?.kind === 'refused').map((k) => k.name);
    total += cases.length;
    converted += match;
    refused += refusedNames.length;
    const list = refusedNames.map((n) => `\`${n}\``).join(', ');
    lines.push(`| ${family} | ${cases.length} | ${match} | ${refusedNames.length} | ${list} |`);
  }
  lines.push(`| **all** | **${total}** | **${converted}** | **${refused}** | |`);
  return `${lines.join('\n')}\n`;
}

/** scikit-learn's estimators by kind (scripts/reference/estimators.py), as the coverage counts them. */
const ESTIMATORS = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/sklearn-estimators.json'), 'utf8')) as {
  sklearn: string;
  kinds: Record<string, string[]>;
};
/**
 * What skl2onnx converts of scikit-learn 1.9's estimators, by kind (issue 16's measurement): the goal.
 * Of the clusterers KMeans and MiniBatchKMeans, of the outlier detectors IsolationForest,
 * LocalOutlierFactor and OneClassSVM, and both mixtures (its list of supported models).
 */
const SKL2ONNX: Record<string, number> = {
  classifier: 38,
  regressor: 49,
  transformer: 52,
  cluster: 2,
  outlier_detector: 3,
  density: 2,
};
const KIND_NAMES: Record<string, string> = {
  classifier: 'classifiers',
  regressor: 'regressors',
  transformer: 'transformers',
  cluster: 'clusterers',
  outlier_detector: 'outlier detectors',
  density: 'mixtures (density)',
  other: 'other (model selection, covariance, text, ...)',
};

/**
 * Markdown: per kind of scikit-learn estimator (its own all_estimators list), how many convert with
 * scikit-learn's answers in at least one differential case, against skl2onnx's count where it has one,
 * and the ones that do not (with the reason a family gives, where it gives one).
 */
function renderCoverage(outcomes: Map<string, Outcome>): string {
  const matched = new Set<string>();
  for (const o of outcomes.values()) if (o.kind === 'match') for (const c of o.classes) matched.add(c);
  const lines = [
    `| kind | in scikit-learn ${ESTIMATORS.sklearn} | converted, same answers | skl2onnx converts | not converted |`,
    '|---|---:|---:|---:|---|',
  ];
  for (const [kind, names] of Object.entries(ESTIMATORS.kinds)) {
    const converted = names.filter((n) => matched.has(n));
    const missing = names
      .filter((n) => !matched.has(n))
      .map((n) => (REFUSED_CLASSES.has(n) ? `${n} (${REFUSED_CLASSES.get(n)})` : n));
    lines.push(
      `| ${KIND_NAMES[kind] ?? kind} | ${names.length} | ${converted.length} | ${SKL2ONNX[kind] ?? ''} | ${missing.join(', ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function tableInDocs(marker = 'differential-table'): string {
  const [open, close] = [`<!-- ${marker}:start -->`, `<!-- ${marker}:end -->`];
  const text = readFileSync(DOCS, 'utf8');
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`docs/importing.md has no ${open} ... ${close} markers`);
  return text.slice(start + open.length, end).replace(/^\n/, '');
}

function writeTableIntoDocs(table: string, marker = 'differential-table'): void {
  const [open, close] = [`<!-- ${marker}:start -->`, `<!-- ${marker}:end -->`];
  const text = readFileSync(DOCS, 'utf8');
  const start = text.indexOf(open) + open.length;
  const end = text.indexOf(close);
  writeFileSync(DOCS, `${text.slice(0, start)}\n${table}${text.slice(end)}`);
}

// ---------------------------------------------------------------- the committed cases

const committed = readIndex(COMMITTED);
const committedOutcomes = new Map<string, Outcome>();
let committedCases: Promise<Map<string, Outcome>> | undefined;

/** Every committed case's outcome, computed once (the per-case tests fill it as they run). */
async function allCommitted(): Promise<Map<string, Outcome>> {
  committedCases ??= (async () => {
    for (const { name } of committed.cases)
      if (!committedOutcomes.has(name)) committedOutcomes.set(name, await caseOutcome(COMMITTED, name));
    return committedOutcomes;
  })();
  return committedCases;
}

describe(`differential: ${committed.cases.length} cases from scikit-learn ${committed.sklearn} (committed)`, () => {
  it('index.json lists every case file, and every case has its files', () => {
    for (const { name } of committed.cases)
      for (const ext of [...FILES, 'json'])
        expect(existsSync(join(COMMITTED, `${name}.${ext}`)), `${name}.${ext}`).toBe(true);
    const listed = new Set(
      committed.cases.flatMap(({ name }) => [...FILES, 'json'].map((e) => `${name}.${e}`)),
    );
    const extra = readdirSync(COMMITTED).filter((f) => f !== 'index.json' && !listed.has(f));
    expect(extra, 'files of cases the generator no longer writes').toEqual([]);
  });

  it.each(committed.cases.map((c) => c.name))('%s', async (name) => {
    const o = await caseOutcome(COMMITTED, name);
    committedOutcomes.set(name, o);
    expect(verdict(name, o)).toBeUndefined();
  });

  afterAll(async () => {
    const outcomes = await allCommitted();
    const count = (kind: Outcome['kind']) => [...outcomes.values()].filter((o) => o.kind === kind).length;
    // MODELGATE_DIFFERENTIAL_VERBOSE=1: every case that does not match, with its refusal or difference.
    if (process.env.MODELGATE_DIFFERENTIAL_VERBOSE === '1')
      for (const [name, o] of outcomes)
        if (o.kind !== 'match')
          console.log(`${o.kind}\t${name}\t${o.kind === 'refused' ? `${o.error}: ${o.message}` : o.detail}`);
    console.log(
      `differential (committed): ${outcomes.size} cases, ${outcomes.size * FILES.length} files: ${count('match')} match scikit-learn, ${count('refused')} refused, ${count('mismatch')} differ`,
    );
  });
});

// The same committed cases on the compiled evaluator (runtime: 'compiled'): each graph that compiles is
// answered by it, so its answers are held to scikit-learn's own, as onnxruntime's are above.
describe('differential: the committed cases on the compiled evaluator', () => {
  it(`answer as scikit-learn does, or are refused as on onnxruntime (${committed.cases.length} cases)`, async () => {
    const failures: string[] = [];
    let compiled = 0;
    for (const { name } of committed.cases) {
      const o = await caseOutcome(COMMITTED, name, undefined, undefined, 'compiled');
      const why = verdict(name, o);
      if (why) failures.push(why);
      const reference = committedOutcomes.get(name) ?? (await caseOutcome(COMMITTED, name));
      if (o.kind !== reference.kind)
        failures.push(`${name}: ${o.kind} on the compiled evaluator, ${reference.kind} on onnxruntime`);
      if (o.kind === 'match' && o.compiled) compiled++;
    }
    expect(failures).toEqual([]);
    // 838 of them run on the compiled evaluator (test/runtime/compiled-differential.test.ts
    // holds the same graphs to onnxruntime's answers on more rows).
    expect(compiled, `${compiled} cases ran on the compiled evaluator`).toBeGreaterThanOrEqual(838);
  }, 600_000);
});

describe('differential: MLPs with the default float32 layers', () => {
  const mlps = committed.cases.filter((c) => c.family === 'MLP').map((c) => c.name);
  it(`answer within ${FLOAT32_LAYERS_TOLERANCE} of scikit-learn, labels equal (${mlps.length} cases)`, async () => {
    const tolerance = { probability: FLOAT32_LAYERS_TOLERANCE, value: FLOAT32_LAYERS_TOLERANCE };
    // The largest difference by task: probabilities (absolute) and values (relative).
    const worst = { classification: { d: 0, name: '' }, regression: { d: 0, name: '' } };
    const failures: string[] = [];
    for (const name of mlps) {
      const o = await caseOutcome(COMMITTED, name, 'float32', tolerance);
      const task = readExpected(COMMITTED, name).task === 'regression' ? 'regression' : 'classification';
      if (o.kind === 'match' && o.worst > worst[task].d) worst[task] = { d: o.worst, name };
      const why = verdict(name, o);
      if (why) failures.push(why);
    }
    const { classification: c, regression: r } = worst;
    console.log(
      `differential: MLPs with float32 layers: probabilities within ${c.d.toExponential(2)} (${c.name}), values within ${r.d.toExponential(2)} relative (${r.name})`,
    );
    expect(failures).toEqual([]);
  });
});

describe('the coverage table in docs/importing.md', () => {
  it('is the table the committed cases give', async () => {
    const table = renderTable(committed, await allCommitted());
    if (process.env.MODELGATE_WRITE_TABLE === '1') writeTableIntoDocs(table);
    expect(tableInDocs(), 'stale: run `node scripts/differential-table.mjs`').toBe(table);
  });

  it("counts scikit-learn's estimators that convert, against skl2onnx", async () => {
    const table = renderCoverage(await allCommitted());
    if (process.env.MODELGATE_WRITE_TABLE === '1') writeTableIntoDocs(table, 'estimator-coverage');
    expect(tableInDocs('estimator-coverage'), 'stale: run `node scripts/differential-table.mjs`').toBe(table);
  });
});

// ---------------------------------------------------------------- the live scikit-learn

/** Runs the generator into `out`; rejects with its stderr on failure or after the time bound. */
function generate(python: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [GENERATOR, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64_000) stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), GENERATOR_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`the generator exited with ${signal ?? code}: ${stderr.slice(-4000)}`));
    });
  });
}

/** A scikit-learn the generator runs under: its python, or why it is not there. */
interface LiveReference {
  /** major.minor */
  minor: string;
  python(): Promise<{ python: string } | { missing: string }>;
}

/** The python at `path` when it runs scikit-learn `minor`.x with pandas and joblib, else why not. */
async function venvPython(path: string, minor: string): Promise<{ python: string } | { missing: string }> {
  const setup = `run \`bash scripts/reference/setup-python.sh ${minor === '1.6' ? '1.6.1' : ''}\``;
  if (!existsSync(path)) return { missing: `${path} does not exist: ${setup}` };
  const version = await new Promise<string | undefined>((resolve) => {
    execFile(path, ['-c', 'import sklearn, pandas, joblib; print(sklearn.__version__)'], (err, stdout) =>
      resolve(err ? undefined : stdout.trim()),
    );
  });
  if (version === undefined) return { missing: `${path} cannot import sklearn, pandas and joblib: ${setup}` };
  if (!version.startsWith(`${minor}.`))
    return { missing: `${path} has scikit-learn ${version}, not ${minor}: ${setup}` };
  return { python: path };
}

/**
 * The scikit-learn versions the generator runs under: the reference (1.9, as the committed cases) and
 * 1.6.1, the other file format generation (loss objects named `_loss.*`, the remainder kept as a
 * _RemainderColsList, LogisticRegression's multi_class). Both are set up in CI, where a missing one fails.
 */
const LIVE: LiveReference[] = [
  {
    minor: '1.9',
    python: async () => {
      const python = await referencePython();
      return python ? { python } : { missing: PYTHON_MISSING };
    },
  },
  { minor: '1.6', python: () => venvPython(join(ROOT, '.venv-ref-1.6.1/bin/python'), '1.6') },
];

// Concurrent: the two generators (Python, 20-30 s each) run side by side on separate cores; the checks
// after them share this process.
describe.concurrent('differential: the generator run afresh against the live scikit-learn', () => {
  it.for(LIVE.map((ref) => [ref.minor, ref] as const))(
    'scikit-learn %s: every case it writes matches scikit-learn or is refused',
    { timeout: GENERATOR_TIMEOUT_MS + 120_000 },
    async ([minor, { python: find }], { expect }) => {
      const found = await find();
      if ('missing' in found) {
        if (process.env.CI)
          throw new Error(`CI is set and the scikit-learn ${minor} reference is missing: ${found.missing}`);
        console.warn(`differential: skipped the live scikit-learn ${minor} part: ${found.missing}`);
        return;
      }
      const out = mkdtempSync(join(tmpdir(), `modelgate-differential-${minor}-`));
      try {
        const started = performance.now();
        await generate(found.python, out);
        const generated = performance.now() - started;
        const index = readIndex(out);
        expect(index.sklearn.startsWith(`${minor}.`), `the generator ran scikit-learn ${index.sklearn}`).toBe(
          true,
        );
        if (index.sklearn === committed.sklearn)
          expect(
            index.cases.map((c) => c.name),
            'the committed cases are stale: regenerate test/fixtures/differential',
          ).toEqual(committed.cases.map((c) => c.name));
        const failures: string[] = [];
        const kinds = { match: 0, refused: 0, mismatch: 0 };
        for (const { name } of index.cases) {
          const o = await caseOutcome(out, name);
          kinds[o.kind]++;
          const why = verdict(name, o);
          if (why) failures.push(why);
        }
        console.log(
          `differential (live scikit-learn ${index.sklearn}): ${index.cases.length} cases generated in ${(generated / 1000).toFixed(1)} s, checked in ${((performance.now() - started - generated) / 1000).toFixed(1)} s: ${kinds.match} match, ${kinds.refused} refused, ${kinds.mismatch} differ`,
        );
        expect(failures).toEqual([]);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  );
});
