// A LightGBM model as the text file and the JSON dump both describe it, read into plain arrays, with the
// bounds every reader checks before it allocates in proportion to a count the file declares.
import { MAX_CLASSES, MAX_FEATURES } from '../onnx/card.js';
import { ModelImportError } from '../sklearn/errors.js';

/** LightGBM's own bound on num_leaves (config.h: num_leaves <= 131072). */
export const MAX_LEAVES = 131_072;
/** The most trees a model may hold. */
export const MAX_TREES = 1_000_000;
/** The most nodes (interior and leaves) all trees together may hold. */
export const MAX_TOTAL_NODES = 20_000_000;
/** The most categories all categorical splits together may list. */
export const MAX_TOTAL_CATEGORIES = 1_000_000;
/** The largest category a split may name: LightGBM casts a value to a 32-bit int. */
export const MAX_CATEGORY = 2 ** 31 - 1;
export { MAX_CLASSES, MAX_FEATURES };

/** decision_type bits (LightGBM tree.h): categorical, default left, missing type (2 bits). */
export const CATEGORICAL_MASK = 1;
export const DEFAULT_LEFT_MASK = 2;
export type MissingType = 'none' | 'zero' | 'nan';

export interface LgbTree {
  numLeaves: number;
  /** Per interior node (numLeaves - 1 of them). */
  splitFeature: Int32Array;
  threshold: Float64Array;
  defaultLeft: Uint8Array;
  missing: MissingType[];
  /** A child >= 0 is an interior node, < 0 the leaf ~child. */
  leftChild: Int32Array;
  rightChild: Int32Array;
  /** Per interior node: the categories that go left, for a categorical split. */
  leftCategories: (number[] | undefined)[];
  leafValue: Float64Array;
}

export interface LgbModel {
  /** Where the model was read from: 'text' (save_model) or 'json' (dump_model). */
  format: 'text' | 'json';
  version: string;
  numClass: number;
  numTreePerIteration: number;
  maxFeatureIdx: number;
  /** The objective's name (binary, multiclass, regression, ...) and its parameters (sigmoid:1). */
  objective: string;
  objectiveParams: Map<string, string>;
  averageOutput: boolean;
  featureNames: string[];
  trees: LgbTree[];
  /** pandas' categories of the DataFrame's categorical columns, in column order (null without). */
  pandasCategorical: unknown[][] | null;
  /** The categorical features' indices, from the feature infos (which list a categorical one's categories). */
  categoricalFeatures?: number[];
  /** The categorical features' indices as the saved parameters list them ([categorical_feature: 1,3]). */
  categoricalParameter?: number[];
  /** The iterations LightGBM's predict uses by default (best_iteration), when the file says. */
  bestIteration?: number;
}

/** The text of an error that names where in the file it is. */
export function malformed(where: string, what: string): ModelImportError {
  return new ModelImportError(`the LightGBM model's ${where} ${what}`);
}

export function checkCount(where: string, n: number, lo: number, hi: number): number {
  if (!Number.isSafeInteger(n) || n < lo || n > hi)
    throw malformed(where, `is ${n}; modelgate reads ${lo} to ${hi}`);
  return n;
}

/**
 * Checks that a tree is a tree: every child in range, every interior node and leaf reached exactly
 * once from the root (no cycle, no shared or orphaned node), features in range, a categorical split's
 * categories bounded, leaf values finite.
 */
export function checkTree(tree: LgbTree, index: number, maxFeatureIdx: number): void {
  const where = `tree ${index}`;
  const interior = tree.numLeaves - 1;
  const seenNode = new Uint8Array(interior);
  const seenLeaf = new Uint8Array(tree.numLeaves);
  if (interior === 0) {
    seenLeaf[0] = 1;
  } else {
    const stack = [0];
    seenNode[0] = 1;
    while (stack.length > 0) {
      const n = stack.pop() as number;
      for (const child of [tree.leftChild[n] as number, tree.rightChild[n] as number]) {
        if (child >= 0) {
          if (child >= interior)
            throw malformed(where, `has node ${n} whose child ${child} is not a node of it`);
          if (seenNode[child])
            throw malformed(where, `reaches node ${child} twice (a cycle or a shared node)`);
          seenNode[child] = 1;
          stack.push(child);
        } else {
          const leaf = ~child;
          if (leaf >= tree.numLeaves)
            throw malformed(where, `has node ${n} whose child ${child} is not a leaf of it`);
          if (seenLeaf[leaf]) throw malformed(where, `reaches leaf ${leaf} twice`);
          seenLeaf[leaf] = 1;
        }
      }
    }
    const orphan = seenNode.indexOf(0);
    if (orphan >= 0) throw malformed(where, `has node ${orphan} that its root does not reach`);
  }
  const lost = seenLeaf.indexOf(0);
  if (lost >= 0) throw malformed(where, `has leaf ${lost} that its root does not reach`);
  for (let n = 0; n < interior; n++) {
    const f = tree.splitFeature[n] as number;
    if (f < 0 || f > maxFeatureIdx)
      throw malformed(where, `splits node ${n} on feature ${f}, but the model has ${maxFeatureIdx + 1}`);
    if (!tree.leftCategories[n] && Number.isNaN(tree.threshold[n] as number))
      throw malformed(where, `has node ${n} with a NaN threshold`);
  }
  tree.leafValue.forEach((v, leaf) => {
    if (!Number.isFinite(v)) throw malformed(where, `has leaf ${leaf} of value ${v}`);
  });
}

/** Checks the model as a whole: counts consistent, trees within bounds. */
export function checkModel(model: LgbModel): void {
  checkCount('num_class', model.numClass, 1, MAX_CLASSES);
  checkCount('num_tree_per_iteration', model.numTreePerIteration, 1, MAX_CLASSES);
  checkCount('max_feature_idx', model.maxFeatureIdx, 0, MAX_FEATURES - 1);
  if (model.featureNames.length !== model.maxFeatureIdx + 1)
    throw malformed(
      'feature_names',
      `names ${model.featureNames.length} features, its max_feature_idx says ${model.maxFeatureIdx + 1}`,
    );
  if (new Set(model.featureNames).size !== model.featureNames.length)
    throw malformed('feature_names', 'names a feature twice');
  if (model.trees.length % model.numTreePerIteration !== 0)
    throw malformed(
      'trees',
      `are ${model.trees.length}, not a whole number of iterations of ${model.numTreePerIteration}`,
    );
}
