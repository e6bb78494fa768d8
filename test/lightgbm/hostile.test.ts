// Malformed and hostile LightGBM files: each is refused with a ModelImportError that names the key or
// line, quickly and without allocating in proportion to a count the file declares; never a TypeError, a
// RangeError, a hang or a heap. Also the card and graph details the parity cases do not show.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/cli/detect.js';
import { convertModelFile } from '../../src/cli/import.js';
import { parseModelJson } from '../../src/lightgbm/json.js';
import { lightgbmFromPickle } from '../../src/lightgbm/pickle.js';
import { parseModelText } from '../../src/lightgbm/text.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { ModelImportError, UnsupportedModelError } from '../../src/sklearn/errors.js';
import { readModelFile } from '../../src/sklearn/joblib.js';
import { PyDict, PyGlobal, PyObject } from '../../src/sklearn/values.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/lightgbm/', import.meta.url));
const text = (name: string) => readFileSync(`${FIXTURES}${name}.txt`, 'utf8');
const BINARY = text('binary');

/** The error a text model gives, checked to be a ModelImportError with a message. */
function textError(model: string): ModelImportError {
  const started = performance.now();
  try {
    parseModelText(model);
  } catch (err) {
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ModelImportError);
    return err as ModelImportError;
  }
  throw new Error('the model was read');
}

function jsonError(model: unknown): ModelImportError {
  try {
    parseModelJson(typeof model === 'string' ? model : JSON.stringify(model));
  } catch (err) {
    expect(err).toBeInstanceOf(ModelImportError);
    return err as ModelImportError;
  }
  throw new Error('the dump was read');
}

/** The binary model with one line of Tree=0 replaced. */
const tree0 = (key: string, value: string) =>
  BINARY.replace(new RegExp(`(Tree=0\\n(?:.*\\n)*?)${key}=.*\\n`), `$1${key}=${value}\n`);

describe('a malformed LightGBM text model is refused, naming where', () => {
  it.each([
    [
      'truncated in a tree',
      BINARY.slice(0, BINARY.indexOf('Tree=2') + 40),
      /Tree=2 .*is missing|holds \d+ values/,
    ],
    [
      'truncated before "end of trees"',
      BINARY.slice(0, BINARY.indexOf('end of trees')),
      /ends before its "end of trees"/,
    ],
    [
      'a negative child past the leaves',
      tree0('left_child', '2 -9 -1 -4'),
      /tree 0 has node 1 whose child -9 is not a leaf/,
    ],
    [
      'a child past the nodes',
      tree0('right_child', '1 -3 7 -5'),
      /tree 0 has node 2 whose child 7 is not a node/,
    ],
    ['a child cycle', tree0('right_child', '1 -3 0 -5'), /tree 0 reaches node 0 twice/],
    ['a leaf reached twice', tree0('right_child', '1 -2 3 -5'), /tree 0 reaches leaf 1 twice/],
    [
      'huge num_leaves',
      tree0('num_leaves', '1000000000'),
      /Tree=0 num_leaves .*is 1000000000; modelgate reads 1 to 131072/,
    ],
    ['negative num_leaves', tree0('num_leaves', '-3'), /num_leaves .*is -3/],
    [
      'num_leaves that the arrays do not hold',
      tree0('num_leaves', '100000'),
      /Tree=0 leaf_value \(line \d+\) holds 5 values, 100000 expected/,
    ],
    ['a NaN threshold', tree0('threshold', '0.03 nan 0.2 -0.4'), /tree 0 has node 1 with a NaN threshold/],
    [
      'a word for a threshold',
      tree0('threshold', '0.03 zero 0.2 -0.4'),
      /threshold \(line \d+\) holds "zero", not a number/,
    ],
    [
      'a feature out of range',
      tree0('split_feature', '0 1 9 0'),
      /tree 0 splits node 2 on feature 9, but the model has 4/,
    ],
    [
      'an unknown missing type',
      tree0('decision_type', '2 14 2 2'),
      /decision_type 14, whose missing type 3 is unknown/,
    ],
    ['a categorical split without bitsets', tree0('decision_type', '3 2 2 2'), /cat_boundaries .*is missing/],
    [
      'a bitset index out of range',
      tree0('decision_type', '1 2 2 2').replace(
        'num_cat=0',
        'num_cat=1\ncat_boundaries=0 1\ncat_threshold=6',
      ),
      /threshold \(line \d+\) names bitset 0\.03\d+ for node 0, but the tree has 1/,
    ],
    [
      'huge max_feature_idx',
      BINARY.replace('max_feature_idx=3', 'max_feature_idx=99999999'),
      /max_feature_idx .*is 99999999/,
    ],
    [
      'feature names that do not match',
      BINARY.replace('max_feature_idx=3', 'max_feature_idx=5'),
      /feature_names .*holds 4 values, 6 expected/,
    ],
    [
      'trees out of order',
      BINARY.replace('Tree=1\n', 'Tree=7\n'),
      /Tree=7 at line \d+, where Tree=1 belongs/,
    ],
    [
      'garbage between trees',
      BINARY.replace('Tree=1\n', 'rm -rf /\n'),
      /"rm -rf \/" at line \d+, where a Tree= block/,
    ],
    [
      'a header key twice',
      BINARY.replace('num_class=1\n', 'num_class=1\nnum_class=3\n'),
      /header sets num_class twice/,
    ],
    ['no header', 'tree\n\nTree=0\n', /no num_class= line/],
    [
      'no feature names',
      BINARY.replace(/^feature_names=.*\n/m, ''),
      /the LightGBM model's feature_names is missing$/,
    ],
    ['a non-text start', 'xyz\nversion=v4\n', /does not start like a LightGBM model text/],
    [
      'pandas_categorical that is not JSON',
      BINARY.replace('pandas_categorical:null', 'pandas_categorical:[[1,'),
      /pandas_categorical is not JSON/,
    ],
  ])('%s', (_, model, message) => {
    expect(textError(model).message).toMatch(message);
  });

  it('bounds a huge bitset line before it lists its categories', () => {
    // 32,000 full words: 1,024,000 categories, past the bound of 1,000,000.
    const words = Array.from({ length: 32_000 }, () => '4294967295').join(' ');
    const model = tree0('decision_type', '1 2 2 2').replace(
      'num_cat=0',
      `num_cat=1\ncat_boundaries=0 32000\ncat_threshold=${words}`,
    );
    const fixed = model.replace(/(Tree=0\n(?:.*\n)*?)threshold=.*\n/, '$1threshold=0 -0.7 0.2 -0.4\n');
    expect(textError(fixed).message).toMatch(/list more than 1000000 categories/);
  });

  it('refuses linear trees with one line saying why', () => {
    const err = textError(BINARY.replace(/is_linear=0/, 'is_linear=1'));
    expect(err).toBeInstanceOf(UnsupportedModelError);
    expect(err.message).toMatch(/^a LightGBM model with linear trees \(linear_tree=True: .*\)$/);
    expect(textError(text('linear-tree')).message).toMatch(/linear trees/);
  });
});

describe('a malformed LightGBM dump is refused', () => {
  const dump = JSON.parse(readFileSync(`${FIXTURES}binary.json`, 'utf8'));
  const withRoot = (root: unknown, numLeaves = 5) => ({
    ...dump,
    tree_info: [{ ...dump.tree_info[0], num_leaves: numLeaves, tree_structure: root }],
  });
  const leaf = (i: number) => ({ leaf_index: i, leaf_value: 0.5 });
  const split = (i: number, l: unknown, r: unknown, extra = {}) => ({
    split_index: i,
    split_feature: 0,
    threshold: 0.5,
    decision_type: '<=',
    default_left: true,
    missing_type: 'None',
    left_child: l,
    right_child: r,
    ...extra,
  });

  it.each([
    ['not JSON', '{"tree_info": [', /not valid JSON/],
    ['no tree_info', { a: 1 }, /has no tree_info list/],
    [
      'a split index twice',
      withRoot(split(0, split(0, leaf(0), leaf(1)), leaf(2)), 3),
      /split_index 0 out of range or twice/,
    ],
    ['a leaf index twice', withRoot(split(0, leaf(0), leaf(0)), 2), /leaf_index 0 out of range or twice/],
    [
      'more nodes than num_leaves',
      withRoot(split(0, split(0, leaf(0), leaf(1)), leaf(2)), 2),
      /more nodes than its num_leaves 2|split_index 0 out of range or twice/,
    ],
    [
      'a leaf the root does not reach',
      withRoot(split(0, leaf(0), leaf(1)), 3),
      /node 1 that its root does not reach|leaf 2 that its root does not reach/,
    ],
    [
      'a NaN-like threshold',
      withRoot(split(0, leaf(0), leaf(1), { threshold: 'x' }), 2),
      /threshold that is not a number/,
    ],
    [
      'an unknown decision type',
      withRoot(split(0, leaf(0), leaf(1), { decision_type: '<' }), 2),
      /decision_type "<"/,
    ],
    [
      'a bad category list',
      withRoot(split(0, leaf(0), leaf(1), { decision_type: '==', threshold: '1||-2' }), 2),
      /lists "-2", not a category/,
    ],
    ['huge num_leaves', withRoot(leaf(0), 10 ** 9), /num_leaves is 1000000000/],
    [
      'a leaf without a value',
      withRoot(split(0, leaf(0), { leaf_index: 1 }), 2),
      /leaf without a numeric leaf_value/,
    ],
  ])('%s', (_, model, message) => {
    expect(jsonError(model).message).toMatch(message);
  });

  it('reads a deeply nested dump without recursing, and bounds it by num_leaves', () => {
    // Written out as text: JSON.stringify itself recurses.
    const depth = 50_000; // deeper than a recursive walk survives (about 10,000 frames)
    const open = (i: number) =>
      `{"split_index":${i},"split_feature":0,"threshold":0.5,"decision_type":"<=","default_left":true,"missing_type":"None","right_child":{"leaf_index":${i + 1},"leaf_value":1},"left_child":`;
    const nested = `${Array.from({ length: depth }, (_, i) => open(i)).join('')}{"leaf_index":0,"leaf_value":1}${'}'.repeat(depth)}`;
    const withLeaves = (n: number) =>
      JSON.stringify({ ...dump, tree_info: [] }).replace(
        '"tree_info":[]',
        `"tree_info":[{"tree_index":0,"num_leaves":${n},"num_cat":0,"shrinkage":1,"tree_structure":${nested}}]`,
      );
    const started = performance.now();
    // A valid chain of 50,000 splits is read whole; one num_leaves does not cover stops early.
    expect(parseModelJson(withLeaves(depth + 1)).trees[0]?.numLeaves).toBe(depth + 1);
    expect(jsonError(withLeaves(10)).message).toMatch(
      /more nodes than its num_leaves 10|split_index \d+ out of range/,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('LightGBM objects in a pickle', () => {
  const booster = (state: Record<string, unknown>) => {
    const obj = new PyObject(new PyGlobal('lightgbm.basic', 'Booster'), []);
    const d = new PyDict();
    for (const [k, v] of Object.entries(state)) d.map.set(k, v as never);
    obj.state = d;
    return obj;
  };

  it('refuses a Booster without its model text, or with a broken one', () => {
    expect(() => lightgbmFromPickle(booster({}))).toThrow(/holds no model text/);
    expect(() => lightgbmFromPickle(booster({ _handle: 'tree\nversion=v4\n' }))).toThrow(ModelImportError);
  });

  it('honours the best_iteration a pickled Booster keeps', () => {
    const found = lightgbmFromPickle(booster({ _handle: BINARY, best_iteration: 2 }));
    expect(found.iterations).toBe(2);
    expect(lightgbmFromPickle(booster({ _handle: BINARY, best_iteration: -1 })).iterations).toBeUndefined();
  });

  it('reads the committed early-stopped Booster with fewer iterations than it holds trees', async () => {
    const found = lightgbmFromPickle(readModelFile(readFileSync(`${FIXTURES}booster-early-stopping.pkl`)));
    expect(found.estimator).toBe('Booster');
    expect(found.iterations).toBeGreaterThan(0);
    expect(found.iterations as number).toBeLessThan(found.model.trees.length);
  });
});

describe('what the import writes', () => {
  it('types pandas categories as category features with their strings, unknown ones passed as missing', async () => {
    const bytes = readFileSync(`${FIXTURES}pandas-categorical.txt`);
    const { card, model } = await convertModelFile(bytes, detectFormat(bytes), { name: 'p', source: 'p' });
    expect(card.provenance.source).toBe('lightgbm');
    expect(card.features).toEqual([
      { name: 'size', type: 'number' },
      { name: 'colour', type: 'category', categories: ['blue', 'green', 'grey', 'red'], unknown: 'pass' },
      { name: 'weight', type: 'number' },
    ]);
    expect(card.missing).toBe('impute');
    const predictor = await Predictor.load(encodeModel(model));
    try {
      const out = await predictor.predict([
        { size: 0.5, colour: 'purple', weight: 0 },
        { size: 0.5, colour: null, weight: 0 },
      ]);
      // An unknown category and a missing one go the same way, as pandas' NaN code does in LightGBM.
      expect(out.probabilities?.[1]).toBe(out.probabilities?.[3]);
    } finally {
      await predictor.release();
    }
  });

  it('finds the pandas categorical features by the saved parameters, else by their infos, else leaves codes', async () => {
    const model = text('pandas-categorical');
    const colour = (m: string) => {
      const bytes = Buffer.from(m);
      return convertModelFile(bytes, 'lightgbm-text', { name: 'p', source: 'p' }).then(
        ({ card }) => card.features[1],
      );
    };
    // The infos of a column LightGBM found trivial say "none": the parameters still name it.
    const noInfo = model.replace(/^(feature_infos=\S+) \S+/m, '$1 none');
    expect((await colour(noInfo))?.type).toBe('category');
    const noParameter = model.replace(/^\[categorical_feature: 1\]$/m, '[categorical_feature: ]');
    expect((await colour(noParameter))?.type).toBe('category');
    const neither = noInfo.replace(/^\[categorical_feature: 1\]$/m, '[categorical_feature: ]');
    expect(await colour(neither)).toEqual({ name: 'colour', type: 'number' });
  });

  it('gives a text model the labels of --labels, and refuses them for a regressor or of the wrong count', async () => {
    const convert = (name: string, labels: string[]) =>
      convertModelFile(readFileSync(`${FIXTURES}${name}.txt`), 'lightgbm-text', {
        name,
        source: name,
        labels,
      });
    expect((await convert('multiclass', ['a', 'b', 'c'])).card.classes).toEqual(['a', 'b', 'c']);
    await expect(convert('multiclass', ['a', 'b'])).rejects.toThrow(
      /has 3 classes, but 2 class labels are given/,
    );
    await expect(convert('regression-huber', ['a', 'b'])).rejects.toThrow(/huber model is a regressor/);
  });

  it('refuses multiclassova and ranking with one line saying why', async () => {
    for (const [name, message] of [
      ['multiclassova', /^a LightGBM multiclassova model \(its predict_proba is one sigmoid per class/],
      ['lambdarank', /^a LightGBM ranking model \(objective lambdarank: /],
    ] as const) {
      const bytes = readFileSync(`${FIXTURES}${name}.txt`);
      await expect(convertModelFile(bytes, 'lightgbm-text', { name, source: name })).rejects.toThrow(message);
    }
  });

  it('imports a 500-tree model of 31 leaves a tree in well under a second', async () => {
    // LightGBM's default num_leaves, over the binary model's 4 features: 15,500 leaves, 15,000 splits.
    const leaves = 31;
    const splits = leaves - 1;
    const ids = (f: (n: number) => number) => Array.from({ length: splits }, (_, n) => f(n)).join(' ');
    const tree = (t: number) =>
      [
        `Tree=${t}`,
        `num_leaves=${leaves}`,
        'num_cat=0',
        `split_feature=${ids((n) => (n + t) % 4)}`,
        `threshold=${ids((n) => Math.sin(n * 7 + t))}`,
        `decision_type=${ids((n) => (n % 3 === 0 ? 10 : 2))}`,
        // A balanced tree: node n's children are nodes 2n+1 and 2n+2, or leaves past the last node.
        `left_child=${ids((n) => (2 * n + 1 < splits ? 2 * n + 1 : ~(2 * n + 1 - splits)))}`,
        `right_child=${ids((n) => (2 * n + 2 < splits ? 2 * n + 2 : ~(2 * n + 2 - splits)))}`,
        `leaf_value=${Array.from({ length: leaves }, (_, l) => Math.cos(l + t) / 10).join(' ')}`,
        'is_linear=0',
        'shrinkage=0.1',
        '',
        '',
      ].join('\n');
    const start = BINARY.indexOf('Tree=0');
    const end = BINARY.indexOf('end of trees');
    const big = `${BINARY.slice(0, start)}${Array.from({ length: 500 }, (_, t) => tree(t)).join('')}${BINARY.slice(end)}`;
    const started = performance.now();
    const { model } = await convertModelFile(Buffer.from(big), 'lightgbm-text', {
      name: 'big',
      source: 'big',
    });
    const bytes = encodeModel(model);
    expect(performance.now() - started).toBeLessThan(1000);
    const predictor = await Predictor.load(bytes);
    try {
      const out = await predictor.predict([[0.1, null, 0, -2]]);
      expect(out.probabilities?.length).toBe(2);
    } finally {
      await predictor.release();
    }
  });
});
