// Tree ensembles (ai.onnx.ml TreeEnsembleRegressor 1-3 and TreeEnsemble 5) in flat typed arrays, and
// their evaluation as onnxruntime's CPU kernel does it on one thread: for each row, the trees in order,
// each leaf's weights added to its targets in the threshold type (float32 for float input, float64 for
// double), then the base values, then the post transform, then the output type.
import { DataType } from '../../onnx/proto.js';
import type { Kernel, NodeContext } from './node.js';
import { allocate, isFloat, type Tensor, tensor } from './tensor.js';
import { CompiledRunError, Unsupported } from './unsupported.js';

// Modes, as ai.onnx.ml 5 numbers them.
const LEQ = 0;
const LT = 1;
const GTE = 2;
const GT = 3;
const EQ = 4;
const NEQ = 5;
const MEMBER = 6;
const V3_MODES: Record<string, number> = {
  BRANCH_LEQ: LEQ,
  BRANCH_LT: LT,
  BRANCH_GTE: GTE,
  BRANCH_GT: GT,
  BRANCH_EQ: EQ,
  BRANCH_NEQ: NEQ,
};

type Aggregate = 'SUM' | 'AVERAGE' | 'MIN' | 'MAX';
type Transform = 'NONE' | 'LOGISTIC' | 'SOFTMAX';

/** The ensemble in arrays. A child c >= 0 is interior node c; c < 0 is leaf -c - 1. */
interface Forest {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  mode: Uint8Array;
  missingTrue: Uint8Array;
  yes: Int32Array;
  no: Int32Array;
  /** Each interior MEMBER node's set: its values from memberStart[i] to memberStart[i + 1]. */
  memberStart: Int32Array;
  members: Float64Array;
  /** Each leaf's weights: from leafStart[l] to leafStart[l + 1], as target and weight. */
  leafStart: Int32Array;
  target: Int32Array;
  weight: Float64Array;
  targets: number;
  aggregate: Aggregate;
  transform: Transform;
  base: Float64Array;
}

const f32 = Math.fround;

/** The leaf row x reaches in the tree from `root`. */
function leafOf(f: Forest, root: number, x: ArrayLike<number>, offset: number): number {
  let n = root;
  while (n >= 0) {
    const v = x[offset + (f.feature[n] as number)] as number;
    const t = f.threshold[n] as number;
    let go: boolean;
    if (Number.isNaN(v) && f.missingTrue[n]) go = true;
    else
      switch (f.mode[n]) {
        case LEQ:
          go = v <= t;
          break;
        case LT:
          go = v < t;
          break;
        case GTE:
          go = v >= t;
          break;
        case GT:
          go = v > t;
          break;
        case EQ:
          go = v === t;
          break;
        case NEQ:
          go = v !== t;
          break;
        default: {
          go = false;
          for (let k = f.memberStart[n] as number; k < (f.memberStart[n + 1] as number); k++)
            if (f.members[k] === v) {
              go = true;
              break;
            }
        }
      }
    n = go ? (f.yes[n] as number) : (f.no[n] as number);
  }
  return -n - 1;
}

/** The mode every interior node has, when they share one and none sends a missing value to its true side. */
function uniformMode(f: Forest): number | undefined {
  const m = f.mode[0];
  for (let i = 0; i < f.mode.length; i++) if (f.mode[i] !== m || f.missingTrue[i]) return undefined;
  return m;
}

/** Each leaf's one weight and target, when every leaf has exactly one. */
function singleWeights(f: Forest): boolean {
  for (let l = 0; l + 1 < f.leafStart.length; l++)
    if ((f.leafStart[l + 1] as number) - (f.leafStart[l] as number) !== 1) return false;
  return true;
}

/** What evaluate needs to know of a forest beyond its arrays, found once when it is built. */
interface Shape {
  /** The highest feature any node reads. */
  maxFeature: number;
  /** The mode all interior nodes share (uniformMode). */
  mode: number | undefined;
  /** Whether every leaf has exactly one weight. */
  single: boolean;
}

function shapeOf(f: Forest): Shape {
  let maxFeature = -1;
  for (const v of f.feature) if (v > maxFeature) maxFeature = v;
  return { maxFeature, mode: uniformMode(f), single: singleWeights(f) };
}

function evaluate(f: Forest, shape: Shape, x: Tensor, outType: number): Tensor {
  if (x.dims.length !== 2)
    throw new CompiledRunError(`a tree ensemble takes [rows, features], not [${x.dims}]`);
  const [rows, width] = x.dims as [number, number];
  if (shape.maxFeature >= width)
    throw new CompiledRunError(`a tree reads feature ${shape.maxFeature} of ${width}`);
  const xs = x.data as Float32Array | Float64Array;
  // The threshold type: float32 arithmetic for float input, float64 for double.
  const single = x.type === DataType.FLOAT;
  const round = single ? f32 : (v: number) => v;
  const k = f.targets;
  const out = allocate(outType, rows * k) as Float32Array | Float64Array;
  const score = new Float64Array(k);
  const has = new Uint8Array(k);
  const trees = f.roots.length;
  const { roots, feature, threshold, yes, no, target, weight, leafStart } = f;
  const sum = f.aggregate === 'SUM' || f.aggregate === 'AVERAGE';
  for (let r = 0; r < rows; r++) {
    score.fill(0);
    has.fill(0);
    const offset = r * width;
    if (sum && shape.single && (shape.mode === LEQ || shape.mode === LT)) {
      // The common case (every split x <= t, or every split x < t; one weight a leaf): a tight loop.
      const leq = shape.mode === LEQ;
      for (let t = 0; t < trees; t++) {
        let n = roots[t] as number;
        if (leq)
          while (n >= 0)
            n =
              (xs[offset + (feature[n] as number)] as number) <= (threshold[n] as number)
                ? (yes[n] as number)
                : (no[n] as number);
        else
          while (n >= 0)
            n =
              (xs[offset + (feature[n] as number)] as number) < (threshold[n] as number)
                ? (yes[n] as number)
                : (no[n] as number);
        const w = leafStart[-n - 1] as number;
        const j = target[w] as number;
        score[j] = single
          ? f32((score[j] as number) + (weight[w] as number))
          : (score[j] as number) + (weight[w] as number);
        has[j] = 1;
      }
    } else
      for (let t = 0; t < trees; t++) {
        const leaf = leafOf(f, roots[t] as number, xs, offset);
        for (let w = leafStart[leaf] as number; w < (leafStart[leaf + 1] as number); w++) {
          const j = target[w] as number;
          const v = weight[w] as number;
          switch (f.aggregate) {
            case 'SUM':
            case 'AVERAGE':
              score[j] = round((score[j] as number) + v);
              break;
            case 'MIN':
              if (!has[j] || v < (score[j] as number)) score[j] = v;
              break;
            case 'MAX':
              if (!has[j] || v > (score[j] as number)) score[j] = v;
              break;
          }
          has[j] = 1;
        }
      }
    for (let j = 0; j < k; j++) {
      let s = score[j] as number;
      if (f.aggregate === 'AVERAGE') s = round(s / trees);
      // Several targets: one no leaf reached answers 0, its base value not added (as onnxruntime does).
      score[j] = k > 1 && !has[j] ? 0 : round(s + (f.base[j] ?? 0));
    }
    const o = r * k;
    switch (f.transform) {
      case 'NONE':
        for (let j = 0; j < k; j++) out[o + j] = score[j] as number;
        break;
      case 'LOGISTIC':
        for (let j = 0; j < k; j++) {
          const s = score[j] as number;
          const v = round(1 / round(1 + round(Math.exp(-Math.abs(s)))));
          out[o + j] = s < 0 ? round(1 - v) : v;
        }
        break;
      case 'SOFTMAX': {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < k; j++) if ((score[j] as number) > max) max = score[j] as number;
        let sum = 0;
        for (let j = 0; j < k; j++) {
          score[j] = round(Math.exp(round((score[j] as number) - max)));
          sum = round(sum + (score[j] as number));
        }
        for (let j = 0; j < k; j++) out[o + j] = (score[j] as number) / sum;
        break;
      }
    }
  }
  return tensor(outType, [rows, k], out);
}

function aggregateOf(name: string, what: string): Aggregate {
  if (name === 'SUM' || name === 'AVERAGE' || name === 'MIN' || name === 'MAX') return name;
  throw new Unsupported(`${what}: aggregate_function ${name}`);
}

function transformOf(name: string, what: string): Transform {
  if (name === 'NONE' || name === 'LOGISTIC' || name === 'SOFTMAX') return name;
  throw new Unsupported(`${what}: post_transform ${name}`);
}

function sameLength(
  what: string,
  n: number,
  ...lists: (readonly unknown[] | ArrayLike<unknown> | undefined)[]
): void {
  for (const l of lists)
    if (!l || l.length !== n) throw new Unsupported(`${what}: attribute lists of different lengths`);
}

function valuesOf(ctx: NodeContext, name: string): number[] | undefined {
  const plain = ctx.floats(name);
  const t = ctx.tensor(`${name}_as_tensor`);
  if (plain && t) throw new Unsupported(`${ctx.what}: both ${name} and ${name}_as_tensor`);
  if (t && !isFloat(t.type)) throw new Unsupported(`${ctx.what}: ${name}_as_tensor of type ${t.type}`);
  return t ? Array.from(t.data as Float64Array) : plain;
}

/** TreeEnsembleRegressor (ai.onnx.ml 1-3): nodes by (tree id, node id), the leaves' targets listed apart. */
export const TREE_ENSEMBLE_REGRESSOR = (ctx: NodeContext): Kernel => {
  const what = ctx.what;
  const treeIds = ctx.ints('nodes_treeids') ?? [];
  const nodeIds = ctx.ints('nodes_nodeids');
  const featureIds = ctx.ints('nodes_featureids');
  const modes = ctx.strings('nodes_modes');
  const values = valuesOf(ctx, 'nodes_values');
  const trueIds = ctx.ints('nodes_truenodeids');
  const falseIds = ctx.ints('nodes_falsenodeids');
  const missing = ctx.ints('nodes_missing_value_tracks_true');
  ctx.floats('nodes_hitrates');
  ctx.tensor('nodes_hitrates_as_tensor');
  const targetTrees = ctx.ints('target_treeids') ?? [];
  const targetNodes = ctx.ints('target_nodeids');
  const targetIds = ctx.ints('target_ids');
  const weights = valuesOf(ctx, 'target_weights');
  const targets = ctx.int('n_targets', 1);
  const aggregate = aggregateOf(ctx.string('aggregate_function', 'SUM'), what);
  const transform = transformOf(ctx.string('post_transform', 'NONE'), what);
  const base = valuesOf(ctx, 'base_values') ?? [];
  const n = treeIds.length;
  sameLength(what, n, nodeIds, featureIds, modes, values, trueIds, falseIds);
  if (missing && missing.length > 0) sameLength(what, n, missing);
  sameLength(what, targetTrees.length, targetNodes, targetIds, weights);
  if (base.length !== 0 && base.length !== targets)
    throw new Unsupported(`${what}: ${base.length} base values for ${targets} targets`);
  if (transform !== 'NONE' && targets !== 1 && transform === 'LOGISTIC')
    throw new Unsupported(`${what}: LOGISTIC over several targets`);

  // Every node by (tree, node id); interior nodes and leaves numbered apart.
  const key = (t: number, id: number) => `${t}:${id}`;
  const index = new Map<string, number>();
  const interior: number[] = [];
  const leafOfNode = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = key(treeIds[i] as number, (nodeIds as number[])[i] as number);
    if (index.has(k)) throw new Unsupported(`${what}: node ${k} listed twice`);
    index.set(k, i);
    if ((modes as string[])[i] === 'LEAF') leafOfNode.set(k, leafOfNode.size);
    else {
      if (!Object.hasOwn(V3_MODES, (modes as string[])[i] as string))
        throw new Unsupported(`${what}: mode ${(modes as string[])[i]}`);
      interior.push(i);
    }
  }
  const interiorOf = new Map(interior.map((i, j) => [i, j]));
  const child = (t: number, id: number): number => {
    const k = key(t, id);
    const leaf = leafOfNode.get(k);
    if (leaf !== undefined) return -leaf - 1;
    const i = index.get(k);
    if (i === undefined) throw new Unsupported(`${what}: a branch to node ${k}, which is not listed`);
    return interiorOf.get(i) as number;
  };
  const m = interior.length;
  const f: Forest = {
    roots: new Int32Array(0),
    feature: new Int32Array(m),
    threshold: new Float64Array(m),
    mode: new Uint8Array(m),
    missingTrue: new Uint8Array(m),
    yes: new Int32Array(m),
    no: new Int32Array(m),
    memberStart: new Int32Array(m + 1),
    members: new Float64Array(0),
    leafStart: new Int32Array(leafOfNode.size + 1),
    target: new Int32Array(targetTrees.length),
    weight: new Float64Array(targetTrees.length),
    targets,
    aggregate,
    transform,
    base: Float64Array.from(base),
  };
  interior.forEach((i, j) => {
    const t = treeIds[i] as number;
    f.feature[j] = (featureIds as number[])[i] as number;
    f.threshold[j] = (values as number[])[i] as number;
    f.mode[j] = V3_MODES[(modes as string[])[i] as string] as number;
    f.missingTrue[j] = missing?.[i] ? 1 : 0;
    f.yes[j] = child(t, (trueIds as number[])[i] as number);
    f.no[j] = child(t, (falseIds as number[])[i] as number);
  });
  // Each leaf's weights, in the order the target lists give them.
  const byLeaf: [number, number][][] = Array.from({ length: leafOfNode.size }, () => []);
  for (let w = 0; w < targetTrees.length; w++) {
    const leaf = leafOfNode.get(key(targetTrees[w] as number, (targetNodes as number[])[w] as number));
    if (leaf === undefined) throw new Unsupported(`${what}: a target weight on a node that is not a leaf`);
    const j = (targetIds as number[])[w] as number;
    if (!(j >= 0 && j < targets)) throw new Unsupported(`${what}: target id ${j} of ${targets}`);
    byLeaf[leaf]?.push([j, (weights as number[])[w] as number]);
  }
  let w = 0;
  byLeaf.forEach((list, leaf) => {
    f.leafStart[leaf] = w;
    for (const [j, v] of list) {
      f.target[w] = j;
      f.weight[w] = v;
      w++;
    }
  });
  f.leafStart[leafOfNode.size] = w;
  // onnxruntime roots a tree at the first node of each run of equal tree ids. Compiled only where
  // that is the tree's node 0 and each tree's nodes are one run, as every converter writes them.
  const roots: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const t = treeIds[i] as number;
    if (i > 0 && treeIds[i - 1] === t) continue;
    if (seen.has(t)) throw new Unsupported(`${what}: the nodes of tree ${t} are not listed together`);
    seen.add(t);
    if ((nodeIds as number[])[i] !== 0)
      throw new Unsupported(`${what}: tree ${t} does not start at its node 0`);
    roots.push(child(t, 0));
  }
  f.roots = Int32Array.from(roots);
  checkAcyclic(f, what);
  const shape = shapeOf(f);
  // For float input its numbers in float32, onnxruntime's threshold type then; made on the first such run.
  let float32: Forest | undefined;
  return ([x]) => {
    if (!x || !isFloat(x.type)) throw new CompiledRunError(`${what} takes float or double rows`);
    if (x.type !== DataType.FLOAT) return [evaluate(f, shape, x, DataType.FLOAT)];
    float32 ??= inFloat32(f);
    return [evaluate(float32, shape, x, DataType.FLOAT)];
  };
};

/** The forest with its thresholds, weights, base values and sets rounded to float32. */
function inFloat32(f: Forest): Forest {
  return {
    ...f,
    threshold: Float64Array.from(f.threshold, f32),
    weight: Float64Array.from(f.weight, f32),
    base: Float64Array.from(f.base, f32),
    members: Float64Array.from(f.members, f32),
  };
}

const V5_AGGREGATES: Aggregate[] = ['AVERAGE', 'SUM', 'MIN', 'MAX'];
const V5_TRANSFORMS: Record<number, Transform> = { 0: 'NONE', 1: 'SOFTMAX', 2: 'LOGISTIC' };

/** TreeEnsemble (ai.onnx.ml 5): interior nodes and leaves numbered apart, roots listed. */
export const TREE_ENSEMBLE = (ctx: NodeContext): Kernel => {
  const what = ctx.what;
  const aggregate = V5_AGGREGATES[ctx.int('aggregate_function', 1)];
  const transform = V5_TRANSFORMS[ctx.int('post_transform', 0)];
  const targets = ctx.int('n_targets');
  const roots = ctx.ints('tree_roots') ?? [];
  const modes = ctx.tensor('nodes_modes');
  const featureIds = ctx.ints('nodes_featureids');
  const splits = ctx.tensor('nodes_splits');
  const trueIds = ctx.ints('nodes_truenodeids');
  const trueLeafs = ctx.ints('nodes_trueleafs');
  const falseIds = ctx.ints('nodes_falsenodeids');
  const falseLeafs = ctx.ints('nodes_falseleafs');
  const missing = ctx.ints('nodes_missing_value_tracks_true');
  const membership = ctx.tensor('membership_values');
  ctx.tensor('nodes_hitrates');
  const leafTargets = ctx.ints('leaf_targetids');
  const leafWeights = ctx.tensor('leaf_weights');
  if (!aggregate) throw new Unsupported(`${what}: aggregate_function ${ctx.int('aggregate_function')}`);
  if (!transform) throw new Unsupported(`${what}: post_transform ${ctx.int('post_transform')}`);
  if (targets === undefined || !modes || !splits || !leafWeights)
    throw new Unsupported(`${what}: attributes missing`);
  const m = modes.data.length;
  const modeData = modes.data as Float64Array;
  sameLength(what, m, featureIds, splits.data as Float64Array, trueIds, trueLeafs, falseIds, falseLeafs);
  if (missing && missing.length > 0) sameLength(what, m, missing);
  const leaves = leafWeights.data.length;
  sameLength(what, leaves, leafTargets);
  if (transform !== 'NONE' && (targets === 1 || transform === 'LOGISTIC'))
    throw new Unsupported(`${what}: LOGISTIC over several targets`);
  const memberStart = new Int32Array(m + 1);
  const members: number[] = [];
  const sets = membership ? Array.from(membership.data as Float64Array) : [];
  let cursor = 0;
  for (let i = 0; i < m; i++) {
    memberStart[i] = members.length;
    if (modeData[i] === MEMBER) {
      // onnxruntime tests a set exactly only while it has under 31 values, each a whole number from 0
      // to 30 (larger ones it tests on the input truncated to int32): only those sets are compiled.
      const first = members.length;
      while (cursor < sets.length && !Number.isNaN(sets[cursor])) {
        const v = sets[cursor++] as number;
        if (!(Number.isInteger(v) && v >= 0 && v <= 30)) throw new Unsupported(`${what}: a set holding ${v}`);
        members.push(v);
      }
      if (members.length - first >= 31)
        throw new Unsupported(`${what}: a set of ${members.length - first} values`);
      if (cursor >= sets.length) throw new Unsupported(`${what}: membership_values end before its sets do`);
      cursor++;
    } else if (!((modeData[i] as number) >= LEQ && (modeData[i] as number) <= NEQ) || modeData[i] === EQ)
      throw new Unsupported(`${what}: mode ${modeData[i]}`);
  }
  memberStart[m] = members.length;
  const childOf = (id: number, leaf: number): number => {
    if (leaf) {
      if (!(id >= 0 && id < leaves)) throw new Unsupported(`${what}: leaf ${id} of ${leaves}`);
      return -id - 1;
    }
    if (!(id >= 0 && id < m)) throw new Unsupported(`${what}: node ${id} of ${m}`);
    return id;
  };
  const f: Forest = {
    roots: Int32Array.from(roots, (r) => childOf(r, 0)),
    feature: Int32Array.from(featureIds as number[]),
    threshold: Float64Array.from(splits.data as Float64Array),
    mode: Uint8Array.from(modeData),
    missingTrue: Uint8Array.from(missing && missing.length > 0 ? missing : new Array(m).fill(0), (v) =>
      v ? 1 : 0,
    ),
    yes: Int32Array.from(trueIds as number[], (id, i) => childOf(id, (trueLeafs as number[])[i] as number)),
    no: Int32Array.from(falseIds as number[], (id, i) => childOf(id, (falseLeafs as number[])[i] as number)),
    memberStart,
    members: Float64Array.from(members),
    leafStart: Int32Array.from({ length: leaves + 1 }, (_, i) => i),
    target: Int32Array.from(leafTargets as number[]),
    weight: Float64Array.from(leafWeights.data as Float64Array),
    targets,
    aggregate,
    transform,
    base: new Float64Array(0),
  };
  for (const j of f.target)
    if (!(j >= 0 && j < targets)) throw new Unsupported(`${what}: target id ${j} of ${targets}`);
  // A loop through interior nodes would never reach a leaf; onnxruntime refuses such a graph too.
  checkAcyclic(f, what);
  const shape = shapeOf(f);
  return ([x]) => {
    if (!x || !isFloat(x.type)) throw new CompiledRunError(`${what} takes float or double rows`);
    if (splits.type !== x.type || leafWeights.type !== x.type)
      throw new CompiledRunError(`${what}: its numbers are not of its input's type`);
    return [evaluate(f, shape, x, x.type)];
  };
};

/** Every path from a root ends at a leaf: no interior node is its own descendant. */
function checkAcyclic(f: Forest, what: string): void {
  // 0 unseen, 1 on the current path, 2 done.
  const state = new Uint8Array(f.feature.length);
  for (const root of f.roots) {
    if (root < 0 || state[root] === 2) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [n, step] = top;
      if (step === 2) {
        state[n] = 2;
        stack.pop();
        continue;
      }
      top[1] = step + 1;
      const c = (step === 0 ? f.yes[n] : f.no[n]) as number;
      if (c < 0 || state[c] === 2) continue;
      if (state[c] === 1) throw new Unsupported(`${what}: its nodes form a loop`);
      state[c] = 1;
      stack.push([c, 0]);
    }
  }
}
