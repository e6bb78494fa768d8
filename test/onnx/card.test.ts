import { describe, expect, it } from 'vitest';
import {
  CARD_KEY,
  findCard,
  MAX_CARD_CHARS,
  MAX_CARD_STRING,
  MAX_CLASSES,
  MAX_FEATURES,
  type ModelCard,
  validateCard,
} from '../../src/onnx/card.js';
import { ModelCardError } from '../../src/onnx/errors.js';
import { cardEntryOf, deepCardJson } from './hostile.js';

const card: ModelCard = {
  format: 1,
  name: 'iris',
  task: 'classification',
  features: [
    { name: 'a', type: 'number' },
    { name: 'b', type: 'number' },
  ],
  classes: ['x', 'y'],
  missing: 'impute',
  io: { input: 'input', inputType: 'float32', label: 'label', probabilities: 'probabilities' },
  provenance: { source: 'modelgate-train', tool: 'modelgate', createdAt: '2026-01-01T00:00:00Z' },
};

describe('model card', () => {
  it('reads a valid card back from metadata', () => {
    expect(
      findCard([
        { key: 'other', value: '1' },
        { key: CARD_KEY, value: JSON.stringify(card) },
      ]),
    ).toEqual(card);
  });

  it('says how to add a card when there is none', () => {
    expect(() => findCard([])).toThrow(ModelCardError);
    expect(() => findCard([])).toThrow(/modelgate pack/);
  });

  it('rejects a card that is not JSON', () => {
    expect(() => findCard([{ key: CARD_KEY, value: '{nope' }])).toThrow(/not valid JSON/);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a future format', { format: 3 }, /format 3 is not supported/],
    ['a bad task', { task: 'ranking' }, /"task"/],
    ['no features', { features: [] }, /"features"/],
    ['a nameless feature', { features: [{ type: 'number' }] }, /feature 0 has no name/],
    ['a repeated feature', { features: [card.features[0], card.features[0]] }, /appears twice/],
    ['a text feature', { features: [{ name: 'a', type: 'text' }] }, /unsupported type/],
    ['one class', { classes: ['x'] }, /at least two/],
    ['no outputs', { io: { input: 'input', inputType: 'float32' } }, /io.label/],
    [
      'a regressor without a value output',
      { task: 'regression', io: { input: 'i', inputType: 'float32' } },
      /io.value/,
    ],
    ['a bad missing policy', { missing: 'zero' }, /"missing"/],
    ['a bad input type', { io: { ...card.io, inputType: 'int8' } }, /inputType/],
  ])('rejects %s', (_, change, message) => {
    expect(() => validateCard({ ...card, ...change })).toThrow(ModelCardError);
    expect(() => validateCard({ ...card, ...change })).toThrow(message);
  });

  it('reads a classifier whose output is scores, not probabilities', () => {
    const scores = {
      ...card,
      io: { input: 'input', inputType: 'float32', scores: 's', labelIsArgmax: true },
    };
    expect(validateCard(scores).io).toEqual(scores.io);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'scores that are not a name',
      { io: { ...card.io, probabilities: undefined, scores: 3 } },
      /"io.scores"/,
    ],
    [
      'both probabilities and scores',
      { io: { ...card.io, scores: 's' } },
      /both "io.probabilities" and "io.scores"/,
    ],
    ['a non-boolean labelIsArgmax', { io: { ...card.io, labelIsArgmax: 'yes' } }, /"io.labelIsArgmax"/],
    ['a name that is not a string', { name: { toString: 1 } }, /"name" must be a string/],
    [
      'a feature name past the bound',
      { features: [{ name: 'a'.repeat(MAX_CARD_STRING + 1), type: 'number' }] },
      /longer than 4096/,
    ],
    ['a class name past the bound', { classes: ['x', 'y'.repeat(MAX_CARD_STRING + 1)] }, /longer than 4096/],
    ['a repeated class', { classes: ['x', 'y', 'x'] }, /class "x" appears twice/],
    ['a repeated number class', { classes: [0, 1, 1] }, /class "1" appears twice/],
    ['classes of mixed types', { classes: ['x', 2] }, /all strings, all numbers or all booleans/],
    ['an object as a class', { classes: ['x', {}] }, /"classes" must be strings, numbers or booleans/],
    [
      'params holding an object',
      { provenance: { ...card.provenance, params: { a: { b: 1 } } } },
      /"provenance.params.a"/,
    ],
    [
      'params holding a long string',
      { provenance: { ...card.provenance, params: { a: 'z'.repeat(5000) } } },
      /"provenance.params.a".*longer than 4096/,
    ],
    [
      'an estimator that is not a string',
      { provenance: { ...card.provenance, estimator: ['x'] } },
      /"provenance.estimator"/,
    ],
    [
      'a source it does not know',
      { provenance: { ...card.provenance, source: 'pytorch' } },
      /"provenance.source"/,
    ],
    ['training figures holding an array', { training: { rows: [1] } }, /"training.rows"/],
    [
      'data without its sha256',
      { provenance: { ...card.provenance, data: { uri: 'u', rows: 1, columns: 2 } } },
      /"provenance.data.sha256"/,
    ],
    ['a target that is not a string', { target: 7 }, /"target"/],
  ])('rejects %s', (_, change, message) => {
    expect(() => validateCard({ ...card, ...change })).toThrow(ModelCardError);
    expect(() => validateCard({ ...card, ...change })).toThrow(message);
  });

  it('bounds the number of features and classes', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: 'number' }));
    expect(validateCard({ ...card, features: many(MAX_FEATURES) }).features.length).toBe(MAX_FEATURES);
    expect(() => validateCard({ ...card, features: many(MAX_FEATURES + 1) })).toThrow(
      /100001 features; modelgate serves at most 100000/,
    );
    const classes = Array.from({ length: MAX_CLASSES + 1 }, (_, i) => i);
    expect(() => validateCard({ ...card, classes })).toThrow(
      /100001 classes; modelgate serves at most 100000/,
    );
  });

  it('lets through only the fields it checked', () => {
    const read = validateCard({
      ...card,
      extra: [[['x']]],
      io: { ...card.io, more: 1 },
    }) as unknown as Record<string, unknown>;
    expect(read.extra).toBeUndefined();
    expect((read.io as Record<string, unknown>).more).toBeUndefined();
  });

  it('refuses a number that JSON can spell but not hold (1e400 is Infinity)', () => {
    const text = JSON.stringify({ ...card, training: { rows: 1 } }).replace('"rows":1', '"rows":1e400');
    expect(() => findCard([{ key: CARD_KEY, value: text }])).toThrow(
      /"training.rows" must be a finite number/,
    );
  });

  it('refuses a card 200,000 levels deep before parsing it, quickly', () => {
    const started = performance.now();
    expect(() => findCard([cardEntryOf(deepCardJson(200_000))])).toThrow(ModelCardError);
    expect(() => findCard([cardEntryOf(deepCardJson(200_000))])).toThrow(/nested more than 16 levels deep/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a card larger than the bound before parsing it', () => {
    const huge = JSON.stringify({ ...card, name: 'n'.repeat(MAX_CARD_CHARS) });
    expect(() => findCard([cardEntryOf(huge)])).toThrow(/the model card is .* characters; at most 16777216/);
  });

  it('refuses a model with two cards (which one would serve?)', () => {
    const entry = { key: CARD_KEY, value: JSON.stringify(card) };
    expect(() => findCard([entry, entry])).toThrow(/2 model cards/);
  });
});
