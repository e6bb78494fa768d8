// packOnnx on graphs built here, for the cases the CLI fixtures do not reach: what pack writes must be a
// card that agrees with its graph, or a refusal that names the problem.
import { describe, expect, it } from 'vitest';
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { CARD_KEY, findCard, type ModelCard, withCard } from '../../src/onnx/card.js';
import { ModelCardError, PackError } from '../../src/onnx/errors.js';
import { checkCardAgainstGraph } from '../../src/onnx/graph-check.js';
import { type PackOptions, packOnnx } from '../../src/onnx/pack.js';
import { DataType, decodeModel, encodeModel, type ModelProto } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { wideInputModel } from './hostile.js';

const pack = (model: ModelProto, options: Partial<PackOptions> = {}) =>
  packOnnx(decodeModel(encodeModel(model)), { source: 'm.onnx', ...options });

/** x[N, 2] -> MatMul -> logits[N, 3] of `type`, declared `width` wide; optionally an ArgMax label. */
function logits(options: { type?: number; width?: number | string; label?: boolean } = {}) {
  const type = options.type ?? DataType.FLOAT;
  const b = new GraphBuilder('g');
  b.input('x', type, ['N', 2]);
  const w = (type === DataType.DOUBLE ? tensor.double : tensor.float)('w', [2, 3], [1, -2, 0.5, 3, 0, -1]);
  b.op('MatMul', ['x', b.constant(w)], [], undefined, 'logits');
  b.output('logits', type, ['N', options.width ?? 3]);
  if (options.label) {
    b.op('ArgMax', ['logits'], [attr.int('axis', 1), attr.int('keepdims', 0)], undefined, 'label');
    b.output('label', DataType.INT64, ['N']);
  }
  return buildModel(b, { producerVersion: 't', metadata: [] });
}

/** Boosting margins from a TreeEnsembleClassifier alone: a graph with no default-domain opset. */
function mlOnly(): ModelProto {
  const b = new GraphBuilder('g');
  b.input('x', DataType.FLOAT, ['N', 1]);
  b.node(
    'TreeEnsembleClassifier',
    ['x'],
    [
      attr.ints('nodes_treeids', [0, 0, 0]),
      attr.ints('nodes_nodeids', [0, 1, 2]),
      attr.ints('nodes_featureids', [0, 0, 0]),
      attr.strings('nodes_modes', ['BRANCH_LEQ', 'LEAF', 'LEAF']),
      attr.floats('nodes_values', [0.5, 0, 0]),
      attr.ints('nodes_truenodeids', [1, 0, 0]),
      attr.ints('nodes_falsenodeids', [2, 0, 0]),
      attr.ints('class_treeids', [0, 0, 0]),
      attr.ints('class_nodeids', [1, 1, 2]),
      attr.ints('class_ids', [0, 1, 2]),
      attr.floats('class_weights', [2, -1, 3]),
      attr.ints('classlabels_int64s', [10, 20, 30]),
      attr.string('post_transform', 'NONE'),
    ],
    { domain: ML_DOMAIN, outputs: ['label', 'margins'] },
  );
  b.output('label', DataType.INT64, ['N']);
  b.output('margins', DataType.FLOAT, ['N', 3]);
  const model = buildModel(b, { producerVersion: 't', metadata: [] });
  return { ...model, opsetImport: model.opsetImport.filter((o) => o.domain === ML_DOMAIN) };
}

describe('packOnnx', () => {
  it('appends a softmax of the scores own element type (double stays double)', () => {
    const { model, card } = pack(logits({ type: DataType.DOUBLE }), {
      classes: ['a', 'b', 'c'],
      softmax: true,
    });
    const out = model.graph.output.find((o) => o.name === card.io.probabilities);
    expect(out?.type?.tensorType?.elemType).toBe(DataType.DOUBLE);
    expect(card.io.inputType).toBe('float64');
  });

  it('adds the default opset a Softmax needs to a graph of ai.onnx.ml operators only', async () => {
    const { model, card, notes } = pack(mlOnly(), { softmax: true });
    expect(model.opsetImport).toContainEqual({ domain: '', version: 13 });
    expect(card.classes).toEqual([10, 20, 30]);
    expect(notes).toContain('a Softmax over margins gives the probabilities (probabilities)');
    const predictor = await Predictor.load(encodeModel(model));
    const got = await predictor.predict([[0], [1]]);
    const p = Array.from(got.probabilities ?? []);
    const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((s, u) => s + Math.exp(u), 0));
    [...softmax([2, -1, 0]), ...softmax([0, 0, 3])].forEach((v, i) => {
      expect(Math.abs((p[i] as number) - v)).toBeLessThan(1e-6);
    });
    expect(got.labels).toEqual([10, 30]);
    await predictor.release();
  });

  it('serves the margins as scores without --softmax, labels from the graph', () => {
    const { card } = pack(mlOnly());
    expect(card.io).toEqual({
      input: 'x',
      inputType: 'float32',
      label: 'label',
      scores: 'margins',
      labelIsArgmax: false,
    });
  });

  it.each<[string, () => ModelProto, Partial<PackOptions>, RegExp]>([
    [
      'a per-class output of undeclared width',
      () => logits({ width: 'C' }),
      { classes: ['a', 'b', 'c'] },
      /the output logits does not declare how many columns it has/,
    ],
    [
      'a regressor whose output is not one value per row',
      () => logits(),
      { task: 'regression' },
      /the regressor's output logits is \[rows, 3\]; modelgate serves one value per row/,
    ],
    [
      '--classes that are not the integers an integer label answers',
      () => logits({ label: true }),
      { classes: ['a', 'b', 'c'] },
      /the label output label answers integers; --classes must be the integers it answers/,
    ],
    ['--classes with a repeat', () => logits(), { classes: ['a', 'b', 'a'] }, /class "a" appears twice/],
    [
      '--features with a repeat',
      () => logits(),
      { classes: ['a', 'b', 'c'], features: ['f', 'f'] },
      /feature "f" appears twice/,
    ],
    [
      '--classes on a regressor',
      () => logits({ width: 1 }),
      { classes: ['a', 'b'], task: 'regression' },
      /--classes is for a classifier/,
    ],
    [
      '--softmax on a regressor',
      () => logits({ width: 1 }),
      { softmax: true },
      /--softmax is for a classifier/,
    ],
    [
      'an input declared 10^8 wide',
      () => decodeModel(wideInputModel(1e8)),
      {},
      /the input x declares 100000000 features; modelgate serves 1 to 100000/,
    ],
    ['an input declared 0 wide', () => decodeModel(wideInputModel(0)), {}, /declares 0 features/],
  ])('refuses %s', (_, build, options, message) => {
    expect(() => pack(build(), options)).toThrow(PackError);
    expect(() => pack(build(), options)).toThrow(message);
  });

  it('refuses the 10^8-wide input before sizing anything by it', () => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    expect(() => pack(decodeModel(wideInputModel(1e8)))).toThrow(PackError);
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});

describe('packOnnx on a model with a card', () => {
  const packedBefore = (): ModelProto => {
    // What an earlier pack wrote for a network ending in logits: the logits named as probabilities.
    const first = pack(logits(), { classes: ['a', 'b', 'c'] });
    const card: ModelCard = {
      ...first.card,
      io: { input: 'x', inputType: 'float32', probabilities: 'logits', labelIsArgmax: true },
    };
    return withCard(first.model, card);
  };

  it('serves scores an earlier pack named probabilities as scores', () => {
    const { card, notes, kept } = pack(packedBefore());
    expect(kept).toBe(true);
    expect(card.io).toEqual({ input: 'x', inputType: 'float32', scores: 'logits', labelIsArgmax: true });
    expect(notes[1]).toMatch(
      /the card named logits as probabilities, but it is computed by MatMul.*: served as scores now/,
    );
  });

  it('turns kept scores into probabilities with --softmax', () => {
    const { card } = pack(packedBefore(), { softmax: true });
    expect(card.io.scores).toBeUndefined();
    expect(card.io.probabilities).toBe('probabilities');
  });

  it('refuses a card that is not valid, rather than replacing it', () => {
    const model = packedBefore();
    const broken = {
      ...model,
      metadataProps: [{ key: CARD_KEY, value: '{"format": 1, "name": 3}' }],
    };
    expect(() => pack(broken)).toThrow(
      /already has a modelgate model card, but invalid model card: "name" must be a string; pack the original ONNX file instead/,
    );
  });

  it('refuses a kept card that disagrees with its graph', () => {
    const model = packedBefore();
    const card = findCard(model.metadataProps);
    const wrong = withCard(model, { ...card, classes: ['a', 'b'] });
    expect(() => pack(wrong)).toThrow(
      /the model card of "m" and its graph disagree: the card lists 2 classes, the graph's scores output "logits" is \[\?, 3\]/,
    );
  });
});

describe('checkCardAgainstGraph', () => {
  const { model, card } = pack(logits({ label: true }), { classes: [0, 1, 2] });

  it('accepts the card pack wrote', () => {
    expect(() => checkCardAgainstGraph(card, model.graph)).not.toThrow();
  });

  it.each<[string, (c: ModelCard) => ModelCard, RegExp]>([
    [
      'an input the graph lacks',
      (c) => ({ ...c, io: { ...c.io, input: 'y' } }),
      /the card's input "y" is not an input of the graph/,
    ],
    [
      'another input type',
      (c) => ({ ...c, io: { ...c.io, inputType: 'float64' } }),
      /the card feeds float64, the graph's input "x" takes float32/,
    ],
    [
      'another feature count',
      (c) => ({ ...c, features: [{ name: 'a', type: 'number' }] }),
      /the card lists 1 features, the graph's input "x" is 2 wide/,
    ],
    [
      'an output the graph lacks',
      (c) => ({ ...c, io: { ...c.io, label: 'nope' } }),
      /the card's label output "nope" is not an output/,
    ],
    [
      'a float label',
      (c) => ({ ...c, io: { ...c.io, label: 'logits' } }),
      /the label output "logits" is float/,
    ],
    [
      'another class count',
      (c) => ({ ...c, classes: [0, 1] }),
      /the card lists 2 classes, the graph's scores output "logits" is \[\?, 3\]/,
    ],
    [
      'a value output of three columns',
      (c) => ({ ...c, task: 'regression', io: { input: 'x', inputType: 'float32', value: 'logits' } }),
      /the value output "logits" is \[\?, 3\]; a regressor answers one value per row/,
    ],
  ])('refuses %s', (_, edit, message) => {
    expect(() => checkCardAgainstGraph(edit(card), model.graph)).toThrow(ModelCardError);
    expect(() => checkCardAgainstGraph(edit(card), model.graph)).toThrow(message);
  });
});
