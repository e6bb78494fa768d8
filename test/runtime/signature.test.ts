// A model is checked against itself at load: every way a card can disagree with its graph is refused
// with a message naming both sides, before anything is served.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { servableCard } from '../../src/adapters/model.js';
import { CARD_KEY, MAX_FEATURES, type ModelCard } from '../../src/onnx/card.js';
import { ModelCardError } from '../../src/onnx/errors.js';
import { packOnnx } from '../../src/onnx/pack.js';
import { DataType, decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { checkSignature } from '../../src/onnx/signature.js';
import { ModelMismatchError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel } from '../helpers/graphs.js';
import { trainIris, withEditedCard } from '../helpers/models.js';

const iris = trainIris({ nEstimators: 5 }).bytes;
const edited = (edit: (c: ModelCard) => ModelCard) => withEditedCard(iris, edit);

async function refusal(bytes: Uint8Array): Promise<string> {
  const err = await Predictor.load(bytes).then(
    async (p) => {
      await p.release();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err, 'the model loaded').toBeInstanceOf(ModelMismatchError);
  return (err as Error).message;
}

describe('the card checked against its graph at load', () => {
  it.each<[string, Uint8Array, RegExp]>([
    [
      '2 classes over a 3-wide probability output (declared)',
      edited((c) => ({ ...c, classes: ['setosa', 'versicolor'] })),
      /the card lists 2 classes, the graph's probabilities output "probabilities" is \[\?, 3\]/,
    ],
    [
      '2 classes over a 3-wide probability output (not declared: seen on a run)',
      kindModel('probabilities', { hideWidth: true, card: (c) => ({ ...c, classes: ['a', 'b'] }) }),
      /on 2 rows of zeros: the output "probabilities" is \[2, 3\] for 2 rows; expected \[2, 2\]/,
    ],
    [
      '4 classes over a 3-wide score output (declared)',
      kindModel('scores', { card: (c) => ({ ...c, classes: ['a', 'b', 'c', 'd'] }) }),
      /the card lists 4 classes, the graph's scores output "scores" is \[\?, 3\]/,
    ],
    [
      '4 classes over a 3-wide score output (seen on a run)',
      kindModel('scores', { hideWidth: true, card: (c) => ({ ...c, classes: ['a', 'b', 'c', 'd'] }) }),
      /the output "scores" is \[2, 3\] for 2 rows; expected \[2, 4\]/,
    ],
    [
      'fewer features than the input is wide',
      edited((c) => ({ ...c, features: c.features.slice(0, 3) })),
      /the card lists 3 features, the graph's input "input" is 4 wide/,
    ],
    [
      'more features than the input is wide (not declared: seen on a run)',
      kindModel('values', {
        width: 2,
        card: (c) => ({ ...c, features: [...c.features, { name: 'x9', type: 'number' }] }),
      }),
      /the card lists 3 features, the graph's input "input" is 2 wide/,
    ],
    [
      'float64 fed to a float32 input',
      edited((c) => ({ ...c, io: { ...c.io, inputType: 'float64' } })),
      /the card feeds float64, the graph's input "input" takes float32/,
    ],
    [
      'a probability output the graph does not have',
      edited((c) => ({ ...c, io: { ...c.io, probabilities: 'nope' } })),
      /the card's probability output "nope" is not an output of the graph \(outputs: probabilities, label\)/,
    ],
    [
      'the input named as the label output',
      edited((c) => ({ ...c, io: { ...c.io, label: 'input', labelIsArgmax: false } })),
      /the card's label output "input" is an input of the graph/,
    ],
    [
      'an input the graph does not have',
      edited((c) => ({ ...c, io: { ...c.io, input: 'features' } })),
      /the card's input "features" is not an input of the graph \(inputs: input\)/,
    ],
    [
      'a label output that cannot carry the classes (int64 labels, string classes)',
      kindModel('labels', { card: (c) => ({ ...c, classes: ['a', 'b'] }) }),
      /the label output "label" is int64, which cannot carry the card's classes \("a", "b"\)/,
    ],
    [
      'a regression value output that is a matrix (declared)',
      kindModel('probabilities', {
        card: (c) => ({
          ...c,
          task: 'regression',
          classes: undefined,
          io: { input: 'input', inputType: 'float32', value: 'probabilities' },
        }),
      }),
      /the value output "probabilities" is \[\?, 3\]; a regressor answers one value per row/,
    ],
    [
      'a regression value output that is a matrix (seen on a run)',
      kindModel('values', { hideWidth: true }),
      /the output "value" is \[2, 3\] for 2 rows; expected \[2\] or \[2, 1\]/,
    ],
    [
      'labels computed from an output the card does not name',
      kindModel('labels', { card: (c) => ({ ...c, io: { ...c.io, labelIsArgmax: true } }) }),
      /computes labels from probabilities or scores, but names neither output/,
    ],
    [
      'a fixed batch of one row',
      withInputShape(kindModel('values'), [1, 3]),
      /takes a fixed batch of 1 row; export it with a dynamic first dimension/,
    ],
  ])('%s', async (_, bytes, message) => {
    expect(await refusal(bytes)).toMatch(message);
  });

  it.each<[string, Uint8Array, RegExp]>([
    [
      'the same class twice',
      edited((c) => ({ ...c, classes: ['setosa', 'versicolor', 'setosa'] })),
      /"setosa" appears twice/,
    ],
    [
      'classes that would collide as the API names them (1 and "1")',
      kindModel('probabilities', { card: (c) => ({ ...c, classes: [1, '1', 2] }) }),
      /classes/,
    ],
  ])('refuses %s (the card itself is invalid)', async (_, bytes, message) => {
    await expect(Predictor.load(bytes)).rejects.toThrow(ModelCardError);
    await expect(Predictor.load(bytes)).rejects.toThrow(message);
  });

  it('refuses a ZipMap output (a sequence of maps) named as the probabilities', async () => {
    const zipmap = readFileSync(
      fileURLToPath(new URL('../fixtures/onnx/zipmap-strings.onnx', import.meta.url)),
    );
    const packed = packOnnx(decodeModel(zipmap), { name: 'z', source: 'z.onnx' });
    // The packed model serves the tensor the ZipMap read; the original graph with that card, naming
    // the ZipMap's own output instead, is refused.
    const original = withEditedCard(
      encodeModel({ ...decodeModel(zipmap), metadataProps: packed.model.metadataProps }),
      (c) => ({ ...c, io: { ...c.io, probabilities: 'output_probability' } }),
    );
    expect(await refusal(original)).toMatch(/"output_probability" is not a tensor \(a sequence or map/);
  });

  it(`refuses more than ${MAX_FEATURES} features`, () => {
    const card = JSON.parse(
      decodeModel(iris).metadataProps.find((e) => e.key === CARD_KEY)?.value ?? '',
    ) as ModelCard;
    const wide = {
      ...card,
      features: Array.from({ length: MAX_FEATURES + 1 }, (_, i) => ({
        name: `f${i}`,
        type: 'number' as const,
      })),
    };
    const input = { name: 'input', isTensor: true, type: DataType.FLOAT, shape: [-1, -1] };
    expect(() => checkSignature(wide, [input], [])).toThrow(
      new RegExp(`${MAX_FEATURES + 1} features, over the limit of ${MAX_FEATURES}`),
    );
  });

  it('is what every command that loads a model runs (servableCard names the file and the consequence)', async () => {
    const bad = edited((c) => ({ ...c, classes: ['setosa', 'versicolor'] }));
    await expect(servableCard(bad, 'model.onnx', 'nothing was written')).rejects.toThrow(
      /^model\.onnx is not a model modelgate can serve, so nothing was written: the model card of "iris" and its graph disagree: the card lists 2 classes/,
    );
  });

  it('loads every kind of model whose card and graph agree', async () => {
    for (const kind of ['probabilities', 'scores', 'labels', 'values'] as const) {
      for (const double of [false, true]) {
        if (kind === 'labels' && double) continue;
        const p = await Predictor.load(kindModel(kind, { double }));
        expect(p.kind).toBe(kind);
        await p.release();
      }
    }
  });
});

describe('answers the model gives that its card does not allow', () => {
  it('a label that is not one of the classes is an InferenceError, never served', async () => {
    const p = await Predictor.load(kindModel('labels'));
    await expect(p.predict([[5, 0, 0]])).resolves.toMatchObject({ kind: 'labels', labels: [5] });
    await expect(p.predict([[5000, 0, 0]])).rejects.toThrow(
      /the label output "label" gave "5000" for row 0, which is not one of the model card's classes/,
    );
    await p.release();
  });
});

/** The model with its graph input declared as this fixed shape. */
function withInputShape(bytes: Uint8Array, shape: number[]): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const input = graph.input[0]!;
  const elemType = input.type!.tensorType!.elemType;
  const fixed = { ...input, type: { tensorType: { elemType, shape: shape.map((d) => ({ dimValue: d })) } } };
  return encodeModel({ ...model, graph: { ...graph, input: [fixed] } });
}
