// A card's per-feature rules as requests meet them: the numbers a feature takes (a OneHotEncoder that
// refuses unknown categories) and whether it may be missing (an imputer on some columns only). The
// RowEncoder checks each value, the core answers 400 naming the row, the feature and what it takes, and
// /metadata's schema says the same (enum, nullable, required).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { predictBody } from '../../src/api/predict.js';
import { inputSchema } from '../../src/api/schema.js';
import type { FeatureSpec, ModelCard } from '../../src/onnx/card.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { MAX_ALLOWED_IN_DETAILS, RowEncoder } from '../../src/runtime/rows.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/differential/${name}`, import.meta.url));

function cardWith(features: FeatureSpec[], missing: ModelCard['missing'] = 'reject'): ModelCard {
  return {
    format: 1,
    name: 't',
    task: 'regression',
    features,
    missing,
    io: { input: 'input', inputType: 'float64', value: 'value' },
    provenance: { source: 'sklearn', tool: 't', createdAt: '' },
  };
}

/** The error a row is refused with (fails when it is encoded). */
function refusal(enc: RowEncoder, rows: unknown[]): InvalidRowError {
  try {
    enc.encode(rows, new Float64Array(rows.length * enc.width));
  } catch (err) {
    if (err instanceof InvalidRowError) return err;
    throw err;
  }
  throw new Error(`encoded ${JSON.stringify(rows)}`);
}

const shop = cardWith([
  { name: 'price', type: 'number', missing: 'impute' },
  { name: 'colour', type: 'number', values: [0, 1, 2, 5] },
  { name: 'size', type: 'number' },
]);

describe("RowEncoder: a feature's values", () => {
  const enc = new RowEncoder(shop);

  it('takes the listed numbers, arrays and objects alike', () => {
    expect(
      Array.from(enc.encode([[3.5, 5, 1], { price: 1, colour: 0, size: 2 }], new Float64Array(6))),
    ).toEqual([3.5, 5, 1, 1, 0, 2]);
  });

  it('refuses any other number as an unknown category naming the row, the feature and the values', () => {
    for (const row of [[3.5, 9, 1], { price: 3.5, colour: 1.5, size: 1 }]) {
      const err = refusal(enc, [[1, 1, 1], row]);
      expect(err.code).toBe('unknown_category');
      expect(err.message).toMatch(
        /^row 1, feature "colour": (9|1\.5) is not one of the values this model takes \(0, 1, 2, 5\)$/,
      );
      expect(err.details).toMatchObject({ row: 1, feature: 'colour', allowed: [0, 1, 2, 5] });
    }
  });

  it('abbreviates a long list in the message, bounds it in the details', () => {
    const values = Array.from({ length: MAX_ALLOWED_IN_DETAILS + 5 }, (_, i) => i * 2);
    const err = refusal(new RowEncoder(cardWith([{ name: 'zip', type: 'number', values }])), [[3]]);
    expect(err.message).toBe(
      `row 0, feature "zip": 3 is not one of the values this model takes (0, 2, 4, 6, 8, 10, 12, 14, ... (${values.length} in all))`,
    );
    expect(err.details.allowed).toHaveLength(MAX_ALLOWED_IN_DETAILS);
    expect(err.details.allowedCount).toBe(values.length);
  });

  it('says null is taken too where the feature may be missing', () => {
    const enc = new RowEncoder(cardWith([{ name: 'c', type: 'number', values: [1, 2], missing: 'impute' }]));
    expect(Number.isNaN(enc.encode([[null]], new Float64Array(1))[0])).toBe(true);
    expect(refusal(enc, [[3]]).message).toMatch(/\(1, 2, or null \(missing\)\)$/);
  });
});

describe("RowEncoder: a feature's own missing", () => {
  const enc = new RowEncoder(shop);

  it('takes null and an absent key where the feature may be missing', () => {
    const out = enc.encode([[null, 1, 2], { colour: 1, size: 2 }], new Float64Array(6));
    expect(Number.isNaN(out[0])).toBe(true);
    expect(Number.isNaN(out[3])).toBe(true);
  });

  it('refuses it elsewhere, without claiming the model has no imputer', () => {
    const err = refusal(enc, [[1, 1, null]]);
    expect(err.code).toBe('missing_feature');
    expect(err.message).toBe(
      'row 0, feature "size" is missing, and this model takes no missing value for it: send a number',
    );
  });

  it('keeps the old message for a model that takes no missing value at all', () => {
    const enc = new RowEncoder(cardWith([{ name: 'a', type: 'number' }]));
    expect(refusal(enc, [[null]]).message).toMatch(/is missing, and this model has no imputer/);
  });

  it('checkMatrix applies the same rules to a matrix built elsewhere', () => {
    expect(() => enc.checkMatrix(Float64Array.of(Number.NaN, 5, 1))).not.toThrow();
    expect(() => enc.checkMatrix(Float64Array.of(1, 5, 1, 1, 3, 1))).toThrow(/row 1, feature "colour": 3/);
    expect(() => enc.checkMatrix(Float64Array.of(1, 5, Number.NaN))).toThrow(/feature "size" is missing/);
  });
});

describe('the /metadata schema', () => {
  it("lists a feature's values as an enum, null where it may be missing, and requires the others", () => {
    const schema = inputSchema({
      ...shop,
      features: [...shop.features, { name: 'kind', type: 'number', values: [1, 2], missing: 'impute' }],
    });
    expect(schema.properties).toEqual({
      price: { type: ['number', 'null'] },
      colour: { type: 'number', enum: [0, 1, 2, 5] },
      size: { type: 'number' },
      kind: { type: ['number', 'null'], enum: [1, 2, null] },
    });
    expect(schema.required).toEqual(['colour', 'size']);
    expect(schema.description).toMatch(/features whose schema allows null/);
  });
});

describe('through the core, as scikit-learn decides', () => {
  async function imported(name: string): Promise<Predictor> {
    const converted = sklearnToOnnx(await loadModelFile(readFileSync(fixture(`${name}.pkl`))), {
      name,
      source: `${name}.pkl`,
    });
    return Predictor.load(encodeModel(converted.model));
  }

  async function status(p: Predictor, body: unknown): Promise<{ status: number; body: unknown }> {
    try {
      return { status: 200, body: await predictBody(p, JSON.stringify(body)) };
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: err.toJSON() };
      throw err;
    }
  }

  it('OneHotEncoder(handle_unknown="error"): a colour it never saw is a 400 naming it', async () => {
    const p = await imported('onehot-unknown-refused-logreg');
    try {
      expect(p.card.features.find((f) => f.name === 'colour')?.values).toEqual([0, 1, 2, 3]);
      const row = { alpha: 1.97, beta: 59.6, gamma: -1.88, colour: 9, size: 1 };
      expect(await status(p, row)).toEqual({
        status: 400,
        body: {
          error: {
            type: 'unknown_category',
            message: 'feature "colour": 9 is not one of the values this model takes (0, 1, 2, 3)',
            details: {
              feature: 'colour',
              expected: 'one of 4 values',
              got: '9',
              allowed: [0, 1, 2, 3],
            },
          },
        },
      });
      expect((await status(p, { ...row, colour: 2 })).status).toBe(200);
      const batch = await status(p, {
        input: [
          [1.97, 59.6, -1.88, 2, 1],
          [1.97, 59.6, -1.88, 7, 1],
        ],
      });
      expect(batch.body).toMatchObject({ error: { type: 'unknown_category', details: { row: 1 } } });
    } finally {
      await p.release();
    }
  });

  it('an imputer on some columns: those may be missing, the others are refused', async () => {
    const p = await imported('columns-imputed-partly');
    try {
      expect(p.card.missing).toBe('reject');
      expect(p.card.features.map((f) => f.missing ?? '-')).toEqual(['impute', 'impute', '-', '-', '-']);
      const row = { alpha: -1.3, beta: 54.0, gamma: -2.1, delta: 899.1, epsilon: 2.0 };
      expect((await status(p, { ...row, alpha: null })).status).toBe(200);
      expect(await status(p, { ...row, gamma: null })).toMatchObject({
        status: 400,
        body: { error: { type: 'missing_feature', details: { feature: 'gamma' } } },
      });
    } finally {
      await p.release();
    }
  });
});
