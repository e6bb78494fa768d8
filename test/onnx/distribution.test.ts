// Which classifier outputs pack serves as probabilities: each verdict is checked against what
// onnxruntime itself computes for the same operator and attributes on random rows. A "distribution"
// must give rows of non-negative values summing to 1 (within 1e-5); a "not" case must give at least
// one row that is not, so the rule is neither too trusting nor refusing what it could accept.
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { distributionVerdict, producers } from '../../src/onnx/distribution.js';
import { type AttributeProto, DataType, encodeModel, type NodeProto } from '../../src/onnx/proto.js';
import { cpuTimed } from '../helpers/cpu.js';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;
const FEATURES = 2;
const ROWS = 64;

type After = (b: GraphBuilder, scores: string) => string;

/** x float[N, 2] -> an ai.onnx.ml classifier -> its scores, maybe through `after`, as `scores`. */
function graphOf(opType: string, attributes: AttributeProto[], after?: After) {
  const b = new GraphBuilder('g');
  b.input('x', DataType.FLOAT, ['N', FEATURES]);
  const [, raw] = b.node(opType, ['x'], attributes, { domain: ML_DOMAIN, outputs: ['label', 'raw'] });
  return finish(b, after ? after(b, raw as string) : (raw as string));
}

/** x float[N, 2] -> MatMul (logits of 3 classes) -> `after` -> `scores`: a network's ending. */
function network(after: After) {
  const b = new GraphBuilder('g');
  b.input('x', DataType.FLOAT, ['N', FEATURES]);
  const w = b.constant(tensor.float('w', [FEATURES, 3], [1, -2, 0.5, 3, 0, -1]));
  return finish(b, after(b, b.op('MatMul', ['x', w])));
}

function finish(b: GraphBuilder, last: string) {
  b.node('Identity', [last], [], { outputs: ['scores'] });
  b.output('scores', DataType.FLOAT, ['N', 'C']);
  return buildModel(b, { producerVersion: 't', metadata: [] });
}

/** Random rows in [-3, 3), the same every run. */
function rows(): Float32Array {
  let seed = 7;
  return Float32Array.from({ length: ROWS * FEATURES }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31) * 6 - 3;
  });
}

async function isDistributionInOnnxruntime(model: ReturnType<typeof graphOf>): Promise<boolean> {
  const session = await ort.InferenceSession.create(encodeModel(model));
  const out = await session.run({ x: new ort.Tensor('float32', rows(), [ROWS, FEATURES]) }, ['scores']);
  const t = out.scores as Ort.Tensor;
  const data = t.data as Float32Array;
  const k = t.dims[1] as number;
  await session.release();
  for (let r = 0; r < ROWS; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = data[r * k + c] as number;
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-5) return false;
  }
  return true;
}

const post = (p: string) => attr.string('post_transform', p);
const ints = (name: string, v: number[]) => attr.ints(name, v);
const floats = (name: string, v: number[]) => attr.floats(name, v);

function linear(p: string, coefficients: number[], intercepts: number[], classes: number) {
  return graphOf('LinearClassifier', [
    floats('coefficients', coefficients),
    floats('intercepts', intercepts),
    ints(
      'classlabels_ints',
      Array.from({ length: classes }, (_, i) => i),
    ),
    post(p),
  ]);
}

/** One stump per tree on feature 0 (x0 <= 0.5: leaf 1, else leaf 2), with the given leaf votes. */
function trees(
  p: string,
  votes: [tree: number, leaf: number, cls: number, weight: number][],
  classes: number,
  extra: AttributeProto[] = [],
) {
  const treeIds = [...new Set(votes.map((v) => v[0]))];
  return graphOf('TreeEnsembleClassifier', [
    ints(
      'nodes_treeids',
      treeIds.flatMap((t) => [t, t, t]),
    ),
    ints(
      'nodes_nodeids',
      treeIds.flatMap(() => [0, 1, 2]),
    ),
    ints(
      'nodes_featureids',
      treeIds.flatMap(() => [0, 0, 0]),
    ),
    attr.strings(
      'nodes_modes',
      treeIds.flatMap(() => ['BRANCH_LEQ', 'LEAF', 'LEAF']),
    ),
    floats(
      'nodes_values',
      treeIds.flatMap(() => [0.5, 0, 0]),
    ),
    ints(
      'nodes_truenodeids',
      treeIds.flatMap(() => [1, 0, 0]),
    ),
    ints(
      'nodes_falsenodeids',
      treeIds.flatMap(() => [2, 0, 0]),
    ),
    ints(
      'class_treeids',
      votes.map((v) => v[0]),
    ),
    ints(
      'class_nodeids',
      votes.map((v) => v[1]),
    ),
    ints(
      'class_ids',
      votes.map((v) => v[2]),
    ),
    floats(
      'class_weights',
      votes.map((v) => v[3]),
    ),
    ints(
      'classlabels_int64s',
      Array.from({ length: classes }, (_, i) => i),
    ),
    post(p),
    ...extra,
  ]);
}

function svm(p: string, classes: 2 | 3, platt: boolean) {
  const support = classes === 2 ? [0, 0, 1, 1, 2, 0, 0, 2] : [0, 0, 1, 1, 2, 0];
  const attributes = [
    attr.string('kernel_type', 'RBF'),
    floats('kernel_params', [0.5, 0, 3]),
    floats('support_vectors', support),
    ints('vectors_per_class', classes === 2 ? [2, 2] : [1, 1, 1]),
    floats('coefficients', classes === 2 ? [1, -0.5, -1, 0.5] : [1, -1, 0.5, -0.5, 1, -1]),
    floats('rho', classes === 2 ? [0.1] : [0.1, 0.2, 0.3]),
    ints('classlabels_ints', classes === 2 ? [0, 1] : [0, 1, 2]),
    post(p),
  ];
  if (platt)
    attributes.push(
      floats('prob_a', classes === 2 ? [-1.5] : [-1.5, -1, -2]),
      floats('prob_b', classes === 2 ? [0.1] : [0.1, 0, 0.2]),
    );
  return graphOf('SVMClassifier', attributes);
}

// A random forest's leaves: each tree's leaf votes sum to 1/trees.
const forest: [number, number, number, number][] = [
  [0, 1, 0, 0.25],
  [0, 1, 1, 0.25],
  [0, 2, 2, 0.5],
  [1, 1, 0, 0.1],
  [1, 1, 2, 0.4],
  [1, 2, 1, 0.5],
];

const cases: [string, () => ReturnType<typeof graphOf>, 'distribution' | 'not'][] = [
  ['Softmax', () => network((b, s) => b.op('Softmax', [s])), 'distribution'],
  [
    'Softmax over axis 1, through a Cast',
    () =>
      network((b, s) =>
        b.op('Cast', [b.op('Softmax', [s], [attr.int('axis', 1)])], [attr.int('to', DataType.FLOAT)]),
      ),
    'distribution',
  ],
  ['Softmax over the rows', () => network((b, s) => b.op('Softmax', [s], [attr.int('axis', 0)])), 'not'],
  ['Sigmoid per column', () => network((b, s) => b.op('Sigmoid', [s])), 'not'],
  ['logits', () => network((_, s) => s), 'not'],
  [
    'LinearClassifier 3 rows SOFTMAX',
    () => linear('SOFTMAX', [1, 2, -1, 0, 0.5, -2], [0.1, 0, -0.3], 3),
    'distribution',
  ],
  [
    'LinearClassifier 3 rows SOFTMAX_ZERO',
    () => linear('SOFTMAX_ZERO', [1, 2, -1, 0, 0.5, -2], [0.1, 0, -0.3], 3),
    'distribution',
  ],
  [
    'LinearClassifier 3 rows NONE (LinearSVC)',
    () => linear('NONE', [1, 2, -1, 0, 0.5, -2], [0.1, 0, -0.3], 3),
    'not',
  ],
  [
    'LinearClassifier 3 rows LOGISTIC (one-vs-rest)',
    () => linear('LOGISTIC', [1, 2, -1, 0, 0.5, -2], [0.1, 0, -0.3], 3),
    'not',
  ],
  [
    'LOGISTIC one-vs-rest, then an L1 Normalizer',
    () =>
      graphOf(
        'LinearClassifier',
        [
          floats('coefficients', [1, 2, -1, 0, 0.5, -2]),
          floats('intercepts', [0.1, 0, -0.3]),
          ints('classlabels_ints', [0, 1, 2]),
          post('LOGISTIC'),
        ],
        (b, s) => b.op('Normalizer', [s], [attr.string('norm', 'L1')], ML_DOMAIN),
      ),
    'distribution',
  ],
  [
    'NONE scores, then an L1 Normalizer',
    () =>
      graphOf(
        'LinearClassifier',
        [
          floats('coefficients', [1, 2, -1, 0, 0.5, -2]),
          floats('intercepts', [0.1, 0, -0.3]),
          ints('classlabels_ints', [0, 1, 2]),
          post('NONE'),
        ],
        (b, s) => b.op('Normalizer', [s], [attr.string('norm', 'L1')], ML_DOMAIN),
      ),
    'not',
  ],
  ['binary LinearClassifier 1 row LOGISTIC', () => linear('LOGISTIC', [1, 2], [0.5], 2), 'distribution'],
  ['binary LinearClassifier 1 row SOFTMAX ([1 - s, s])', () => linear('SOFTMAX', [1, 2], [0.5], 2), 'not'],
  ['binary LinearClassifier 1 row NONE', () => linear('NONE', [1, 2], [0.5], 2), 'not'],
  [
    'binary LinearClassifier 2 opposite rows LOGISTIC',
    () => linear('LOGISTIC', [-1, -2, 1, 2], [-0.5, 0.5], 2),
    'distribution',
  ],
  [
    'binary LinearClassifier 2 rows LOGISTIC',
    () => linear('LOGISTIC', [-1, -2, 1, 3], [-0.5, 0.5], 2),
    'not',
  ],
  [
    'binary LinearClassifier 2 rows SOFTMAX',
    () => linear('SOFTMAX', [-1, -2, 1, 3], [-0.5, 0.5], 2),
    'distribution',
  ],
  ['random forest leaves, NONE', () => trees('NONE', forest, 3), 'distribution'],
  [
    'random forest leaves with a base value, NONE',
    () => trees('NONE', forest, 3, [floats('base_values', [0.1, 0, 0])]),
    'not',
  ],
  [
    'boosting margins, NONE',
    () =>
      trees(
        'NONE',
        forest.map(([t, l, c, w]) => [t, l, c, w * 4 - 1]),
        3,
      ),
    'not',
  ],
  [
    'boosting margins, SOFTMAX',
    () =>
      trees(
        'SOFTMAX',
        forest.map(([t, l, c, w]) => [t, l, c, w * 4 - 1]),
        3,
      ),
    'distribution',
  ],
  ['boosting margins, LOGISTIC per class', () => trees('LOGISTIC', forest, 3), 'not'],
  [
    'binary trees with both classes, NONE',
    () =>
      trees(
        'NONE',
        [
          [0, 1, 0, 0.8],
          [0, 1, 1, 0.2],
          [0, 2, 0, 0.1],
          [0, 2, 1, 0.9],
        ],
        2,
      ),
    'distribution',
  ],
  [
    'binary trees of class 0, NONE ([1 - s, s])',
    () =>
      trees(
        'NONE',
        [
          [0, 1, 0, 0.2],
          [0, 2, 0, 0.9],
        ],
        2,
      ),
    'distribution',
  ],
  [
    'binary trees of class 0 past 1, NONE',
    () =>
      trees(
        'NONE',
        [
          [0, 1, 0, 0.2],
          [0, 2, 0, 0.9],
          [1, 1, 0, 0.3],
          [1, 2, 0, 0.3],
        ],
        2,
      ),
    'not',
  ],
  [
    'binary trees of class 0, negative, SOFTMAX ([-s, s])',
    () =>
      trees(
        'SOFTMAX',
        [
          [0, 1, 0, -0.2],
          [0, 2, 0, 0.9],
        ],
        2,
      ),
    'not',
  ],
  [
    'binary trees of class 0, negative, LOGISTIC',
    () =>
      trees(
        'LOGISTIC',
        [
          [0, 1, 0, -0.2],
          [0, 2, 0, 0.9],
        ],
        2,
      ),
    'distribution',
  ],
  [
    'binary trees of class 1, NONE ([0, s])',
    () =>
      trees(
        'NONE',
        [
          [0, 1, 1, 0.2],
          [0, 2, 1, 0.9],
        ],
        2,
      ),
    'not',
  ],
  [
    'binary trees of class 1, LOGISTIC ([0.5, p])',
    () =>
      trees(
        'LOGISTIC',
        [
          [0, 1, 1, 0.2],
          [0, 2, 1, 0.9],
        ],
        2,
      ),
    'not',
  ],
  [
    'binary trees of class 1, SOFTMAX',
    () =>
      trees(
        'SOFTMAX',
        [
          [0, 1, 1, 0.2],
          [0, 2, 1, 0.9],
        ],
        2,
      ),
    'distribution',
  ],
  ['SVM with Platt scaling, NONE', () => svm('NONE', 3, true), 'distribution'],
  ['binary SVM with Platt scaling, NONE', () => svm('NONE', 2, true), 'distribution'],
  ['SVM with Platt scaling, LOGISTIC', () => svm('LOGISTIC', 3, true), 'not'],
  ['SVM decision values, NONE', () => svm('NONE', 3, false), 'not'],
  ['SVM decision values, SOFTMAX', () => svm('SOFTMAX', 3, false), 'distribution'],
  ['binary SVM decision values, SOFTMAX ([1 - s, s])', () => svm('SOFTMAX', 2, false), 'not'],
  ['binary SVM decision values, LOGISTIC', () => svm('LOGISTIC', 2, false), 'distribution'],
];

describe('which outputs are probability distributions', () => {
  it.each(cases)('%s', async (_, build, expected) => {
    const model = build();
    const verdict = distributionVerdict('scores', producers(model.graph));
    expect(verdict.distribution ? 'distribution' : 'not', verdict.because).toBe(expected);
    expect(await isDistributionInOnnxruntime(model)).toBe(expected === 'distribution');
  });

  it('says why, naming the operator', () => {
    const model = linear('NONE', [1, 2, -1, 0, 0.5, -2], [0.1, 0, -0.3], 3);
    expect(distributionVerdict('scores', producers(model.graph)).because).toBe(
      'it is a LinearClassifier with post_transform NONE: scores, not probabilities',
    );
  });

  it('follows a chain of operators only so far, and never around a cycle', () => {
    const normalizers = (n: number) => {
      const chain: NodeProto[] = [{ input: ['x'], output: ['n0'], opType: 'Sigmoid', attribute: [] }];
      for (let i = 1; i <= n; i++)
        chain.push({
          input: [`n${i - 1}`],
          output: [`n${i}`],
          opType: 'Normalizer',
          domain: ML_DOMAIN,
          attribute: [attr.string('norm', 'L1')],
        });
      return producers({ node: chain, initializer: [], input: [], output: [], valueInfo: [] });
    };
    expect(distributionVerdict('n10', normalizers(10)).distribution).toBe(true);
    // 100,000 L1 Normalizers after a Sigmoid: a verdict ("not known"), not a stack overflow.
    const long = normalizers(100_000);
    const { ms, value } = cpuTimed(() => distributionVerdict('n100000', long));
    expect(value?.distribution).toBe(false);
    expect(ms).toBeLessThan(1000);
    const cycle: NodeProto[] = [
      { input: ['b'], output: ['a'], opType: 'Identity', attribute: [] },
      { input: ['a'], output: ['b'], opType: 'Identity', attribute: [] },
    ];
    const graph = { node: cycle, initializer: [], input: [], output: [], valueInfo: [] };
    expect(distributionVerdict('a', producers(graph)).distribution).toBe(false);
  });
});
