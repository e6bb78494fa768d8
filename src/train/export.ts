// A boosted model as one ONNX graph: Imputer (float32, as the reference's SimpleImputer feeds the
// tree's float32 input) -> Cast to double -> TreeEnsembleRegressor (double thresholds, so splits fall
// exactly where the trainer put them) -> Sigmoid or Softmax -> probabilities and label. A model with
// categorical features takes their codes in the same input (NaN missing, left so by the Imputer) and
// uses ai.onnx.ml 5's TreeEnsemble instead, whose BRANCH_MEMBER nodes test a code's membership in a set.
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import { type ClassLabel, cardEntry, type ModelCard } from '../onnx/card.js';
import { DataType, type ModelProto } from '../onnx/proto.js';
import { VERSION } from '../version.js';
import type { BoostedModel } from './boosting.js';

export const INPUT_NAME = 'input';

export function boostedToOnnx(model: BoostedModel, card: Omit<ModelCard, 'io' | 'missing'>): ModelProto {
  const b = new GraphBuilder(card.name || 'modelgate');
  const width = model.features;
  b.input(INPUT_NAME, DataType.FLOAT, ['N', width]);
  const imputed = b.op(
    'Imputer',
    [INPUT_NAME],
    [attr.floats('imputed_value_floats', model.means), attr.float('replaced_value_float', Number.NaN)],
    ML_DOMAIN,
  );
  const asDouble = b.op('Cast', [imputed], [attr.int('to', DataType.DOUBLE)]);

  let raw: string;
  if (model.categories) {
    b.requireOpset(ML_DOMAIN, 5);
    // This TreeEnsemble has no base values: the initial score is added after it.
    const sums = b.op('TreeEnsemble', [asDouble], treeEnsembleAttributes(model), ML_DOMAIN);
    const init = b.constant(tensor.double('init', [model.outputs], model.init));
    raw = b.op('Cast', [b.op('Add', [sums, init])], [attr.int('to', DataType.FLOAT)]);
  } else raw = b.op('TreeEnsembleRegressor', [asDouble], ensembleAttributes(model), ML_DOMAIN);

  let io: ModelCard['io'];
  if (model.task === 'regression') {
    b.op('Reshape', [raw, b.constant(tensor.int64('value_shape', [1], [-1]))], [], undefined, 'value');
    b.output('value', DataType.FLOAT, ['N']);
    io = { input: INPUT_NAME, inputType: 'float32', value: 'value' };
  } else {
    let probabilities: string;
    if (model.outputs === 1) {
      const p1 = b.op('Sigmoid', [raw]);
      const p0 = b.op('Sub', [b.constant(tensor.float('one', [1], [1])), p1]);
      probabilities = b.op('Concat', [p0, p1], [attr.int('axis', 1)], undefined, 'probabilities');
    } else {
      probabilities = b.op('Softmax', [raw], [attr.int('axis', 1)], undefined, 'probabilities');
    }
    const index = b.op('ArgMax', [probabilities], [attr.int('axis', 1), attr.int('keepdims', 0)]);
    const classes = classTensor(card.classes ?? []);
    b.op('Gather', [b.constant(classes), index], [attr.int('axis', 0)], undefined, 'label');
    b.output('label', classes.dataType, ['N']);
    b.output('probabilities', DataType.FLOAT, ['N', model.nClasses]);
    io = {
      input: INPUT_NAME,
      inputType: 'float32',
      label: 'label',
      probabilities: 'probabilities',
      labelIsArgmax: true,
    };
  }
  const full: ModelCard = { ...card, missing: 'impute', io };
  return buildModel(b, {
    producerVersion: VERSION,
    metadata: [cardEntry(full)],
    docString: `${card.provenance.estimator ?? 'model'} trained by modelgate ${VERSION}`,
  });
}

function classTensor(classes: readonly ClassLabel[]) {
  if (classes.every((c) => typeof c === 'number' && Number.isInteger(c))) {
    return tensor.int64('classes', [classes.length], classes as number[]);
  }
  return tensor.string('classes', [classes.length], classes.map(String));
}

function ensembleAttributes(model: BoostedModel) {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const tTree: number[] = [];
  const tNode: number[] = [];
  const tTarget: number[] = [];
  const tWeight: number[] = [];
  let treeId = 0;
  for (const stage of model.stages) {
    for (let k = 0; k < stage.length; k++) {
      const tree = stage[k];
      for (let node = 0; node < tree.feature.length; node++) {
        treeIds.push(treeId);
        nodeIds.push(node);
        const leaf = tree.left[node] < 0;
        featureIds.push(leaf ? 0 : tree.feature[node]);
        modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
        values.push(leaf ? 0 : tree.threshold[node]);
        trueIds.push(leaf ? 0 : tree.left[node]);
        falseIds.push(leaf ? 0 : tree.right[node]);
        if (leaf) {
          tTree.push(treeId);
          tNode.push(node);
          tTarget.push(k);
          tWeight.push(model.learningRate * tree.value[node]);
        }
      }
      treeId += 1;
    }
  }
  return [
    attr.string('aggregate_function', 'SUM'),
    attr.int('n_targets', model.outputs),
    attr.string('post_transform', 'NONE'),
    attr.tensor('base_values_as_tensor', tensor.double('', [model.outputs], model.init)),
    attr.ints('nodes_treeids', treeIds),
    attr.ints('nodes_nodeids', nodeIds),
    attr.ints('nodes_featureids', featureIds),
    attr.strings('nodes_modes', modes),
    attr.tensor('nodes_values_as_tensor', tensor.double('', [values.length], values)),
    attr.ints('nodes_truenodeids', trueIds),
    attr.ints('nodes_falsenodeids', falseIds),
    attr.ints('target_treeids', tTree),
    attr.ints('target_nodeids', tNode),
    attr.ints('target_ids', tTarget),
    attr.tensor('target_weights_as_tensor', tensor.double('', [tWeight.length], tWeight)),
  ];
}

/** TreeEnsemble mode codes (ai.onnx.ml 5). */
const BRANCH_LEQ = 0;
const BRANCH_MEMBER = 6;

/**
 * ai.onnx.ml 5 TreeEnsemble attributes: interior nodes and leaves numbered apart, over all trees. A
 * categorical split lists the codes of its side that missing values do not take; its other side gets
 * everything else (NaN, codes absent from the node, codes the trainer never saw), as the trainer sends
 * them. A tree that is a single leaf gets one node whose both branches reach it.
 */
function treeEnsembleAttributes(model: BoostedModel) {
  const roots: number[] = [];
  const modes: number[] = [];
  const featureIds: number[] = [];
  const splits: number[] = [];
  const trueIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseIds: number[] = [];
  const falseLeafs: number[] = [];
  const members: number[] = [];
  const leafTargets: number[] = [];
  const leafWeights: number[] = [];
  for (const stage of model.stages) {
    for (let k = 0; k < stage.length; k++) {
      const tree = stage[k];
      const count = tree.feature.length;
      // Each node's index among the tree's interior nodes or among its leaves, numbered from the totals so far.
      const at = new Int32Array(count);
      let interior = modes.length;
      let leaves = leafWeights.length;
      for (let node = 0; node < count; node++) {
        if (tree.left[node] < 0) {
          at[node] = leaves++;
          leafTargets.push(k);
          leafWeights.push(model.learningRate * tree.value[node]);
        } else at[node] = interior++;
      }
      roots.push(modes.length);
      if (tree.left[0] < 0) {
        modes.push(BRANCH_LEQ);
        featureIds.push(0);
        splits.push(0);
        trueIds.push(at[0]);
        falseIds.push(at[0]);
        trueLeafs.push(1);
        falseLeafs.push(1);
        continue;
      }
      for (let node = 0; node < count; node++) {
        if (tree.left[node] < 0) continue;
        let yes = tree.left[node];
        let no = tree.right[node];
        const set = tree.categoryLeft?.[node];
        if (set) {
          const missing = set.length - 1;
          const listed = set[missing] ? 0 : 1;
          if (set[missing]) [yes, no] = [no, yes];
          for (let c = 0; c < missing; c++) if (set[c] === listed) members.push(c);
          members.push(Number.NaN);
          modes.push(BRANCH_MEMBER);
          splits.push(0);
        } else {
          modes.push(BRANCH_LEQ);
          splits.push(tree.threshold[node]);
        }
        featureIds.push(tree.feature[node]);
        trueIds.push(at[yes]);
        trueLeafs.push(tree.left[yes] < 0 ? 1 : 0);
        falseIds.push(at[no]);
        falseLeafs.push(tree.left[no] < 0 ? 1 : 0);
      }
    }
  }
  const nodes = modes.length;
  return [
    attr.int('aggregate_function', 1), // SUM
    attr.int('n_targets', model.outputs),
    attr.int('post_transform', 0), // NONE
    attr.ints('tree_roots', roots),
    attr.tensor('nodes_modes', tensor.uint8('', [nodes], modes)),
    attr.ints('nodes_featureids', featureIds),
    attr.tensor('nodes_splits', tensor.double('', [nodes], splits)),
    attr.ints('nodes_truenodeids', trueIds),
    attr.ints('nodes_trueleafs', trueLeafs),
    attr.ints('nodes_falsenodeids', falseIds),
    attr.ints('nodes_falseleafs', falseLeafs),
    attr.ints('nodes_missing_value_tracks_true', new Array(nodes).fill(0)),
    ...(members.length > 0
      ? [attr.tensor('membership_values', tensor.double('', [members.length], members))]
      : []),
    attr.ints('leaf_targetids', leafTargets),
    attr.tensor('leaf_weights', tensor.double('', [leafWeights.length], leafWeights)),
  ];
}
