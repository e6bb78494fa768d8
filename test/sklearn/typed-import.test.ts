// Pipelines fitted on a DataFrame of numeric and string (or category) columns (test/fixtures/sklearn-typed,
// written by scripts/reference/make_typed_fixtures.py with scikit-learn 1.9.1): OneHotEncoder,
// OrdinalEncoder and TargetEncoder on the string columns (infrequent categories, drop, integer columns
// beside them), a SimpleImputer on strings before some, in ColumnTransformers of every kind or at the top
// of the Pipeline. Each is imported as `modelgate import` imports it (in this process: the point is the
// model, not the process) and answers its held-out rows (categories the encoders never saw, missing
// strings where the case has them) through the built `modelgate predict` as scikit-learn does: labels
// equal, probabilities within 1e-5, values within 1e-5 relative. The rows scikit-learn's predict refuses
// (an unknown category or number where the encoder raises on one) are refused by the API with
// unknown_category, checked in-process, one request each. refused/ holds what the converter refuses.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPredictor } from '../../src/adapters/model.js';
import { ApiError } from '../../src/api/errors.js';
import { predictBody } from '../../src/api/predict.js';
import { importCommand } from '../../src/cli/import.js';
import { type FeatureSpec, findCard, graphInputs } from '../../src/onnx/card.js';
import { decodeMetadataProps } from '../../src/onnx/proto.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { UnsupportedModelError } from '../../src/sklearn/errors.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import {
  type Cell,
  expectPredictAnswers,
  type FixtureAnswers,
  namedRow,
} from '../helpers/fixture-answers.js';

/** The generator's string columns (the others are numbers). */
const STRING_COLUMNS = ['city', 'plan', 'sex'];
const FIXTURES = fileURLToPath(new URL('../fixtures/sklearn-typed', import.meta.url));
const PROBABILITY_TOLERANCE = 1e-5;
const VALUE_TOLERANCE = 1e-5;

interface Expected extends FixtureAnswers {
  name: string;
  task: 'classification' | 'regression';
  features: string[];
  rows: Cell[][];
  predict: (number | string)[];
  classes?: string[];
  proba?: number[][];
  refusedRows?: Cell[][];
}

const dir = mkdtempSync(join(tmpdir(), 'modelgate-typed-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));
const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Expected;

/** Imports a fixture as `modelgate import --quiet` does, in this process; the model's path. */
async function imported(name: string): Promise<string> {
  const out = join(dir, `${name}.onnx`);
  await importCommand(join(FIXTURES, `${name}.pkl`), { out, quiet: true });
  return out;
}

describe.each(cases)('%s', (name) => {
  const expected = read(name);
  let model: string;

  it('imports with the string columns typed as categories, in feature_names_in_ order', async () => {
    model = await imported(name);
    const card = findCard(decodeMetadataProps(readFileSync(model)));
    expect(card.features.map((f) => f.name)).toEqual(expected.features);
    const strings = card.features.filter((f) => f.type === 'category');
    expect(strings.map((f) => f.name)).toEqual(expected.features.filter((f) => STRING_COLUMNS.includes(f)));
    for (const f of strings) expect(f.categories?.length).toBeGreaterThan(1);
    // The unknown categories (or integers) the held-out rows hold are refused exactly where scikit-learn
    // refuses them.
    const refuses = (f: FeatureSpec) => f.unknown === 'reject' || f.values !== undefined;
    expect(card.features.some(refuses)).toBe(expected.refusedRows !== undefined);
    if (expected.classes) expect(card.classes).toEqual(expected.classes);
    expect(graphInputs(card).length).toBeGreaterThan(0);
  });

  it('answers the held-out rows through `modelgate predict` as scikit-learn does', async () => {
    await expectPredictAnswers(model, expected, {
      probability: PROBABILITY_TOLERANCE,
      value: VALUE_TOLERANCE,
    });
  });

  // Only where scikit-learn refused some held-out row (a model that answers every row has none).
  if (expected.refusedRows !== undefined)
    it("refuses the rows scikit-learn's predict refuses, naming the unknown category", async () => {
      const predictor = await loadPredictor({ uri: model });
      try {
        for (const row of expected.refusedRows ?? []) {
          const err = await predictBody(
            predictor,
            JSON.stringify({ input: [namedRow(expected.features, row)] }),
          ).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, JSON.stringify(row)).toBeInstanceOf(ApiError);
          expect((err as ApiError).toJSON().error.type).toBe('unknown_category');
          expect((err as ApiError).message).toMatch(
            /("(Marseille|enterprise)"|4) is not one of the (categories|values)/,
          );
        }
      } finally {
        await predictor.release();
      }
    });
});

// Pipelines scikit-learn fits and predicts with that modelgate cannot answer exactly as it would: refused
// at import, naming the estimator and the setting (test/fixtures/sklearn-typed/refused).
const REFUSED = join(FIXTURES, 'refused');
describe.each(
  readdirSync(REFUSED)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, '')),
)('refused: %s', (name) => {
  it('is refused by the converter with a message naming the estimator and the setting', async () => {
    const { message } = JSON.parse(readFileSync(join(REFUSED, `${name}.json`), 'utf8')) as {
      message: string;
    };
    const value = await loadModelFile(readFileSync(join(REFUSED, `${name}.pkl`)));
    expect(() => sklearnToOnnx(value, { name, source: name })).toThrow(UnsupportedModelError);
    expect(() => sklearnToOnnx(value, { name, source: name })).toThrow(new RegExp(message));
  });
});
