import { describe, expect, it } from 'vitest';
import { CARD_KEY, findCard, type ModelCard, validateCard } from '../../src/onnx/card.js';
import { ModelCardError } from '../../src/onnx/errors.js';

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
    ['a future format', { format: 2 }, /format 2 is not supported/],
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
});
