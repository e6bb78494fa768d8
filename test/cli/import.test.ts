// `modelgate import` through the built CLI: the peer toolkit's own files give its published answer,
// the reference pipeline serves, and bad files exit 1 with a message that names the problem, writing
// nothing and running nothing.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findCard } from '../../src/onnx/card.js';
import { decodeMetadataProps } from '../../src/onnx/proto.js';
import { runCli } from '../helpers/cli.js';

const PEER = fileURLToPath(new URL('../fixtures/scikit-learn-lambda', import.meta.url));
const SKLEARN = fileURLToPath(new URL('../fixtures/sklearn', import.meta.url));
const PICKLES = fileURLToPath(new URL('../fixtures/pickle', import.meta.url));
const TYPED = fileURLToPath(new URL('../fixtures/sklearn-typed', import.meta.url));
const LIGHTGBM = fileURLToPath(new URL('../fixtures/lightgbm', import.meta.url));
const XGBOOST = fileURLToPath(new URL('../fixtures/xgboost', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'modelgate-import-'));
/** A protocol 2 pickle of one object of the class (GLOBAL, EMPTY_TUPLE, NEWOBJ, STOP). */
function pickleOf(module: string, name: string): string {
  const file = join(dir, `${name}.pkl`);
  writeFileSync(file, Buffer.from(`\x80\x02c${module}\n${name}\n)\x81.`, 'latin1'));
  return file;
}
/** A scikit-learn class no family declares (a pickle of it alone). */
const UNCONVERTED = pickleOf('sklearn.gaussian_process._gpc', 'GaussianProcessClassifier');
const TRANSFORMER_ALONE = pickleOf('sklearn.preprocessing._data', 'StandardScaler');
/** A GridSearchCV whose state has no best_estimator_, as refit=False leaves it (EMPTY_DICT, BUILD). */
const SEARCH_WITHOUT_REFIT = join(dir, 'search-no-refit.pkl');
writeFileSync(
  SEARCH_WITHOUT_REFIT,
  Buffer.from('\x80\x02csklearn.model_selection._search\nGridSearchCV\n)\x81}b.', 'latin1'),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function importFile(file: string, ...args: string[]) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.onnx`);
  const r = await runCli(['import', file, '--out', out, ...args], { cwd: dir });
  return { ...r, out };
}

describe('modelgate import', () => {
  // The toolkit's README: {"prediction": [0], "probabilities": [{"0": 0.3722170997279803, ...}]}
  const PUBLISHED = { '0': 0.3722170997279803, '1': 0.29998954257031885, '2': 0.32779335770170076 };
  const ZEROS = '{"input": [[0, 0, 0, 0]], "return_probabilities": true}';

  it("gives the scikit-learn-lambda toolkit's published answer for its mlp.joblib exactly with --precision float64 (scikit-learn 0.23.1)", async () => {
    const r = await importFile(join(PEER, 'mlp.joblib'), '--precision', 'float64');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported MLPClassifier from .*mlp\.joblib/);
    const answer = await runCli(['predict', r.out, ZEROS]);
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.stdout)).toEqual({ prediction: [0], probabilities: [PUBLISHED] });
  });

  it('computes the layers in float32 by default: the same label, probabilities within 1e-6, half the file', async () => {
    const single = await importFile(join(PEER, 'mlp.joblib'));
    const double = await importFile(join(PEER, 'mlp.joblib'), '--precision', 'float64');
    expect(single.code).toBe(0);
    const answer = JSON.parse((await runCli(['predict', single.out, ZEROS])).stdout);
    expect(answer.prediction).toEqual([0]);
    for (const [label, p] of Object.entries(PUBLISHED))
      expect(Math.abs(answer.probabilities[0][label] - p), label).toBeLessThan(1e-6);
    // Not the double answer itself: the arithmetic did change.
    expect(answer.probabilities[0]['0']).not.toBe(PUBLISHED['0']);
    const ratio = readFileSync(single.out).length / readFileSync(double.out).length;
    expect(ratio).toBeGreaterThan(0.45);
    expect(ratio).toBeLessThan(0.55);
  });

  it('refuses an unknown --precision, naming the choices', async () => {
    const r = await importFile(join(PEER, 'mlp.joblib'), '--precision', 'float16');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/float16.*float32, float64|float32, float64.*float16/s);
  });

  it.each(['svm.joblib', 'mlp.pickle'])("imports the toolkit's %s, and it serves", async (name) => {
    const r = await importFile(
      join(PEER, name),
      '--features',
      'sepal_length,sepal_width,petal_length,petal_width',
    );
    expect(r.code).toBe(0);
    const card = findCard(decodeMetadataProps(readFileSync(r.out)));
    expect(card.features.map((f) => f.name)).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
    ]);
    expect(card.classes).toEqual([0, 1, 2]);
    expect(card.provenance.source).toBe('sklearn');
    const answer = await runCli([
      'predict',
      r.out,
      '{"sepal_length": 5.9, "sepal_width": 3, "petal_length": 5.1, "petal_width": 1.8}',
    ]);
    expect(answer.code).toBe(0);
    expect([0, 1, 2]).toContain(JSON.parse(answer.stdout).prediction.label);
  });

  it("imports the reference's Pipeline(SimpleImputer, GradientBoostingClassifier) with its DataFrame's names", async () => {
    const r = await importFile(join(SKLEARN, 'reference-pipeline.joblib'), '--name', 'iris-reference');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Pipeline(SimpleImputer, GradientBoostingClassifier)');
    expect(r.stdout).toContain('missing values    handled by the model');
    const card = findCard(decodeMetadataProps(readFileSync(r.out)));
    expect(card.name).toBe('iris-reference');
    expect(card.features[0]?.name).toBe('sepal_length_cm');
    const answer = await runCli([
      'predict',
      r.out,
      '{"sepal_length_cm": 5.9, "sepal_width_cm": null, "petal_length_cm": 5.1, "petal_width_cm": 1.8}',
    ]);
    expect(JSON.parse(answer.stdout).prediction.label).toBe('virginica');
  });

  it('--json prints one JSON object: what was imported and the file written, nothing else', async () => {
    const r = await importFile(join(SKLEARN, 'reference-pipeline.joblib'), '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    const features = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'];
    expect(json).toEqual({
      source: join(SKLEARN, 'reference-pipeline.joblib'),
      format: 'joblib',
      out: r.out,
      bytes: readFileSync(r.out).length,
      sha256: createHash('sha256').update(readFileSync(r.out)).digest('hex'),
      name: 'reference-pipeline',
      estimator: 'Pipeline(SimpleImputer, GradientBoostingClassifier)',
      task: 'classification',
      classes: ['setosa', 'versicolor', 'virginica'],
      features,
      takesMissing: features,
      types: Object.fromEntries(features.map((f) => [f, 'number'])),
      categories: {},
      unknown: {},
      seconds: expect.any(Number),
    });
    // A regressor without an imputer, with a one-hot encoded feature that refuses unknown values.
    const onehot = JSON.parse((await importFile(join(SKLEARN, 'onehot-drop.pkl'), '--json')).stdout);
    expect(onehot).toMatchObject({ task: 'regression', classes: null, takesMissing: [] });
    expect(onehot.categories).toEqual({ sex: [-0.0446416365069891, 0.0506801187398186] });
    // A pipeline over a DataFrame with string columns: their types, categories and unknown policies.
    const typed = await importFile(join(TYPED, 'onehot-ignore-logreg.pkl'), '--json');
    const t = JSON.parse(typed.stdout);
    expect(t.types).toEqual({
      age: 'number',
      city: 'category',
      income: 'number',
      plan: 'category',
      sex: 'category',
    });
    expect(t.categories.plan).toEqual(['basic', 'plus', 'pro']);
    expect(t.unknown).toEqual({ city: 'pass', plan: 'pass', sex: 'pass' });
    const text = await importFile(join(TYPED, 'onehot-ignore-logreg.pkl'));
    expect(text.stdout).toMatch(
      / {2}plan {14}category: basic, plus, pro; an unknown one is passed to the model\n/,
    );
  });

  it.each<[string, string, string[], RegExp]>([
    [
      'a hostile pickle',
      join(PICKLES, 'os-system.pkl'),
      [],
      /refused .*os-system\.pkl: the file names posix\.system, which is not on modelgate's allowlist/,
    ],
    [
      'a model with a hostile object inside',
      join(PICKLES, 'nested-in-model.pkl'),
      [],
      /refused .*the file names posix\.system/,
    ],
    [
      'a CSV',
      fileURLToPath(new URL('../../examples/iris/iris.csv', import.meta.url)),
      [],
      /is not a pickle or joblib file modelgate can read: the file does not start like a pickle or joblib file/,
    ],
    [
      'an estimator off the allowlist',
      UNCONVERTED,
      [],
      /cannot import .*: modelgate does not convert a scikit-learn GaussianProcessClassifier \(sklearn\.gaussian_process\._gpc\.GaussianProcessClassifier\); it converts the \d+ scikit-learn classes listed in docs\/importing\.md \(Estimators\)/,
    ],
    [
      'an unfitted LightGBM model',
      join(SKLEARN, 'unsupported-lightgbm-lgbmclassifier.pkl'),
      [],
      /cannot import .*: the LGBMClassifier has no _Booster: it was not fitted/,
    ],
    [
      'an empty LightGBM Booster',
      join(SKLEARN, 'unsupported-lightgbm-booster.pkl'),
      [],
      /cannot import .*: the LightGBM model text has no num_class= line in its header/,
    ],
    [
      'an XGBClassifier never fitted',
      join(SKLEARN, 'unsupported-xgboost-xgbclassifier.pkl'),
      [],
      /cannot import .*: the XGBClassifier has no _Booster: it was not fitted/,
    ],
    [
      'a search fitted with refit=False',
      SEARCH_WITHOUT_REFIT,
      [],
      /cannot import .*: the GridSearchCV holds no refit model \(fitted with refit=False\): save or refit search\.best_estimator_/,
    ],
    [
      'a transformer as the model',
      TRANSFORMER_ALONE,
      [],
      /cannot import .*: modelgate does not convert a StandardScaler as the model \(a transformer: modelgate serves a Pipeline that ends in a classifier or regressor\)/,
    ],
    [
      'too few --features',
      join(PEER, 'svm.joblib'),
      ['--features', 'a,b'],
      /--features names 2 features; the model takes 4/,
    ],
    [
      'an ONNX file, pointing at pack',
      fileURLToPath(new URL('../fixtures/onnx/binary-logistic.onnx', import.meta.url)),
      [],
      /cannot import .*: the file is an ONNX model already: give it its model card with `modelgate pack <file> --out packed\.onnx`/,
    ],
    [
      'an XGBoost ranking model',
      join(XGBOOST, 'ranking.ubj'),
      [],
      /cannot import .*: modelgate does not convert an XGBoost ranking model \(objective rank:pairwise: /,
    ],
    [
      'a LightGBM model with linear trees',
      join(LIGHTGBM, 'linear-tree.joblib'),
      [],
      /cannot import .*: modelgate does not convert a LightGBM model with linear trees \(linear_tree=True: /,
    ],
    ['a missing file', join(dir, 'nope.joblib'), [], /no such file/],
    ['an unknown compression', join(PICKLES, 'values-bz2.joblib'), [], /compressed with bz2/],
  ])('refuses %s: exit 1, named, nothing written', async (_, file, args, message) => {
    const r = await importFile(file, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    // A model modelgate does not read is not supported; only what could be code reads as refused.
    if (/cannot import/.test(r.stderr))
      expect(r.stderr).not.toMatch(/refused|allowlist|nothing in it was run/);
    expect(existsSync(r.out)).toBe(false);
    expect(existsSync(join(dir, 'pwned-os-system'))).toBe(false);
    expect(existsSync(join(dir, 'pwned-nested'))).toBe(false);
  });

  it('imports a LightGBM text model and dump, saying what it found, whatever the file is named', async () => {
    const text = await importFile(join(LIGHTGBM, 'multiclass.txt'));
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^imported lightgbm Booster from .*multiclass\.txt \(a LightGBM text model\) in /,
    );
    const renamed = join(dir, 'model.pkl');
    writeFileSync(renamed, readFileSync(join(LIGHTGBM, 'multiclass.json')));
    const dump = await importFile(renamed, '--json');
    expect(dump.code).toBe(0);
    expect(JSON.parse(dump.stdout)).toMatchObject({
      format: 'lightgbm-json',
      estimator: 'lightgbm Booster',
      task: 'classification',
      classes: [0, 1, 2],
    });
    const answer = await runCli(['predict', dump.out, '{"input": [[0, 0, 0, 0]]}']);
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.stdout).prediction).toHaveLength(1);
  });

  it('imports an XGBoost UBJSON model and a pickled XGBClassifier, saying what it found, whatever the name', async () => {
    const renamed = join(dir, 'model.txt');
    writeFileSync(renamed, readFileSync(join(XGBOOST, 'multiclass.ubj')));
    const ubj = await importFile(renamed);
    expect(ubj.stderr).toBe('');
    expect(ubj.code).toBe(0);
    expect(ubj.stdout).toMatch(
      /^imported xgboost XGBClassifier from .*model\.txt \(an XGBoost UBJSON model\) in /,
    );
    const pickled = await importFile(join(XGBOOST, 'categorical.pkl'), '--json');
    expect(pickled.code).toBe(0);
    expect(JSON.parse(pickled.stdout)).toMatchObject({
      format: 'pickle',
      estimator: 'xgboost XGBClassifier',
      task: 'classification',
      classes: [0, 1],
      types: { size: 'number', colour: 'category', weight: 'number', shape: 'category' },
      unknown: { colour: 'reject', shape: 'reject' },
    });
    // XGBClassifier takes only 0..k-1: labels encoded before fitting come back with --labels.
    const labelled = await importFile(
      join(XGBOOST, 'multiclass.ubj'),
      '--labels',
      fileURLToPath(new URL('../fixtures/sklearn-labels/encoder.joblib', import.meta.url)),
      '--json',
    );
    expect(labelled.code).toBe(0);
    expect(JSON.parse(labelled.stdout).classes).toEqual(['churn', 'maybe', 'stay']);
    const answer = await runCli([
      'predict',
      pickled.out,
      '{"input": [{"size": 0.5, "colour": "red", "weight": null, "shape": "flat"}]}',
    ]);
    expect(answer.stderr).toBe('');
    expect(JSON.parse(answer.stdout).prediction).toHaveLength(1);
  });

  it('refuses a truncated joblib file and a missing argument', async () => {
    const cut = join(dir, 'cut.joblib');
    const whole = readFileSync(join(SKLEARN, 'logreg-iris.joblib'));
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    const r = await importFile(cut);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /cut\.joblib is not a pickle or joblib file modelgate can read: the zlib stream is damaged/,
    );
    const none = await runCli(['import']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing required argument 'file'/);
  });
});
