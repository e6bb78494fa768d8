// HistGradientBoosting models with categorical features (test/fixtures/sklearn-hgb and sklearn-hgb-1.6,
// written by scripts/reference/make_hgb_fixtures.py with scikit-learn 1.9.1 and 1.6.1): integer-coded
// columns given by index, boolean mask and feature name, categorical_features="from_dtype" over pandas
// category columns of strings and integers, and behind a ColumnTransformer's OrdinalEncoder. Each is
// imported and answers its held-out rows (codes and strings the model never saw, a fraction and a
// negative code, missing cells) through `modelgate predict` as scikit-learn does: labels equal,
// probabilities within 1e-9, values within 1e-9 relative (the graph computes in double, as
// scikit-learn does).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli/import.js';
import { findCard } from '../../src/onnx/card.js';
import { decodeMetadataProps } from '../../src/onnx/proto.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { PickleRefusedError, UnsupportedModelError } from '../../src/sklearn/errors.js';
import { readModelFile } from '../../src/sklearn/joblib.js';
import type { NdArray, PyObject, PyTuple, PyValue } from '../../src/sklearn/values.js';
import { type Cell, expectPredictAnswers, type FixtureAnswers } from '../helpers/fixture-answers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sklearn-hgb', import.meta.url));
const PROBABILITY_TOLERANCE = 1e-9;
const VALUE_TOLERANCE = 1e-9;

interface Expected extends FixtureAnswers {
  name: string;
  task: 'classification' | 'regression';
  features: string[];
  categorical: string[];
  rows: Cell[][];
  predict: (number | string)[];
  classes?: string[];
  proba?: number[][];
}

const dir = mkdtempSync(join(tmpdir(), 'modelgate-hgb-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// scikit-learn 1.9's files, and 1.6's (the other format generation the machines offer).
const FOLDERS = ['sklearn-hgb', 'sklearn-hgb-1.6'];
const cases = FOLDERS.flatMap((folder) =>
  readdirSync(fileURLToPath(new URL(`../fixtures/${folder}`, import.meta.url)))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${folder}/${f.replace(/\.json$/, '')}`),
);
const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures', import.meta.url));
const read = (c: string) => JSON.parse(readFileSync(join(FIXTURE_ROOT, `${c}.json`), 'utf8')) as Expected;

describe.each(cases)('%s', (name) => {
  const expected = read(name);
  const model = join(dir, `${name.replace('/', '-')}.onnx`);

  it('imports with its categorical features typed as categories', async () => {
    // In-process (the CLI's own exit codes and messages are test/cli's): the answers below are the CLI's.
    await importCommand(join(FIXTURE_ROOT, `${name}.pkl`), { out: model, quiet: true });
    const card = findCard(decodeMetadataProps(readFileSync(model)));
    expect(card.features.map((f) => f.name)).toEqual(expected.features);
    const categories = card.features.filter((f) => f.type === 'category');
    expect(categories.map((f) => f.name)).toEqual(expected.categorical);
    // Every category the model never saw goes with the missing values, as scikit-learn sends it.
    for (const f of categories) expect(f.unknown).toBe('pass');
    expect(card.missing).toBe('impute');
    if (expected.classes) expect(card.classes).toEqual(expected.classes);
  });

  it('answers the held-out rows through `modelgate predict` as scikit-learn does', async () => {
    await expectPredictAnswers(model, expected, {
      probability: PROBABILITY_TOLERANCE,
      value: VALUE_TOLERANCE,
    });
  });
});

describe('HistGradientBoosting refusals', () => {
  const convert = (value: ReturnType<typeof readModelFile>) =>
    sklearnToOnnx(value, { name: 'm', source: 'm.pkl' });

  it('refuses categorical splits without the preprocessor scikit-learn 1.4+ saves, naming the setting', () => {
    const value = readModelFile(readFileSync(join(FIXTURES, 'index-binary.pkl')));
    (value as PyObject).dict?.map.delete('_preprocessor');
    expect(() => convert(value)).toThrow(UnsupportedModelError);
    expect(() => convert(value)).toThrow(
      /a HistGradientBoostingClassifier with categorical splits and no categorical preprocessor/,
    );
  });

  it('refuses a preprocessor whose encoder does not make unknown categories NaN', () => {
    const value = readModelFile(readFileSync(join(FIXTURES, 'dtype-binary.pkl'))) as PyObject;
    const pre = value.dict?.get('_preprocessor') as PyObject;
    const entries = pre.dict?.get('transformers_') as PyTuple[];
    const encoder = entries[0]?.items[1] as PyObject;
    encoder.dict?.map.set('unknown_value', -1);
    expect(() => convert(value)).toThrow(
      /whose OrdinalEncoder does not encode unknown and missing categories as NaN/,
    );
  });

  /** An attribute of a rebuilt object (the test knows what the fixture holds). */
  const get = <T>(obj: PyObject, name: string) => obj.dict?.get(name) as T;
  /** The OrdinalEncoder inside a HistGradientBoosting model's preprocessor. */
  const innerEncoder = (hgb: PyObject) =>
    get<PyTuple[]>(get<PyObject>(hgb, '_preprocessor'), 'transformers_')[0]?.items[1] as PyObject;

  it('refuses two categories that read as the same text', () => {
    const value = readModelFile(readFileSync(join(FIXTURES, 'dtype-binary.pkl'))) as PyObject;
    const [city] = get<NdArray[]>(innerEncoder(value), 'categories_');
    (city?.objects as PyValue[])[1] = 'Brest';
    expect(() => convert(value)).toThrow(
      /a HistGradientBoostingClassifier whose categorical feature "city" has two categories of the same text/,
    );
  });

  it('refuses string categories behind other steps', () => {
    const pipeline = readModelFile(
      readFileSync(join(FIXTURES, 'pipeline-ordinal-classifier.pkl')),
    ) as PyObject;
    const steps = pipeline.dict?.get('steps') as PyTuple[];
    const hgb = steps[1]?.items[1] as PyObject;
    const strings = readModelFile(readFileSync(join(FIXTURES, 'dtype-binary.pkl'))) as PyObject;
    const [city] = get<NdArray[]>(innerEncoder(strings), 'categories_');
    const categories = innerEncoder(hgb).dict?.get('categories_') as NdArray[];
    categories[0] = city as NdArray;
    expect(() => convert(pipeline)).toThrow(
      /a HistGradientBoostingClassifier with string categories behind other steps/,
    );
  });

  it('reads functools.partial around check_array only', () => {
    // protocol 2: functools.partial(builtins.list)
    const bytes = Buffer.from('\x80\x02cfunctools\npartial\ncbuiltins\nlist\n\x85R.', 'latin1');
    expect(() => readModelFile(bytes)).toThrow(PickleRefusedError);
    expect(() => readModelFile(bytes)).toThrow(/wraps builtins.list in functools.partial/);
  });
});
