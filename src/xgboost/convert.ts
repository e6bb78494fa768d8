// An XGBoost model (src/xgboost/model.ts, from its JSON or UBJSON file or a pickle's Booster) as an ONNX
// graph with a model card: one ai.onnx.ml 5 TreeEnsemble (a gblinear model: one MatMul), the base margin
// added, then the objective's output transform.
//
// How XGBoost predicts (src/predictor/predict_fn.h GetNextNode, src/common/categorical.h Decision), and
// how it is kept here:
//   Features are float32: the graph casts the double input to float and back, so a split compares the
//     same float32 numbers XGBoost compares (split conditions are float32, held exactly in double).
//   numerical split: a missing value (NaN) goes the default way (default_left); otherwise x < condition
//     goes left. A BRANCH_LT node, NaN tracking the default side.
//   categorical split: NaN goes the default way; a negative category, one of 2^24 - 1 or more, or one
//     past the node's bitset goes left; otherwise the category (the value truncated) goes RIGHT iff it
//     is in the node's set. The node reads a copy of the column with negatives as -1 and the rest
//     floored, as a BRANCH_MEMBER of the set whose true side is the right child.
//   A leaf's value is its split_conditions entry; dart scales each tree by its weight_drop. The trees
//     of output group g (tree_info) add to target g; the base margin is base_score in margin space
//     (the objective's ProbToMargin: logit for the logistic objectives, log for the exp ones).
// XGBoost sums in float32 and the graph in double: the answers differ by float32 rounding, below 1e-6
// relative for a few hundred trees.
import { attr, GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import { CARD_FORMAT, type ClassLabel, type FeatureSpec, type Figure, type ModelCard } from '../onnx/card.js';
import { classifierHead, labelHead, valueHead } from '../onnx/heads.js';
import { type BoosterImportOptions, modelWithCard, provenance } from '../onnx/produce.js';
import { DataType, type ModelProto } from '../onnx/proto.js';
import { BRANCH_LT, BRANCH_MEMBER, type Child, TreeEnsembleNodes } from '../onnx/tree-ensemble.js';
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import { boosterClasses } from '../sklearn/labels.js';
import { VERSION } from '../version.js';
import { malformed, type XgbModel, type XgbTree } from './model.js';

export const INPUT_NAME = 'input';

export type XgboostImportOptions = BoosterImportOptions;

/** What the objective makes of the margins. */
type Head =
  | { kind: 'binary' }
  | { kind: 'softmax'; classes: number }
  | { kind: 'hinge' }
  | { kind: 'value'; transform: 'identity' | 'exp' | 'sigmoid' };

/** Objectives whose prediction is the margin itself. */
const IDENTITY = new Set([
  'reg:squarederror',
  'reg:linear',
  'reg:squaredlogerror',
  'reg:pseudohubererror',
  'reg:absoluteerror',
  'reg:quantileerror',
  'reg:expectileerror',
  'binary:logitraw',
]);
/** Objectives whose prediction is exp(margin) (and whose base_score is log'd into the margin). */
const EXP = new Set(['count:poisson', 'reg:gamma', 'reg:tweedie', 'survival:cox', 'survival:aft']);

function headOf(model: XgbModel): Head {
  const { objective } = model;
  if (objective.startsWith('rank:'))
    throw new UnsupportedModelError(
      `an XGBoost ranking model (objective ${objective}: its scores order the rows of a query, they are neither a class nor a value)`,
    );
  if (model.numTarget > 1)
    throw new UnsupportedModelError(
      objective === 'reg:quantileerror' || objective === 'reg:expectileerror'
        ? `an XGBoost ${objective} model of ${model.numTarget} quantiles (one value per quantile: modelgate serves one value per row)`
        : `an XGBoost model of ${model.numTarget} targets (modelgate serves one value per row)`,
    );
  const multi = objective === 'multi:softprob' || objective === 'multi:softmax';
  if (multi) {
    if (model.numClass < 2)
      throw malformed(
        'num_class',
        `is ${model.numClass} for the ${objective} objective, which needs 2 or more`,
      );
    return { kind: 'softmax', classes: model.numClass };
  }
  if (model.numClass > 1)
    throw malformed('num_class', `is ${model.numClass} for the ${objective} objective, which has one output`);
  if (objective === 'binary:logistic') return { kind: 'binary' };
  if (objective === 'binary:hinge') return { kind: 'hinge' };
  if (objective === 'reg:logistic') return { kind: 'value', transform: 'sigmoid' };
  if (IDENTITY.has(objective)) return { kind: 'value', transform: 'identity' };
  if (EXP.has(objective)) return { kind: 'value', transform: 'exp' };
  throw new UnsupportedModelError(
    `an XGBoost model of objective ${JSON.stringify(objective)} (a custom objective: what its margins mean is not in the file)`,
  );
}

/** base_score in margin space, float32 as XGBoost computes it (the objective's ProbToMargin). */
function baseMargins(model: XgbModel, groups: number): number[] {
  const { baseScore, objective } = model;
  if (baseScore.length !== 1 && baseScore.length !== groups)
    throw malformed('base_score', `has ${baseScore.length} values for ${groups} outputs`);
  const scores = baseScore.length === 1 ? new Array<number>(groups).fill(baseScore[0] as number) : baseScore;
  const f = Math.fround;
  return scores.map((v) => {
    if (objective === 'binary:logistic' || objective === 'reg:logistic') {
      if (!(v >= 0 && v <= 1)) throw malformed('base_score', `is ${v}, outside [0, 1] for ${objective}`);
      const p = Math.min(Math.max(v, f(1e-6)), f(1 - f(1e-6)));
      return f(-Math.log(f(f(1 / p) - 1)));
    }
    if (EXP.has(objective)) {
      if (!(v > 0)) throw malformed('base_score', `is ${v}, not above 0 for ${objective}`);
      return f(Math.log(v));
    }
    return v;
  });
}

/** The iterations used: best_iteration + 1 where the caller says so, else all of them. */
function iterationCount(model: XgbModel, iterations: number | undefined): number {
  const total = model.iterationIndptr.length - 1;
  return iterations !== undefined && iterations > 0 && iterations < total ? iterations : total;
}

/** The categorical features (by the splits that test them), each to the column of its prepared copy. */
function categoricalColumns(trees: readonly XgbTree[], width: number): Map<number, number> {
  const features = new Set<number>();
  for (const t of trees)
    t.categories.forEach((c, n) => {
      if (c && t.left[n] !== -1) features.add(t.feature[n] as number);
    });
  let next = width;
  return new Map([...features].sort((a, b) => a - b).map((f) => [f, next++]));
}

/** The reachable nodes of a tree, ascending (the root, 0, first); deleted nodes are left out. */
function reachable(t: XgbTree): number[] {
  const out: number[] = [];
  const stack = [0];
  while (stack.length > 0) {
    const n = stack.pop() as number;
    out.push(n);
    if (t.left[n] !== -1) stack.push(t.left[n] as number, t.right[n] as number);
  }
  return out.sort((a, b) => a - b);
}

function ensemble(
  trees: readonly XgbTree[],
  weights: readonly number[],
  cats: Map<number, number>,
): TreeEnsembleNodes {
  const nodes = new TreeEnsembleNodes();
  trees.forEach((t, i) => {
    const order = reachable(t);
    const local = new Map(order.map((n, k) => [n, k]));
    const weight = weights[i] as number;
    const isLeaf = (k: number) => t.left[order[k] as number] === -1;
    const at = nodes.tree(
      order.length,
      isLeaf,
      t.group,
      (k) => (t.cond[order[k] as number] as number) * weight,
    );
    if (isLeaf(0)) {
      nodes.lone(at[0] as number);
      return;
    }
    const to = (n: number): Child => {
      const k = local.get(n) as number;
      return [at[k] as number, isLeaf(k) ? 1 : 0];
    };
    for (const n of order) {
      if (t.left[n] === -1) continue;
      const left = to(t.left[n] as number);
      const right = to(t.right[n] as number);
      const defaultLeft = t.defaultLeft[n] === 1;
      const set = t.categories[n];
      if (set)
        nodes.branch(
          BRANCH_MEMBER,
          cats.get(t.feature[n] as number) as number,
          0,
          right,
          left,
          !defaultLeft,
          set,
        );
      else nodes.branch(BRANCH_LT, t.feature[n] as number, t.cond[n] as number, left, right, defaultLeft);
    }
  });
  return nodes;
}

/** The input as float32 values (in double), with the categorical columns' prepared copies after it. */
function treeInput(b: GraphBuilder, x: string, cats: Map<number, number>): string {
  const f32 = b.op(
    'Cast',
    [b.op('Cast', [x], [attr.int('to', DataType.FLOAT)])],
    [attr.int('to', DataType.DOUBLE)],
  );
  if (cats.size === 0) return f32;
  const c = b.op(
    'Gather',
    [f32, b.constant(tensor.int64(b.fresh('categorical'), [cats.size], [...cats.keys()]))],
    [attr.int('axis', 1)],
  );
  const negative = b.op('Less', [c, b.constant(tensor.double(b.fresh('zero'), [], [0]))]);
  const prepared = b.op('Where', [
    negative,
    b.constant(tensor.double(b.fresh('minus_one'), [], [-1])),
    b.op('Floor', [c]),
  ]);
  return b.op('Concat', [f32, prepared], [attr.int('axis', 1)]);
}

/**
 * gblinear's margins [N, k]: bias + base margin + the sum of x_f * w_f over the features present
 * (XGBoost skips a missing one: it adds nothing), over float32-rounded inputs.
 */
function linearMargins(
  b: GraphBuilder,
  x: string,
  linear: NonNullable<XgbModel['linear']>,
  groups: number,
  margins: readonly number[],
): string {
  const f32 = b.op(
    'Cast',
    [b.op('Cast', [x], [attr.int('to', DataType.FLOAT)])],
    [attr.int('to', DataType.DOUBLE)],
  );
  const present = b.op('Where', [
    b.op('IsNaN', [f32]),
    b.constant(tensor.double(b.fresh('zero'), [], [0])),
    f32,
  ]);
  const features = linear.weights.length / groups - 1;
  const w = b.constant(
    tensor.double(b.fresh('weights'), [features, groups], linear.weights.subarray(0, features * groups)),
  );
  const bias = Array.from({ length: groups }, (_, g) =>
    Math.fround((linear.weights[features * groups + g] as number) + (margins[g] as number)),
  );
  return b.op('Add', [
    b.op('MatMul', [present, w]),
    b.constant(tensor.double(b.fresh('bias'), [groups], bias)),
  ]);
}

/** What the objective makes of the margins [N, k]. */
function objectiveOutput(b: GraphBuilder, raw: string, head: Head): string {
  if (head.kind === 'value') {
    if (head.transform === 'exp') return b.op('Exp', [raw]);
    if (head.transform === 'sigmoid') return b.op('Sigmoid', [raw]);
    return raw;
  }
  if (head.kind === 'softmax') return b.op('Softmax', [raw], [attr.int('axis', 1)]);
  // hinge: class 1 iff the margin is above 0 (a tie at 0 is class 0, the first of the argmax).
  if (head.kind === 'hinge') return b.op('Concat', [b.op('Neg', [raw]), raw], [attr.int('axis', 1)]);
  const p1 = b.op('Sigmoid', [raw]);
  const p0 = b.op('Sub', [b.constant(tensor.double(b.fresh('one'), [], [1])), p1]);
  return b.op('Concat', [p0, p1], [attr.int('axis', 1)]);
}

/** The trees' answer over a feature matrix: probabilities or labels with their classes, or a value. */
export interface XgboostOutput {
  kind: 'probabilities' | 'labels' | 'value';
  /** Probabilities [N, classes], label scores [N, 2] (hinge) or the value [N, 1], double. */
  name: string;
  classes: ClassLabel[];
  iterations: number;
}

/**
 * The model's trees and objective over `x` (double [N, numFeature]) in the builder's graph: the part
 * every XGBoost import shares.
 */
export function xgboostOutput(
  b: GraphBuilder,
  x: string,
  model: XgbModel,
  options: Pick<XgboostImportOptions, 'classes' | 'iterations'>,
): XgboostOutput {
  const head = headOf(model);
  const groups = head.kind === 'softmax' ? head.classes : 1;
  const iterations = model.linear ? 0 : iterationCount(model, options.iterations);
  const end = model.iterationIndptr[iterations] as number;
  const trees = model.trees.slice(0, end);
  if (trees.length === 0 && !model.linear) throw new ModelImportError('the XGBoost model has no trees');
  const classCount = head.kind === 'value' ? 0 : head.kind === 'softmax' ? head.classes : 2;
  const classes = boosterClasses('XGBoost', model.objective, classCount, options.classes);
  const margins = baseMargins(model, groups);
  let raw: string;
  if (model.linear) raw = linearMargins(b, x, model.linear, groups, margins);
  else {
    const cats = categoricalColumns(trees, model.numFeature);
    const nodes = ensemble(trees, model.treeWeights, cats);
    b.requireOpset(ML_DOMAIN, 5);
    const sums = b.op('TreeEnsemble', [treeInput(b, x, cats)], nodes.attributes(groups), ML_DOMAIN);
    raw = b.op('Add', [sums, b.constant(tensor.double(b.fresh('base_margin'), [groups], margins))]);
  }
  return {
    kind: head.kind === 'value' ? 'value' : head.kind === 'hinge' ? 'labels' : 'probabilities',
    name: objectiveOutput(b, raw, head),
    classes,
    iterations,
  };
}

/** The feature names: the option's, the model's, or f0, f1, ... as XGBoost names them. */
function featureNames(model: XgbModel, given: string[] | undefined): string[] {
  if (given && given.length !== model.numFeature)
    throw new ModelImportError(
      `--features names ${given.length} features; the model takes ${model.numFeature}`,
    );
  if (given) return given;
  if (model.featureNames.length > 0) return model.featureNames;
  return Array.from({ length: model.numFeature }, (_, i) => `f${i}`);
}

/** The ONNX model (with its card) for an XGBoost model. */
export function xgboostToOnnx(
  model: XgbModel,
  options: XgboostImportOptions,
): { model: ModelProto; card: ModelCard } {
  const names = featureNames(model, options.features);
  const b = new GraphBuilder(options.name);
  const x = b.input(INPUT_NAME, DataType.DOUBLE, ['N', model.numFeature]);
  const out = xgboostOutput(b, x, model, options);
  const { classes, iterations } = out;
  const io =
    out.kind === 'value'
      ? valueHead(b, out.name, 'float64')
      : out.kind === 'labels'
        ? labelHead(b, out.name, classes)
        : classifierHead(b, out.name, classes, 'float64');
  // A categorical feature with its training categories is typed by them (a request sends the category,
  // fed as its code); an unknown one is refused, as XGBoost 3.x refuses a category not in training.
  const typed = (i: number) => (model.featureTypes[i] === 'c' ? model.categoryNames[i] : undefined);
  const features: FeatureSpec[] = names.map((name, i) => {
    const categories = typed(i);
    return categories ? { name, type: 'category', categories, unknown: 'reject' } : { name, type: 'number' };
  });
  const anyTyped = features.some((f) => f.type === 'category');
  const categorical = model.featureTypes.flatMap((t, i) =>
    t === 'c' && !typed(i) ? [names[i] as string] : [],
  );
  const estimator = options.estimator ?? 'Booster';
  const params: Record<string, Figure> = {
    file: options.source,
    objective: model.objective,
    booster: model.booster,
    iterations,
    ...(options.format ? { format: options.format } : {}),
    ...(model.version ? { xgboostVersion: model.version } : {}),
    ...(model.bestIteration !== undefined ? { bestIteration: model.bestIteration } : {}),
    ...(categorical.length > 0
      ? { categoricalCodes: `${categorical.join(', ')}: category codes (pandas' cat.codes), as numbers` }
      : {}),
  };
  const card: ModelCard = {
    format: CARD_FORMAT,
    name: options.name,
    task: out.kind === 'value' ? 'regression' : 'classification',
    features,
    missing: 'impute',
    ...(out.kind !== 'value' ? { classes } : {}),
    io: {
      ...(anyTyped
        ? { inputs: [{ name: INPUT_NAME, type: 'float64' as const, features: [...names] }] }
        : { input: INPUT_NAME, inputType: 'float64' as const }),
      ...io,
    },
    provenance: provenance('xgboost', { estimator: `xgboost ${estimator}`, params }),
  };
  const doc = `XGBoost ${estimator} (objective ${model.objective}) imported by modelgate ${VERSION}`;
  return { model: modelWithCard(b, card, doc), card };
}
