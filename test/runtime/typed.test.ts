// Typed features (card format 2): numbers, categories and booleans in one row, fed to a graph with a
// numeric input beside a string input, or to one numeric input where a category is its code. The
// graphs compute a known function of what they are fed, so every answer says what reached the graph.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateCard } from '../../src/onnx/card.js';
import { ModelCardError } from '../../src/onnx/errors.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import type { Prediction } from '../../src/runtime/prediction.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { runCli } from '../helpers/cli.js';
import { codesModel as codes, TEST_PROVENANCE, twoInputs } from '../helpers/graphs.js';

const values = (p: Prediction) => (p.kind === 'values' ? Array.from(p.values) : p.kind);

/** The InvalidRowError a row gets: its code, message and details. */
async function refusal(predictor: Predictor, row: unknown) {
  try {
    await predictor.predict([row]);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRowError);
    const e = err as InvalidRowError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('the row was taken');
}

describe('a string input beside a numeric one', () => {
  it('feeds each input what its features are, named rows and arrays alike, in one run', async () => {
    const p = await Predictor.load(twoInputs());
    const out = await p.predict([
      { x0: 1, x1: true, color: 'b' },
      [2, false, 'c'],
      { x0: 0.5, x1: false, Color: 'a' },
    ]);
    expect(values(out)).toEqual([22, 32, 10.5]);
    expect(p.stats.runs).toBe(1);
  });

  it('takes a number whose text is a category only where one is', async () => {
    const p = await Predictor.load(
      twoInputs((c) => ({
        ...c,
        features: c.features.map((f) => (f.type === 'category' ? { ...f, categories: ['a', '2', 'c'] } : f)),
      })),
    );
    // "2" is not a key of the graph's encoder: it answers its default, -1.
    expect(values(await p.predict([{ x0: 0, x1: false, color: 2 }]))).toEqual([-1]);
    expect((await refusal(p, { x0: 0, x1: false, color: 3 })).code).toBe('unknown_category');
  });

  it('refuses what does not fit a type, naming the feature, what it takes and what came', async () => {
    const p = await Predictor.load(twoInputs());
    const unknown = await refusal(p, { x0: 1, x1: true, color: 'purple' });
    expect(unknown.code).toBe('unknown_category');
    expect(unknown.message).toBe(
      'row 0, feature "color": "purple" is not one of the categories this model takes ("a", "b", "c")',
    );
    expect(unknown.details).toMatchObject({ feature: 'color', got: 'purple', allowed: ['a', 'b', 'c'] });
    expect(await refusal(p, { x0: 1, x1: 'yes', color: 'a' })).toMatchObject({
      code: 'invalid_row',
      message: 'row 0, feature "x1": expected true or false, got a string',
    });
    expect(await refusal(p, { x0: 'one', x1: true, color: 'a' })).toMatchObject({
      code: 'invalid_row',
      message: 'row 0, feature "x0": expected a number or null, got a string',
    });
    expect(await refusal(p, { x0: 1, x1: true, color: true })).toMatchObject({
      code: 'invalid_row',
      message: 'row 0, feature "color": expected a category (a string), got a boolean',
    });
    expect((await refusal(p, { x0: 1, x1: true })).code).toBe('missing_feature');
    expect((await refusal(p, { x0: 1, x1: null, color: 'a' })).code).toBe('missing_feature');
    expect(await refusal(p, { x0: 1, x1: true, color: 'a', Color: 'b' })).toMatchObject({
      code: 'invalid_row',
      message: 'row 0 gives the feature "color" twice (by its name and by its column\'s spelling)',
    });
    expect((await refusal(p, { x0: 1, x1: true, colour: 'a' })).code).toBe('unknown_feature');
    expect((await refusal(p, [1, true])).code).toBe('invalid_row');
  });

  it('abbreviates a long list of categories in the message and caps it in the details', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => `k${i}`);
    const p = await Predictor.load(
      twoInputs((c) => ({
        ...c,
        features: c.features.map((f) => (f.type === 'category' ? { ...f, categories: many } : f)),
      })),
    );
    const r = await refusal(p, { x0: 1, x1: true, color: 'z' });
    expect(r.message).toContain('"k7", ... (1500 in all)');
    expect((r.details as { allowed: unknown[] }).allowed).toHaveLength(1000);
    expect(r.details).toMatchObject({ allowedCount: 1500 });
  });

  it('gathers concurrent requests into one run, each answered with its own rows', async () => {
    const p = await Predictor.load(twoInputs(), { batching: true });
    const colors = ['a', 'b', 'c'];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        p.predict(
          Array.from({ length: 1 + (i % 4) }, (_, k) => ({
            x0: i * 100 + k,
            x1: k % 2 === 1,
            color: colors[k % 3],
          })),
        ),
      ),
    );
    answers.forEach((out, i) => {
      expect(values(out)).toEqual(
        Array.from({ length: 1 + (i % 4) }, (_, k) => i * 100 + k + (k % 2) + 10 * ((k % 3) + 1)),
      );
    });
    expect(p.stats.runs).toBeLessThan(50);
  });

  it('refuses a matrix for a model of typed features', async () => {
    const p = await Predictor.load(twoInputs());
    await expect(p.predictMatrix(new Float32Array(3), 1)).rejects.toThrow(/give it rows/);
  });
});

describe('a category fed as its code in a numeric input', () => {
  it('feeds the code, and an unknown category as missing where the card says so', async () => {
    const p = await Predictor.load(codes());
    const out = await p.predict([
      { x0: 1, size: 's' },
      { x0: 1, size: 'l' },
      { x0: 1, size: 'xl' },
      { x0: 1, size: null },
      [5, 'm'],
    ]);
    expect(values(out)).toEqual([1, 3, 101, 101, 6]);
  });

  it('feeds an unknown category passed on as the code -1, which no category has', async () => {
    const p = await Predictor.load(codes('pass'));
    const out = await p.predict([
      { x0: 1, size: 'xl' },
      { x0: 1, size: null },
      { x0: 1, size: 'm' },
    ]);
    expect(values(out)).toEqual([0, 101, 2]);
  });
});

describe('the card', () => {
  const base = {
    format: 2,
    name: 'm',
    task: 'regression',
    features: [
      { name: 'x', type: 'number' },
      { name: 'c', type: 'category', categories: ['a', 'b'] },
    ],
    missing: 'reject',
    io: {
      inputs: [
        { name: 'n', type: 'float32', features: ['x'] },
        { name: 's', type: 'string', features: ['c'] },
      ],
      value: 'v',
    },
    provenance: TEST_PROVENANCE,
  };
  const category = (change: object) => ({
    ...base,
    features: [base.features[0], { ...base.features[1], ...change }],
  });

  it('reads a typed card, and a format 1 card as before', () => {
    expect(validateCard(base).io.inputs).toHaveLength(2);
    const one = validateCard({
      ...base,
      format: 1,
      features: [{ name: 'x', type: 'number' }],
      io: { input: 'n', inputType: 'float32', value: 'v' },
    });
    expect(one.format).toBe(1);
  });

  it.each<[string, object, RegExp]>([
    ['a category in a format 1 card', { ...base, format: 1 }, /format 1 card has numbers only/],
    ['a category without categories', category({ categories: undefined }), /needs "categories"/],
    ['repeated categories', category({ categories: ['a', 'a'] }), /"a" appears twice/],
    ['a category that is not a string', category({ categories: ['a', 1] }), /must be strings/],
    ['values on a category', category({ values: [1] }), /for a number feature/],
    [
      'categories on a number',
      { ...base, features: [{ name: 'x', type: 'number', categories: ['a'] }, base.features[1]] },
      /for a category feature/,
    ],
    [
      'an unknown type',
      { ...base, features: [{ name: 'x', type: 'date' }, base.features[1]] },
      /unsupported type "date"/,
    ],
    ['a bad unknown policy', category({ unknown: 'guess' }), /"unknown" must be/],
    ['a string input that may be missing', category({ missing: 'impute' }), /no missing value/],
    [
      'an unknown category made missing in a string input',
      category({ unknown: 'missing' }),
      /not made missing/,
    ],
    ['a column that is another feature', category({ column: 'x' }), /is another feature's name or column/],
    [
      'a number in a string input',
      { ...base, io: { ...base.io, inputs: [{ name: 's', type: 'string', features: ['x', 'c'] }] } },
      /goes in a numeric one/,
    ],
    [
      'a feature in two inputs',
      {
        ...base,
        io: { ...base.io, inputs: [...base.io.inputs, { name: 't', type: 'float32', features: ['x'] }] },
      },
      /more than one input|lists 3 inputs/,
    ],
    ['a feature in no input', { ...base, io: { ...base.io, inputs: [base.io.inputs[0]] } }, /"c" is in none/],
    [
      'both io.inputs and io.input',
      { ...base, io: { ...base.io, input: 'n', inputType: 'float32' } },
      /one or the other/,
    ],
    [
      'an input of another type',
      {
        ...base,
        io: { ...base.io, inputs: [base.io.inputs[0], { name: 's', type: 'int8', features: ['c'] }] },
      },
      /float32, float64 or string/,
    ],
  ])('refuses %s', (_, card, message) => {
    expect(() => validateCard(card)).toThrow(ModelCardError);
    expect(() => validateCard(card)).toThrow(message);
  });

  it('refuses a card whose inputs disagree with the graph, naming both', async () => {
    await expect(
      Predictor.load(
        twoInputs((c) => ({
          ...c,
          io: { ...c.io, inputs: [{ name: 'num', type: 'float32', features: ['x0', 'x1', 'color'] }] },
        })),
      ),
    ).rejects.toThrow(/the graph has 2 inputs \(num, cat\); modelgate feeds one/);
    await expect(
      Predictor.load(
        twoInputs((c) => ({
          ...c,
          io: {
            ...c.io,
            inputs: [
              { name: 'num', type: 'float64', features: ['x0', 'x1'] },
              { name: 'cat', type: 'string', features: ['color'] },
            ],
          },
        })),
      ),
    ).rejects.toThrow(/the card feeds float64, the graph's input "num" takes float/);
  });
});

describe('through the API (modelgate predict prints what the API answers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-typed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'typed.onnx');
  writeFileSync(file, twoInputs());

  it('answers rows with strings and booleans, and refuses a bad one with the feature named', async () => {
    const ok = await runCli(['predict', file, '{"x0": 1, "x1": true, "Color": "c"}']);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual({ prediction: { value: 32 } });
    const batch = await runCli([
      'predict',
      file,
      '{"input": [[1, false, "a"], {"x0": 2, "x1": true, "color": "b"}]}',
    ]);
    expect(JSON.parse(batch.stdout)).toEqual({ prediction: [11, 23] });
    const bad = await runCli(['predict', file, '{"x0": 1, "x1": true, "color": "d"}']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error).toMatchObject({
      type: 'unknown_category',
      details: { feature: 'color', got: 'd', allowed: ['a', 'b', 'c'] },
    });
  });

  it('publishes the types in the schema of a row', async () => {
    const { inputSchema } = await import('../../src/api/schema.js');
    const { findCard } = await import('../../src/onnx/card.js');
    const { decodeMetadataProps } = await import('../../src/onnx/proto.js');
    const schema = inputSchema(findCard(decodeMetadataProps(twoInputs()))) as {
      properties: Record<string, unknown>;
      required: string[];
      allOf: unknown[];
    };
    expect(schema.properties).toEqual({
      x0: { type: 'number' },
      x1: { type: 'boolean' },
      color: {
        type: 'string',
        enum: ['a', 'b', 'c'],
        description: 'also taken as "Color", its column in the data',
      },
      Color: {
        type: 'string',
        enum: ['a', 'b', 'c'],
        description: 'the feature "color", by its column in the data',
      },
    });
    // color is required under one of its two names, not both.
    expect(schema.required).toEqual(['x0', 'x1']);
    expect(schema.allOf).toEqual([{ oneOf: [{ required: ['color'] }, { required: ['Color'] }] }]);
  });
});
