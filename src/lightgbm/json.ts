// LightGBM's JSON dump (Booster.dump_model()): the header's keys as in the text model, and tree_info[]:
// each tree's tree_structure as nested nodes, an interior node with split_index, split_feature,
// threshold (a number, or "1||4" for a categorical split's left categories), decision_type ("<=" or
// "=="), default_left, missing_type ("None", "Zero", "NaN"), left_child and right_child; a leaf with
// leaf_index and leaf_value. Read into the same arrays as the text, iteratively (no recursion on a
// file's nesting), each count bounded first.
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import {
  checkCount,
  checkModel,
  checkTree,
  type LgbModel,
  type LgbTree,
  MAX_CATEGORY,
  MAX_CLASSES,
  MAX_FEATURES,
  MAX_LEAVES,
  MAX_TOTAL_CATEGORIES,
  MAX_TOTAL_NODES,
  MAX_TREES,
  type MissingType,
} from './model.js';
import { MAX_TEXT_CHARS } from './text.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function int(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new ModelImportError(
      `the LightGBM dump's ${where} is ${JSON.stringify(v)?.slice(0, 40)}, not an integer`,
    );
  return v;
}

const MISSING: Record<string, MissingType> = { None: 'none', Zero: 'zero', NaN: 'nan' };

function categories(text: string, where: string): number[] {
  const cats = text.split('||').map((t) => {
    const c = /^\d+$/.test(t) ? Number(t) : Number.NaN;
    if (!Number.isSafeInteger(c) || c > MAX_CATEGORY)
      throw new ModelImportError(
        `the LightGBM dump's ${where} lists ${JSON.stringify(t.slice(0, 20))}, not a category`,
      );
    return c;
  });
  return cats;
}

function parseTree(
  info: unknown,
  index: number,
  maxFeatureIdx: number,
  budget: { nodes: number; categories: number },
): LgbTree {
  const where = `tree_info[${index}]`;
  if (!isObject(info) || !isObject(info.tree_structure))
    throw new ModelImportError(`the LightGBM dump's ${where} has no tree_structure`);
  const numLeaves = checkCount(
    `${where}.num_leaves`,
    int(info.num_leaves, `${where}.num_leaves`),
    1,
    MAX_LEAVES,
  );
  budget.nodes += 2 * numLeaves - 1;
  if (budget.nodes > MAX_TOTAL_NODES)
    throw new ModelImportError(
      `the LightGBM dump's trees hold more than ${MAX_TOTAL_NODES} nodes; modelgate reads up to that`,
    );
  const n = numLeaves - 1;
  const tree: LgbTree = {
    numLeaves,
    splitFeature: new Int32Array(n),
    threshold: new Float64Array(n),
    defaultLeft: new Uint8Array(n),
    missing: new Array<MissingType>(n).fill('none'),
    leftChild: new Int32Array(n),
    rightChild: new Int32Array(n),
    leftCategories: new Array(n).fill(undefined),
    leafValue: new Float64Array(numLeaves),
  };
  const seenNode = new Uint8Array(n);
  const seenLeaf = new Uint8Array(numLeaves);
  let visited = 0;
  // Each node is given the slot its parent points at (-1: the root), so children arrays are filled in.
  const stack: { node: unknown; parent: number; left: boolean }[] = [
    { node: info.tree_structure, parent: -1, left: true },
  ];
  while (stack.length > 0) {
    const { node, parent, left } = stack.pop() as (typeof stack)[number];
    if (++visited > 2 * numLeaves - 1)
      throw new ModelImportError(
        `the LightGBM dump's ${where} holds more nodes than its num_leaves ${numLeaves} allows`,
      );
    if (!isObject(node))
      throw new ModelImportError(`the LightGBM dump's ${where} has a node that is not an object`);
    let ref: number;
    if ('split_index' in node || 'left_child' in node) {
      const s = int(node.split_index, `${where} split_index`);
      if (s < 0 || s >= n || seenNode[s])
        throw new ModelImportError(`the LightGBM dump's ${where} has split_index ${s} out of range or twice`);
      seenNode[s] = 1;
      ref = s;
      tree.splitFeature[s] = checkCount(
        `${where} split_feature`,
        int(node.split_feature, `${where} split_feature`),
        0,
        maxFeatureIdx,
      );
      tree.defaultLeft[s] = node.default_left === true ? 1 : 0;
      const missing = MISSING[String(node.missing_type)];
      if (!missing)
        throw new ModelImportError(
          `the LightGBM dump's ${where} has missing_type ${JSON.stringify(node.missing_type)}`,
        );
      tree.missing[s] = missing;
      if (node.decision_type === '==') {
        if (typeof node.threshold !== 'string')
          throw new ModelImportError(
            `the LightGBM dump's ${where} has a categorical split without its categories`,
          );
        const cats = categories(node.threshold, `${where} threshold`);
        budget.categories += cats.length;
        if (budget.categories > MAX_TOTAL_CATEGORIES)
          throw new ModelImportError(
            `the LightGBM dump's categorical splits list more than ${MAX_TOTAL_CATEGORIES} categories`,
          );
        tree.leftCategories[s] = cats;
      } else if (node.decision_type === '<=') {
        if (typeof node.threshold !== 'number')
          throw new ModelImportError(`the LightGBM dump's ${where} has a threshold that is not a number`);
        tree.threshold[s] = node.threshold;
      } else
        throw new ModelImportError(
          `the LightGBM dump's ${where} has decision_type ${JSON.stringify(node.decision_type)}`,
        );
      stack.push(
        { node: node.right_child, parent: s, left: false },
        { node: node.left_child, parent: s, left: true },
      );
    } else {
      if ('leaf_const' in node || 'leaf_coeff' in node)
        throw new UnsupportedModelError(
          'a LightGBM model with linear trees (linear_tree=True: each leaf is a linear model of the features, which TreeEnsemble leaves cannot hold)',
        );
      const leaf =
        node.leaf_index === undefined && numLeaves === 1 ? 0 : int(node.leaf_index, `${where} leaf_index`);
      if (leaf < 0 || leaf >= numLeaves || seenLeaf[leaf])
        throw new ModelImportError(
          `the LightGBM dump's ${where} has leaf_index ${leaf} out of range or twice`,
        );
      seenLeaf[leaf] = 1;
      if (typeof node.leaf_value !== 'number')
        throw new ModelImportError(`the LightGBM dump's ${where} has a leaf without a numeric leaf_value`);
      tree.leafValue[leaf] = node.leaf_value;
      ref = ~leaf;
    }
    if (parent >= 0) (left ? tree.leftChild : tree.rightChild)[parent] = ref;
    else if (ref >= 0 && ref !== 0)
      throw new ModelImportError(`the LightGBM dump's ${where} has a root that is not node 0`);
  }
  checkTree(tree, index, maxFeatureIdx);
  return tree;
}

/** Reads a dump_model() JSON text. */
export function parseModelJson(text: string): LgbModel {
  if (text.length > MAX_TEXT_CHARS)
    throw new ModelImportError(
      `the LightGBM dump is ${text.length} characters; modelgate reads up to ${MAX_TEXT_CHARS}`,
    );
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch (cause) {
    throw new ModelImportError(`the LightGBM dump is not valid JSON (${(cause as Error).message})`);
  }
  if (!isObject(d) || !Array.isArray(d.tree_info))
    throw new ModelImportError('the JSON is not a LightGBM dump: it has no tree_info list');
  const numClass = checkCount('num_class', int(d.num_class, 'num_class'), 1, MAX_CLASSES);
  const numTreePerIteration = checkCount(
    'num_tree_per_iteration',
    int(d.num_tree_per_iteration ?? numClass, 'num_tree_per_iteration'),
    1,
    MAX_CLASSES,
  );
  const maxFeatureIdx = checkCount(
    'max_feature_idx',
    int(d.max_feature_idx, 'max_feature_idx'),
    0,
    MAX_FEATURES - 1,
  );
  if (!Array.isArray(d.feature_names) || !d.feature_names.every((f) => typeof f === 'string'))
    throw new ModelImportError("the LightGBM dump's feature_names is not a list of names");
  const featureNames = d.feature_names as string[];
  if (d.tree_info.length > MAX_TREES)
    throw new ModelImportError(
      `the LightGBM dump holds ${d.tree_info.length} trees; modelgate reads up to ${MAX_TREES}`,
    );
  const [objective = '', ...params] = (typeof d.objective === 'string' ? d.objective : '').trim().split(/ +/);
  const objectiveParams = new Map<string, string>();
  for (const p of params) {
    const colon = p.indexOf(':');
    objectiveParams.set(colon < 0 ? p : p.slice(0, colon), colon < 0 ? '' : p.slice(colon + 1));
  }
  const budget = { nodes: 0, categories: 0 };
  const trees = d.tree_info.map((info, i) => parseTree(info, i, maxFeatureIdx, budget));
  const infos = isObject(d.feature_infos) ? d.feature_infos : undefined;
  const categoricalFeatures = infos
    ? featureNames.flatMap((name, i) => {
        const info = infos[name];
        return isObject(info) && Array.isArray(info.values) && info.values.length > 0 ? [i] : [];
      })
    : undefined;
  const pandas = d.pandas_categorical;
  if (pandas !== undefined && pandas !== null && !(Array.isArray(pandas) && pandas.every(Array.isArray)))
    throw new ModelImportError("the LightGBM dump's pandas_categorical is not a list of category lists");
  const model: LgbModel = {
    format: 'json',
    version: typeof d.version === 'string' ? d.version : '',
    numClass,
    numTreePerIteration,
    maxFeatureIdx,
    objective,
    objectiveParams,
    averageOutput: d.average_output === true,
    featureNames,
    trees,
    pandasCategorical: (pandas as unknown[][] | null | undefined) ?? null,
    ...(categoricalFeatures ? { categoricalFeatures } : {}),
  };
  checkModel(model);
  return model;
}
