// The model card: what modelgate knows about a model, as JSON in one ONNX metadata_props entry.
import { ModelCardError } from './errors.js';
import type { ModelProto, StringEntry } from './proto.js';

export const CARD_KEY = 'modelgate.card';
/**
 * The card format modelgate writes. 2 added typed features (category, boolean), a feature's source
 * column spelling and several graph inputs (io.inputs); a format 1 card (numbers only, one input)
 * still loads as it is.
 */
export const CARD_FORMAT = 2;
/** The formats modelgate reads. */
export type CardFormat = 1 | 2;

// Bounds on what a card may declare. Everything that serves a model sizes its work by the card (rows of
// features, columns of probabilities, the /metadata answer), so each is checked before it is used.
/** The most features a model may take (one input column each). */
export const MAX_FEATURES = 100_000;
/** The most classes a classifier may have. */
export const MAX_CLASSES = 100_000;
/** The longest string in a card: a name, a class, an estimator, a parameter. */
export const MAX_CARD_STRING = 4096;
/** The largest card, in characters of JSON (100,000 features of 100-character names fit). */
export const MAX_CARD_CHARS = 16 * 1024 * 1024;
/** The deepest a card's JSON may nest: a valid card is 3 levels deep (root, features, a feature). */
export const MAX_CARD_DEPTH = 16;
/** The most entries in provenance.params or training. */
const MAX_FIGURES = 1000;
/** The most values one feature's `values` may list (a categorical feature's categories). */
export const MAX_FEATURE_VALUES = 65_536;
/** The most `values` all features together may list: the sets a server builds from them stay small. */
export const MAX_CARD_VALUES = 1_000_000;

/**
 * What the model does: classification and regression (supervised), clustering (a cluster index per
 * row) and outlier detection (inlier or outlier per row, with a score).
 */
export type Task = 'classification' | 'regression' | 'clustering' | 'outlier-detection';
const TASKS: readonly Task[] = ['classification', 'regression', 'clustering', 'outlier-detection'];
export type ClassLabel = string | number | boolean;
export type ModelSource = 'modelgate-train' | 'sklearn' | 'lightgbm' | 'xgboost' | 'onnx';

export type MissingPolicy = 'impute' | 'reject';

/**
 * What a request sends for a feature: a number, one of a set of categories (strings), true/false, or
 * free text (any string, fed as is to a string input: a text vectorizer reads it; never missing).
 */
export type FeatureType = 'number' | 'category' | 'boolean' | 'text';

/**
 * What a category not in the card's list is: a request error naming the known ones ('reject'), a
 * missing value ('missing', for a feature fed as a code that may be missing), or passed to a graph
 * that handles it, as an encoder with handle_unknown does ('pass': a string input gets the text as
 * sent, a numeric input the code -1, which no category has).
 */
export type UnknownPolicy = 'reject' | 'missing' | 'pass';

export interface FeatureSpec {
  name: string;
  type: FeatureType;
  /**
   * number: the only numbers this feature takes (a OneHotEncoder that refuses categories it never saw
   * reads it): any other number is a request error. Finite and distinct; compared as sent.
   */
  values?: number[];
  /**
   * category: the categories it knows, as strings, in the order of their codes (a category fed to a
   * numeric input is fed as its index here). A request sends one of them, or a number whose text is one.
   */
  categories?: string[];
  /** category: what a category not in `categories` is (default 'reject'). */
  unknown?: UnknownPolicy;
  /** Whether this feature may be missing, where it differs from the card's `missing`. */
  missing?: MissingPolicy;
  /** The column's spelling in the data it came from (`Total Spend` for `total_spend`), also taken in requests. */
  column?: string;
  /**
   * number: the smallest number the model takes, where a step refuses smaller ones (scikit-learn raises:
   * a PowerTransformer(method='box-cox') on a number that is not positive), and why. A smaller number
   * is a 400 naming both; the graph would answer NaN there, which a later step could take as missing.
   */
  min?: { value: number; because: string };
  /** text: characters a request's text may not hold (the graph would read it otherwise than scikit-learn), and why. */
  refuses?: { characters: string; because: string };
}

/** Element types of the graph inputs modelgate feeds. */
export type InputType = 'float32' | 'float64' | 'string';

/** One graph input: a [rows, features.length] tensor holding these features' columns, in this order. */
export interface ModelInput {
  name: string;
  type: InputType;
  features: string[];
}

/** Which graph inputs and outputs carry what. */
export interface ModelIo {
  /** The one [rows, features] input, in card feature order (a card without `inputs`). */
  input?: string;
  inputType?: 'float32' | 'float64';
  /**
   * The graph's inputs, where there are several or one is not numeric (format 2): every feature is in
   * exactly one. Replaces `input` and `inputType`.
   */
  inputs?: ModelInput[];
  /**
   * Classification: the predicted label ([N]). Clustering: the cluster index (int64 [N]). Outlier
   * detection: 1 for an inlier, -1 for an outlier (int64 [N]), as scikit-learn's predict.
   */
  label?: string;
  /**
   * Classification: class probabilities ([N, classes]), in `classes` order. Clustering (a mixture): each
   * row's probability of every cluster ([N, clusters]).
   */
  probabilities?: string;
  /** Clustering: each row's distance to every cluster's center ([N, clusters]). */
  distances?: string;
  /** Outlier detection: the decision function ([N]); negative for an outlier. */
  score?: string;
  /**
   * Any task: a bool output ([N]) true for a row the model cannot vouch for its answer to (scikit-learn
   * breaks a tie there in a way the graph does not reproduce); a request holding one is a 400 saying
   * `refusedBecause`.
   */
  refused?: string;
  refusedBecause?: string;
  /**
   * Classification: per-class scores ([N, classes]) not known to be probabilities; served as `scores`,
   * never as `probability`. A card has `probabilities` or `scores`, not both.
   */
  scores?: string;
  /**
   * The label output is always the first class of highest probability (or score), so a runtime may
   * compute it from `probabilities` (or `scores`) instead of fetching it (true for modelgate's trained
   * models, and for a classifier without a label output).
   */
  labelIsArgmax?: boolean;
  /** Regression: the predicted value ([N] or [N, 1]; [N, targets] for a card with `targets`). */
  value?: string;
}

export interface ModelCard {
  format: CardFormat;
  name: string;
  /**
   * The model's version, as the serving protocols report it (and take in a path): letters, digits, '.',
   * '_' and '-'. Without one, a server reports the first 12 hex digits of the file's sha256.
   */
  version?: string;
  task: Task;
  /** Features in input order. */
  features: FeatureSpec[];
  target?: string;
  classes?: ClassLabel[];
  /** Clustering: how many clusters (their indices are 0 to clusters - 1). */
  clusters?: number;
  /** Regression with several targets: their names, in the order of io.value's columns. */
  targets?: string[];
  /**
   * 'impute': the graph takes missing values (fills them, or sends them down a tree's branch);
   * 'reject': a missing value is a request error. A feature's own `missing` overrides it.
   */
  missing: MissingPolicy;
  io: ModelIo;
  provenance: {
    source: ModelSource;
    tool: string;
    createdAt: string;
    estimator?: string;
    params?: Record<string, Figure>;
    data?: { uri: string; sha256: string; rows: number; columns: number };
  };
  /** Figures measured at training or import time: rows, accuracy, r2, seconds, ... */
  training?: Record<string, Figure>;
}

/** A value in provenance.params or training: a scalar (finite number, bounded string, boolean). */
export type Figure = number | string | boolean;

export function cardEntry(card: ModelCard): StringEntry {
  return { key: CARD_KEY, value: JSON.stringify(card) };
}

/** Returns the model with its card replaced (or added). */
export function withCard(model: ModelProto, card: ModelCard): ModelProto {
  return {
    ...model,
    metadataProps: [...model.metadataProps.filter((e) => e.key !== CARD_KEY), cardEntry(card)],
  };
}

/** The graph inputs the card feeds, in order: io.inputs, or the one input of every feature. */
export function graphInputs(card: Pick<ModelCard, 'io' | 'features'>): ModelInput[] {
  if (card.io.inputs) return card.io.inputs;
  return [
    {
      name: card.io.input as string,
      type: card.io.inputType as 'float32' | 'float64',
      features: card.features.map((f) => f.name),
    },
  ];
}

/**
 * The numbers a category feature takes besides its strings: those whose text, as JavaScript writes the
 * number, is one of its categories (a column of integer codes the model was fitted on). A category of
 * text only takes no number at all, whatever it does with an unknown string.
 */
export function numberCategories(categories: readonly string[]): number[] {
  return categories.map(Number).filter((x, i) => Number.isFinite(x) && String(x) === categories[i]);
}

/** Whether a request may leave this feature missing (null or absent). */
export function takesMissing(card: Pick<ModelCard, 'missing'>, feature: FeatureSpec): boolean {
  return (feature.missing ?? card.missing) === 'impute';
}

export function findCard(entries: readonly StringEntry[]): ModelCard {
  const found = entries.filter((e) => e.key === CARD_KEY);
  if (found.length === 0) {
    throw new ModelCardError(
      `the ONNX model has no modelgate model card (metadata key "${CARD_KEY}"); wrap it with \`modelgate pack\``,
    );
  }
  if (found.length > 1)
    throw new ModelCardError(
      `the ONNX model has ${found.length} model cards (metadata key "${CARD_KEY}"); one is allowed`,
    );
  const text = (found[0] as StringEntry).value;
  // Bounded before parsing: JSON.parse may survive a huge or deep text, but what later copies or
  // serializes the card (the /metadata answer, a structured clone) would not.
  if (text.length > MAX_CARD_CHARS)
    fail(`the model card is ${text.length} characters; at most ${MAX_CARD_CHARS} are read`);
  if (nestsDeeperThan(text, MAX_CARD_DEPTH))
    fail(`the model card's JSON is nested more than ${MAX_CARD_DEPTH} levels deep`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ModelCardError(`the model card (metadata key "${CARD_KEY}") is not valid JSON`, { cause });
  }
  return validateCard(parsed);
}

/** Whether JSON text opens more than `max` arrays and objects inside each other (strings skipped). */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function fail(what: string): never {
  throw new ModelCardError(`invalid model card: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string of bounded length, or a refusal naming the field. */
function text(v: unknown, field: string): string {
  if (typeof v !== 'string') fail(`"${field}" must be a string`);
  if (v.length > MAX_CARD_STRING) fail(`"${field}" is longer than ${MAX_CARD_STRING} characters`);
  return v;
}

function optionalText(v: unknown, field: string): string | undefined {
  return v === undefined ? undefined : text(v, field);
}

/** A graph input or output name: a non-empty bounded string. */
function graphName(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') fail(`"${field}" must name a graph value`);
  return text(v, field);
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`"${field}" must be a finite number`);
  return v;
}

/** provenance.params and training: a bounded record of scalars. */
function figures(v: unknown, field: string): Record<string, Figure> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) fail(`"${field}" must be an object`);
  const keys = Object.keys(v);
  if (keys.length > MAX_FIGURES) fail(`"${field}" has ${keys.length} entries; at most ${MAX_FIGURES}`);
  const out: Record<string, Figure> = {};
  for (const key of keys) {
    const name = `${field}.${text(key, `${field} key`)}`;
    const value = v[key];
    if (typeof value === 'number') out[key] = finite(value, name);
    else if (typeof value === 'string') out[key] = text(value, name);
    else if (typeof value === 'boolean') out[key] = value;
    else fail(`"${name}" must be a number, a string or a boolean`);
  }
  return out;
}

const FEATURE_TYPES: readonly FeatureType[] = ['number', 'category', 'boolean', 'text'];

function features(v: unknown, format: CardFormat): FeatureSpec[] {
  if (!Array.isArray(v) || v.length === 0) fail('"features" must be a non-empty array');
  if (v.length > MAX_FEATURES)
    fail(`the card lists ${v.length} features; modelgate serves at most ${MAX_FEATURES}`);
  // Names and source spellings share one namespace: a request key must name one feature only.
  const seen = new Set<string>();
  const claim = (key: string, what: 'name' | 'column') => {
    if (seen.has(key))
      fail(
        what === 'name'
          ? `feature "${key}" appears twice`
          : `the column ${JSON.stringify(key)} is another feature's name or column`,
      );
    seen.add(key);
  };
  let values = 0;
  return v.map((f, i) => {
    if (!isRecord(f) || typeof f.name !== 'string' || f.name === '') fail(`feature ${i} has no name`);
    const name = text(f.name, `features[${i}].name`);
    const type = f.type as FeatureType;
    if (!FEATURE_TYPES.includes(type) || (format === 1 && type !== 'number'))
      fail(
        `feature "${name}" has unsupported type ${JSON.stringify(f.type)}${format === 1 ? ' (a format 1 card has numbers only)' : ''}`,
      );
    claim(name, 'name');
    const spec: FeatureSpec = { name, type };
    if (f.values !== undefined) {
      if (type !== 'number') fail(`feature "${name}": "values" lists numbers, for a number feature`);
      spec.values = featureValues(f.values, name, MAX_CARD_VALUES - values);
      values += spec.values.length;
    }
    if (type === 'category') {
      spec.categories = featureCategories(f.categories, name, MAX_CARD_VALUES - values);
      values += spec.categories.length;
      if (f.unknown !== undefined) {
        if (f.unknown !== 'reject' && f.unknown !== 'missing' && f.unknown !== 'pass')
          fail(`feature "${name}": "unknown" must be "reject", "missing" or "pass"`);
        spec.unknown = f.unknown;
      }
    } else if (f.categories !== undefined || f.unknown !== undefined)
      fail(`feature "${name}": "categories" and "unknown" are for a category feature`);
    if (f.min !== undefined) {
      if (type !== 'number') fail(`feature "${name}": "min" is a number feature's`);
      const m = f.min;
      if (!isRecord(m) || typeof m.value !== 'number' || !Number.isFinite(m.value))
        fail(`feature "${name}": "min" must be {"value": a finite number, "because": why}`);
      spec.min = { value: m.value, because: text(m.because, `features[${i}].min.because`) };
    }
    if (f.refuses !== undefined) {
      if (type !== 'text') fail(`feature "${name}": "refuses" lists characters a text feature refuses`);
      const r = f.refuses;
      if (
        !isRecord(r) ||
        typeof r.characters !== 'string' ||
        r.characters === '' ||
        r.characters.length > 1000
      )
        fail(`feature "${name}": "refuses" must be {"characters": a non-empty string, "because": why}`);
      spec.refuses = {
        characters: r.characters,
        because: text(r.because, `features[${i}].refuses.because`),
      };
    }
    if (f.missing !== undefined) {
      if (f.missing !== 'impute' && f.missing !== 'reject')
        fail(`feature "${name}": "missing" must be "impute" or "reject"`);
      spec.missing = f.missing;
    }
    if (f.column !== undefined) {
      if (format === 1) fail(`feature "${name}": a format 1 card has no "column"`);
      const column = text(f.column, `features[${i}].column`);
      if (column !== name) {
        claim(column, 'column');
        spec.column = column;
      }
    }
    return spec;
  });
}

/** A category feature's `categories`: a non-empty array of distinct strings, bounded as `values` are. */
function featureCategories(v: unknown, name: string, room: number): string[] {
  if (!Array.isArray(v) || v.length === 0)
    fail(`feature "${name}": a category feature needs "categories", a non-empty array of strings`);
  if (v.length > MAX_FEATURE_VALUES)
    fail(`feature "${name}" lists ${v.length} categories; at most ${MAX_FEATURE_VALUES}`);
  if (v.length > room) fail(`the card's features list more than ${MAX_CARD_VALUES} values in all`);
  const seen = new Set<string>();
  for (const c of v) {
    if (typeof c !== 'string') fail(`feature "${name}": "categories" must be strings`);
    text(c, `feature "${name}" category`);
    if (seen.has(c)) fail(`feature "${name}": the category ${JSON.stringify(c)} appears twice`);
    seen.add(c);
  }
  return [...(v as string[])];
}

/** A feature's `values`: a non-empty array of distinct finite numbers, bounded per feature and in all. */
function featureValues(v: unknown, name: string, room: number): number[] {
  if (!Array.isArray(v) || v.length === 0) fail(`feature "${name}": "values" must be a non-empty array`);
  if (v.length > MAX_FEATURE_VALUES)
    fail(`feature "${name}" lists ${v.length} values; at most ${MAX_FEATURE_VALUES}`);
  if (v.length > room) fail(`the card's features list more than ${MAX_CARD_VALUES} values in all`);
  const seen = new Set<number>();
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isFinite(x))
      fail(`feature "${name}": "values" must be finite numbers`);
    // A Set compares as the request check does (SameValueZero: 0 and -0 are one value).
    if (seen.has(x)) fail(`feature "${name}": the value ${x} appears twice in "values"`);
    seen.add(x);
  }
  return [...(v as number[])];
}

/** A multi-output regressor's targets: at least two distinct names. */
function targetNames(v: unknown): string[] {
  if (!Array.isArray(v) || v.length < 2)
    fail('"targets" lists the names of a regressor\'s several targets: at least two');
  if (v.length > MAX_CLASSES)
    fail(`the card lists ${v.length} targets; modelgate serves at most ${MAX_CLASSES}`);
  const seen = new Set<string>();
  return v.map((t, i) => {
    const name = text(t, `targets[${i}]`);
    if (seen.has(name)) fail(`the target ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    return name;
  });
}

function classes(v: unknown): ClassLabel[] {
  if (!Array.isArray(v) || v.length < 2) fail('a classifier needs at least two "classes"');
  if (v.length > MAX_CLASSES)
    fail(`the card lists ${v.length} classes; modelgate serves at most ${MAX_CLASSES}`);
  const kind = typeof v[0];
  // Labels are matched by their text (a graph's int64 label 1 is the class 1): no two may read the same.
  const seen = new Set<string>();
  for (const c of v) {
    if (typeof c !== 'string' && typeof c !== 'number' && typeof c !== 'boolean')
      fail('"classes" must be strings, numbers or booleans');
    if (typeof c !== kind) fail('"classes" must be all strings, all numbers or all booleans');
    if (typeof c === 'number') finite(c, 'classes');
    else if (typeof c === 'string') text(c, 'classes');
    const key = String(c);
    if (seen.has(key)) fail(`class ${JSON.stringify(key)} appears twice`);
    seen.add(key);
  }
  return v as ClassLabel[];
}

function io(v: unknown, task: Task, feats: FeatureSpec[], format: CardFormat): ModelIo {
  if (!isRecord(v)) fail('"io" must be an object');
  const out: ModelIo = {};
  if (v.inputs !== undefined) {
    if (format === 1) fail('a format 1 card has one input: "io.inputs" is format 2');
    if (v.input !== undefined || v.inputType !== undefined)
      fail('"io.inputs" replaces "io.input" and "io.inputType": a card has one or the other');
    out.inputs = inputs(v.inputs, feats);
  } else {
    if (typeof v.input !== 'string' || v.input === '') fail('"io.input" must name the graph input');
    if (v.inputType !== 'float32' && v.inputType !== 'float64')
      fail('"io.inputType" must be float32 or float64');
    // One numeric input carries every feature: a category is fed as its code there.
    out.input = text(v.input, 'io.input');
    out.inputType = v.inputType;
  }
  if (v.labelIsArgmax !== undefined && typeof v.labelIsArgmax !== 'boolean')
    fail('"io.labelIsArgmax" must be true or false');
  const label = graphName(v.label, 'io.label');
  const probabilities = graphName(v.probabilities, 'io.probabilities');
  const scores = graphName(v.scores, 'io.scores');
  const value = graphName(v.value, 'io.value');
  const distances = graphName(v.distances, 'io.distances');
  const score = graphName(v.score, 'io.score');
  if (label !== undefined) out.label = label;
  if (probabilities !== undefined) out.probabilities = probabilities;
  if (scores !== undefined) out.scores = scores;
  if (v.labelIsArgmax !== undefined) out.labelIsArgmax = v.labelIsArgmax;
  if (value !== undefined) out.value = value;
  if (distances !== undefined) out.distances = distances;
  if (score !== undefined) out.score = score;
  const refused = graphName(v.refused, 'io.refused');
  if ((refused === undefined) !== (v.refusedBecause === undefined))
    fail('"io.refused" and "io.refusedBecause" go together: the output and why its rows are refused');
  if (refused !== undefined) {
    out.refused = refused;
    out.refusedBecause = text(v.refusedBecause, 'io.refusedBecause');
  }
  // What each task reads; an output another task reads would be a card that disagrees with itself.
  const allowed: Record<Task, readonly string[]> = {
    classification: ['label', 'probabilities', 'scores', 'labelIsArgmax'],
    regression: ['value'],
    clustering: ['label', 'distances', 'probabilities'],
    'outlier-detection': ['label', 'score'],
  };
  for (const key of ['label', 'probabilities', 'scores', 'labelIsArgmax', 'value', 'distances', 'score'])
    if (v[key] !== undefined && !allowed[task].includes(key))
      fail(
        `"io.${key}" is not an output of a ${task} model (it has ${allowed[task].map((k) => `"io.${k}"`).join(', ')})`,
      );
  if (task === 'clustering') {
    if (label === undefined) fail('a clusterer needs "io.label", the cluster of each row');
  } else if (task === 'outlier-detection') {
    if (label === undefined || score === undefined)
      fail('an outlier detector needs "io.label" (1 or -1) and "io.score"');
  } else if (task === 'classification') {
    if (label === undefined && probabilities === undefined && scores === undefined)
      fail('a classifier needs "io.label", "io.probabilities" or "io.scores"');
    if (probabilities !== undefined && scores !== undefined)
      fail('a classifier has both "io.probabilities" and "io.scores"; its output is one or the other');
  } else if (value === undefined) fail('a regressor needs "io.value"');
  return out;
}

/**
 * What each way of feeding a category allows: a string tensor has no missing value (and an unknown
 * category reaches it only as 'pass'); a code in a numeric input is -1 when an unknown one is passed,
 * and is missing when unknown only where the feature may be missing.
 */
function checkTypedFeeds(card: ModelCard): void {
  const inString = new Set(
    graphInputs(card).flatMap((input) => (input.type === 'string' ? input.features : [])),
  );
  for (const f of card.features) {
    if (f.type === 'text') {
      if (!inString.has(f.name))
        fail(`the text feature "${f.name}" is fed as a string: it goes in a string input of "io.inputs"`);
      if (takesMissing(card, f))
        fail(
          `the text feature "${f.name}" is fed as a string, which has no missing value: its "missing" must be "reject"`,
        );
      continue;
    }
    if (f.type !== 'category') continue;
    if (inString.has(f.name)) {
      if (takesMissing(card, f))
        fail(
          `the category "${f.name}" is fed as a string, which has no missing value: its "missing" must be "reject"`,
        );
      if (f.unknown === 'missing')
        fail(
          `the category "${f.name}" is fed as a string: an unknown one can be "reject"ed or "pass"ed, not made missing`,
        );
    } else {
      // An unknown category 'pass'ed to a numeric input is fed as the code -1.
      if (f.unknown === 'missing' && !takesMissing(card, f))
        fail(`the category "${f.name}" takes an unknown one as missing, but it may not be missing`);
    }
  }
}

const INPUT_TYPES: readonly InputType[] = ['float32', 'float64', 'string'];

/** io.inputs: distinct names, known types, and every feature in exactly one input, of a type that holds it. */
function inputs(v: unknown, feats: FeatureSpec[]): ModelInput[] {
  if (!Array.isArray(v) || v.length === 0) fail('"io.inputs" must be a non-empty array');
  if (v.length > feats.length) fail(`"io.inputs" lists ${v.length} inputs for ${feats.length} features`);
  const byName = new Map(feats.map((f) => [f.name, f]));
  const placed = new Set<string>();
  const names = new Set<string>();
  const out = v.map((input, i): ModelInput => {
    if (!isRecord(input)) fail(`io.inputs[${i}] must be an object`);
    const name = graphName(input.name, `io.inputs[${i}].name`);
    if (name === undefined) fail(`io.inputs[${i}] has no name`);
    if (names.has(name)) fail(`the input "${name}" appears twice in "io.inputs"`);
    names.add(name);
    const type = input.type as InputType;
    if (!INPUT_TYPES.includes(type))
      fail(
        `the input "${name}" has type ${JSON.stringify(input.type)}; modelgate feeds float32, float64 or string`,
      );
    if (!Array.isArray(input.features) || input.features.length === 0)
      fail(`the input "${name}" must list the features it holds`);
    const held = input.features.map((f) => {
      const spec = typeof f === 'string' ? byName.get(f) : undefined;
      if (!spec) fail(`the input "${name}" holds ${JSON.stringify(f)}, which is not a feature of the card`);
      if (placed.has(spec.name)) fail(`the feature "${spec.name}" is in more than one input`);
      placed.add(spec.name);
      if (type === 'string' && spec.type !== 'category' && spec.type !== 'text')
        fail(
          `the input "${name}" is a string tensor; the ${spec.type} feature "${spec.name}" goes in a numeric one`,
        );
      return spec.name;
    });
    return { name, type, features: held };
  });
  const left = feats.filter((f) => !placed.has(f.name));
  if (left.length > 0) fail(`the feature "${left[0]?.name}" is in none of "io.inputs"`);
  return out;
}

function provenance(v: unknown): ModelCard['provenance'] {
  if (!isRecord(v)) fail('"provenance" must be an object');
  if (
    v.source !== 'modelgate-train' &&
    v.source !== 'sklearn' &&
    v.source !== 'lightgbm' &&
    v.source !== 'xgboost' &&
    v.source !== 'onnx'
  )
    fail('"provenance.source" must be "modelgate-train", "sklearn", "lightgbm", "xgboost" or "onnx"');
  const out: ModelCard['provenance'] = {
    source: v.source,
    tool: text(v.tool, 'provenance.tool'),
    createdAt: text(v.createdAt, 'provenance.createdAt'),
  };
  const estimator = optionalText(v.estimator, 'provenance.estimator');
  if (estimator !== undefined) out.estimator = estimator;
  const params = figures(v.params, 'provenance.params');
  if (params !== undefined) out.params = params;
  if (v.data !== undefined) {
    const d = v.data;
    if (!isRecord(d)) fail('"provenance.data" must be an object');
    out.data = {
      uri: text(d.uri, 'provenance.data.uri'),
      sha256: text(d.sha256, 'provenance.data.sha256'),
      rows: finite(d.rows, 'provenance.data.rows'),
      columns: finite(d.columns, 'provenance.data.columns'),
    };
  }
  return out;
}

/**
 * The card, checked field by field and rebuilt from what was checked: a field this function does not
 * know is not let through (a new field must be added here to be read).
 */
/** A card's version: one path segment of a URL as it is, without escaping. */
export const VERSION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function validateCard(v: unknown): ModelCard {
  if (!isRecord(v)) fail('not a JSON object');
  if (v.format !== 1 && v.format !== 2)
    fail(`format ${JSON.stringify(v.format)} is not supported (modelgate reads formats 1 and 2)`);
  const format: CardFormat = v.format;
  const name = text(v.name, 'name');
  if (!TASKS.includes(v.task as Task)) fail(`"task" must be ${TASKS.map((t) => `"${t}"`).join(', ')}`);
  const task = v.task as Task;
  const feats = features(v.features, format);
  const card: ModelCard = {
    format,
    name,
    task,
    features: feats,
    missing: 'reject',
    io: io(v.io, task, feats, format),
    provenance: { source: 'onnx', tool: '', createdAt: '' },
  };
  const target = optionalText(v.target, 'target');
  if (target !== undefined) card.target = target;
  if (v.version !== undefined) {
    if (typeof v.version !== 'string' || !VERSION_PATTERN.test(v.version))
      fail('"version" must be 1 to 64 letters, digits, ".", "_" or "-"');
    card.version = v.version;
  }
  if (task === 'classification') card.classes = classes(v.classes);
  else if (v.classes !== undefined) fail(`a ${task} model has no "classes"`);
  if (task === 'clustering') {
    const k = v.clusters;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_CLASSES)
      fail(`"clusters" must be a whole number from 1 to ${MAX_CLASSES}`);
    card.clusters = k;
  } else if (v.clusters !== undefined) fail(`a ${task} model has no "clusters"`);
  if (v.targets !== undefined) {
    if (task !== 'regression') fail(`a ${task} model has no "targets" (a regressor's, when it has several)`);
    card.targets = targetNames(v.targets);
  }
  if (v.missing !== 'impute' && v.missing !== 'reject') fail('"missing" must be "impute" or "reject"');
  card.missing = v.missing;
  checkTypedFeeds(card);
  card.provenance = provenance(v.provenance);
  const training = figures(v.training, 'training');
  if (training !== undefined) card.training = training;
  return card;
}
