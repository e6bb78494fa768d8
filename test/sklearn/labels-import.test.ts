// A classifier trained on LabelEncoder-ed targets (test/fixtures/sklearn-labels, written by
// scripts/reference/make_hgb_fixtures.py with scikit-learn 1.9.1): its classes_ are the codes 0..k-1 and
// its labels are the encoder's. Given with `--labels` (the encoder, or its classes_ saved as an array),
// or saved with it in a dict or a tuple, the imported model answers the held-out rows through
// `modelgate predict` with the labels scikit-learn's encoder.inverse_transform(model.predict(X)) gives,
// probabilities keyed by label within 1e-9. An encoder of other labels, two encoders, labels for a
// regressor and a labels file without labels are refused with a message that says which.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli/import.js';
import { findCard } from '../../src/onnx/card.js';
import { decodeMetadataProps } from '../../src/onnx/proto.js';
import { runCli } from '../helpers/cli.js';
import { type Cell, expectPredictAnswers } from '../helpers/fixture-answers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sklearn-labels', import.meta.url));
const HGB = fileURLToPath(new URL('../fixtures/sklearn-hgb', import.meta.url));
const PROBABILITY_TOLERANCE = 1e-9;
const fixture = (name: string) => join(FIXTURES, name);

const expected = JSON.parse(readFileSync(fixture('labels.json'), 'utf8')) as {
  features: string[];
  modelClasses: number[];
  classes: string[];
  rows: Cell[][];
  predict: string[];
  proba: number[][];
};

const dir = mkdtempSync(join(tmpdir(), 'modelgate-labels-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function answersAsScikitLearn(model: string): Promise<void> {
  const card = findCard(decodeMetadataProps(readFileSync(model)));
  expect(card.classes).toEqual(expected.classes);
  await expectPredictAnswers(model, expected, { probability: PROBABILITY_TOLERANCE, value: 0 });
}

describe('a classifier trained on LabelEncoder codes', () => {
  it('fixture: the model alone knows only the codes', () => {
    expect(expected.modelClasses).toEqual([0, 1, 2]);
  });

  it('`modelgate import model.pkl --labels encoder.joblib` answers the labels', async () => {
    const out = join(dir, 'flag.onnx');
    const r = await runCli([
      'import',
      fixture('model.pkl'),
      '--labels',
      fixture('encoder.joblib'),
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/classes churn, maybe, stay/);
    await answersAsScikitLearn(out);
  });

  it.each([
    ['a dict of model and encoder', 'bundle-dict.joblib', undefined],
    ['a tuple of model and encoder', 'bundle-tuple.pkl', undefined],
    ["--labels naming the encoder's classes_ saved as an array", 'model.pkl', 'classes.joblib'],
  ])('%s answers the labels', async (_, file, labels) => {
    const out = join(dir, `${file}.onnx`);
    await importCommand(fixture(file), { out, quiet: true, ...(labels ? { labels: fixture(labels) } : {}) });
    await answersAsScikitLearn(out);
  });

  it.each([
    [
      'an encoder of other labels',
      'model.pkl',
      'encoder-other.pkl',
      /cannot import .*model\.pkl: the labels do not fit the HistGradientBoostingClassifier: its classes_ is \[0,1,2\] and the encoder has 4 labels \(\["a","b","c","d"\]\)/,
    ],
    [
      '--labels beside an encoder the file holds',
      'bundle-dict.joblib',
      'encoder.joblib',
      /the file holds a LabelEncoder beside the model already: leave out --labels/,
    ],
    [
      'labels for a regressor',
      join(HGB, 'dtype-regressor.pkl'),
      'encoder.joblib',
      /labels are for a classifier's classes, and the HistGradientBoostingRegressor is a regressor/,
    ],
    [
      'a labels file that holds a model, not its labels',
      'model.pkl',
      'model.pkl',
      /cannot import .*model\.pkl: the labels file holds no LabelEncoder \(nor an array of labels\)/,
    ],
  ])('refuses %s', async (_, file, labels, message) => {
    const out = join(dir, 'refused.onnx');
    const model = file.startsWith('/') ? file : fixture(file);
    await expect(importCommand(model, { out, quiet: true, labels: fixture(labels) })).rejects.toThrow(
      message,
    );
  });
});
