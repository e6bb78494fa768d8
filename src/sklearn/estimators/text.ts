// Text vectorizers over a column of free text (fed as is in a string input): CountVectorizer's counts of
// its vocabulary's words and n-grams, TfidfVectorizer's and TfidfTransformer's weights of them. The graph
// lowercases the text (StringNormalizer), splits it into words (onnxruntime's Tokenizer: RE2, whose
// \p{L}\p{N}_ is Python's Unicode \w) and counts the vocabulary's n-grams (TfIdfVectorizer); the weights
// are then computed in double precision, as scikit-learn does.
import { attr, ML_DOMAIN, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, double, type Family, type Flow } from '../flow.js';
import { asFloat64 } from '../numpy.js';
import type { Estimator } from '../state.js';
import { DTypeValue, NdArray, NpScalar, PyDict, PyGlobal, PySet, PyTuple, type PyValue } from '../values.js';

/** The classes that read a column of text: the first step over it. */
export const TEXT_VECTORIZERS: ReadonlySet<string> = new Set([
  'CountVectorizer',
  'TfidfVectorizer',
  'HashingVectorizer',
]);

/** onnxruntime's contrib operators (the Tokenizer). */
const MS_DOMAIN = 'com.microsoft';

/**
 * The token patterns the Tokenizer reproduces, each as the shortest token it keeps: Python's \w (str,
 * Unicode) is a letter, a number or the underscore, and \b\w\w+\b finds the maximal runs of them of two
 * characters or more. (?u) changes nothing for a str pattern.
 */
const TOKEN_PATTERNS: ReadonlyMap<string, number> = new Map([
  ['(?u)\\b\\w\\w+\\b', 2],
  ['\\b\\w\\w+\\b', 2],
  ['(?u)\\b\\w+\\b', 1],
  ['\\b\\w+\\b', 1],
]);
const WORD_RUN = '[\\p{L}\\p{N}_]+';
/** A word the Tokenizer can give: one run of WORD_RUN's characters. */
const WORD = /^[\p{L}\p{N}_]+$/u;
/** What the Tokenizer pads short rows with: no word, so no n-gram of the vocabulary holds it. */
const PAD = '#';
/**
 * The locale StringNormalizer lowercases in: the Unicode case tables of the C library (C.UTF-8 is built
 * into glibc 2.35 and later; onnxruntime's default, en_US.UTF-8, is often not installed).
 */
const LOCALE = 'C.UTF-8';

/**
 * The characters Python's str.lower maps otherwise than the C library's tables: a capital sigma (ς at
 * the end of a word, σ elsewhere: the graph gives σ everywhere) and a capital I with a dot (Python:
 * "i" and a combining dot, which ends the word). A text holding one is refused, not guessed.
 */
const LOWERCASED_OTHERWISE = 'Σİ';

function plain(v: PyValue | undefined): PyValue | undefined {
  return v instanceof NpScalar ? (v.value as PyValue) : v;
}

/** vocabulary_: each n-gram's words (split at the spaces scikit-learn joins them with) by its column. */
function vocabulary(est: Estimator): string[][] {
  const v = est.raw('vocabulary_');
  if (!(v instanceof PyDict)) throw new ModelImportError(`the ${est.name} was not fitted (no vocabulary_)`);
  const byColumn: string[][] = new Array(v.map.size);
  for (const [key, value] of v.map) {
    const at = Number(plain(value));
    if (typeof key !== 'string' || !Number.isInteger(at) || at < 0 || at >= v.map.size || byColumn[at])
      throw new ModelImportError(
        `the ${est.name}'s vocabulary_ does not map its n-grams to 0..${v.map.size - 1}`,
      );
    byColumn[at] = key.split(' ');
  }
  if (byColumn.length === 0) throw new ModelImportError(`the ${est.name}'s vocabulary_ is empty`);
  return byColumn;
}

function ngramRange(est: Estimator): [number, number] {
  const r = est.raw('ngram_range');
  const items = r instanceof PyTuple ? r.items : Array.isArray(r) ? r : [];
  const [lo, hi] = items.map((x) => Number(plain(x)));
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || (lo as number) < 1 || (hi as number) < (lo as number))
    throw new ModelImportError(`the ${est.name}'s ngram_range is not (min_n, max_n)`);
  return [lo as number, hi as number];
}

/** Refuses what the graph cannot do as scikit-learn's analyzer does, naming the setting. */
function checkAnalyzer(
  est: Estimator,
  maxN: number,
): { minChars: number; lowercase: boolean; stops?: string[] } {
  const refuse = (setting: string, why: string) => {
    throw new UnsupportedModelError(`a ${est.name} with ${setting}: ${why}`);
  };
  const input = est.string('input', 'content');
  if (input !== 'content') refuse(`input=${JSON.stringify(input)}`, 'modelgate reads the text itself');
  const analyzer = est.raw('analyzer');
  if (analyzer !== 'word')
    refuse(
      typeof analyzer === 'string' ? `analyzer=${JSON.stringify(analyzer)}` : 'an analyzer of its own',
      'modelgate splits text into words only (no ONNX operator makes character n-grams)',
    );
  for (const hook of ['preprocessor', 'tokenizer'])
    if (est.has(hook)) refuse(`a ${hook} of its own`, 'a function in a model file is never run');
  const strip = est.raw('strip_accents');
  if (strip !== null && strip !== undefined)
    refuse(
      `strip_accents=${JSON.stringify(typeof strip === 'string' ? strip : 'a function')}`,
      'ONNX has no Unicode normalization to take accents off with',
    );
  const pattern = est.raw('token_pattern');
  const minChars = typeof pattern === 'string' ? TOKEN_PATTERNS.get(pattern) : undefined;
  if (minChars === undefined)
    refuse(
      `token_pattern=${JSON.stringify(typeof pattern === 'string' ? pattern : null)}`,
      'modelgate reproduces r"(?u)\\b\\w\\w+\\b" (the default) and r"(?u)\\b\\w+\\b" only',
    );
  const stop = est.raw('stop_words');
  let stops: string[] | undefined;
  if (stop !== null && stop !== undefined && maxN > 1) {
    // Without n-grams a stop word is only a word the vocabulary lacks; with them it is removed first.
    const items = Array.isArray(stop) ? stop : stop instanceof PySet ? stop.items : undefined;
    if (!items?.every((w) => typeof w === 'string'))
      refuse(
        `stop_words=${JSON.stringify(typeof stop === 'string' ? stop : 'of another kind')} and n-grams of more than one word`,
        "the list is scikit-learn's, not in the file, and n-grams are made once the stop words are removed: give the words as a list",
      );
    stops = items as string[];
  }
  const lowercase = est.raw('lowercase');
  return { minChars: minChars as number, lowercase: lowercase !== false, ...(stops ? { stops } : {}) };
}

/** A dtype setting's name (np.float32 is pickled as the type, a dtype as a DTypeValue). */
function dtypeName(v: PyValue | undefined): string | undefined {
  if (v instanceof PyGlobal) return v.name;
  if (v instanceof DTypeValue) {
    const code = v.descr.replace(/^[<>=|]/, '');
    return code === 'f8' ? 'float64' : code === 'f4' ? 'float32' : code;
  }
  return typeof v === 'string' ? v : undefined;
}

/**
 * The words [N, T] (strings) of the flow's text column [N, 1], as the vectorizer's analyzer splits it:
 * lowercased, then the runs of word characters, each row padded to the longest with PAD, and one PAD
 * more (the Tokenizer gives [N, 0] when no row has a word, which the operators after it do not take).
 */
function words(est: Estimator, f: Flow, maxN: number): string {
  if (!f.freeText)
    throw new UnsupportedModelError(
      `a ${est.name} that is not the first step over a text column (modelgate feeds it the text of one column, at the top of the Pipeline or of a ColumnTransformer entry)`,
    );
  const { minChars, lowercase, stops } = checkAnalyzer(est, maxN);
  const { b } = f;
  const feature = f.columns[0]?.source?.feature;
  if (lowercase) {
    if (feature === undefined)
      throw new Error(`internal: the ${est.name}'s text column has no input feature`);
    f.rules.refuseCharacters(
      feature,
      LOWERCASED_OTHERWISE,
      `the ${est.name} lowercases "Σ" and "İ" as Python does (a final sigma, a dotted i) and the graph's StringNormalizer does not`,
    );
  }
  let text = b.op('Reshape', [f.x, b.constant(tensor.int64(b.fresh('flat'), [1], [-1]))]);
  if (lowercase)
    text = b.op(
      'StringNormalizer',
      [text],
      [attr.string('case_change_action', 'LOWER'), attr.string('locale', LOCALE)],
    );
  const found = b.op(
    'Tokenizer',
    [text],
    [
      attr.string('tokenexp', WORD_RUN),
      attr.int('mark', 0),
      attr.int('mincharnum', minChars),
      attr.string('pad_value', PAD),
    ],
    MS_DOMAIN,
  );
  const pad = b.op('Expand', [b.constant(tensor.string(b.fresh('pad'), [1, 1], [PAD])), rowsBy(f, text, 1)]);
  f.freeText = undefined;
  const padded = b.op('Concat', [found, pad], [attr.int('axis', 1)]);
  return stops && stops.length > 0 ? withoutStopWords(f, padded, stops) : padded;
}

/**
 * The words [N, T] with the stop words taken out, as scikit-learn removes them before it makes n-grams:
 * each row's other words moved to its front in their order (TopK by position, a stop word's pushed past
 * every other's), the stop words after them replaced with PAD.
 */
function withoutStopWords(f: Flow, words: string, stops: readonly string[]): string {
  const { b } = f;
  const [isStop] = b.node(
    'LabelEncoder',
    [words],
    [
      attr.strings('keys_strings', stops),
      attr.floats(
        'values_floats',
        stops.map(() => 1),
      ),
      attr.float('default_float', 0),
    ],
    { domain: ML_DOMAIN },
  ) as [string];
  const width = b.op('Gather', [b.op('Shape', [words]), b.constant(tensor.int64(b.fresh('axis'), [1], [1]))]);
  const count = b.op('Squeeze', [width, b.constant(tensor.int64(b.fresh('axes'), [1], [0]))]);
  const positions = b.op('Range', [
    b.constant(tensor.int64(b.fresh('start'), [], [0])),
    count,
    b.constant(tensor.int64(b.fresh('step'), [], [1])),
  ]);
  // A row holds at most a few million words: 2^24 keeps the key exact in float.
  const key = b.op('Add', [
    b.op('Mul', [isStop, b.constant(tensor.float(b.fresh('past'), [1], [2 ** 24]))]),
    cast(b, positions, DataType.FLOAT),
  ]);
  const [, order] = b.node(
    'TopK',
    [key, width],
    [attr.int('axis', 1), attr.int('largest', 0), attr.int('sorted', 1)],
    { outputs: 2 },
  ) as [string, string];
  const moved = b.op('GatherElements', [words, order], [attr.int('axis', 1)]);
  const stopped = b.op('GatherElements', [isStop, order], [attr.int('axis', 1)]);
  return b.op('Where', [
    cast(b, stopped, DataType.BOOL),
    b.constant(tensor.string(b.fresh('pad'), [1], [PAD])),
    moved,
  ]);
}

/** The shape [N, width] of a tensor over the flow's rows, N from `rowsOf`'s first dimension. */
function rowsBy(f: Flow, rowsOf: string, width: number): string {
  const { b } = f;
  const rows = b.op('Slice', [
    b.op('Shape', [rowsOf]),
    b.constant(tensor.int64(b.fresh('start'), [1], [0])),
    b.constant(tensor.int64(b.fresh('end'), [1], [1])),
  ]);
  return b.op(
    'Concat',
    [rows, b.constant(tensor.int64(b.fresh('width'), [1], [width]))],
    [attr.int('axis', 0)],
  );
}

/**
 * The counts [N, V] (double) of a vectorizer's vocabulary in the flow's text column [N, 1]: lowercased,
 * split into words, its n-grams counted, each at its vocabulary_ column.
 */
function counts(est: Estimator, f: Flow): void {
  const [minN, maxN] = ngramRange(est);
  const vocab = vocabulary(est);
  const padded = words(est, f, maxN);
  const { b } = f;
  // The pool: the vocabulary's n-grams by length, 1 to max_n, each as its words; ngram_counts is where
  // each length starts in it (counted in strings), ngram_indexes each n-gram's column. A vocabulary given
  // by hand may hold what the analyzer never makes (another length, a word that is not a run of word
  // characters, PAD): scikit-learn never counts it, so it is left out and its column stays 0.
  const counted = (g: readonly string[]) =>
    g.length >= minN && g.length <= maxN && g.every((w) => WORD.test(w));
  const pool: string[] = [];
  const indexes: number[] = [];
  const offsets: number[] = [];
  for (let n = 1; n <= maxN; n++) {
    offsets.push(pool.length);
    vocab.forEach((gram, column) => {
      if (gram.length !== n || !counted(gram)) return;
      pool.push(...gram);
      indexes.push(column);
    });
  }
  const [found] = b.node(
    'TfIdfVectorizer',
    [padded],
    [
      attr.string('mode', 'TF'),
      attr.int('min_gram_length', minN),
      attr.int('max_gram_length', maxN),
      attr.int('max_skip_count', 0),
      attr.ints('ngram_counts', offsets),
      attr.ints('ngram_indexes', indexes),
      attr.strings('pool_strings', pool),
    ],
  ) as [string];
  let x = cast(b, found, DataType.DOUBLE);
  if (est.raw('binary') === true) x = b.op('Min', [x, double(b, b.fresh('one'), [1], [1])]);
  f.x = x;
  f.width = vocab.length;
  f.columns = vocab.map(() => ({ nanFrom: [] }));
}

/**
 * TfidfTransformer's weights of counts: log(tf) + 1 where sublinear_tf, times idf_ where use_idf, each
 * row then over its l2 or l1 norm (a row of zeros kept).
 */
function tfidf(est: Estimator, f: Flow): void {
  const { b } = f;
  const zero = double(b, b.fresh('zero'), [1], [0]);
  let x = f.x;
  if (est.raw('sublinear_tf') === true) {
    const logs = b.op('Add', [b.op('Log', [x]), double(b, b.fresh('one'), [1], [1])]);
    x = b.op('Where', [b.op('Greater', [x, zero]), logs, zero]);
  }
  if (est.raw('use_idf') !== false) {
    const idf = est.raw('idf_');
    if (!(idf instanceof NdArray))
      throw new ModelImportError(
        `the ${est.name} has no idf_ array: it was not fitted, or was saved by a scikit-learn before 1.5`,
      );
    const values = asFloat64(idf);
    if (values.length !== f.width)
      throw new ModelImportError(
        `the ${est.name}'s idf_ holds ${values.length} columns, but ${f.width} reach it`,
      );
    x = b.op('Mul', [x, double(b, b.fresh('idf'), [1, f.width], values)]);
  }
  f.x = x;
  normalized(est, f);
}

/** Each row over its l2 or l1 norm (`norm`; a row of zeros kept), or as it is where norm is None. */
function normalized(est: Estimator, f: Flow): void {
  const { b } = f;
  const zero = double(b, b.fresh('zero'), [1], [0]);
  let x = f.x;
  const norm = est.raw('norm');
  if (norm === 'l1' || norm === 'l2') {
    const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
    const size =
      norm === 'l2'
        ? b.op('Sqrt', [b.op('ReduceSumSquare', [x], [attr.ints('axes', [1]), attr.int('keepdims', 1)])])
        : b.op('ReduceSum', [b.op('Abs', [x]), axes], [attr.int('keepdims', 1)]);
    const safe = b.op('Where', [b.op('Equal', [size, zero]), double(b, b.fresh('one'), [1], [1]), size]);
    x = b.op('Div', [x, safe]);
  } else if (norm !== null && norm !== undefined)
    throw new UnsupportedModelError(`a ${est.name} with norm=${JSON.stringify(norm)}`);
  f.x = x;
}

/**
 * HashingVectorizer over words: each word's signed 32-bit murmurhash3 (seed 0, onnxruntime's MurmurHash3,
 * which hashes the UTF-8 bytes as scikit-learn does) picks its column, |h| mod n_features (in int64, so
 * |-2^31| is 2^31, as scikit-learn defines it), and adds 1, or -1 where h < 0 with alternate_sign; binary
 * makes every column a word reached 1 (scikit-learn fills the stored entries, a sum of 0 among them);
 * then the norm. n-grams of two words or more are refused: their hash is of the joined words.
 */
function hashingVectorizer(est: Estimator, f: Flow): void {
  const [minN, maxN] = ngramRange(est);
  if (maxN > 1)
    throw new UnsupportedModelError(
      `a HashingVectorizer with ngram_range=(${minN}, ${maxN}): modelgate hashes single words only (an n-gram's hash is of its words joined, which ONNX's opset here cannot join)`,
    );
  const dtype = dtypeName(est.raw('dtype'));
  if (dtype !== undefined && dtype !== 'float64')
    throw new UnsupportedModelError(
      `a HashingVectorizer with dtype=${dtype}: modelgate computes in float64, as the default does`,
    );
  const n = est.number('n_features');
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1)
    throw new ModelImportError(`the HashingVectorizer's n_features (${n}) is not a positive 32-bit integer`);
  const padded = words(est, f, maxN);
  const { b } = f;
  // 1 for a word, 0 for a pad.
  const [isWord] = b.node(
    'LabelEncoder',
    [padded],
    [attr.strings('keys_strings', [PAD]), attr.ints('values_int64s', [0]), attr.int('default_int64', 1)],
    { domain: ML_DOMAIN },
  ) as [string];
  const present = cast(b, isWord, DataType.DOUBLE);
  const hash = cast(
    b,
    b.op('MurmurHash3', [padded], [attr.int('seed', 0), attr.int('positive', 0)], MS_DOMAIN),
    DataType.INT64,
  );
  const column = b.op('Mod', [
    b.op('Abs', [hash]),
    b.constant(tensor.int64(b.fresh('n_features'), [1], [n])),
  ]);
  const alternate = est.raw('alternate_sign') !== false;
  const binary = est.raw('binary') === true;
  const updates =
    alternate && !binary
      ? b.op('Mul', [
          present,
          b.op('Where', [
            b.op('Less', [hash, b.constant(tensor.int64(b.fresh('zero'), [1], [0]))]),
            double(b, b.fresh('minus'), [1], [-1]),
            double(b, b.fresh('plus'), [1], [1]),
          ]),
        ])
      : present;
  const zeros = b.node(
    'ConstantOfShape',
    [rowsBy(f, padded, n)],
    [attr.tensor('value', tensor.double('zero', [1], [0]))],
  ) as [string];
  let x = b.op(
    'ScatterElements',
    [zeros[0], column, updates],
    [attr.int('axis', 1), attr.string('reduction', 'add')],
  );
  if (binary) x = b.op('Min', [x, double(b, b.fresh('one'), [1], [1])]);
  f.x = x;
  f.width = n;
  f.columns = Array.from({ length: n }, () => ({ nanFrom: [] }));
  normalized(est, f);
}

function countVectorizer(est: Estimator, f: Flow): void {
  counts(est, f);
}

/** TfidfVectorizer: its counts, weighed by the TfidfTransformer it holds (_tfidf, whose settings apply). */
function tfidfVectorizer(est: Estimator, f: Flow): void {
  const dtype = dtypeName(est.raw('dtype'));
  if (dtype !== undefined && dtype !== 'float64')
    throw new UnsupportedModelError(
      `a TfidfVectorizer with dtype=${dtype}: modelgate computes its weights in float64, as the default does`,
    );
  counts(est, f);
  tfidf(est.has('_tfidf') ? est.estimator('_tfidf') : est, f);
}

function tfidfTransformer(est: Estimator, f: Flow): void {
  tfidf(est, f);
}

export const family: Family = {
  family: 'text',
  transformers: {
    CountVectorizer: countVectorizer,
    TfidfVectorizer: tfidfVectorizer,
    TfidfTransformer: tfidfTransformer,
    HashingVectorizer: hashingVectorizer,
  },
};
