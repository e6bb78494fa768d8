// What the trainer's categorical splits rest on: onnxruntime-node runs ai.onnx.ml 5's TreeEnsemble with
// BRANCH_MEMBER nodes (a value's membership in a set, sets in membership_values separated by NaN), on
// float and double inputs, with NaN sent by nodes_missing_value_tracks_true, and any value outside the
// set (codes far apart included) down the false branch.
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { DataType, encodeModel } from '../../src/onnx/proto.js';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;

/** x[0] in {1, 3, 70, 200} ? 10 : (x[1] <= 0.5 ? 20 : 30). */
function memberTree(tracksTrue: number, type: 'float' | 'double') {
  const b = new GraphBuilder('g');
  const t = type === 'float' ? tensor.float : tensor.double;
  const elem = type === 'float' ? DataType.FLOAT : DataType.DOUBLE;
  b.input('x', elem, ['N', 2]);
  b.requireOpset(ML_DOMAIN, 5);
  b.op(
    'TreeEnsemble',
    ['x'],
    [
      attr.int('aggregate_function', 1),
      attr.int('n_targets', 1),
      attr.int('post_transform', 0),
      attr.ints('tree_roots', [0]),
      attr.tensor('nodes_modes', tensor.uint8('', [2], [6, 0])),
      attr.ints('nodes_featureids', [0, 1]),
      attr.tensor('nodes_splits', t('', [2], [0, 0.5])),
      attr.ints('nodes_truenodeids', [0, 1]),
      attr.ints('nodes_trueleafs', [1, 1]),
      attr.ints('nodes_falsenodeids', [1, 2]),
      attr.ints('nodes_falseleafs', [0, 1]),
      attr.ints('nodes_missing_value_tracks_true', [tracksTrue, 0]),
      attr.tensor('membership_values', t('', [5], [1, 3, 70, 200, Number.NaN])),
      attr.ints('leaf_targetids', [0, 0, 0]),
      attr.tensor('leaf_weights', t('', [3], [10, 20, 30])),
    ],
    ML_DOMAIN,
    'y',
  );
  b.output('y', elem, ['N', 1]);
  return buildModel(b, { producerVersion: 't', metadata: [] });
}

it.each([
  [0, 'float'],
  [1, 'float'],
  [0, 'double'],
  [1, 'double'],
] as const)('TreeEnsemble BRANCH_MEMBER runs: missing tracks true = %i, %s input', async (tracks, type) => {
  const session = await ort.InferenceSession.create(encodeModel(memberTree(tracks, type)));
  const xs = [0, 0, 1, 0, 2, 1, 3, 0, Number.NaN, 0, 7, 1, 200, 0, 70, 1];
  const data = type === 'float' ? Float32Array.from(xs) : Float64Array.from(xs);
  const out = await session.run({
    x: new ort.Tensor(type === 'float' ? 'float32' : 'float64', data, [8, 2]),
  });
  await session.release();
  const nan = tracks ? 10 : 20;
  expect(Array.from((out.y as Ort.Tensor).data as Float32Array)).toEqual([20, 10, 30, 10, nan, 30, 10, 10]);
});
