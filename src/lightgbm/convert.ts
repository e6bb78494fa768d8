// A LightGBM model (src/lightgbm/model.ts, from the text file, the JSON dump or a pickle's Booster) as an
// ONNX graph with a model card: one ai.onnx.ml 5 TreeEnsemble over the input columns in double, as
// LightGBM predicts, then the objective's output transform.
//
// How LightGBM decides a split (tree.h NumericalDecision / CategoricalDecision), and how it is kept here:
// Before any tree, LightGBM's predictor keeps a row's values as (feature, value) pairs of those with
// |x| > kZeroThreshold (1e-35f) or NaN: a smaller value is 0.0 to every tree. The graph does the same
// where a threshold lies that close to zero (Where(|x| <= 1e-35, 0, x)).
//   numerical, missing type None: NaN is taken as 0.0, then x <= threshold goes left. A BRANCH_LEQ node
//     whose NaN goes where 0 goes (missing tracks true iff 0 <= threshold).
//   numerical, missing type NaN: NaN goes the default way (decision bit 1). BRANCH_LEQ, NaN tracking
//     the default side.
//   numerical, missing type Zero: NaN is 0, and |x| <= kZeroThreshold (1e-35f) goes the default way.
//     The node reads a copy of the column in which those values are NaN (graph preprocessing) and NaN
//     tracks the default side.
//   categorical: NaN and a negative value go right; else the value's integer part (C's truncation) goes
//     left iff its bit is set in the split's bitset. The node reads a copy of the column truncated
//     toward zero, as a BRANCH_MEMBER of the left categories, NaN going right (false).
import { attr, GraphBuilder, ML_DOMAIN, tensor } from '../onnx/builder.js';
import { CARD_FORMAT, type ClassLabel, type FeatureSpec, type Figure, type ModelCard } from '../onnx/card.js';
import { classifierHead, valueHead } from '../onnx/heads.js';
import { type BoosterImportOptions, modelWithCard, provenance } from '../onnx/produce.js';
import { DataType, type ModelProto } from '../onnx/proto.js';
import { BRANCH_LEQ, BRANCH_MEMBER, type Child, TreeEnsembleNodes } from '../onnx/tree-ensemble.js';
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import { boosterClasses } from '../sklearn/labels.js';
import { VERSION } from '../version.js';
import type { LgbModel, LgbTree } from './model.js';

export const INPUT_NAME = 'input';

/** kZeroThreshold (LightGBM meta.h): 1e-35f, as the double LightGBM compares with. */
const ZERO_THRESHOLD = Math.fround(1e-35);

export type LightgbmImportOptions = BoosterImportOptions;

/** What the objective makes of the raw scores. */
type Head =
  | { kind: 'binary'; sigmoid: number }
  | { kind: 'softmax'; classes: number }
  | { kind: 'value'; transform: 'identity' | 'exp' | 'sigmoid' | 'softplus' | 'square' };

const IDENTITY = new Set(['regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape']);
const EXP = new Set(['poisson', 'gamma', 'tweedie']);
const RANKING = new Set(['lambdarank', 'rank_xendcg']);

function headOf(model: LgbModel): Head {
  const { objective, objectiveParams: params } = model;
  if (objective === 'binary') {
    if (model.numTreePerIteration !== 1)
      throw new ModelImportError(
        `the LightGBM binary model has ${model.numTreePerIteration} trees per iteration, not 1`,
      );
    const sigmoid = Number(params.get('sigmoid') ?? '1');
    if (!Number.isFinite(sigmoid) || sigmoid <= 0)
      throw new ModelImportError(`the LightGBM binary model's sigmoid parameter is ${params.get('sigmoid')}`);
    return { kind: 'binary', sigmoid };
  }
  if (objective === 'multiclass') {
    if (model.numTreePerIteration !== model.numClass || model.numClass < 2)
      throw new ModelImportError(
        `the LightGBM multiclass model has ${model.numTreePerIteration} trees per iteration for ${model.numClass} classes`,
      );
    return { kind: 'softmax', classes: model.numClass };
  }
  if (objective === 'multiclassova')
    throw new UnsupportedModelError(
      'a LightGBM multiclassova model (its predict_proba is one sigmoid per class, which do not sum to 1: they are not the class probabilities a modelgate classifier serves)',
    );
  if (RANKING.has(objective))
    throw new UnsupportedModelError(
      `a LightGBM ranking model (objective ${objective}: its scores order the rows of a query, they are neither a class nor a value)`,
    );
  if (model.numTreePerIteration !== 1)
    throw new ModelImportError(
      `the LightGBM ${objective} model has ${model.numTreePerIteration} trees per iteration, not 1`,
    );
  if (IDENTITY.has(objective))
    return {
      kind: 'value',
      transform: objective === 'regression' && params.has('sqrt') ? 'square' : 'identity',
    };
  if (EXP.has(objective)) return { kind: 'value', transform: 'exp' };
  if (objective === 'cross_entropy') return { kind: 'value', transform: 'sigmoid' };
  if (objective === 'cross_entropy_lambda') return { kind: 'value', transform: 'softplus' };
  if (objective === '' || objective === 'custom' || objective === 'none')
    throw new UnsupportedModelError(
      'a LightGBM model without a built-in objective (a custom objective: what its raw scores mean is not in the file)',
    );
  throw new UnsupportedModelError(`a LightGBM model of objective ${JSON.stringify(objective)}`);
}

/** The columns the trees read beyond the input's: zero-as-missing copies and truncated categorical ones. */
interface Columns {
  width: number;
  /** Whether a threshold lies within 1e-35 of zero, so values that small must read as 0.0. */
  tiny: boolean;
  /** Input feature -> column of its copy with |x| <= 1e-35 as NaN. */
  zero: Map<number, number>;
  /** Input feature -> column of its copy truncated toward zero. */
  truncated: Map<number, number>;
}

function extraColumns(trees: readonly LgbTree[], width: number): Columns {
  const zero = new Set<number>();
  const truncated = new Set<number>();
  let tiny = false;
  for (const t of trees)
    for (let n = 0; n < t.numLeaves - 1; n++) {
      const f = t.splitFeature[n] as number;
      if (t.leftCategories[n]) truncated.add(f);
      else if (t.missing[n] === 'zero') zero.add(f);
      else if (Math.abs(t.threshold[n] as number) <= 2 * ZERO_THRESHOLD) tiny = true;
    }
  let next = width;
  const place = (fs: Set<number>) => new Map([...fs].sort((a, b) => a - b).map((f) => [f, next++]));
  const z = place(zero);
  const c = place(truncated);
  return { width, tiny, zero: z, truncated: c };
}

/** The trees as TreeEnsemble nodes: tree i adds to target i % perIteration. */
function ensemble(trees: readonly LgbTree[], perIteration: number, cols: Columns): TreeEnsembleNodes {
  const nodes = new TreeEnsembleNodes();
  trees.forEach((t, i) => {
    const interior = t.numLeaves - 1;
    const at = nodes.tree(
      interior + t.numLeaves,
      (n) => n >= interior,
      i % perIteration,
      (n) => t.leafValue[n - interior] as number,
    );
    if (interior === 0) {
      nodes.lone(at[0] as number);
      return;
    }
    const to = (c: number): Child => (c >= 0 ? [at[c] as number, 0] : [at[interior + ~c] as number, 1]);
    for (let n = 0; n < interior; n++) {
      const f = t.splitFeature[n] as number;
      const yes = to(t.leftChild[n] as number);
      const no = to(t.rightChild[n] as number);
      const cats = t.leftCategories[n];
      if (cats) {
        const column = cols.truncated.get(f) as number;
        if (cats.length === 0) nodes.branch(BRANCH_LEQ, column, Number.NEGATIVE_INFINITY, yes, no, false);
        else nodes.branch(BRANCH_MEMBER, column, 0, yes, no, false, cats);
        continue;
      }
      const threshold = t.threshold[n] as number;
      const defaultLeft = t.defaultLeft[n] === 1;
      if (t.missing[n] === 'zero')
        nodes.branch(BRANCH_LEQ, cols.zero.get(f) as number, threshold, yes, no, defaultLeft);
      else if (t.missing[n] === 'nan') nodes.branch(BRANCH_LEQ, f, threshold, yes, no, defaultLeft);
      else nodes.branch(BRANCH_LEQ, f, threshold, yes, no, 0 <= threshold);
    }
  });
  return nodes;
}

/** The input with the trees' extra columns after it (the input itself when they need none). */
function treeInput(b: GraphBuilder, input: string, cols: Columns): string {
  const small = (v: string) =>
    b.op('LessOrEqual', [
      b.op('Abs', [v]),
      b.constant(tensor.double(b.fresh('zero_threshold'), [], [ZERO_THRESHOLD])),
    ]);
  const x = cols.tiny
    ? b.op('Where', [small(input), b.constant(tensor.double(b.fresh('zero'), [], [0])), input])
    : input;
  if (cols.zero.size === 0 && cols.truncated.size === 0) return x;
  const pick = (fs: Map<number, number>) =>
    b.op(
      'Gather',
      [x, b.constant(tensor.int64(b.fresh('columns'), [fs.size], [...fs.keys()]))],
      [attr.int('axis', 1)],
    );
  const parts = [x];
  if (cols.zero.size > 0) {
    const z = pick(cols.zero);
    parts.push(b.op('Where', [small(z), b.constant(tensor.double(b.fresh('nan'), [], [Number.NaN])), z]));
  }
  if (cols.truncated.size > 0) {
    const c = pick(cols.truncated);
    parts.push(b.op('Mul', [b.op('Sign', [c]), b.op('Floor', [b.op('Abs', [c])])]));
  }
  return b.op('Concat', parts, [attr.int('axis', 1)]);
}

/**
 * What the objective makes of the raw scores [N, k]: a classifier's probabilities (double
 * [N, classes]) or a regressor's value (double [N, 1]), before the output heads.
 */
function objectiveOutput(b: GraphBuilder, raw: string, head: Head): string {
  if (head.kind === 'value') {
    if (head.transform === 'exp') return b.op('Exp', [raw]);
    if (head.transform === 'sigmoid') return b.op('Sigmoid', [raw]);
    // log(1 + exp(x)), as LightGBM computes it (onnxruntime's Softplus has no double kernel).
    if (head.transform === 'softplus')
      return b.op('Log', [
        b.op('Add', [b.op('Exp', [raw]), b.constant(tensor.double(b.fresh('one'), [], [1]))]),
      ]);
    if (head.transform === 'square') return b.op('Mul', [raw, b.op('Abs', [raw])]);
    return raw;
  }
  if (head.kind === 'softmax') return b.op('Softmax', [raw], [attr.int('axis', 1)]);
  const scaled =
    head.sigmoid === 1
      ? raw
      : b.op('Mul', [raw, b.constant(tensor.double(b.fresh('sigmoid'), [], [head.sigmoid]))]);
  const p1 = b.op('Sigmoid', [scaled]);
  const p0 = b.op('Sub', [b.constant(tensor.double(b.fresh('one'), [], [1])), p1]);
  return b.op('Concat', [p0, p1], [attr.int('axis', 1)]);
}

/** The trees' answer over a feature matrix: probabilities with their classes, or a value. */
export interface LightgbmOutput {
  kind: 'probabilities' | 'value';
  /** Probabilities [N, classes] or the value [N, 1], double. */
  name: string;
  classes: ClassLabel[];
  /** The iterations used (best_iteration, num_iteration or all). */
  iterations: number;
}

/**
 * The model's trees and objective over `x` (double [N, maxFeatureIdx + 1]) in the builder's graph: the
 * part every LightGBM import shares, a file of its own or an LGBMClassifier at the end of a Pipeline.
 */
export function lightgbmOutput(
  b: GraphBuilder,
  x: string,
  model: LgbModel,
  options: Pick<LightgbmImportOptions, 'classes' | 'iterations'>,
): LightgbmOutput {
  const head = headOf(model);
  const width = model.maxFeatureIdx + 1;
  const k = model.numTreePerIteration;
  const total = model.trees.length / k;
  if (total < 1) throw new ModelImportError('the LightGBM model has no trees');
  const limit = options.iterations ?? model.bestIteration;
  const iterations = limit !== undefined && limit > 0 && limit < total ? limit : total;
  const trees = model.trees.slice(0, iterations * k);

  const classCount = head.kind === 'binary' ? 2 : head.kind === 'softmax' ? head.classes : 0;
  const classes = boosterClasses('LightGBM', model.objective, classCount, options.classes);
  const cols = extraColumns(trees, width);
  const nodes = ensemble(trees, k, cols);
  b.requireOpset(ML_DOMAIN, 5);
  let raw = b.op('TreeEnsemble', [treeInput(b, x, cols)], nodes.attributes(k), ML_DOMAIN);
  // rf boosting averages the iterations' scores.
  if (model.averageOutput)
    raw = b.op('Div', [raw, b.constant(tensor.double(b.fresh('iterations'), [], [iterations]))]);
  return {
    kind: head.kind === 'value' ? 'value' : 'probabilities',
    name: objectiveOutput(b, raw, head),
    classes,
    iterations,
  };
}

/** A category's text in the card, as a request's string or number reads. */
function categoryText(v: unknown, feature: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  throw new UnsupportedModelError(
    `a LightGBM model whose pandas categorical feature ${JSON.stringify(feature)} has a category that is neither a string nor a number`,
  );
}

/**
 * The features the card types as categories: a DataFrame's categorical columns (pandas_categorical, one
 * list per categorical feature in column order), fed as pandas' codes; an unknown category is passed as
 * -1, which the trees send right, as LightGBM sends the NaN pandas gives it. Undefined where the lists do
 * not match the model's categorical features one for one (the codes are then plain numbers).
 */
function pandasFeatures(model: LgbModel, names: readonly string[]): Map<number, string[]> | undefined {
  const lists = model.pandasCategorical;
  if (!lists || lists.length === 0) return undefined;
  // The saved parameters name them (a column LightGBM found trivial has no categories in its infos).
  const cats = [model.categoricalParameter, model.categoricalFeatures].find(
    (c) => c?.length === lists.length && c.every((f) => f < names.length),
  );
  if (!cats) return undefined;
  const typed = new Map<number, string[]>();
  cats.forEach((f, j) => {
    const name = names[f] as string;
    const texts = (lists[j] as unknown[]).map((v) => categoryText(v, name));
    if (new Set(texts).size !== texts.length)
      throw new UnsupportedModelError(
        `a LightGBM model whose categorical feature ${JSON.stringify(name)} has two categories of the same text`,
      );
    typed.set(f, texts);
  });
  return typed;
}

/** The ONNX model (with its card) for a LightGBM model. */
export function lightgbmToOnnx(
  model: LgbModel,
  options: LightgbmImportOptions,
): { model: ModelProto; card: ModelCard } {
  const width = model.maxFeatureIdx + 1;
  if (options.features && options.features.length !== width)
    throw new ModelImportError(
      `--features names ${options.features.length} features; the model takes ${width}`,
    );
  const names = options.features ?? model.featureNames;
  const b = new GraphBuilder(options.name);
  const x = b.input(INPUT_NAME, DataType.DOUBLE, ['N', width]);
  const out = lightgbmOutput(b, x, model, options);
  const { classes, iterations } = out;
  const io =
    out.kind === 'value'
      ? valueHead(b, out.name, 'float64')
      : classifierHead(b, out.name, classes, 'float64');
  const typed = pandasFeatures(model, names);
  const features: FeatureSpec[] = names.map((name, i) => {
    const categories = typed?.get(i);
    return categories ? { name, type: 'category', categories, unknown: 'pass' } : { name, type: 'number' };
  });
  const estimator = options.estimator ?? 'Booster';
  const params: Record<string, Figure> = {
    file: options.source,
    objective: model.objective,
    iterations,
    ...(options.format ? { format: options.format } : {}),
    ...(model.version ? { lightgbmModelVersion: model.version } : {}),
    ...(model.pandasCategorical && !typed ? { categoricalCodes: 'pandas category codes, as numbers' } : {}),
  };
  const card: ModelCard = {
    format: CARD_FORMAT,
    name: options.name,
    task: out.kind === 'value' ? 'regression' : 'classification',
    features,
    missing: 'impute',
    ...(out.kind === 'probabilities' ? { classes } : {}),
    io: {
      ...(typed
        ? { inputs: [{ name: INPUT_NAME, type: 'float64' as const, features: [...names] }] }
        : { input: INPUT_NAME, inputType: 'float64' as const }),
      ...io,
    },
    provenance: provenance('lightgbm', { estimator: `lightgbm ${estimator}`, params }),
  };
  const doc = `LightGBM ${estimator} (objective ${model.objective}) imported by modelgate ${VERSION}`;
  return { model: modelWithCard(b, card, doc), card };
}
