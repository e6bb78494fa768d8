// Decision trees and forests (random and extra): every tree's nodes in one TreeEnsembleRegressor, the
// leaves' class fractions or values averaged over the trees.
import { attr, ML_DOMAIN, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, type Family, type Flow, type Output } from '../flow.js';
import { asFloat64, fieldAsFloat64 } from '../numpy.js';
import { Estimator } from '../state.js';
import { NdArray } from '../values.js';

/** One fitted sklearn Tree: its nodes (children, feature, threshold, where missing values go) and leaf values. */
export interface TreeNodes {
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  feature: ArrayLike<number>;
  threshold: Float64Array;
  /** Whether a missing value goes left (true or non-zero), by node. */
  missingLeft: ArrayLike<number | boolean> | undefined;
  /** [node][outputs * classes] */
  values: Float64Array;
  perNode: number;
}

/** A field of a tree's structured node array, or an error naming the estimator and the field. */
function nodeField(est: Estimator, nodes: NdArray, name: string): Float64Array {
  const column = fieldAsFloat64(nodes, name);
  if (!column) throw new ModelImportError(`the ${est.name}'s tree nodes have no ${name}`);
  return column;
}

export function treeNodes(est: Estimator): TreeNodes {
  const tree = est.estimator('tree_');
  const nodes = tree.raw('nodes');
  const values = tree.raw('values');
  if (!(nodes instanceof NdArray) || !(values instanceof NdArray))
    throw new ModelImportError(`the ${est.name}'s tree has no nodes or values`);
  const column = (name: string) => nodeField(est, nodes, name);
  const count = nodes.size;
  const flat = asFloat64(values);
  return {
    left: column('left_child'),
    right: column('right_child'),
    feature: column('feature'),
    threshold: column('threshold'),
    missingLeft: fieldAsFloat64(nodes, 'missing_go_to_left'),
    values: flat,
    perNode: count === 0 ? 0 : flat.length / count,
  };
}

/** A column of numbers that grows as trees are added: typed, so 10^5 nodes cost no JavaScript values. */
class Column {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

const LEAF = 'LEAF';
const BRANCH_LEQ = 'BRANCH_LEQ';

/** TreeEnsembleRegressor attributes over trees, each leaf contributing `weights(tree, node)` to the targets. */
export class Ensemble {
  private readonly a = {
    treeIds: new Column(),
    nodeIds: new Column(),
    featureIds: new Column(),
    modes: [] as string[],
    values: new Column(),
    trueIds: new Column(),
    falseIds: new Column(),
    missingTrue: new Column(),
    tTree: new Column(),
    tNode: new Column(),
    tTarget: new Column(),
    tWeight: new Column(),
  };
  private trees = 0;
  private widest = -1;

  /**
   * One tree: each leaf adds `weights(node)` to the targets from `firstTarget` on (read at once: the
   * function may give the same array for every leaf).
   */
  add(tree: TreeNodes, weights: (node: number) => ArrayLike<number>, firstTarget = 0): void {
    const id = this.trees++;
    const a = this.a;
    const { left, right, feature, threshold, missingLeft } = tree;
    for (let n = 0; n < left.length; n++) {
      const leaf = (left[n] as number) < 0;
      a.treeIds.push(id);
      a.nodeIds.push(n);
      a.modes.push(leaf ? LEAF : BRANCH_LEQ);
      a.missingTrue.push(missingLeft?.[n] ? 1 : 0);
      if (leaf) {
        // A leaf names feature 0, which the graph must carry too.
        if (this.widest < 0) this.widest = 0;
        a.featureIds.push(0);
        a.values.push(0);
        a.trueIds.push(0);
        a.falseIds.push(0);
        const w = weights(n);
        for (let t = 0; t < w.length; t++) {
          a.tTree.push(id);
          a.tNode.push(n);
          a.tTarget.push(firstTarget + t);
          a.tWeight.push(w[t] as number);
        }
      } else {
        const j = feature[n] as number;
        if (j > this.widest) this.widest = j;
        a.featureIds.push(j);
        a.values.push(threshold[n] as number);
        a.trueIds.push(left[n] as number);
        a.falseIds.push(right[n] as number);
      }
    }
  }

  /**
   * The summed leaf weights plus `base`, [N, targets], as double. scikit-learn's classic trees compare
   * the features as float32 (`float32Features`); histogram gradient boosting compares them as float64.
   */
  apply(f: Flow, targets: number, base: ArrayLike<number>, float32Features = true): string {
    const a = this.a;
    // A split on a feature the graph does not carry would import and then fail every prediction.
    if (this.widest >= f.width)
      throw new ModelImportError(
        `the trees split on feature ${this.widest}, but only ${f.width} features reach them`,
      );
    const x = float32Features
      ? f.b.op('Cast', [cast(f.b, f.x, DataType.FLOAT)], [attr.int('to', DataType.DOUBLE)])
      : f.x;
    const y = f.b.op(
      'TreeEnsembleRegressor',
      [x],
      [
        attr.string('aggregate_function', 'SUM'),
        attr.int('n_targets', targets),
        attr.string('post_transform', 'NONE'),
        attr.tensor('base_values_as_tensor', tensor.double('', [targets], base)),
        attr.ints('nodes_treeids', a.treeIds.values()),
        attr.ints('nodes_nodeids', a.nodeIds.values()),
        attr.ints('nodes_featureids', a.featureIds.values()),
        attr.strings('nodes_modes', a.modes),
        attr.tensor('nodes_values_as_tensor', tensor.double('', [a.values.length], a.values.values())),
        attr.ints('nodes_truenodeids', a.trueIds.values()),
        attr.ints('nodes_falsenodeids', a.falseIds.values()),
        attr.ints('nodes_missing_value_tracks_true', a.missingTrue.values()),
        attr.ints('target_treeids', a.tTree.values()),
        attr.ints('target_nodeids', a.tNode.values()),
        attr.ints('target_ids', a.tTarget.values()),
        attr.tensor('target_weights_as_tensor', tensor.double('', [a.tWeight.length], a.tWeight.values())),
      ],
      ML_DOMAIN,
    );
    return cast(f.b, y, DataType.DOUBLE);
  }
}

/** The trees of a single tree or a forest. */
function forestTrees(est: Estimator): Estimator[] {
  if (
    est.name.startsWith('DecisionTree') ||
    (est.name.startsWith('ExtraTree') && !est.name.startsWith('ExtraTrees'))
  )
    return [est];
  const list = est.raw('estimators_');
  if (!Array.isArray(list) || list.length === 0)
    throw new ModelImportError(`the ${est.name} has no fitted trees`);
  return list.map((t) => Estimator.of(t, `a tree of the ${est.name}`));
}

const CLASSIFIER_CRITERIA_WITH_MISSING = ['gini', 'entropy', 'log_loss'];
const REGRESSOR_CRITERIA_WITH_MISSING = ['squared_error', 'friedman_mse', 'poisson'];

/**
 * Whether the scikit-learn that saved this tree or forest sends NaN down its branches at predict rather
 * than raise: DecisionTree* from 1.3 with splitter="best" (1.6: "random" too), RandomForest* from 1.4,
 * ExtraTree(s)* from 1.6; before 1.9 only with the criteria above and no monotonic_cst (1.9 takes every
 * criterion and monotonic constraints). A file without a version counts as older than all of them.
 */
function treesTakeMissing(est: Estimator): boolean {
  const forest = est.name.startsWith('RandomForest');
  const extra = est.name.startsWith('ExtraTree');
  const since: [number, number] = extra ? [1, 6] : forest ? [1, 4] : [1, 3];
  if (!est.savedBy(...since)) return false;
  const splitter = est.string('splitter', 'best');
  if (!forest && !est.name.startsWith('ExtraTrees')) {
    // A single tree: its own splitter decides (ExtraTree* takes missing values with "random" only).
    if (extra ? splitter !== 'random' : splitter !== 'best' && !(est.savedBy(1, 6) && splitter === 'random'))
      return false;
  }
  if (est.savedBy(1, 9)) return true;
  const criteria = est.name.endsWith('Classifier')
    ? CLASSIFIER_CRITERIA_WITH_MISSING
    : REGRESSOR_CRITERIA_WITH_MISSING;
  const criterion = est.string('criterion', est.name.endsWith('Classifier') ? 'gini' : 'squared_error');
  const monotonic = est.raw('monotonic_cst');
  return criteria.includes(criterion) && (monotonic === undefined || monotonic === null);
}

/**
 * Several targets per row need an answer of several values per row, which the card and the API do not
 * have: refused by name (before classes_, which is then a list of arrays).
 */
function singleOutput(est: Estimator): void {
  const outputs = est.number('n_outputs_', 1);
  if (outputs > 1)
    throw new UnsupportedModelError(
      `a multi-output ${est.name} (${outputs} targets: not converted yet, docs/importing.md lists the models of several targets that are)`,
    );
}

function forestClassifier(est: Estimator, f: Flow): Output {
  singleOutput(est);
  const classes = est.classes();
  const trees = forestTrees(est);
  const ens = new Ensemble();
  let acceptsMissing = true;
  for (const t of trees) {
    const nodes = treeNodes(t);
    // Files from before scikit-learn 1.3 have no missing_go_to_left (nor any missing-value support).
    acceptsMissing &&= nodes.missingLeft !== undefined;
    if (nodes.perNode !== classes.length)
      throw new UnsupportedModelError(
        `a multi-output ${est.name} (not converted yet: docs/importing.md lists the models of several targets that are)`,
      );
    // predict_proba: each tree's leaf class fractions, averaged over the trees (into one array, which
    // add copies from before the next leaf).
    const k = nodes.perNode;
    const w = new Float64Array(k);
    ens.add(nodes, (n) => {
      const v = nodes.values;
      let total = 0;
      for (let c = 0; c < k; c++) total += v[n * k + c] as number;
      for (let c = 0; c < k; c++) w[c] = (total > 0 ? (v[n * k + c] as number) / total : 0) / trees.length;
      return w;
    });
  }
  return {
    kind: 'probabilities',
    name: ens.apply(f, classes.length, new Float64Array(classes.length)),
    classes,
    acceptsMissing: acceptsMissing && treesTakeMissing(est),
  };
}

/** A tree or forest regressor: each tree's leaf values (one per target), averaged over the trees. */
function forestRegressor(est: Estimator, f: Flow): Output {
  const targets = est.number('n_outputs_', 1);
  const trees = forestTrees(est);
  const ens = new Ensemble();
  let acceptsMissing = true;
  for (const t of trees) {
    const nodes = treeNodes(t);
    acceptsMissing &&= nodes.missingLeft !== undefined;
    if (nodes.perNode !== targets)
      throw new ModelImportError(
        `a tree of the ${est.name} holds ${nodes.perNode} values per node for its ${targets} targets`,
      );
    const w = new Float64Array(targets);
    ens.add(nodes, (n) => {
      for (let t = 0; t < targets; t++) w[t] = (nodes.values[n * targets + t] as number) / trees.length;
      return w;
    });
  }
  return {
    kind: 'value',
    name: ens.apply(f, targets, new Float64Array(targets)),
    ...(targets > 1 ? { targets } : {}),
    acceptsMissing: acceptsMissing && treesTakeMissing(est),
  };
}

export const family: Family = {
  family: 'trees and forests',
  finals: {
    DecisionTreeClassifier: forestClassifier,
    ExtraTreeClassifier: forestClassifier,
    RandomForestClassifier: forestClassifier,
    ExtraTreesClassifier: forestClassifier,
    DecisionTreeRegressor: forestRegressor,
    ExtraTreeRegressor: forestRegressor,
    RandomForestRegressor: forestRegressor,
    ExtraTreesRegressor: forestRegressor,
  },
  parts: { Tree: "a fitted tree's nodes and values (sklearn.tree._tree.Tree)" },
};
