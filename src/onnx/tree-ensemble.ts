// The nodes of an ai.onnx.ml 5 TreeEnsemble, as the trainer and the HistGradientBoosting converter write
// them: over all trees, interior nodes and leaves numbered apart, each interior node a threshold
// (BRANCH_LEQ, or BRANCH_LT as XGBoost splits) or a set membership (BRANCH_MEMBER, its set a NaN-ended run of membership_values).
import { attr, tensor } from './builder.js';
import type { AttributeProto } from './proto.js';

/** TreeEnsemble mode codes (ai.onnx.ml 5). */
export const BRANCH_LEQ = 0;
export const BRANCH_LT = 1;
export const BRANCH_MEMBER = 6;

/** A branch's child: its index among interior nodes or among leaves, and whether it is a leaf (1). */
export type Child = [index: number, leaf: 0 | 1];

export class TreeEnsembleNodes {
  private readonly roots: number[] = [];
  private readonly modes: number[] = [];
  private readonly featureIds: number[] = [];
  private readonly splits: number[] = [];
  private readonly trueIds: number[] = [];
  private readonly trueLeafs: number[] = [];
  private readonly falseIds: number[] = [];
  private readonly falseLeafs: number[] = [];
  private readonly missingTrue: number[] = [];
  private readonly members: number[] = [];
  private readonly leafTargets: number[] = [];
  private readonly leafWeights: number[] = [];

  /**
   * Starts a tree of `count` nodes: each leaf (by `isLeaf`) is numbered among the leaves, with its
   * target and weight, each other node among the interior nodes; the tree's root is the next interior
   * node. Gives each node's number, for the children its branches name.
   */
  tree(
    count: number,
    isLeaf: (n: number) => boolean,
    target: number,
    weight: (n: number) => number,
  ): Int32Array {
    const at = new Int32Array(count);
    let interior = this.modes.length;
    let leaves = this.leafWeights.length;
    for (let n = 0; n < count; n++) {
      if (isLeaf(n)) {
        at[n] = leaves++;
        this.leafTargets.push(target);
        this.leafWeights.push(weight(n));
      } else at[n] = interior++;
    }
    this.roots.push(this.modes.length);
    return at;
  }

  /** An interior node; a BRANCH_MEMBER one tests `set` (the values of its true side). */
  branch(
    mode: number,
    feature: number,
    split: number,
    yes: Child,
    no: Child,
    missingTrue: boolean,
    set?: readonly number[],
  ): void {
    this.modes.push(mode);
    this.featureIds.push(feature);
    this.splits.push(split);
    this.trueIds.push(yes[0]);
    this.trueLeafs.push(yes[1]);
    this.falseIds.push(no[0]);
    this.falseLeafs.push(no[1]);
    this.missingTrue.push(missingTrue ? 1 : 0);
    if (set) this.members.push(...set, Number.NaN);
  }

  /** A tree that is one leaf (numbered `leaf`): one node whose both branches reach it. */
  lone(leaf: number): void {
    this.branch(BRANCH_LEQ, 0, 0, [leaf, 1], [leaf, 1], false);
  }

  /** The TreeEnsemble's attributes: leaf values summed per target, no post transform. */
  attributes(targets: number): AttributeProto[] {
    const nodes = this.modes.length;
    return [
      attr.int('aggregate_function', 1), // SUM
      attr.int('n_targets', targets),
      attr.int('post_transform', 0), // NONE
      attr.ints('tree_roots', this.roots),
      attr.tensor('nodes_modes', tensor.uint8('', [nodes], this.modes)),
      attr.ints('nodes_featureids', this.featureIds),
      attr.tensor('nodes_splits', tensor.double('', [nodes], this.splits)),
      attr.ints('nodes_truenodeids', this.trueIds),
      attr.ints('nodes_trueleafs', this.trueLeafs),
      attr.ints('nodes_falsenodeids', this.falseIds),
      attr.ints('nodes_falseleafs', this.falseLeafs),
      attr.ints('nodes_missing_value_tracks_true', this.missingTrue),
      ...(this.members.length > 0
        ? [attr.tensor('membership_values', tensor.double('', [this.members.length], this.members))]
        : []),
      attr.ints('leaf_targetids', this.leafTargets),
      attr.tensor('leaf_weights', tensor.double('', [this.leafWeights.length], this.leafWeights)),
    ];
  }
}
