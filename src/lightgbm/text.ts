// LightGBM's text model format (Booster.save_model, model_to_string; LightGBM's gbdt_model_text.cpp and
// Tree::ToString write it): a header of key=value lines, one `Tree=<i>` block per tree, `end of trees`,
// then feature importances, the parameters and `pandas_categorical:<json>`. Read as data, each count
// bounded before anything is allocated in proportion to it; a malformed file names the line and key.
import { ModelImportError, UnsupportedModelError } from '../sklearn/errors.js';
import {
  CATEGORICAL_MASK,
  checkCount,
  checkModel,
  checkTree,
  DEFAULT_LEFT_MASK,
  type LgbModel,
  type LgbTree,
  MAX_CATEGORY,
  MAX_LEAVES,
  MAX_TOTAL_CATEGORIES,
  MAX_TOTAL_NODES,
  MAX_TREES,
  type MissingType,
} from './model.js';

/** The largest model text read (LightGBM's own files of 1,000,000 nodes are about 200 MB). */
export const MAX_TEXT_CHARS = 512 * 1024 * 1024;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

class Lines {
  readonly lines: string[];
  at = 0;
  constructor(text: string) {
    this.lines = text.split('\n');
  }
  /** The 1-based number of line i, for messages. */
  where(i: number): string {
    return `line ${i + 1}`;
  }
}

function parseNumber(text: string, where: string): number {
  if (NUMBER.test(text)) return Number(text);
  if (/^[+-]?inf(inity)?$/i.test(text))
    return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  throw new ModelImportError(
    `the LightGBM model's ${where} holds ${JSON.stringify(text.slice(0, 40))}, not a number`,
  );
}

function parseInteger(text: string, where: string): number {
  const n = INTEGER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new ModelImportError(
      `the LightGBM model's ${where} holds ${JSON.stringify(text.slice(0, 40))}, not an integer`,
    );
  return n;
}

/** A line's space-separated values, exactly `count` of them (count already bounded). */
function values(value: string | undefined, count: number, where: string): string[] {
  if (value === undefined) throw new ModelImportError(`the LightGBM model's ${where} is missing`);
  const items = count === 0 && value.trim() === '' ? [] : value.trim().split(/ +/);
  if (items.length !== count)
    throw new ModelImportError(
      `the LightGBM model's ${where} holds ${items.length} values, ${count} expected`,
    );
  return items;
}

function numbers(value: string | undefined, count: number, where: string): Float64Array {
  const out = new Float64Array(count);
  values(value, count, where).forEach((t, i) => {
    out[i] = parseNumber(t, where);
  });
  return out;
}

function integers(value: string | undefined, count: number, where: string): Int32Array {
  const out = new Int32Array(count);
  values(value, count, where).forEach((t, i) => {
    const n = parseInteger(t, where);
    if (n < -(2 ** 31) || n >= 2 ** 31)
      throw new ModelImportError(`the LightGBM model's ${where} holds ${n}, outside a 32-bit integer`);
    out[i] = n;
  });
  return out;
}

/** key=value lines from `from` up to a blank line; gives the map and where each key was. */
function block(lines: Lines, what: string): Map<string, { value: string; line: number }> {
  const found = new Map<string, { value: string; line: number }>();
  while (lines.at < lines.lines.length) {
    const raw = (lines.lines[lines.at] as string).replace(/\r$/, '');
    if (raw === '') break;
    const eq = raw.indexOf('=');
    const key = eq < 0 ? raw : raw.slice(0, eq);
    if (found.has(key))
      throw new ModelImportError(`the LightGBM model's ${what} sets ${key} twice (${lines.where(lines.at)})`);
    found.set(key, { value: eq < 0 ? '' : raw.slice(eq + 1), line: lines.at });
    lines.at++;
  }
  return found;
}

function missingType(decision: number): MissingType {
  const m = (decision >> 2) & 3;
  if (m === 0) return 'none';
  if (m === 1) return 'zero';
  if (m === 2) return 'nan';
  throw new ModelImportError(
    `a LightGBM split has decision_type ${decision}, whose missing type ${m} is unknown`,
  );
}

/** The categories a bitset holds (bit c of word c >> 5). */
function bitsetCategories(words: Int32Array, from: number, to: number, budget: Budget): number[] {
  const cats: number[] = [];
  for (let w = from; w < to; w++) {
    const word = (words[w] as number) >>> 0;
    if (word === 0) continue;
    for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) cats.push((w - from) * 32 + bit);
    // Bounded as it grows: a line of full words lists 32 categories per 11 characters.
    if (budget.categories + cats.length > MAX_TOTAL_CATEGORIES)
      throw new ModelImportError(
        `the LightGBM model's categorical splits list more than ${MAX_TOTAL_CATEGORIES} categories; modelgate reads up to that`,
      );
  }
  budget.categories += cats.length;
  return cats;
}

interface Budget {
  nodes: number;
  categories: number;
}

function parseTree(
  keys: Map<string, { value: string; line: number }>,
  index: number,
  budget: Budget,
): LgbTree {
  const name = `Tree=${index}`;
  const at = (key: string) => {
    const e = keys.get(key);
    return `${name} ${key}${e ? ` (line ${e.line + 1})` : ''}`;
  };
  const get = (key: string) => keys.get(key)?.value;
  const numLeaves = checkCount(
    at('num_leaves'),
    parseInteger(get('num_leaves') ?? '', at('num_leaves')),
    1,
    MAX_LEAVES,
  );
  budget.nodes += 2 * numLeaves - 1;
  if (budget.nodes > MAX_TOTAL_NODES)
    throw new ModelImportError(
      `the LightGBM model's trees hold more than ${MAX_TOTAL_NODES} nodes; modelgate reads up to that`,
    );
  if (get('is_linear') !== undefined && get('is_linear') !== '0')
    throw new UnsupportedModelError(
      'a LightGBM model with linear trees (linear_tree=True: each leaf is a linear model of the features, which TreeEnsemble leaves cannot hold)',
    );
  const leafValue = numbers(get('leaf_value'), numLeaves, at('leaf_value'));
  const n = numLeaves - 1;
  const tree: LgbTree = {
    numLeaves,
    splitFeature: new Int32Array(0),
    threshold: new Float64Array(0),
    defaultLeft: new Uint8Array(0),
    missing: [],
    leftChild: new Int32Array(0),
    rightChild: new Int32Array(0),
    leftCategories: [],
    leafValue,
  };
  if (n === 0) return tree;
  tree.splitFeature = integers(get('split_feature'), n, at('split_feature'));
  tree.threshold = numbers(get('threshold'), n, at('threshold'));
  const decision = integers(get('decision_type'), n, at('decision_type'));
  tree.leftChild = integers(get('left_child'), n, at('left_child'));
  tree.rightChild = integers(get('right_child'), n, at('right_child'));
  tree.defaultLeft = Uint8Array.from(decision, (d) => (d & DEFAULT_LEFT_MASK ? 1 : 0));
  tree.missing = Array.from(decision, (d) => {
    if (d < 0 || d > 15) throw new ModelImportError(`the LightGBM model's ${at('decision_type')} holds ${d}`);
    return missingType(d);
  });
  const numCat = checkCount(at('num_cat'), parseInteger(get('num_cat') ?? '0', at('num_cat')), 0, n);
  tree.leftCategories = new Array(n).fill(undefined);
  if (numCat > 0 || decision.some((d) => d & CATEGORICAL_MASK)) {
    const boundaries = integers(get('cat_boundaries'), numCat + 1, at('cat_boundaries'));
    const words = (get('cat_threshold') ?? '').trim();
    const count = words === '' ? 0 : words.split(/ +/).length;
    const bitsets = new Int32Array(count);
    values(get('cat_threshold'), count, at('cat_threshold')).forEach((t, i) => {
      const v = parseInteger(t, at('cat_threshold'));
      if (v < 0 || v >= 2 ** 32)
        throw new ModelImportError(
          `the LightGBM model's ${at('cat_threshold')} holds ${v}, not a 32-bit word`,
        );
      bitsets[i] = v | 0;
    });
    if (boundaries[0] !== 0 || boundaries[numCat] !== count)
      throw new ModelImportError(
        `the LightGBM model's ${at('cat_boundaries')} do not span its ${count} cat_threshold words`,
      );
    for (let c = 0; c < numCat; c++)
      if ((boundaries[c] as number) > (boundaries[c + 1] as number))
        throw new ModelImportError(`the LightGBM model's ${at('cat_boundaries')} decrease`);
    for (let node = 0; node < n; node++) {
      if (!((decision[node] as number) & CATEGORICAL_MASK)) continue;
      const t = tree.threshold[node] as number;
      if (!Number.isInteger(t) || t < 0 || t >= numCat)
        throw new ModelImportError(
          `the LightGBM model's ${at('threshold')} names bitset ${t} for node ${node}, but the tree has ${numCat}`,
        );
      const from = boundaries[t] as number;
      const to = boundaries[t + 1] as number;
      if ((to - from) * 32 > MAX_CATEGORY + 1)
        throw new ModelImportError(
          `the LightGBM model's ${at('cat_threshold')} holds a bitset past 2^31 categories`,
        );
      tree.leftCategories[node] = bitsetCategories(bitsets, from, to, budget);
    }
  }
  return tree;
}

/** The `pandas_categorical:` line's JSON, or null; a list of lists of categories. */
function pandasCategorical(text: string | undefined): unknown[][] | null {
  if (text === undefined) return null;
  const body = text.trim();
  if (body === '' || body === 'null') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ModelImportError("the LightGBM model's pandas_categorical is not JSON");
  }
  if (!Array.isArray(parsed) || !parsed.every((c) => Array.isArray(c)))
    throw new ModelImportError("the LightGBM model's pandas_categorical is not a list of category lists");
  return parsed as unknown[][];
}

/** Reads a model text (what save_model writes, or a pickle's Booster handle). */
export function parseModelText(text: string): LgbModel {
  if (text.length > MAX_TEXT_CHARS)
    throw new ModelImportError(
      `the LightGBM model text is ${text.length} characters; modelgate reads up to ${MAX_TEXT_CHARS}`,
    );
  const lines = new Lines(text);
  const first = (lines.lines[0] ?? '').replace(/\r$/, '');
  if (first !== 'tree')
    throw new ModelImportError(
      `the file does not start like a LightGBM model text (line 1 is ${JSON.stringify(first.slice(0, 40))}, not "tree")`,
    );
  const header = block(lines, 'header');
  const head = (key: string) => header.get(key)?.value;
  const hat = (key: string) => {
    const line = header.get(key)?.line;
    return line === undefined ? key : `${key} (line ${line + 1})`;
  };
  const int = (key: string, fallback?: number) => {
    const v = head(key);
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new ModelImportError(`the LightGBM model text has no ${key}= line in its header`);
    }
    return parseInteger(v, hat(key));
  };
  const version = head('version') ?? '';
  const numClass = checkCount(hat('num_class'), int('num_class'), 1, 100_000);
  const numTreePerIteration = checkCount(
    hat('num_tree_per_iteration'),
    int('num_tree_per_iteration', numClass),
    1,
    100_000,
  );
  const maxFeatureIdx = checkCount(hat('max_feature_idx'), int('max_feature_idx'), 0, 100_000 - 1);
  const [objective = '', ...params] = (head('objective') ?? '').trim().split(/ +/);
  const objectiveParams = new Map<string, string>();
  for (const p of params) {
    const colon = p.indexOf(':');
    objectiveParams.set(colon < 0 ? p : p.slice(0, colon), colon < 0 ? '' : p.slice(colon + 1));
  }
  const featureNames = values(head('feature_names'), maxFeatureIdx + 1, hat('feature_names'));
  // A categorical feature's info lists the categories it saw (0:1:3), a numeric one its range ([lo:hi]).
  const infos = head('feature_infos');
  const categoricalFeatures =
    infos === undefined
      ? undefined
      : values(infos, maxFeatureIdx + 1, hat('feature_infos')).flatMap((info, i) =>
          info.startsWith('[') || info === 'none' ? [] : [i],
        );

  const trees: LgbTree[] = [];
  const budget: Budget = { nodes: 0, categories: 0 };
  let ended = false;
  while (lines.at < lines.lines.length) {
    const line = (lines.lines[lines.at] as string).replace(/\r$/, '');
    if (line === '') {
      lines.at++;
      continue;
    }
    if (line === 'end of trees') {
      ended = true;
      lines.at++;
      break;
    }
    const m = /^Tree=(\d+)$/.exec(line);
    if (!m)
      throw new ModelImportError(
        `the LightGBM model text has ${JSON.stringify(line.slice(0, 40))} at ${lines.where(lines.at)}, where a Tree= block or "end of trees" belongs`,
      );
    if (Number(m[1]) !== trees.length)
      throw new ModelImportError(
        `the LightGBM model text has ${line} at ${lines.where(lines.at)}, where Tree=${trees.length} belongs`,
      );
    if (trees.length >= MAX_TREES)
      throw new ModelImportError(
        `the LightGBM model holds more than ${MAX_TREES} trees; modelgate reads up to that`,
      );
    lines.at++;
    const keys = block(lines, line);
    const tree = parseTree(keys, trees.length, budget);
    checkTree(tree, trees.length, maxFeatureIdx);
    trees.push(tree);
  }
  if (!ended)
    throw new ModelImportError(
      'the LightGBM model text ends before its "end of trees" line (a truncated file?)',
    );
  let pandas: string | undefined;
  let linear = false;
  let categoricalParameter: number[] | undefined;
  for (let i = lines.at; i < lines.lines.length; i++) {
    const line = (lines.lines[i] as string).replace(/\r$/, '');
    if (line.startsWith('pandas_categorical:')) pandas = line.slice('pandas_categorical:'.length);
    else if (line === '[linear_tree: 1]') linear = true;
    else if (/^\[categorical_feature: \d+(,\d+)*\]$/.test(line))
      categoricalParameter = line.slice('[categorical_feature: '.length, -1).split(',').map(Number);
  }
  if (linear)
    throw new UnsupportedModelError(
      'a LightGBM model with linear trees (linear_tree=True: each leaf is a linear model of the features, which TreeEnsemble leaves cannot hold)',
    );
  const model: LgbModel = {
    format: 'text',
    version,
    numClass,
    numTreePerIteration,
    maxFeatureIdx,
    objective,
    objectiveParams,
    averageOutput: header.has('average_output'),
    featureNames,
    trees,
    pandasCategorical: pandasCategorical(pandas),
    ...(categoricalFeatures ? { categoricalFeatures } : {}),
    ...(categoricalParameter ? { categoricalParameter } : {}),
  };
  checkModel(model);
  return model;
}
