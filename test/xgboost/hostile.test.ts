// Malformed and hostile XGBoost files: every one is a ModelImportError that says where, in bounded time
// and memory (truncated files, cycles and out-of-range children, huge counts, wrong types, deep nesting,
// garbage UBJSON markers), and the models modelgate does not convert are refused with the reason.
import { describe, expect, it } from 'vitest';
import { convertModelFile } from '../../src/cli/import.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { ModelImportError, UnsupportedModelError } from '../../src/sklearn/errors.js';
import { xgboostToOnnx } from '../../src/xgboost/convert.js';
import { parseXgboostJson, parseXgboostUbjson } from '../../src/xgboost/json.js';
import { parseUbjson } from '../../src/xgboost/ubjson.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A small valid model: 2 trees of depth 1 over 2 features, binary:logistic. */
function doc(): { [k: string]: Json } {
  const tree = (id: number, feature: number, cond: number) => ({
    id,
    tree_param: { num_nodes: '3', num_deleted: '0', num_feature: '2', size_leaf_vector: '1' },
    left_children: [1, -1, -1],
    right_children: [2, -1, -1],
    parents: [2147483647, 0, 0],
    split_indices: [feature, 0, 0],
    split_conditions: [cond, -0.25, 0.5],
    default_left: [1, 0, 0],
    split_type: [0, 0, 0],
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    base_weights: [0, -0.25, 0.5],
    loss_changes: [1, 0, 0],
    sum_hessian: [10, 5, 5],
  });
  return {
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: '2' },
          iteration_indptr: [0, 1, 2],
          tree_info: [0, 0],
          trees: [tree(0, 0, 0.5), tree(1, 1, -1)],
        },
      },
      learner_model_param: {
        base_score: '[5E-1]',
        boost_from_average: '1',
        num_class: '0',
        num_feature: '2',
        num_target: '1',
      },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [3, 1, 0],
  };
}

/** UBJSON as XGBoost writes it: number arrays typed (f32 unless every entry is an integer: i32). */
function ubjson(v: Json): Uint8Array {
  const out: number[] = [];
  const int64 = (n: number) => {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigInt64(0, BigInt(n));
    out.push(...new Uint8Array(b.buffer));
  };
  const str = (s: string) => {
    const bytes = new TextEncoder().encode(s);
    out.push(0x4c);
    int64(bytes.length);
    out.push(...bytes);
  };
  const put = (x: Json): void => {
    if (x === null) out.push(0x5a);
    else if (x === true) out.push(0x54);
    else if (x === false) out.push(0x46);
    else if (typeof x === 'string') {
      out.push(0x53);
      str(x);
    } else if (typeof x === 'number') {
      const b = new DataView(new ArrayBuffer(4));
      if (Number.isInteger(x)) {
        out.push(0x6c);
        b.setInt32(0, x);
      } else {
        out.push(0x64);
        b.setFloat32(0, x);
      }
      out.push(...new Uint8Array(b.buffer));
    } else if (Array.isArray(x)) {
      if (x.length > 0 && x.every((e) => typeof e === 'number')) {
        const ints = x.every((e) => Number.isInteger(e));
        out.push(0x5b, 0x24, ints ? 0x6c : 0x64, 0x23);
        out.push(0x4c);
        int64(x.length);
        for (const e of x as number[]) {
          const b = new DataView(new ArrayBuffer(4));
          if (ints) b.setInt32(0, e);
          else b.setFloat32(0, e);
          out.push(...new Uint8Array(b.buffer));
        }
      } else {
        out.push(0x5b, 0x23, 0x4c);
        int64(x.length);
        for (const e of x) put(e);
      }
    } else {
      out.push(0x7b);
      for (const [k, e] of Object.entries(x)) {
        str(k);
        put(e);
      }
      out.push(0x7d);
    }
  };
  put(v);
  return Uint8Array.from(out);
}

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const int64 = (n: bigint) => {
  const b = new DataView(new ArrayBuffer(8));
  b.setBigInt64(0, n);
  return [...new Uint8Array(b.buffer)];
};

/** The error reading a mutated model, from its JSON text and its UBJSON both. */
function errorsOf(mutate: (d: ReturnType<typeof doc>) => void): Error[] {
  const d = doc();
  mutate(d);
  const errors: Error[] = [];
  for (const read of [() => parseXgboostJson(JSON.stringify(d)), () => parseXgboostUbjson(ubjson(d))]) {
    try {
      const model = read();
      xgboostToOnnx(model, { name: 'm', source: 'm.json' });
      errors.push(new Error('no error'));
    } catch (err) {
      errors.push(err as Error);
    }
  }
  return errors;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into the document to break it
const tree0 = (d: any) => d.learner.gradient_booster.model.trees[0];
// biome-ignore lint/suspicious/noExplicitAny: as above
const learner = (d: any) => d.learner;

describe('the XGBoost readers on a valid model', () => {
  it('read the same model from its JSON and its UBJSON', () => {
    const a = parseXgboostJson(JSON.stringify(doc()));
    const b = parseXgboostUbjson(ubjson(doc()));
    expect(b.trees.map((t) => [...t.cond])).toEqual(a.trees.map((t) => [...t.cond]));
    expect(b.baseScore).toEqual([0.5]);
    expect(a.version).toBe('3.1.0');
    expect(() => xgboostToOnnx(a, { name: 'm', source: 'm.json' })).not.toThrow();
  });
});

describe('older and pruned layouts', () => {
  it('reads a model without iteration_indptr, with a scalar base_score and dart weights beside it', () => {
    const d = doc();
    const gb = learner(d).gradient_booster;
    delete gb.model.iteration_indptr;
    learner(d).learner_model_param.base_score = '5E-1';
    learner(d).gradient_booster = { name: 'dart', gbtree: gb, weight_drop: [0.5, 2] };
    const model = parseXgboostJson(JSON.stringify(d));
    expect(model.iterationIndptr).toEqual([0, 1, 2]);
    expect(model.baseScore).toEqual([0.5]);
    expect(model.treeWeights).toEqual([0.5, 2]);
    expect(model.booster).toBe('dart');
  });

  it('reads gblinear: a missing value adds nothing, the bias and base margin are added', async () => {
    const d = doc();
    learner(d).gradient_booster = { name: 'gblinear', model: { weights: [2, -1, 0.5], boosted_rounds: 3 } };
    learner(d).objective = { name: 'reg:squarederror' };
    const { model } = xgboostToOnnx(parseXgboostUbjson(ubjson(d)), { name: 'm', source: 'm.ubj' });
    const p = await Predictor.load(encodeModel(model));
    try {
      const out = await p.predict([
        [1, 1],
        [null, 3],
        [0.25, null],
      ]);
      // 0.5 (bias) + 0.5 (base_score) + 2 x0 - x1, a missing feature left out
      expect(Array.from(out.values ?? [])).toEqual([2, -2, 1.5]);
    } finally {
      await p.release();
    }
  });

  it('never reads the nodes a pruner deleted (unreached from the root)', () => {
    const d = doc();
    Object.assign(tree0(d), {
      tree_param: { num_nodes: '5', num_deleted: '2', num_feature: '2', size_leaf_vector: '1' },
      left_children: [1, -1, -1, 3, 3],
      right_children: [2, -1, -1, 4, 4],
      parents: [2147483647, 0, 0, 0, 0],
      split_indices: [0, 0, 0, 5, 5],
      split_conditions: [0.5, -0.25, 0.5, 0, 0],
      default_left: [1, 0, 0, 0, 0],
      split_type: [0, 0, 0, 0, 0],
      base_weights: [0, 0, 0, 0, 0],
      loss_changes: [0, 0, 0, 0, 0],
      sum_hessian: [0, 0, 0, 0, 0],
    });
    const { model } = xgboostToOnnx(parseXgboostJson(JSON.stringify(d)), { name: 'm', source: 'm.json' });
    const ensemble = model.graph.node.find((n) => n.opType === 'TreeEnsemble');
    const roots = ensemble?.attribute.find((a) => a.name === 'tree_roots');
    expect(roots?.ints?.map(Number)).toEqual([0, 1]);
  });
});

describe('malformed XGBoost models', () => {
  it.each<[string, (d: ReturnType<typeof doc>) => void, RegExp]>([
    [
      'a cycle',
      (d) => (tree0(d).left_children = [1, 0, -1]),
      /tree 0 has node 1 whose child 0 is not a node of it/,
    ],
    [
      'a shared node',
      (d) => {
        tree0(d).left_children = [1, 2, -1];
        tree0(d).right_children = [2, 2, -1];
      },
      /tree 0 has node 1 whose child 2|tree 0 reaches node 2 twice/,
    ],
    [
      'a child out of range',
      (d) => (tree0(d).right_children = [9, -1, -1]),
      /tree 0.right_children has entry 0 of 9/,
    ],
    [
      'a negative child',
      (d) => (tree0(d).right_children = [-5, -1, -1]),
      /tree 0.right_children has entry 0 of -5/,
    ],
    [
      'a feature out of range',
      (d) => (tree0(d).split_indices = [7, 0, 0]),
      /tree 0 splits node 0 on feature 7/,
    ],
    [
      'arrays of another length',
      (d) => (tree0(d).split_conditions = [0.5, 1]),
      /tree 0.split_conditions has 2 entries, not 3/,
    ],
    [
      'a huge num_nodes',
      (d) => (tree0(d).tree_param.num_nodes = '99999999999'),
      /tree 0.tree_param.num_nodes is "99999999999"/,
    ],
    [
      'a count of the wrong type',
      (d) => (tree0(d).tree_param.num_nodes = [3]),
      /tree 0.tree_param.num_nodes is \[3\]/,
    ],
    [
      'a string where numbers go',
      (d) => (tree0(d).left_children = 'abc'),
      /tree 0.left_children is not an array/,
    ],
    [
      'a tree that is not an object',
      (d) => (learner(d).gradient_booster.model.trees[1] = 7),
      /tree 1 is not an object/,
    ],
    [
      'a tree_info out of range',
      (d) => (learner(d).gradient_booster.model.tree_info = [0, 3]),
      /tree_info has entry 1 of 3/,
    ],
    [
      'an iteration_indptr that stops short',
      (d) => (learner(d).gradient_booster.model.iteration_indptr = [0, 1]),
      /iteration_indptr does not run from 0 to the 2 trees/,
    ],
    [
      'a base_score that is not a number',
      (d) => (learner(d).learner_model_param.base_score = '[abc]'),
      /base_score is "\[abc\]"/,
    ],
    [
      'a base_score outside [0, 1]',
      (d) => (learner(d).learner_model_param.base_score = '2'),
      /base_score is 2, outside \[0, 1\]/,
    ],
    [
      'no learner_model_param',
      (d) => delete learner(d).learner_model_param,
      /learner has no "learner_model_param"/,
    ],
    [
      'a huge num_feature',
      (d) => (learner(d).learner_model_param.num_feature = '4294967296'),
      /num_feature is "4294967296"/,
    ],
    [
      'a NaN leaf',
      (d) => (tree0(d).split_conditions = [0.5, 'x', 1]),
      /split_conditions has entry 1 that is not a number/,
    ],
    [
      'a category out of range',
      (d) => {
        Object.assign(tree0(d), {
          split_type: [1, 0, 0],
          categories: [16777216],
          categories_nodes: [0],
          categories_segments: [0],
          categories_sizes: [1],
        });
      },
      /tree 0.categories has entry 0 of 16777216/,
    ],
    [
      'categories past the list',
      (d) => {
        Object.assign(tree0(d), {
          split_type: [1, 0, 0],
          categories: [1, 2],
          categories_nodes: [0],
          categories_segments: [1],
          categories_sizes: [2],
        });
      },
      /places node 0's categories past the list's end/,
    ],
    [
      'a categorical split without categories',
      (d) => (tree0(d).split_type = [1, 0, 0]),
      /tree 0.split_type makes node 0 categorical without categories/,
    ],
    [
      'weights past the trees',
      (d) => {
        learner(d).gradient_booster = {
          name: 'dart',
          gbtree: learner(d).gradient_booster,
          weight_drop: [1, 1, 1],
        };
      },
      /weight_drop has 3 weights for 2 trees/,
    ],
    [
      'gblinear weights of the wrong count',
      (d) => (learner(d).gradient_booster = { name: 'gblinear', model: { weights: [1, 2, 3, 4] } }),
      /gradient_booster.model.weights has 4 entries, not 3/,
    ],
    [
      'no trees at all',
      (d) => {
        const m = learner(d).gradient_booster.model;
        m.trees = [];
        m.tree_info = [];
        m.iteration_indptr = [0];
      },
      /the XGBoost model has no trees/,
    ],
  ])('%s is a clear error', (_, mutate, message) => {
    for (const err of errorsOf(mutate)) {
      expect(err).toBeInstanceOf(ModelImportError);
      expect(err.message).toMatch(message);
    }
  });

  it.each<[string, (d: ReturnType<typeof doc>) => void, RegExp]>([
    [
      'an unknown booster',
      (d) => (learner(d).gradient_booster = { name: 'gbforest', model: {} }),
      /an XGBoost model of booster "gbforest"/,
    ],
    [
      'a ranking objective',
      (d) => (learner(d).objective = { name: 'rank:ndcg' }),
      /ranking model \(objective rank:ndcg/,
    ],
    [
      'several quantiles',
      (d) => {
        learner(d).objective = { name: 'reg:quantileerror' };
        learner(d).learner_model_param.num_target = '2';
      },
      /reg:quantileerror model of 2 quantiles/,
    ],
    ['vector leaves', (d) => (tree0(d).tree_param.size_leaf_vector = '2'), /multi-output trees/],
    ['a custom objective', (d) => (learner(d).objective = { name: 'my:own' }), /objective "my:own"/],
  ])('%s is refused with the reason', (_, mutate, message) => {
    for (const err of errorsOf(mutate)) {
      expect(err).toBeInstanceOf(UnsupportedModelError);
      expect(err.message).toMatch(message);
    }
  });
});

describe('hostile UBJSON', () => {
  const valid = ubjson(doc());

  it('says where a truncated file ends, at every length, quickly', () => {
    const started = performance.now();
    for (let n = 0; n < valid.length; n += 1) {
      const cut = valid.subarray(0, n);
      expect(() => parseUbjson(cut), `cut at ${n}`).toThrow(ModelImportError);
    }
    expect(() => parseUbjson(valid.subarray(0, 40))).toThrow(/malformed at byte \d+: the file ends inside/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it.each<[string, Uint8Array, RegExp]>([
    [
      'a typed array of 2^40 floats',
      bytes('[$d#L', int64(2n ** 40n)),
      /at byte 5: a typed array's count is 1099511627776, more than the 0 bytes left/,
    ],
    [
      'a counted array of 2^62 values',
      bytes('[#L', int64(2n ** 62n)),
      /an array's count is 4611686018427387904/,
    ],
    ['a negative count', bytes('[$l#L', int64(-1n)), /a typed array's count is -1/],
    [
      'a string longer than the file',
      bytes('SL', int64(1000n), 'abc'),
      /the length of a string is 1000, more than the 3 bytes left/,
    ],
    ['a key without its length marker', bytes('{S'), /the length of a key should go on with "L", not "S"/],
    [
      'a garbage value marker',
      bytes('{L', int64(1n), 'k', '?'),
      /at byte 11: "\?" is not a UBJSON value marker/,
    ],
    ['a control byte', bytes([0x01]), /byte 0x01 is not a UBJSON value marker/],
    [
      'a typed array of an unknown type',
      bytes('[$q#L', int64(1n)),
      /"q" is not a typed array's element type/,
    ],
    ['a high-precision number', bytes('H'), /"H" is not a UBJSON value marker/],
    ['a key given twice', bytes('{L', int64(1n), 'a', 'TL', int64(1n), 'a', 'F}'), /has the key "a" twice/],
    ['bytes after the document', bytes('{}', 'xyz'), /the document ends before the file does/],
    ['an int64 beyond 2^53', bytes('L', int64(2n ** 60n)), /the integer 1152921504606846976 is beyond/],
  ])('%s is a clear error', (_, file, message) => {
    expect(() => parseUbjson(file)).toThrow(ModelImportError);
    expect(() => parseUbjson(file)).toThrow(message);
  });

  it('keeps a typed byte array to its own bytes when the file is a Node Buffer', () => {
    // Buffer.from of a small array lies in a shared pool: its slice() would be a view of all of it.
    const file = Buffer.from(bytes('[#L', int64(2n), '[$i#L', int64(2n), [1, 255], '[$U#L', int64(1n), [7]));
    const [signed, unsigned] = parseUbjson(file) as [Int8Array, Uint8Array];
    expect([...signed]).toEqual([1, -1]);
    expect([...unsigned]).toEqual([7]);
    expect(signed.buffer.byteLength).toBe(2);
  });

  it('refuses nesting deeper than 64 without exhausting the stack', () => {
    expect(() => parseUbjson(new Uint8Array(1_000_000).fill(0x5b))).toThrow(/nest deeper than 64/);
    expect(() => parseUbjson(bytes('{L', int64(1n), 'a', '{L', int64(1n), 'a', '['.repeat(70)))).toThrow(
      /nest deeper than 64/,
    );
  });

  it('says a document without a learner is not an XGBoost model', () => {
    expect(() => parseXgboostUbjson(ubjson({ Config: {}, Other: 1 }))).toThrow(/document has no "learner"/);
    expect(() => parseXgboostJson('[1, 2]')).toThrow(/the XGBoost model's file is not an object/);
  });
});

describe('hostile JSON', () => {
  it('says JSON that is not JSON is not, and deep nesting is an error, not a crash', () => {
    expect(() => parseXgboostJson('{"learner": ')).toThrow(/the XGBoost JSON model is not JSON/);
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(() => parseXgboostJson(deep)).toThrow(ModelImportError);
    const nested = `{"learner": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    expect(() => parseXgboostJson(nested)).toThrow(ModelImportError);
  });
});

describe('hostile pickles of XGBoost objects', () => {
  const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  /** A protocol 3 pickle of a Booster whose state is {'handle': <the bytes, or None>}. */
  const booster = (handle: Uint8Array | null) =>
    bytes(
      [0x80, 3],
      'cxgboost.core\nBooster\n)',
      [0x81],
      '}(X',
      le32(6),
      'handle',
      ...(handle ? ['B', le32(handle.length), [...handle]] : ['N']),
      'ub.',
    );
  const convert = (file: Uint8Array) => convertModelFile(file, 'pickle', { name: 'm', source: 'm.pkl' });

  it('reads the serialised model a Booster keeps, as {"Config", "Model"}', async () => {
    const { card } = await convert(booster(ubjson({ Config: { learner: {} }, Model: doc() })));
    expect(card.provenance.source).toBe('xgboost');
    expect(card.provenance.estimator).toBe('xgboost Booster');
  });

  it.each<[string, Uint8Array, RegExp]>([
    [
      'garbage in the handle',
      booster(bytes('garbage')),
      /the XGBoost UBJSON model is malformed at byte 0: "g" is not a UBJSON value marker/,
    ],
    [
      'a truncated handle',
      booster(ubjson(doc()).subarray(0, 100)),
      /the XGBoost UBJSON model is malformed at byte \d+: the file ends inside/,
    ],
    ['no handle', booster(null), /the Booster holds no model \(its handle is not bytes\): was it fitted\?/],
    [
      'a snapshot without a model',
      booster(ubjson({ Config: {} })),
      /the file is not an XGBoost model: its document has no "learner"/,
    ],
    [
      'an XGBClassifier whose _Booster is a string',
      bytes(
        [0x80, 3],
        'cxgboost.sklearn\nXGBClassifier\n)',
        [0x81],
        '}(X',
        le32(8),
        '_BoosterX',
        le32(1),
        'xub.',
      ),
      /the XGBClassifier has no _Booster: it was not fitted/,
    ],
  ])('%s is a clear error', async (_, file, message) => {
    await expect(convert(file)).rejects.toThrow(ModelImportError);
    await expect(convert(file)).rejects.toThrow(message);
  });
});
