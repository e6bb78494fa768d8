// An XGBoost model as its JSON or UBJSON file describes it (save_model; a pickle's Booster holds the same
// document under "Model"), read into plain arrays and checked: every tree a tree, every index in range,
// every count bounded. Nothing is allocated in proportion to a count the file declares before the
// file's own bytes bound it (the UBJSON reader) or the arrays are there (JSON).
//
// The document (XGBoost 1.x to 3.x, src/learner.cc SaveModel, src/gbm/gbtree_model.cc, src/tree/
// tree_model.cc): { version: [major, minor, patch], learner: { learner_model_param: { base_score,
// num_class, num_feature, num_target, boost_from_average } (strings), objective: { name, <params> },
// gradient_booster: { name: gbtree | dart | gblinear, model: { gbtree_model_param, trees, tree_info,
// iteration_indptr, weight_drop (dart, as 3.5 saves it) }, weight_drop (dart as older ones do: { name: dart,
// gbtree: { model }, weight_drop }) }, attributes: { best_iteration, scikit_learn, ... },
// feature_names, feature_types } }. A tree: tree_param { num_nodes, size_leaf_vector }, left_children,
// right_children, split_indices, split_conditions (a leaf's value at a leaf), default_left, split_type
// (1: categorical) with categories_nodes / categories_segments / categories_sizes / categories.
import { MAX_CLASSES, MAX_FEATURES } from '../onnx/card.js';
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import { type Doc, type DocArray, type DocObject, isDocArray, isDocObject } from './doc.js';

/** The most trees a model may hold. */
export const MAX_TREES = 1_000_000;
/** The most nodes all trees together may hold. */
export const MAX_TOTAL_NODES = 20_000_000;
/** XGBoost's bound on a category (src/common/categorical.h OutOfRangeCat: 2^24 - 1). */
export const MAX_CATEGORY = 16_777_215;

export interface XgbTree {
  /** Per node; a leaf has left child -1. */
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  /** The split condition of an interior node, the value of a leaf (float32 values). */
  cond: Float64Array;
  defaultLeft: Uint8Array;
  /** Per node: the categories a categorical split sends right (XGBoost's set), sorted. */
  categories: (number[] | undefined)[];
  /** The output group (class) the tree adds to. */
  group: number;
}

export interface XgbModel {
  /** What the model was read from. */
  format: 'json' | 'ubjson';
  /** The XGBoost version that wrote it, "3.1.0". */
  version: string;
  objective: string;
  objectiveParams: DocObject;
  booster: 'gbtree' | 'dart' | 'gblinear';
  numFeature: number;
  /** 0 for a regressor or a binary classifier. */
  numClass: number;
  numTarget: number;
  /** base_score as saved: in the objective's output space (a probability for binary:logistic). */
  baseScore: number[];
  featureNames: string[];
  /** q (numeric), c (categorical), int, float, i (indicator): empty when the file names none. */
  featureTypes: string[];
  /**
   * The categories of each feature as training saw them (3.x's "cats": pandas' categories, in code
   * order), as the texts a request sends; undefined for a feature without them.
   */
  categoryNames: (string[] | undefined)[];
  trees: XgbTree[];
  /** Dart's weight of each tree (1 for gbtree). */
  treeWeights: number[];
  /** Trees of iteration i: iterationIndptr[i] .. iterationIndptr[i + 1]. */
  iterationIndptr: number[];
  /** gblinear's weights: feature f's for group g at f * groups + g, then the groups' biases. */
  linear?: { weights: Float64Array; groups: number };
  /** best_iteration (0-based) from the attributes, when early stopping set it. */
  bestIteration?: number;
  /** The scikit-learn wrapper's estimator type when a wrapper saved the file (classifier, regressor). */
  sklearnType?: string;
}

/** What the booster holds: trees (gbtree, dart) or a linear model's weights (gblinear). */
type Boosted = Pick<
  XgbModel,
  'booster' | 'trees' | 'treeWeights' | 'iterationIndptr' | 'categoryNames' | 'linear'
>;

export function malformed(where: string, what: string): ModelImportError {
  return new ModelImportError(`the XGBoost model's ${where} ${what}`);
}

function field(obj: DocObject, key: string, where: string): Doc {
  if (!Object.hasOwn(obj, key)) throw malformed(where, `has no "${key}"`);
  return obj[key] as Doc;
}

function object(v: Doc | undefined, where: string): DocObject {
  if (!isDocObject(v)) throw malformed(where, 'is not an object');
  return v;
}

function array(v: Doc | undefined, where: string): DocArray {
  if (!isDocArray(v)) throw malformed(where, 'is not an array');
  return v;
}

function text(v: Doc | undefined, where: string): string {
  if (typeof v !== 'string') throw malformed(where, 'is not a string');
  return v;
}

/** The numbers of an array (plain or typed; booleans as 0 and 1). */
function numbers(v: Doc | undefined, where: string, length?: number): ArrayLike<number> {
  const a = array(v, where);
  if (length !== undefined && a.length !== length)
    throw malformed(where, `has ${a.length} entries, not ${length}`);
  if (!Array.isArray(a)) return a as ArrayLike<number>;
  const out = new Float64Array(a.length);
  (a as readonly Doc[]).forEach((x, i) => {
    if (typeof x === 'number') out[i] = x;
    else if (typeof x === 'boolean') out[i] = x ? 1 : 0;
    else throw malformed(where, `has entry ${i} that is not a number`);
  });
  return out;
}

function integers(v: Doc | undefined, where: string, lo: number, hi: number, length?: number): Int32Array {
  const a = numbers(v, where, length);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    if (!Number.isInteger(x) || x < lo || x > hi)
      throw malformed(where, `has entry ${i} of ${x}; modelgate reads integers ${lo} to ${hi}`);
    out[i] = x;
  }
  return out;
}

/** An integer saved as a string ("3") or a number. */
function count(v: Doc | undefined, where: string, lo: number, hi: number): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < lo || n > hi)
    throw malformed(where, `is ${shown(v)}; modelgate reads ${lo} to ${hi}`);
  return n;
}

/** A value as a message shows it (a typed array as the list it is). */
function shown(v: Doc | undefined): string {
  const s = JSON.stringify(ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>) : v) ?? 'nothing';
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** base_score: "5E-1" (before 3.0), "[5E-1]" or "[1E0,2E0]" (a vector per target or class). */
export function parseBaseScore(v: Doc | undefined, where: string): number[] {
  const s = text(v, where).trim();
  const inner = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  const parts = inner.split(',').map((p) => p.trim());
  if (parts.length > MAX_CLASSES) throw malformed(where, `lists ${parts.length} values`);
  return parts.map((p) => {
    const x = p === '' ? Number.NaN : Number(p);
    if (!Number.isFinite(x))
      throw malformed(where, `is ${JSON.stringify(s)}, not a number or a list of numbers`);
    return Math.fround(x);
  });
}

function readCategories(t: DocObject, where: string, nodes: number): (number[] | undefined)[] {
  const out: (number[] | undefined)[] = new Array(nodes).fill(undefined);
  if (!Object.hasOwn(t, 'split_type')) return out;
  const types = integers(t.split_type, `${where}.split_type`, 0, 1, nodes);
  const cats = integers(field(t, 'categories', where), `${where}.categories`, 0, MAX_CATEGORY);
  const at = integers(field(t, 'categories_nodes', where), `${where}.categories_nodes`, 0, nodes - 1);
  const segments = integers(
    field(t, 'categories_segments', where),
    `${where}.categories_segments`,
    0,
    cats.length,
    at.length,
  );
  const sizes = integers(
    field(t, 'categories_sizes', where),
    `${where}.categories_sizes`,
    1,
    cats.length,
    at.length,
  );
  at.forEach((node, j) => {
    const begin = segments[j] as number;
    const end = begin + (sizes[j] as number);
    if (end > cats.length)
      throw malformed(`${where}.categories_segments`, `places node ${node}'s categories past the list's end`);
    if (types[node] !== 1)
      throw malformed(`${where}.categories_nodes`, `names node ${node}, which is not categorical`);
    if (out[node]) throw malformed(`${where}.categories_nodes`, `names node ${node} twice`);
    out[node] = [...new Set(cats.subarray(begin, end))].sort((a, b) => a - b);
  });
  types.forEach((type, node) => {
    if (type === 1 && !out[node])
      throw malformed(`${where}.split_type`, `makes node ${node} categorical without categories`);
  });
  return out;
}

/**
 * Checks that a tree is a tree: every child of an interior node in range and reached once from the
 * root (no cycle, no shared node), features in range, values finite. Nodes the root does not reach
 * are those XGBoost's pruner deleted; they are never read.
 */
function checkTree(tree: XgbTree, where: string, numFeature: number): void {
  const n = tree.left.length;
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const l = tree.left[i] as number;
    if (l === -1) {
      if (!Number.isFinite(tree.cond[i] as number))
        throw malformed(where, `has leaf ${i} of value ${tree.cond[i]}`);
      continue;
    }
    const f = tree.feature[i] as number;
    if (f < 0 || f >= numFeature)
      throw malformed(where, `splits node ${i} on feature ${f}, but the model has ${numFeature}`);
    if (!tree.categories[i] && Number.isNaN(tree.cond[i] as number))
      throw malformed(where, `has node ${i} with a NaN split condition`);
    for (const c of [l, tree.right[i] as number]) {
      if (c <= 0 || c >= n) throw malformed(where, `has node ${i} whose child ${c} is not a node of it`);
      if (seen[c]) throw malformed(where, `reaches node ${c} twice (a cycle or a shared node)`);
      seen[c] = 1;
      stack.push(c);
    }
  }
}

function readTree(v: Doc, index: number, group: number, numFeature: number): XgbTree {
  const where = `tree ${index}`;
  const t = object(v, where);
  const param = object(field(t, 'tree_param', where), `${where}.tree_param`);
  if (
    Object.hasOwn(param, 'size_leaf_vector') &&
    count(param.size_leaf_vector, `${where}.size_leaf_vector`, 0, MAX_CLASSES) > 1
  )
    throw new UnsupportedModelError(
      'an XGBoost model of multi-output trees (multi_strategy="multi_output_tree": a leaf holds a vector, one value per target)',
    );
  const nodes = count(param.num_nodes, `${where}.tree_param.num_nodes`, 1, MAX_TOTAL_NODES);
  const left = integers(field(t, 'left_children', where), `${where}.left_children`, -1, nodes - 1, nodes);
  const right = integers(field(t, 'right_children', where), `${where}.right_children`, -1, nodes - 1, nodes);
  const feature = integers(field(t, 'split_indices', where), `${where}.split_indices`, 0, 2 ** 31 - 1, nodes);
  const cond = Float64Array.from(
    numbers(field(t, 'split_conditions', where), `${where}.split_conditions`, nodes),
    Math.fround,
  );
  const defaultLeft = Uint8Array.from(
    integers(field(t, 'default_left', where), `${where}.default_left`, 0, 1, nodes),
  );
  const tree: XgbTree = {
    left,
    right,
    feature,
    cond,
    defaultLeft,
    categories: readCategories(t, where, nodes),
    group,
  };
  checkTree(tree, where, numFeature);
  return tree;
}

/** The most bytes of category names a model may hold. */
const MAX_CATEGORY_BYTES = 64 * 1024 * 1024;

/**
 * The gbtree model's "cats" (XGBoost 3.1 and later, src/data/cat_container.cc): "enc", one entry per
 * feature, { offsets, values } for string categories (UTF-8 bytes, offsets n + 1 of them) or { type,
 * values } for numeric ones; an entry with no categories for a numeric feature.
 */
function readCategoryNames(v: Doc | undefined, numFeature: number): (string[] | undefined)[] {
  const out: (string[] | undefined)[] = new Array(numFeature).fill(undefined);
  if (!isDocObject(v) || !Object.hasOwn(v, 'enc')) return out;
  const enc = array(v.enc, 'cats.enc');
  if (!Array.isArray(enc)) throw malformed('cats.enc', 'is not a list');
  if (enc.length === 0) return out;
  if (enc.length !== numFeature)
    throw malformed('cats.enc', `has ${enc.length} entries for ${numFeature} features`);
  (enc as readonly Doc[]).forEach((e, f) => {
    const where = `cats.enc[${f}]`;
    const column = object(e, where);
    if (Object.hasOwn(column, 'offsets')) {
      const bytes = integers(column.values, `${where}.values`, -128, 255);
      if (bytes.length > MAX_CATEGORY_BYTES) throw malformed(`${where}.values`, `hold ${bytes.length} bytes`);
      const offsets = integers(column.offsets, `${where}.offsets`, 0, bytes.length);
      if (offsets.length === 0) return;
      if (
        offsets[0] !== 0 ||
        offsets.at(-1) !== bytes.length ||
        offsets.some((o, i) => i > 0 && o < (offsets[i - 1] as number))
      )
        throw malformed(`${where}.offsets`, `do not run from 0 to the ${bytes.length} bytes in order`);
      const utf8 = Uint8Array.from(bytes, (b) => b & 0xff);
      const decoder = new TextDecoder('utf-8');
      out[f] = Array.from({ length: offsets.length - 1 }, (_, i) =>
        decoder.decode(utf8.subarray(offsets[i] as number, offsets[i + 1] as number)),
      );
    } else {
      const values = numbers(field(column, 'values', where), `${where}.values`);
      if (values.length === 0) return;
      out[f] = Array.from(values, (x) => String(x));
    }
    if (new Set(out[f]).size !== out[f]?.length) throw malformed(where, 'names a category twice');
  });
  return out;
}

function strings(v: Doc | undefined, where: string): string[] {
  if (v === undefined || v === null) return [];
  const a = array(v, where);
  if (!Array.isArray(a)) throw malformed(where, 'is not a list of strings');
  return (a as readonly Doc[]).map((s, i) => text(s, `${where}[${i}]`));
}

function versionOf(v: Doc | undefined): string {
  if (!isDocArray(v)) return '';
  return Array.from(numbers(v, 'version')).join('.');
}

/** A tree booster's part of the model: gbtree, or dart (its trees' weights). */
function readTrees(booster: DocObject, numFeature: number, groups: number): Boosted {
  let gb = booster;
  let weightDrop: ArrayLike<number> | undefined;
  if (gb.name === 'dart') {
    weightDrop = numbers(field(gb, 'weight_drop', 'gradient_booster'), 'gradient_booster.weight_drop');
    gb = object(field(gb, 'gbtree', 'gradient_booster'), 'gradient_booster.gbtree');
  }
  const model = object(field(gb, 'model', 'gradient_booster'), 'gradient_booster.model');
  // XGBoost 3.5 saves dart as gbtree, its tree weights in the model itself (older ones beside it).
  if (Object.hasOwn(model, 'weight_drop')) {
    if (weightDrop) throw malformed('gradient_booster', 'holds two lists of tree weights (weight_drop)');
    weightDrop = numbers(model.weight_drop, 'gradient_booster.model.weight_drop');
  }
  const rawTrees = array(field(model, 'trees', 'gradient_booster.model'), 'trees');
  if (!Array.isArray(rawTrees)) throw malformed('trees', 'is not a list of trees');
  if (rawTrees.length > MAX_TREES)
    throw malformed('trees', `are ${rawTrees.length}; modelgate reads up to ${MAX_TREES}`);
  const treeInfo = integers(
    field(model, 'tree_info', 'gradient_booster.model'),
    'tree_info',
    0,
    groups - 1,
    rawTrees.length,
  );
  let total = 0;
  const trees = (rawTrees as readonly Doc[]).map((t, i) => {
    const tree = readTree(t, i, treeInfo[i] as number, numFeature);
    total += tree.left.length;
    if (total > MAX_TOTAL_NODES) throw malformed('trees', `hold more than ${MAX_TOTAL_NODES} nodes`);
    return tree;
  });
  const treeWeights = Array.from({ length: trees.length }, (_, i) => {
    if (!weightDrop) return 1;
    const w = i < weightDrop.length ? Math.fround(weightDrop[i] as number) : 1;
    if (!Number.isFinite(w)) throw malformed('gradient_booster.weight_drop', `has entry ${i} of ${w}`);
    return w;
  });
  if (weightDrop && weightDrop.length > trees.length)
    throw malformed(
      'gradient_booster.weight_drop',
      `has ${weightDrop.length} weights for ${trees.length} trees`,
    );

  let iterationIndptr: number[];
  if (Object.hasOwn(model, 'iteration_indptr')) {
    iterationIndptr = Array.from(integers(model.iteration_indptr, 'iteration_indptr', 0, trees.length));
    if (
      iterationIndptr[0] !== 0 ||
      iterationIndptr.at(-1) !== trees.length ||
      iterationIndptr.some((p, i) => i > 0 && p < (iterationIndptr[i - 1] as number))
    )
      throw malformed('iteration_indptr', `does not run from 0 to the ${trees.length} trees in order`);
  } else {
    // Before 2.0: every iteration adds num_parallel_tree trees per output group.
    const gp = isDocObject(model.gbtree_model_param) ? model.gbtree_model_param : {};
    const parallel = Object.hasOwn(gp, 'num_parallel_tree')
      ? count(gp.num_parallel_tree, 'num_parallel_tree', 1, MAX_TREES)
      : 1;
    const per = parallel * groups;
    if (trees.length % per !== 0)
      throw malformed('trees', `are ${trees.length}, not a whole number of iterations of ${per}`);
    iterationIndptr = Array.from({ length: trees.length / per + 1 }, (_, i) => i * per);
  }

  return {
    booster: weightDrop ? 'dart' : 'gbtree',
    trees,
    treeWeights,
    iterationIndptr,
    categoryNames: readCategoryNames(model.cats, numFeature),
  };
}

/**
 * gblinear's part of the model (src/gbm/gblinear_model.cc): "weights", (num_feature + 1) x groups
 * float32 values, feature f's weight for group g at f * groups + g, the biases last.
 */
function readLinear(gb: DocObject, numFeature: number, groups: number): Boosted {
  const model = object(field(gb, 'model', 'gradient_booster'), 'gradient_booster.model');
  const weights = Float64Array.from(
    numbers(
      field(model, 'weights', 'gradient_booster.model'),
      'gradient_booster.model.weights',
      (numFeature + 1) * groups,
    ),
    Math.fround,
  );
  weights.forEach((w, i) => {
    if (!Number.isFinite(w)) throw malformed('gradient_booster.model.weights', `has entry ${i} of ${w}`);
  });
  return {
    booster: 'gblinear',
    trees: [],
    treeWeights: [],
    iterationIndptr: [0],
    categoryNames: new Array(numFeature).fill(undefined),
    linear: { weights, groups },
  };
}

/** The learner document of a model file, or of a pickle's serialised Booster ({"Config", "Model"}). */
function learnerOf(doc: Doc): { learner: DocObject; version: string } {
  const top = object(doc, 'file');
  if (Object.hasOwn(top, 'learner'))
    return { learner: object(top.learner, 'learner'), version: versionOf(top.version) };
  if (Object.hasOwn(top, 'Model') && isDocObject(top.Model) && Object.hasOwn(top.Model, 'learner'))
    return { learner: object(top.Model.learner, 'learner'), version: versionOf(top.Model.version) };
  throw new ModelImportError('the file is not an XGBoost model: its document has no "learner"');
}

/** The model an XGBoost document describes, checked. */
export function readModel(doc: Doc, format: 'json' | 'ubjson'): XgbModel {
  const { learner, version } = learnerOf(doc);
  const param = object(field(learner, 'learner_model_param', 'learner'), 'learner_model_param');
  const numFeature = count(
    field(param, 'num_feature', 'learner_model_param'),
    'num_feature',
    1,
    MAX_FEATURES,
  );
  const numClass = count(field(param, 'num_class', 'learner_model_param'), 'num_class', 0, MAX_CLASSES);
  const numTarget = Object.hasOwn(param, 'num_target')
    ? count(param.num_target, 'num_target', 1, MAX_CLASSES)
    : 1;
  const baseScore = parseBaseScore(field(param, 'base_score', 'learner_model_param'), 'base_score');
  const obj = object(field(learner, 'objective', 'learner'), 'objective');
  const objective = text(field(obj, 'name', 'objective'), 'objective.name');

  const groups = Math.max(numClass, numTarget, 1);
  const gb = object(field(learner, 'gradient_booster', 'learner'), 'gradient_booster');
  const boosterName = text(field(gb, 'name', 'gradient_booster'), 'gradient_booster.name');
  if (boosterName !== 'gbtree' && boosterName !== 'dart' && boosterName !== 'gblinear')
    throw new UnsupportedModelError(`an XGBoost model of booster ${JSON.stringify(boosterName)}`);
  const boosted =
    boosterName === 'gblinear' ? readLinear(gb, numFeature, groups) : readTrees(gb, numFeature, groups);

  const attributes = isDocObject(learner.attributes) ? learner.attributes : {};
  let bestIteration: number | undefined;
  if (Object.hasOwn(attributes, 'best_iteration'))
    bestIteration = count(attributes.best_iteration, 'attributes.best_iteration', 0, MAX_TREES);
  let sklearnType: string | undefined;
  if (typeof attributes.scikit_learn === 'string') {
    try {
      const meta = JSON.parse(attributes.scikit_learn) as { _estimator_type?: unknown };
      if (typeof meta._estimator_type === 'string') sklearnType = meta._estimator_type;
    } catch {
      // A wrapper's note modelgate only reads for the estimator's name.
    }
  }
  const featureNames = strings(learner.feature_names, 'feature_names');
  const featureTypes = strings(learner.feature_types, 'feature_types');
  if (featureNames.length > 0 && featureNames.length !== numFeature)
    throw malformed('feature_names', `name ${featureNames.length} features; num_feature is ${numFeature}`);
  if (featureTypes.length > 0 && featureTypes.length !== numFeature)
    throw malformed('feature_types', `type ${featureTypes.length} features; num_feature is ${numFeature}`);
  if (new Set(featureNames).size !== featureNames.length)
    throw malformed('feature_names', 'name a feature twice');
  return {
    format,
    version,
    objective,
    objectiveParams: obj,
    numFeature,
    numClass,
    numTarget,
    baseScore,
    featureNames,
    featureTypes,
    ...boosted,
    ...(bestIteration !== undefined ? { bestIteration } : {}),
    ...(sklearnType ? { sklearnType } : {}),
  };
}
