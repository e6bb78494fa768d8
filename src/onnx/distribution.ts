// Whether a graph output is known to hold a probability distribution over the classes in each row
// (every value >= 0, each row summing to 1), decided from the operator that produces it and its
// attributes, never from a name or a guess: what is not known to be one is served as scores.
//
// The ai.onnx.ml classifiers do not always do what their post_transform says. As onnxruntime runs them
// (checked by test/onnx/distribution.test.ts against onnxruntime itself):
// - a binary LinearClassifier with one coefficient row outputs [1 - s, s] under NONE, SOFTMAX and
//   SOFTMAX_ZERO (no softmax is applied), and [1 - sigmoid(s), sigmoid(s)] under LOGISTIC;
// - a binary TreeEnsembleClassifier whose weights are all for one class outputs [1 - s, s] (weights of
//   class 0, all >= 0), [-s, s] (some negative) or [0, s] (weights of class 1) before its post_transform,
//   and under SOFTMAX and SOFTMAX_ZERO no softmax is applied to the [1 - s, s] and [-s, s] forms;
// - LOGISTIC on more than one column is a sigmoid per column: not a distribution over the classes.
import type { AttributeProto, GraphProto, NodeProto } from './proto.js';
import { DataType } from './proto.js';
import { utf8Decode } from './wire.js';

const ML_DOMAIN = 'ai.onnx.ml';
/** How far a row's sum may stray from 1 in a tree ensemble's averaged leaf values (float32 weights). */
const SUM_TOLERANCE = 1e-5;

export type Verdict = { distribution: true; because: string } | { distribution: false; because: string };

const yes = (because: string): Verdict => ({ distribution: true, because });
const no = (because: string): Verdict => ({ distribution: false, because });

/** The node that produces each value of a graph's top level. */
export function producers(graph: GraphProto): Map<string, NodeProto> {
  const out = new Map<string, NodeProto>();
  for (const node of graph.node) for (const o of node.output) if (o) out.set(o, node);
  return out;
}

function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

function stringAttribute(node: NodeProto, name: string, fallback: string): string {
  const s = attribute(node, name)?.s;
  if (!s) return fallback;
  try {
    return utf8Decode(s);
  } catch {
    return '';
  }
}

const isMl = (node: NodeProto) => node.domain === ML_DOMAIN;
const isOnnx = (node: NodeProto) => !node.domain || node.domain === 'ai.onnx';

/** The class labels an ai.onnx.ml operator declares, as their count (its score output's width). */
export function declaredClassCount(node: NodeProto): number | undefined {
  for (const name of ['classlabels_int64s', 'classlabels_ints', 'classlabels_strings']) {
    const a = attribute(node, name);
    const n = a?.ints?.length ?? a?.strings?.length ?? 0;
    if (n > 0) return n;
  }
  return undefined;
}

const CLASSIFIERS = new Set(['LinearClassifier', 'SVMClassifier', 'TreeEnsembleClassifier']);

/** How many operators deep a verdict may look (a Normalizer over a Normalizer ...): more is "no". */
const MAX_LOOK_BACK = 16;

/**
 * The node that computes `name`, past nodes that pass values through unchanged (Identity, Cast to
 * float), with the output of it that was reached.
 */
export function sourceOf(
  name: string,
  byOutput: Map<string, NodeProto>,
): { node: NodeProto; output: string } | undefined {
  let output = name;
  let node = byOutput.get(output);
  // A graph is acyclic, but a hostile one need not be: never step more often than there are nodes.
  for (let steps = 0; node && steps < byOutput.size; steps++) {
    const to = attribute(node, 'to')?.i;
    const passes =
      isOnnx(node) &&
      (node.opType === 'Identity' ||
        (node.opType === 'Cast' && (to === DataType.FLOAT || to === DataType.DOUBLE)));
    if (!passes || !node.input[0]) return { node, output };
    output = node.input[0];
    node = byOutput.get(output);
  }
  return node ? { node, output } : undefined;
}

/** Whether the output `name` is known to be a probability distribution over the classes, and why. */
export function distributionVerdict(name: string, byOutput: Map<string, NodeProto>, depth = 0): Verdict {
  const source = sourceOf(name, byOutput);
  if (!source) return no('it is not computed by an operator (it is a graph input or an initializer)');
  const { node, output } = source;
  if (depth >= MAX_LOOK_BACK)
    return no(`it is computed by more than ${MAX_LOOK_BACK} operators modelgate follows`);
  if (isOnnx(node) && node.opType === 'Softmax') {
    const axis = attribute(node, 'axis')?.i;
    return axis === undefined || axis === 1 || axis === -1
      ? yes('it is a Softmax over the classes')
      : no(`it is a Softmax over axis ${axis}, not over the classes`);
  }
  if (isOnnx(node) && node.opType === 'Sigmoid')
    return no('it is a Sigmoid per column, whose columns need not sum to 1');
  if (isMl(node) && node.opType === 'Normalizer') {
    if (stringAttribute(node, 'norm', 'MAX') !== 'L1') return no('it is a Normalizer other than L1');
    return nonNegative(node.input[0], byOutput, depth + 1)
      ? yes('it is an L1 Normalizer over non-negative scores')
      : no('it is an L1 Normalizer over scores that may be negative');
  }
  // A classifier's second output is its scores; the first is the label.
  if (isMl(node) && CLASSIFIERS.has(node.opType) && node.output[1] === output) return classifierVerdict(node);
  return no(`it is computed by ${node.opType}, which does not make probabilities`);
}

/** Values known to be >= 0: sigmoids, softmaxes, LOGISTIC classifier scores, distributions. */
function nonNegative(name: string | undefined, byOutput: Map<string, NodeProto>, depth: number): boolean {
  if (!name) return false;
  const source = sourceOf(name, byOutput);
  if (!source) return false;
  const { node, output } = source;
  if (isOnnx(node) && (node.opType === 'Sigmoid' || node.opType === 'Softmax')) return true;
  if (
    isMl(node) &&
    CLASSIFIERS.has(node.opType) &&
    node.output[1] === output &&
    stringAttribute(node, 'post_transform', 'NONE') === 'LOGISTIC'
  )
    return true;
  return distributionVerdict(name, byOutput, depth).distribution;
}

function classifierVerdict(node: NodeProto): Verdict {
  const post = stringAttribute(node, 'post_transform', 'NONE');
  const k = declaredClassCount(node) ?? 0;
  const softmax = post === 'SOFTMAX' || post === 'SOFTMAX_ZERO';
  const what = `a ${node.opType} with post_transform ${post}`;
  if (k < 2) return no(`it is ${what} that declares fewer than two classes`);
  switch (node.opType) {
    case 'LinearClassifier':
      return linearVerdict(node, post, k, what);
    case 'SVMClassifier': {
      if (attribute(node, 'prob_a')?.floats?.length) {
        return post === 'NONE' || softmax
          ? yes(`it is ${what} with Platt scaling (prob_a, prob_b)`)
          : no(`it is ${what}: a sigmoid per column of Platt-scaled probabilities`);
      }
      if (k >= 3 && softmax) return yes(`it is ${what} over ${k} classes`);
      if (k === 2 && post === 'LOGISTIC') return yes(`it is a binary ${what}`);
      return no(`it is ${what} without Platt scaling: decision values`);
    }
    default:
      return treeVerdict(node, post, k, what);
  }
}

function linearVerdict(node: NodeProto, post: string, k: number, what: string): Verdict {
  const intercepts = attribute(node, 'intercepts')?.floats ?? [];
  const coefficients = attribute(node, 'coefficients')?.floats ?? [];
  const rows = intercepts.length;
  if (rows === 1 && k === 2) {
    return post === 'LOGISTIC'
      ? yes(`it is a binary ${what}: [1 - p, p]`)
      : no(`it is a binary ${what} with one coefficient row, which onnxruntime outputs as [1 - s, s]`);
  }
  if (rows !== k) return no(`it is ${what} with ${rows} intercepts for ${k} classes`);
  if (post === 'SOFTMAX' || post === 'SOFTMAX_ZERO') return yes(`it is ${what} over ${k} classes`);
  if (post === 'LOGISTIC' && k === 2 && negated(coefficients, intercepts))
    return yes(`it is a binary ${what} whose two rows are opposite: [sigmoid(-z), sigmoid(z)]`);
  return no(`it is ${what}${post === 'LOGISTIC' ? ', a sigmoid per class' : ''}: scores, not probabilities`);
}

/** Whether the second half of each list is the first half negated (skl2onnx's binary rows, -z and z). */
function negated(coefficients: readonly number[], intercepts: readonly number[]): boolean {
  const half = coefficients.length / 2;
  if (!Number.isInteger(half) || half === 0) return false;
  for (let i = 0; i < half; i++) if (coefficients[i] !== -coefficients[half + i]) return false;
  return intercepts[0] === -intercepts[1];
}

function treeVerdict(node: NodeProto, post: string, k: number, what: string): Verdict {
  if (attribute(node, 'class_weights_as_tensor') || attribute(node, 'base_values_as_tensor'))
    return no(`it is ${what} whose weights are tensors, which modelgate does not read`);
  const ids = attribute(node, 'class_ids')?.ints ?? [];
  const weights = attribute(node, 'class_weights')?.floats ?? [];
  if (weights.length !== ids.length || weights.some((w) => !Number.isFinite(w)))
    return no(`it is ${what} whose class weights modelgate cannot read`);
  const used = new Set(ids);
  const softmax = post === 'SOFTMAX' || post === 'SOFTMAX_ZERO';
  const baseZero = (attribute(node, 'base_values')?.floats ?? []).every((b) => b === 0);
  const nonNegative = weights.every((w) => w >= 0);
  if (k === 2 && used.size === 1) {
    // onnxruntime's binary form: see the top of this file.
    if (used.has(0)) {
      if (post === 'LOGISTIC') return yes(`it is a binary ${what}: [1 - p, p]`);
      if (post !== 'NONE' && !softmax) return no(`it is a binary ${what}`);
      const sums = leafSums(node);
      return nonNegative && baseZero && sums !== undefined && sums.max <= 1 + SUM_TOLERANCE
        ? yes(`it is a binary ${what} whose leaf values are probabilities of one class: [1 - p, p]`)
        : no(`it is a binary ${what} whose leaf values are not probabilities`);
    }
    return post === 'SOFTMAX'
      ? yes(`it is a binary ${what}`)
      : no(`it is a binary ${what} that onnxruntime outputs as [0, s]`);
  }
  if (softmax) return yes(`it is ${what} over ${k} classes`);
  if (post !== 'NONE')
    return no(`it is ${what}, a ${post.toLowerCase()} per class: scores, not probabilities`);
  const sums = leafSums(node);
  if (!nonNegative || !baseZero || sums === undefined)
    return no(`it is ${what} whose leaf values are not probabilities (raw margins)`);
  if (sums.min < 1 - SUM_TOLERANCE || sums.max > 1 + SUM_TOLERANCE)
    return no(`it is ${what} whose leaf values do not sum to 1 over the trees (raw margins)`);
  return yes(`it is ${what} whose leaf values average to probabilities (as a random forest's do)`);
}

/**
 * The least and the greatest any row's total weight can be: over the trees, the sum of each tree's
 * smallest (greatest) leaf total. Undefined when the node and weight lists do not line up.
 */
function leafSums(node: NodeProto): { min: number; max: number } | undefined {
  const treeIds = attribute(node, 'nodes_treeids')?.ints ?? [];
  const nodeIds = attribute(node, 'nodes_nodeids')?.ints ?? [];
  const modes = attribute(node, 'nodes_modes')?.strings ?? [];
  const classTrees = attribute(node, 'class_treeids')?.ints ?? [];
  const classNodes = attribute(node, 'class_nodeids')?.ints ?? [];
  const weights = attribute(node, 'class_weights')?.floats ?? [];
  if (treeIds.length !== nodeIds.length || treeIds.length !== modes.length) return undefined;
  if (classTrees.length !== weights.length || classNodes.length !== weights.length) return undefined;
  const total = new Map<string, number>();
  for (let i = 0; i < weights.length; i++) {
    const key = `${classTrees[i]}:${classNodes[i]}`;
    total.set(key, (total.get(key) ?? 0) + (weights[i] as number));
  }
  const range = new Map<number, { min: number; max: number }>();
  const leaf = new Uint8Array([0x4c, 0x45, 0x41, 0x46]); // "LEAF"
  for (let i = 0; i < modes.length; i++) {
    const mode = modes[i] as Uint8Array;
    if (mode.length !== 4 || mode.some((b, j) => b !== leaf[j])) continue;
    const tree = treeIds[i] as number;
    const sum = total.get(`${tree}:${nodeIds[i]}`) ?? 0;
    const r = range.get(tree);
    if (r) {
      r.min = Math.min(r.min, sum);
      r.max = Math.max(r.max, sum);
    } else range.set(tree, { min: sum, max: sum });
  }
  if (range.size === 0) return undefined;
  let min = 0;
  let max = 0;
  for (const r of range.values()) {
    min += r.min;
    max += r.max;
  }
  return { min, max };
}
