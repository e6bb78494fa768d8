// Tiny ONNX models of every output kind, built with modelgate's own graph builder, whose answers are a
// known function of their input: the batcher's stress test can tell whose rows an answer belongs to,
// and the load checks can be given a card that disagrees with its graph.

import { attr, buildModel, type Dim, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { type ClassLabel, cardEntry, type ModelCard } from '../../src/onnx/card.js';
import { DataType, encodeModel } from '../../src/onnx/proto.js';

export type Kind = 'probabilities' | 'labels' | 'scores' | 'values';

export interface GraphOptions {
  /** Features (the input's width). */
  width?: number;
  /** The declared shape of the main output's second dimension (undefined: symbolic). */
  declaredWidth?: Dim;
  /**
   * Pass the input through a Reshape to [N, -1] first, so that onnxruntime's shape inference cannot
   * know the outputs' widths: only a run shows them.
   */
  hideWidth?: boolean;
  /** Edit the card before it is written (to make it disagree with the graph). */
  card?: (card: ModelCard) => ModelCard;
  /** Double inputs and outputs instead of float. */
  double?: boolean;
}

const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/**
 * - probabilities: softmax of the row (classes c0..c{w-1}); labels are the argmax.
 * - scores: the row itself (classes c0..); labels are the argmax.
 * - labels: the integer part of the row's first value, as an int64 label (classes 0..999999).
 * - values: the row's first value, natural log taken when `log` (so x <= 0 gives NaN or -Infinity);
 *   with `hideWidth`, the whole row (a matrix, for cards that disagree with it).
 */
export function kindModel(kind: Kind, options: GraphOptions & { log?: boolean } = {}): Uint8Array {
  const width = options.width ?? 3;
  const elem = options.double ? DataType.DOUBLE : DataType.FLOAT;
  const b = new GraphBuilder(`${kind}-model`);
  let x = b.input('input', elem, ['N', width]);
  const flat = b.constant(tensor.int64('flat', [1], [-1]));
  if (options.hideWidth) {
    const n = b.op('Slice', [
      b.op('Shape', [x]),
      b.constant(tensor.int64('zero', [1], [0])),
      b.constant(tensor.int64('one', [1], [1])),
    ]);
    x = b.op('Reshape', [x, b.op('Concat', [n, flat], [attr.int('axis', 0)])]);
  }
  let classes: ClassLabel[] | undefined;
  let io: ModelCard['io'];
  const inputType = options.double ? 'float64' : 'float32';
  if (kind === 'probabilities' || kind === 'scores') {
    classes = names(width, 'c');
    const out = kind === 'probabilities' ? 'probabilities' : 'scores';
    b.op(
      kind === 'probabilities' ? 'Softmax' : 'Identity',
      [x],
      kind === 'probabilities' ? [attr.int('axis', 1)] : [],
      undefined,
      out,
    );
    b.output(out, elem, ['N', options.declaredWidth ?? 'K']);
    io = { input: 'input', inputType, [out]: out, labelIsArgmax: true };
  } else if (kind === 'labels') {
    classes = Array.from({ length: 1_000 }, (_, i) => i);
    const first = b.op('Slice', [
      x,
      b.constant(tensor.int64('starts', [1], [0])),
      b.constant(tensor.int64('ends', [1], [1])),
      b.constant(tensor.int64('axes', [1], [1])),
    ]);
    const cast = b.op('Cast', [b.op('Floor', [first])], [attr.int('to', DataType.INT64)]);
    b.op('Reshape', [cast, flat], [], undefined, 'label');
    b.output('label', DataType.INT64, ['N']);
    io = { input: 'input', inputType, label: 'label' };
  } else if (options.hideWidth) {
    b.op(options.log ? 'Log' : 'Identity', [x], [], undefined, 'value');
    b.output('value', elem, ['N', 'K']);
    io = { input: 'input', inputType, value: 'value' };
  } else {
    let first = b.op('Slice', [
      x,
      b.constant(tensor.int64('starts', [1], [0])),
      b.constant(tensor.int64('ends', [1], [1])),
      b.constant(tensor.int64('axes', [1], [1])),
    ]);
    if (options.log) first = b.op('Log', [first]);
    b.op('Reshape', [first, flat], [], undefined, 'value');
    b.output('value', elem, ['N']);
    io = { input: 'input', inputType, value: 'value' };
  }
  let card: ModelCard = {
    format: 1,
    name: `${kind}-model`,
    task: kind === 'values' ? 'regression' : 'classification',
    features: names(width, 'x').map((name) => ({ name, type: 'number' })),
    ...(classes ? { classes } : {}),
    missing: 'reject',
    io,
    provenance: TEST_PROVENANCE,
  };
  if (options.card) card = options.card(card);
  return encodeModel(buildModel(b, { producerVersion: 'test', metadata: [cardEntry(card)] }));
}

/**
 * Inputs "num" (float32 [N, 2]: x0 a number, x1 a boolean) and "cat" (string [N, 1]: color, one of
 * a, b, c, also named "Color"); value = x0 + x1 + {a: 10, b: 20, c: 30}[color].
 */
export function twoInputs(card: (c: ModelCard) => ModelCard = (c) => c): Uint8Array {
  const b = new GraphBuilder('typed');
  const num = b.input('num', DataType.FLOAT, ['N', 2]);
  const cat = b.input('cat', DataType.STRING, ['N', 1]);
  const coded = b.op(
    'LabelEncoder',
    [cat],
    [
      attr.strings('keys_strings', ['a', 'b', 'c']),
      attr.floats('values_floats', [10, 20, 30]),
      attr.float('default_float', -1),
    ],
    ML_DOMAIN,
  );
  const all = b.op('Concat', [num, coded], [attr.int('axis', 1)]);
  return summed(
    b,
    all,
    {
      name: 'typed',
      features: [
        { name: 'x0', type: 'number' },
        { name: 'x1', type: 'boolean' },
        { name: 'color', type: 'category', categories: ['a', 'b', 'c'], column: 'Color' },
      ],
      io: {
        inputs: [
          { name: 'num', type: 'float32', features: ['x0', 'x1'] },
          { name: 'cat', type: 'string', features: ['color'] },
        ],
        value: 'value',
      },
    },
    card,
  );
}

/**
 * One float32 input [N, 2]: x0, and size (a category s, m, l fed as its code 0, 1, 2; an unknown
 * one is missing, or with `unknown` 'pass' the code -1), imputed to 100 when missing; value = x0 + size.
 */
export function codesModel(unknown: 'missing' | 'pass' = 'missing'): Uint8Array {
  const b = new GraphBuilder('codes');
  const x = b.input('input', DataType.FLOAT, ['N', 2]);
  const filled = b.op(
    'Imputer',
    [x],
    [attr.floats('imputed_value_floats', [0, 100]), attr.float('replaced_value_float', Number.NaN)],
    ML_DOMAIN,
  );
  return summed(b, filled, {
    name: 'codes',
    features: [
      { name: 'x0', type: 'number' },
      { name: 'size', type: 'category', categories: ['s', 'm', 'l'], unknown, missing: 'impute' },
    ],
    io: { input: 'input', inputType: 'float32', value: 'value' },
  });
}

/** A regressor whose value is the sum of each row of `x` ([N, 1] "value"), with a format 2 card. */
function summed(
  b: GraphBuilder,
  x: string,
  card: Pick<ModelCard, 'name' | 'features' | 'io'>,
  edit: (c: ModelCard) => ModelCard = (c) => c,
): Uint8Array {
  b.op(
    'ReduceSum',
    [x, b.constant(tensor.int64('axes', [1], [1]))],
    [attr.int('keepdims', 1)],
    undefined,
    'value',
  );
  b.output('value', DataType.FLOAT, ['N', 1]);
  const full: ModelCard = {
    format: 2,
    task: 'regression',
    missing: 'reject',
    provenance: TEST_PROVENANCE,
    ...card,
  };
  return encodeModel(buildModel(b, { producerVersion: 'test', metadata: [cardEntry(edit(full))] }));
}

export const TEST_PROVENANCE: ModelCard['provenance'] = {
  source: 'onnx',
  tool: 'test',
  createdAt: '2026-12-01T00:00:00Z',
};

/**
 * Models of the unsupervised tasks over 3 features, whose answers are a known function of the row:
 * - clusters: 3 clusters; distances |x| (each feature is the distance to its cluster), the cluster the
 *   nearest, probabilities softmax(-|x|) (`with` says which of the two the card names);
 * - outliers: the score is x0; an outlier (-1) where it is negative.
 */
export function taskModel(
  task: 'clusters' | 'outliers',
  options: { with?: ('distances' | 'probabilities')[]; card?: (card: ModelCard) => ModelCard } = {},
): Uint8Array {
  const b = new GraphBuilder(`${task}-model`);
  const x = b.input('input', DataType.DOUBLE, ['N', 3]);
  let io: ModelCard['io'];
  if (task === 'clusters') {
    const d = b.op('Abs', [x], [], undefined, 'distances');
    b.op('ArgMin', [d], [attr.int('axis', 1), attr.int('keepdims', 0)], undefined, 'cluster');
    b.output('cluster', DataType.INT64, ['N']);
    io = { input: 'input', inputType: 'float64', label: 'cluster' };
    for (const name of options.with ?? ['distances']) {
      if (name === 'probabilities')
        b.op('Softmax', [b.op('Neg', [d])], [attr.int('axis', 1)], undefined, 'probabilities');
      b.output(name, DataType.DOUBLE, ['N', 3]);
      io[name] = name;
    }
  } else {
    const first = b.op('Slice', [
      x,
      b.constant(tensor.int64('starts', [1], [0])),
      b.constant(tensor.int64('ends', [1], [1])),
      b.constant(tensor.int64('axes', [1], [1])),
    ]);
    const score = b.op(
      'Reshape',
      [first, b.constant(tensor.int64('flat', [1], [-1]))],
      [],
      undefined,
      'score',
    );
    const negative = b.op('Less', [score, b.constant(tensor.double('zero', [1], [0]))]);
    b.op(
      'Where',
      [
        negative,
        b.constant(tensor.int64('outlier', [1], [-1])),
        b.constant(tensor.int64('inlier', [1], [1])),
      ],
      [],
      undefined,
      'label',
    );
    b.output('label', DataType.INT64, ['N']);
    b.output('score', DataType.DOUBLE, ['N']);
    io = { input: 'input', inputType: 'float64', label: 'label', score: 'score' };
  }
  let card: ModelCard = {
    format: 1,
    name: `${task}-model`,
    task: task === 'clusters' ? 'clustering' : 'outlier-detection',
    features: names(3, 'x').map((name) => ({ name, type: 'number' })),
    ...(task === 'clusters' ? { clusters: 3 } : {}),
    missing: 'reject',
    io,
    provenance: TEST_PROVENANCE,
  };
  if (options.card) card = options.card(card);
  return encodeModel(buildModel(b, { producerVersion: 'test', metadata: [cardEntry(card)] }));
}
