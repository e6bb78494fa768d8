// A boosted model as one ONNX graph: Imputer (float32, as the reference's SimpleImputer feeds the
// tree's float32 input) -> Cast to double -> TreeEnsembleRegressor (double thresholds, so splits fall
// exactly where the trainer put them) -> Sigmoid or Softmax -> probabilities and label. A model with
// categorical features takes their codes in the same input (NaN missing, left so by the Imputer) and
// uses ai.onnx.ml 5's TreeEnsemble instead, whose BRANCH_MEMBER nodes test a code's membership in a set.
import { attr, GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import type { ModelCard } from '../onnx/card.js';
import { classifierHead, valueHead } from '../onnx/heads.js';
import { modelWithCard } from '../onnx/produce.js';
import { DataType, type ModelProto } from '../onnx/proto.js';
import { BRANCH_LEQ, BRANCH_MEMBER, type Child, TreeEnsembleNodes } from '../onnx/tree-ensemble.js';
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

  const fed = { input: INPUT_NAME, inputType: 'float32' } as const;
  let io: ModelCard['io'];
  if (model.task === 'regression') io = { ...fed, ...valueHead(b, raw, 'float32') };
  else {
    const probabilities =
      model.outputs === 1
        ? twoClasses(b, b.op('Sigmoid', [raw]))
        : b.op('Softmax', [raw], [attr.int('axis', 1)]);
    io = { ...fed, ...classifierHead(b, probabilities, card.classes ?? [], 'float32') };
  }
  const full: ModelCard = { ...card, missing: 'impute', io };
  return modelWithCard(b, full, `${card.provenance.estimator ?? 'model'} trained by modelgate ${VERSION}`);
}

/** [1 - p, p] from the positive class's probability p [N, 1] (float32). */
function twoClasses(b: GraphBuilder, p1: string): string {
  const p0 = b.op('Sub', [b.constant(tensor.float('one', [1], [1])), p1]);
  return b.op('Concat', [p0, p1], [attr.int('axis', 1)]);
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

/**
 * ai.onnx.ml 5 TreeEnsemble attributes over all trees. A categorical split lists the codes of its side
 * that missing values do not take; its other side gets everything else (NaN, codes absent from the
 * node, codes the trainer never saw), as the trainer sends them.
 */
function treeEnsembleAttributes(model: BoostedModel) {
  const nodes = new TreeEnsembleNodes();
  for (const stage of model.stages) {
    for (let k = 0; k < stage.length; k++) {
      const tree = stage[k];
      const leaf = (n: number) => tree.left[n] < 0;
      const at = nodes.tree(tree.feature.length, leaf, k, (n) => model.learningRate * tree.value[n]);
      if (leaf(0)) {
        nodes.lone(at[0]);
        continue;
      }
      const to = (child: number): Child => [at[child], leaf(child) ? 1 : 0];
      for (let node = 0; node < tree.feature.length; node++) {
        if (leaf(node)) continue;
        const set = tree.categoryLeft?.[node];
        if (!set) {
          nodes.branch(
            BRANCH_LEQ,
            tree.feature[node],
            tree.threshold[node],
            to(tree.left[node]),
            to(tree.right[node]),
            false,
          );
          continue;
        }
        const missing = set.length - 1;
        const listed = set[missing] ? 0 : 1;
        const [yes, no] = set[missing]
          ? [tree.right[node], tree.left[node]]
          : [tree.left[node], tree.right[node]];
        const members: number[] = [];
        for (let c = 0; c < missing; c++) if (set[c] === listed) members.push(c);
        nodes.branch(BRANCH_MEMBER, tree.feature[node], 0, to(yes), to(no), false, members);
      }
    }
  }
  return nodes.attributes(model.outputs);
}
