// LightGBM's split rules on hand-written one-split models, run through onnxruntime: what the graph
// answers for NaN, zeros, values within 1e-35 of zero, negative and fractional categories (tree.h's
// NumericalDecision and CategoricalDecision, and the predictor dropping |x| <= 1e-35 before the trees).
// The parity cases show the same against LightGBM itself; these pin each rule on its own, including
// onnxruntime's BRANCH_MEMBER with NaN and -0. Every expected answer here is what LightGBM 4.7 answers
// for the same model text (Booster(model_str=...).predict), checked when the test was written.
import { describe, expect, it } from 'vitest';
import { lightgbmToOnnx } from '../../src/lightgbm/convert.js';
import { parseModelText } from '../../src/lightgbm/text.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';

const LEFT = 1;
const RIGHT = -1;

/** A regression model of one tree: one split on feature 0, leaf 0 (LEFT) on the left. */
function oneSplit(decisionType: number, threshold: number | string, extra = ''): string {
  return [
    'tree',
    'version=v4',
    'num_class=1',
    'num_tree_per_iteration=1',
    'label_index=0',
    'max_feature_idx=1',
    'objective=regression',
    'feature_names=a b',
    'feature_infos=[-1:1] [-1:1]',
    '',
    'Tree=0',
    'num_leaves=2',
    `num_cat=${extra ? 1 : 0}`,
    'split_feature=0',
    `threshold=${threshold}`,
    `decision_type=${decisionType}`,
    'left_child=-1',
    'right_child=-2',
    `leaf_value=${LEFT} ${RIGHT}`,
    ...(extra ? [extra] : []),
    'is_linear=0',
    'shrinkage=1',
    '',
    'end of trees',
    '',
    'pandas_categorical:null',
    '',
  ].join('\n');
}

async function answers(model: string, xs: (number | null)[]): Promise<number[]> {
  const { model: onnx } = lightgbmToOnnx(parseModelText(model), { name: 't', source: 't' });
  const predictor = await Predictor.load(encodeModel(onnx));
  try {
    const out = await predictor.predict(xs.map((x) => [x, 0]));
    return Array.from(out.values ?? []);
  } finally {
    await predictor.release();
  }
}

// decision_type: bit 0 categorical, bit 1 default left, bits 2-3 missing type (0 None, 1 Zero, 2 NaN).
describe('numerical splits', () => {
  it('missing type None: NaN is 0.0, then x <= threshold goes left', async () => {
    expect(await answers(oneSplit(2, 0.5), [0.5, 0.6, null, 0, -3])).toEqual([LEFT, RIGHT, LEFT, LEFT, LEFT]);
    expect(await answers(oneSplit(0, -0.5), [null, -0.5, -0.4])).toEqual([RIGHT, LEFT, RIGHT]);
  });

  it('missing type NaN: NaN goes the default way; a 0 is a value', async () => {
    // 8: NaN, default right; 10: NaN, default left.
    expect(await answers(oneSplit(8, 0.5), [null, 0, 1])).toEqual([RIGHT, LEFT, RIGHT]);
    expect(await answers(oneSplit(10, -0.5), [null, 0, -1])).toEqual([LEFT, RIGHT, LEFT]);
  });

  it('missing type Zero: 0, |x| <= 1e-35 and NaN go the default way', async () => {
    // 4: Zero, default right; 6: Zero, default left.
    expect(await answers(oneSplit(4, 0.5), [0, 1e-36, -1e-36, null, 0.1, 1])).toEqual([
      RIGHT,
      RIGHT,
      RIGHT,
      RIGHT,
      LEFT,
      RIGHT,
    ]);
    expect(await answers(oneSplit(6, -0.5), [0, null, 1e-30, -1])).toEqual([LEFT, LEFT, RIGHT, LEFT]);
  });

  it('a value within 1e-35 of zero is 0.0 to every tree, as the predictor makes it', async () => {
    // Threshold -1e-35 (as LightGBM writes a split between negatives and zero): -1e-35 itself is 0.0.
    const t = -Math.fround(1e-35);
    expect(await answers(oneSplit(8, t), [t, -2e-35, 0, -1e-36])).toEqual([RIGHT, LEFT, RIGHT, RIGHT]);
  });
});

describe('categorical splits', () => {
  // Bitset word 5 = categories {0, 2} go left; missing type NaN (9) and None (1).
  const cats = (decision: number) => oneSplit(decision, 0, 'cat_boundaries=0 1\ncat_threshold=5');

  it.each([9, 1])('decision_type %i: the integer part in the set goes left, else right', async (d) => {
    expect(await answers(cats(d), [0, 2, 1, 3, 2.9, -0.5, -0, 0.99])).toEqual([
      LEFT,
      LEFT,
      RIGHT,
      RIGHT,
      LEFT,
      LEFT,
      LEFT,
      LEFT,
    ]);
  });

  it.each([9, 1])('decision_type %i: NaN, negative and huge values go right', async (d) => {
    expect(await answers(cats(d), [null, -1, -7.5, 1e10, 4294967296])).toEqual([
      RIGHT,
      RIGHT,
      RIGHT,
      RIGHT,
      RIGHT,
    ]);
  });

  it('a bitset past 32 categories (two words) reads its second word', async () => {
    const model = oneSplit(9, 0, `cat_boundaries=0 2\ncat_threshold=0 ${2 ** 31 + 1}`);
    expect(await answers(model, [32, 63, 33, 0])).toEqual([LEFT, LEFT, RIGHT, RIGHT]);
  });
});

describe('model texts', () => {
  const LONE = [
    'Tree=1',
    'num_leaves=1',
    'num_cat=0',
    'split_feature=',
    'split_gain=',
    'threshold=',
    'decision_type=',
    'left_child=',
    'right_child=',
    'leaf_value=0.25',
    'is_linear=0',
    'shrinkage=1',
    '',
    '',
    'end of trees',
  ].join('\n');
  const twoTrees = oneSplit(2, 0.5).replace('end of trees', LONE);

  it('adds a tree of one leaf to every row', async () => {
    expect(await answers(twoTrees, [0, 1])).toEqual([1.25, -0.75]);
  });

  it('reads Windows line ends as LightGBM does', async () => {
    expect(await answers(twoTrees.replaceAll('\n', '\r\n'), [0, 1])).toEqual([1.25, -0.75]);
  });
});
