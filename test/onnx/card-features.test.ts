// A feature's own rules in the card: the numbers it takes (`values`) and whether it may be missing
// (`missing`, over the card's). Both optional: cards written before them load unchanged.
import { describe, expect, it } from 'vitest';
import {
  MAX_CARD_VALUES,
  MAX_FEATURE_VALUES,
  type ModelCard,
  takesMissing,
  validateCard,
} from '../../src/onnx/card.js';
import { ModelCardError } from '../../src/onnx/errors.js';

const card: ModelCard = {
  format: 1,
  name: 'shop',
  task: 'regression',
  features: [
    { name: 'price', type: 'number', missing: 'impute' },
    { name: 'colour', type: 'number', values: [0, 1, 2, 5] },
  ],
  missing: 'reject',
  io: { input: 'input', inputType: 'float64', value: 'value' },
  provenance: { source: 'sklearn', tool: 'modelgate', createdAt: '2026-01-01T00:00:00Z' },
};

const withFeatures = (features: unknown[]) => ({ ...card, features });

describe("model card: a feature's values and missing", () => {
  it("keeps values and a feature's own missing", () => {
    expect(validateCard(JSON.parse(JSON.stringify(card)))).toEqual(card);
  });

  it('loads a card without them (format 1 as before)', () => {
    const old = withFeatures([{ name: 'price', type: 'number' }]);
    const read = validateCard(old);
    expect(read.format).toBe(1);
    expect(read.features).toEqual([{ name: 'price', type: 'number' }]);
  });

  it("a feature's missing overrides the card's", () => {
    const [price, colour] = card.features as [ModelCard['features'][0], ModelCard['features'][0]];
    expect(takesMissing(card, price)).toBe(true);
    expect(takesMissing(card, colour)).toBe(false);
    expect(takesMissing({ missing: 'impute' }, colour)).toBe(true);
    expect(takesMissing({ missing: 'impute' }, { ...colour, missing: 'reject' })).toBe(false);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an array', { name: 'c', type: 'number', values: 3 }, /"c": "values" must be a non-empty array/],
    ['empty', { name: 'c', type: 'number', values: [] }, /non-empty array/],
    ['a string', { name: 'c', type: 'number', values: [1, 'red'] }, /finite numbers/],
    ['null', { name: 'c', type: 'number', values: [1, null] }, /finite numbers/],
    ['twice', { name: 'c', type: 'number', values: [1, 2, 1] }, /the value 1 appears twice/],
    ['0 and -0', { name: 'c', type: 'number', values: [0, -0] }, /appears twice/],
    [
      'a bad missing',
      { name: 'c', type: 'number', missing: 'fill' },
      /"c": "missing" must be "impute" or "reject"/,
    ],
  ])('refuses values or missing that are %s', (_, feature, message) => {
    expect(() => validateCard(withFeatures([feature]))).toThrow(ModelCardError);
    expect(() => validateCard(withFeatures([feature]))).toThrow(message);
  });

  it('bounds the values per feature and in all', () => {
    const many = Array.from({ length: MAX_FEATURE_VALUES + 1 }, (_, i) => i);
    expect(() => validateCard(withFeatures([{ name: 'c', type: 'number', values: many }]))).toThrow(
      `lists ${MAX_FEATURE_VALUES + 1} values; at most ${MAX_FEATURE_VALUES}`,
    );
    const full = Array.from({ length: MAX_FEATURE_VALUES }, (_, i) => i);
    const features = Array.from({ length: Math.ceil(MAX_CARD_VALUES / MAX_FEATURE_VALUES) + 1 }, (_, i) => ({
      name: `c${i}`,
      type: 'number',
      values: full,
    }));
    expect(() => validateCard(withFeatures(features))).toThrow(`more than ${MAX_CARD_VALUES} values in all`);
  });

  it('lets no other field of a feature through', () => {
    const read = validateCard(withFeatures([{ name: 'c', type: 'number', values: [1], extra: 'x' }]));
    expect(read.features).toEqual([{ name: 'c', type: 'number', values: [1] }]);
  });
});
