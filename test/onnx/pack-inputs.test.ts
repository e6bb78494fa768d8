// pack on graphs of several typed inputs, in the form skl2onnx writes for a pipeline over a DataFrame
// (one [rows, 1] input per column, a string column read by an encoder): the card types each input's
// features, takes the categories from the encoder, and the packed model answers mixed rows as its graph
// computes them; what pack cannot type is refused by name.
import { describe, expect, it } from 'vitest';
import { predictBody } from '../../src/api/predict.js';
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { PackError } from '../../src/onnx/errors.js';
import { type PackOptions, packOnnx } from '../../src/onnx/pack.js';
import { DataType, decodeModel, encodeModel, type ModelProto } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';

const pack = (model: ModelProto, options: Partial<PackOptions> = {}) =>
  packOnnx(decodeModel(encodeModel(model)), { source: 'm.onnx', ...options });

/**
 * age (float [N, 1]) and sex (string [N, 1], one-hot encoded over female, male; `zeros` 1 ignores an
 * unknown one, as handle_unknown="ignore" does): value = age + 10 [female] + 20 [male].
 */
function oneHotRegressor(zeros = 1): ModelProto {
  const b = new GraphBuilder('g');
  b.input('age', DataType.FLOAT, ['N', 1]);
  b.input('sex', DataType.STRING, ['N', 1]);
  const hot = b.op(
    'OneHotEncoder',
    ['sex'],
    [attr.strings('cats_strings', ['female', 'male']), attr.int('zeros', zeros)],
    ML_DOMAIN,
  );
  const flat = b.op('Flatten', [hot], [attr.int('axis', 1)]);
  const all = b.op('Concat', ['age', flat], [attr.int('axis', 1)]);
  b.node(
    'LinearRegressor',
    [all],
    [attr.floats('coefficients', [1, 10, 20]), attr.floats('intercepts', [0])],
    { domain: ML_DOMAIN, outputs: ['variable'] },
  );
  b.output('variable', DataType.FLOAT, ['N', 1]);
  return buildModel(b, { producerVersion: 't', metadata: [] });
}

/**
 * x (double [N, 2]) and color (string [N, 1], coded by a LabelEncoder a=0, b=1, c=2): a softmax
 * LinearClassifier over [x0, x1, code] with classes no, yes.
 */
function labelEncodedClassifier(): ModelProto {
  const b = new GraphBuilder('g');
  b.input('x', DataType.DOUBLE, ['N', 2]);
  b.input('color', DataType.STRING, ['N', 1]);
  const code = b.op(
    'LabelEncoder',
    ['color'],
    [
      attr.strings('keys_strings', ['a', 'b', 'c']),
      attr.floats('values_floats', [0, 1, 2]),
      attr.float('default_float', -1),
    ],
    ML_DOMAIN,
  );
  const x = b.op('Cast', ['x'], [attr.int('to', DataType.FLOAT)]);
  const all = b.op('Concat', [x, code], [attr.int('axis', 1)]);
  b.node(
    'LinearClassifier',
    [all],
    [
      attr.floats('coefficients', [0, 0, 0, 1, -1, 2]),
      attr.floats('intercepts', [0, 0]),
      attr.strings('classlabels_strings', ['no', 'yes']),
      attr.string('post_transform', 'SOFTMAX'),
    ],
    { domain: ML_DOMAIN, outputs: ['label', 'probabilities'] },
  );
  b.output('label', DataType.STRING, ['N']);
  b.output('probabilities', DataType.FLOAT, ['N', 2]);
  return buildModel(b, { producerVersion: 't', metadata: [] });
}

async function answers(model: ModelProto, bodies: string[]): Promise<unknown[]> {
  const predictor = await Predictor.load(encodeModel(model));
  try {
    return await Promise.all(
      bodies.map((body) =>
        predictBody(predictor, body).catch((e: { type?: string; message: string }) => ({
          error: e.type,
          message: e.message,
        })),
      ),
    );
  } finally {
    await predictor.release();
  }
}

describe('pack: several typed inputs', () => {
  it('types a one-hot encoded string column as a category that passes unknown ones on', async () => {
    const { model, card, notes } = pack(oneHotRegressor());
    expect(card.features).toEqual([
      { name: 'age', type: 'number' },
      { name: 'sex', type: 'category', categories: ['female', 'male'], unknown: 'pass', missing: 'reject' },
    ]);
    expect(card.io).toEqual({
      inputs: [
        { name: 'age', type: 'float32', features: ['age'] },
        { name: 'sex', type: 'string', features: ['sex'] },
      ],
      value: 'variable',
    });
    expect(notes.join('\n')).toMatch(/the string input sex is the category sex \(2 categories/);
    const got = await answers(model, [
      '{"age": 2, "sex": "male"}',
      '{"input": [[1, "female"], [3, "other"]]}',
      '{"age": 2}',
    ]);
    expect(got[0]).toEqual({ prediction: { value: 22 } });
    // An unknown category is all zeros, as the encoder with zeros=1 (handle_unknown="ignore") gives it.
    expect(got[1]).toEqual({ prediction: [11, 3] });
    expect(got[2]).toMatchObject({ error: 'missing_feature' });
  });

  it('refuses an unknown category where the encoder would fail on it (zeros=0)', async () => {
    const { model, card } = pack(oneHotRegressor(0));
    expect(card.features[1]).toMatchObject({ unknown: 'reject' });
    const got = await answers(model, ['{"age": 2, "sex": "other"}']);
    expect(got[0]).toMatchObject({
      error: 'unknown_category',
      message: expect.stringMatching(/"female", "male"/),
    });
  });

  it('types a label-encoded string column beside a double input, and names features with --features', async () => {
    const { model, card } = pack(labelEncodedClassifier(), { features: ['height', 'width', 'colour'] });
    expect(card.features.map((f) => [f.name, f.type])).toEqual([
      ['height', 'number'],
      ['width', 'number'],
      ['colour', 'category'],
    ]);
    // A LabelEncoder's default is the graph's choice, not known to be the source library's answer.
    expect(card.features[2]).toMatchObject({ categories: ['a', 'b', 'c'], unknown: 'reject' });
    expect(card.io).toMatchObject({
      inputs: [
        { name: 'x', type: 'float64', features: ['height', 'width'] },
        { name: 'color', type: 'string', features: ['colour'] },
      ],
      label: 'label',
      probabilities: 'probabilities',
    });
    const got = await answers(model, [
      '{"input": [[0, 1, "c"], [2, 0, "a"]], "return_probabilities": true}',
      '{"height": 0, "width": 0, "colour": "d"}',
    ]);
    // Margins [no, yes] = [0, x0 - x1 + 2 code]: 0 - 1 + 4 = 3, then 2 - 0 + 0 = 2.
    const yes = (m: number) => 1 / (1 + Math.exp(-m));
    const first = got[0] as { prediction: string[]; probabilities: Record<string, number>[] };
    expect(first.prediction).toEqual(['yes', 'yes']);
    expect(first.probabilities[0]?.yes).toBeCloseTo(yes(3), 6);
    expect(first.probabilities[1]?.yes).toBeCloseTo(yes(2), 6);
    expect(got[1]).toMatchObject({ error: 'unknown_category' });
  });

  it.each<[string, () => ModelProto, Partial<PackOptions>, RegExp]>([
    [
      'an int64 input',
      () => {
        const b = new GraphBuilder('g');
        b.input('n', DataType.INT64, ['N', 1]);
        b.input('s', DataType.STRING, ['N', 1]);
        b.op('Cast', ['n'], [attr.int('to', DataType.FLOAT)], undefined, 'y');
        b.output('y', DataType.FLOAT, ['N', 1]);
        return buildModel(b, { producerVersion: 't', metadata: [] });
      },
      {},
      /the input n is int64; modelgate feeds float, double or string inputs \(cast integer columns/,
    ],
    [
      'a string input read by no encoder',
      () => {
        const b = new GraphBuilder('g');
        b.input('x', DataType.FLOAT, ['N', 1]);
        b.input('s', DataType.STRING, ['N', 1]);
        b.op('StringNormalizer', ['s'], [attr.string('case_change_action', 'LOWER')], undefined, 'low');
        b.op('Identity', ['x'], [], undefined, 'y');
        b.output('y', DataType.FLOAT, ['N', 1]);
        b.output('low', DataType.STRING, ['N', 1]);
        return buildModel(b, { producerVersion: 't', metadata: [] });
      },
      { task: 'regression' },
      /the string input s is read by a StringNormalizer node; modelgate knows a string input's categories from/,
    ],
    [
      'a string input two columns wide',
      () => {
        const b = new GraphBuilder('g');
        b.input('x', DataType.FLOAT, ['N', 1]);
        b.input('s', DataType.STRING, ['N', 2]);
        b.op('Identity', ['x'], [], undefined, 'y');
        b.output('y', DataType.FLOAT, ['N', 1]);
        return buildModel(b, { producerVersion: 't', metadata: [] });
      },
      {},
      /the string input s is 2 columns wide/,
    ],
    [
      '--features of the wrong count over several inputs',
      oneHotRegressor,
      { features: ['a', 'b', 'c'] },
      /--features names 3 features; the model's 2 inputs take 2 \(age: 1, sex: 1\)/,
    ],
    [
      'an input of open width among several',
      () => {
        const b = new GraphBuilder('g');
        b.input('x', DataType.FLOAT, ['N', 'F']);
        b.input('s', DataType.STRING, ['N', 1]);
        b.op('Identity', ['x'], [], undefined, 'y');
        b.output('y', DataType.FLOAT, ['N', 1]);
        return buildModel(b, { producerVersion: 't', metadata: [] });
      },
      {},
      /the input x does not say how many features it takes/,
    ],
  ])('refuses %s', (_, model, options, message) => {
    expect(() => pack(model(), options)).toThrow(PackError);
    expect(() => pack(model(), options)).toThrow(message);
  });

  it('keeps the card of a one-input model as it was (format 1 fields)', () => {
    const b = new GraphBuilder('g');
    b.input('x', DataType.FLOAT, ['N', 2]);
    b.op('MatMul', ['x', b.constant(tensor.float('w', [2, 1], [1, 2]))], [], undefined, 'y');
    b.output('y', DataType.FLOAT, ['N', 1]);
    const { card } = pack(buildModel(b, { producerVersion: 't', metadata: [] }));
    expect(card.io).toEqual({ input: 'x', inputType: 'float32', value: 'y' });
    expect(card.features).toEqual([
      { name: 'x0', type: 'number' },
      { name: 'x1', type: 'number' },
    ]);
  });
});
