// Text vectorizers imported from committed fixtures (scikit-learn 1.9.1, scripts/reference/differential/
// text.py): a text feature in the card, fed as is in a string input; what a request may send for it; and
// the analyzer's edges against answers scikit-learn gave (the differential test checks every case, this
// file the rows that show each edge). The card rules for a text feature are at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inputSchema } from '../../src/api/schema.js';
import { type ModelCard, validateCard } from '../../src/onnx/card.js';
import { ModelCardError } from '../../src/onnx/errors.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { UnsupportedModelError } from '../../src/sklearn/errors.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const DIR = fileURLToPath(new URL('../fixtures/differential', import.meta.url));

interface Expected {
  rows: unknown[][];
  features: string[] | null;
  predict: unknown[];
  proba?: number[][];
  unanswerable?: number[];
}

/** What a lowercasing vectorizer's text feature refuses (Python lowercases them otherwise). */
const LOWERCASED_OTHERWISE = { characters: 'Σİ', because: expect.stringContaining('StringNormalizer') };

/** The case's rows, answers and probabilities without the rows modelgate refuses (unanswerable). */
function answerable(e: Expected): Expected {
  const drop = new Set(e.unanswerable ?? []);
  const keep = <T>(list: T[]) => list.filter((_, r) => !drop.has(r));
  return { ...e, rows: keep(e.rows), predict: keep(e.predict), ...(e.proba ? { proba: keep(e.proba) } : {}) };
}

async function imported(name: string) {
  const value = await loadModelFile(readFileSync(join(DIR, `${name}.pkl`)));
  const expected = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Expected;
  const { model, card } = sklearnToOnnx(value, { name, source: `${name}.pkl` });
  return { card, expected, predictor: await Predictor.load(encodeModel(model)) };
}

async function refusal(predictor: Predictor, row: unknown) {
  try {
    await predictor.predict([row]);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRowError);
    const e = err as InvalidRowError;
    return { code: e.code, message: e.message };
  }
  throw new Error('the row was taken');
}

/** The probabilities of one row, as modelgate answers it. */
async function probabilities(predictor: Predictor, row: unknown[]): Promise<number[]> {
  const out = await predictor.predict([row]);
  if (out.kind !== 'probabilities') throw new Error(`no probabilities: ${out.kind}`);
  return Array.from(out.probabilities);
}

describe('a text vectorizer at the top of a Pipeline', () => {
  it('makes its column a text feature in a string input', async () => {
    const { card, predictor } = await imported('text-tfidf-default');
    expect(card.features).toEqual([{ name: 'x0', type: 'text', refuses: LOWERCASED_OTHERWISE }]);
    expect(card.missing).toBe('reject');
    expect(card.io.inputs).toEqual([{ name: 'text', type: 'string', features: ['x0'] }]);
    await predictor.release();
  });

  it("answers scikit-learn's probabilities on empty, punctuation-only, repeated and unseen text", async () => {
    const { expected, predictor } = await imported('text-tfidf-ngrams-1-2');
    const at = (text: string) => expected.rows.findIndex((r) => r[0] === text);
    // The held-out rows end with the edges; an unseen word's row is among the others.
    for (const text of ['', '   ', '!!!', 'the the the THE', 'Café café CAFÉ café', 'a I x']) {
      const r = at(text);
      expect(r).toBeGreaterThanOrEqual(0);
      const got = await probabilities(predictor, [text]);
      for (const [k, p] of (expected.proba?.[r] ?? []).entries()) expect(got[k]).toBeCloseTo(p, 10);
    }
    // No word at all: every row of the batch empty (the tokenizer then finds nothing to pad).
    const empty = await predictor.predict([[''], ['?!']]);
    expect(empty.kind).toBe('probabilities');
    await predictor.release();
  });

  it('counts none of what a vocabulary given by hand holds and the analyzer never makes', async () => {
    // "#" (what the graph pads rows with), "good bad" (a bigram, ngram_range (1, 1)), "a  b", "Sea".
    const { expected: all, predictor } = await imported('text-count-vocabulary-never-counted');
    const expected = answerable(all);
    const out = await predictor.predict(expected.rows);
    if (out.kind !== 'probabilities') throw new Error(out.kind);
    for (const [i, p] of (expected.proba ?? []).flat().entries())
      expect(out.probabilities[i]).toBeCloseTo(p, 12);
    const padded = await probabilities(predictor, ['# # good bad Sea']);
    const none = await probabilities(predictor, ['']);
    expect(padded).toEqual(none);
    await predictor.release();
  });

  it('makes n-grams once the stop words are removed, as scikit-learn does', async () => {
    const { expected, predictor } = await imported('text-count-stop-words-ngrams');
    const row = 'ΑΘΗΝΑ the very port, it port; Ship and the sea is very good of wind';
    const r = expected.rows.findIndex((x) => x[0] === row);
    expect(r).toBeGreaterThanOrEqual(0);
    const got = await probabilities(predictor, [row]);
    for (const [k, p] of (expected.proba?.[r] ?? []).entries()) expect(got[k]).toBeCloseTo(p, 12);
    // The same words without the stop words ("a" is no token: one letter) answer the same.
    expect(await probabilities(predictor, ['αθηνα very port port ship sea very good wind a'])).toEqual(got);
    await predictor.release();
  });

  it('refuses a missing text or one that is not a string, naming the feature', async () => {
    const { predictor } = await imported('text-count-default');
    expect(await refusal(predictor, { x0: null })).toEqual({
      code: 'missing_feature',
      message:
        'row 0, feature "x0" is missing, and this model takes no missing value for it: send a text (a string, "" for none)',
    });
    expect(await refusal(predictor, [42])).toEqual({
      code: 'invalid_row',
      message: 'row 0, feature "x0": expected a text (a string), got a number',
    });
    await predictor.release();
  });

  it('publishes a text feature as a string in the input schema', async () => {
    const { card, predictor } = await imported('text-count-default');
    const schema = inputSchema(card) as { properties: Record<string, { type: string }>; required: string[] };
    expect(schema.properties.x0?.type).toBe('string');
    expect(schema.required).toEqual(['x0']);
    await predictor.release();
  });
});

describe('a text vectorizer in a ColumnTransformer', () => {
  it('reads its named column as text beside the numeric ones', async () => {
    const { card, expected, predictor } = await imported('text-column-transformer');
    expect(card.features.map((f) => [f.name, f.type])).toEqual([
      ['text', 'text'],
      ['alpha', 'number'],
      ['beta', 'number'],
    ]);
    const row = Object.fromEntries((expected.features ?? []).map((n, i) => [n, expected.rows[0]?.[i]]));
    const got = await probabilities(predictor, Object.values(row));
    for (const [k, p] of (expected.proba?.[0] ?? []).entries()) expect(got[k]).toBeCloseTo(p, 10);
    expect((await refusal(predictor, { ...row, text: ['a', 'list'] })).code).toBe('invalid_row');
    await predictor.release();
  });
});

describe('a HashingVectorizer', () => {
  it("answers scikit-learn's probabilities where +1 and -1 hashes cancel in a column (binary: still 1)", async () => {
    // 8 columns for ~10 words a row: opposite signs meet in a column, which scikit-learn keeps as a
    // stored 0 and binary then makes 1.
    const { card, expected: all, predictor } = await imported('text-hashing-collisions-binary');
    const expected = answerable(all);
    expect(card.features).toEqual([{ name: 'x0', type: 'text', refuses: LOWERCASED_OTHERWISE }]);
    const out = await predictor.predict(expected.rows);
    if (out.kind !== 'probabilities') throw new Error(out.kind);
    expect(out.labels).toEqual(expected.predict);
    for (const [i, p] of (expected.proba ?? []).flat().entries())
      expect(out.probabilities[i]).toBeCloseTo(p, 10);
    await predictor.release();
  });
});

describe('what the graph cannot do as scikit-learn does', () => {
  it.each([
    ['text-refused-char', 'a CountVectorizer with analyzer="char"'],
    ['text-refused-strip-accents', 'a TfidfVectorizer with strip_accents="unicode"'],
    ['text-refused-token-pattern', 'a CountVectorizer with token_pattern="[a-z]+"'],
    ['text-refused-english-stop-words-ngrams', 'a CountVectorizer with stop_words="english" and n-grams'],
    ['text-tfidf-float32', 'a TfidfVectorizer with dtype=float32'],
    ['text-refused-hashing-ngrams', 'a HashingVectorizer with ngram_range=(1, 2)'],
  ])('refuses %s naming the setting', async (name, message) => {
    const value = await loadModelFile(readFileSync(join(DIR, `${name}.pkl`)));
    expect(() => sklearnToOnnx(value, { name, source: name })).toThrow(UnsupportedModelError);
    expect(() => sklearnToOnnx(value, { name, source: name })).toThrow(message);
  });
});

describe('model card: a text feature', () => {
  const card: ModelCard = {
    format: 2,
    name: 'reviews',
    task: 'regression',
    features: [
      { name: 'review', type: 'text' },
      { name: 'stars', type: 'number' },
    ],
    missing: 'reject',
    io: {
      inputs: [
        { name: 'text_input', type: 'string', features: ['review'] },
        { name: 'input', type: 'float64', features: ['stars'] },
      ],
      value: 'value',
    },
    provenance: { source: 'sklearn', tool: 'modelgate', createdAt: '2026-01-01T00:00:00Z' },
  };
  const reading = (c: unknown) => () => validateCard(JSON.parse(JSON.stringify(c)));

  it('is read back as written', () => {
    expect(reading(card)()).toEqual(card);
  });

  it('is fed in a string input only, and is never missing', () => {
    const numeric = {
      ...card,
      io: { inputs: [{ name: 'input', type: 'float64', features: ['review', 'stars'] }], value: 'value' },
    };
    expect(reading(numeric)).toThrow(ModelCardError);
    expect(reading(numeric)).toThrow('the text feature "review" is fed as a string');
    const single = { ...card, io: { input: 'input', inputType: 'float64', value: 'value' } };
    expect(reading(single)).toThrow('the text feature "review" is fed as a string');
    const missing = {
      ...card,
      features: [{ name: 'review', type: 'text', missing: 'impute' }, card.features[1]],
    };
    expect(reading(missing)).toThrow('its "missing" must be "reject"');
  });

  it('takes no categories and is not in a format 1 card', () => {
    const listed = {
      ...card,
      features: [{ name: 'review', type: 'text', categories: ['a'] }, card.features[1]],
    };
    expect(reading(listed)).toThrow('"categories" and "unknown" are for a category feature');
    expect(reading({ ...card, format: 1 })).toThrow('a format 1 card has numbers only');
  });
});

describe('texts Python lowercases otherwise than the graph', () => {
  it('are refused by name where the vectorizer lowercases, answered where it does not', async () => {
    const { card, predictor } = await imported('text-tfidf-default');
    expect(card.features[0]?.refuses?.characters).toBe('Σİ');
    for (const text of ['ΟΔΟΣ port', 'İstanbul']) {
      const err = await predictor.predict([[text]]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidRowError);
      expect((err as InvalidRowError).code).toBe('unanswerable_row');
      expect((err as InvalidRowError).message).toContain('cannot read as scikit-learn does');
    }
    expect((await predictor.predict([['σ port']])).rows).toBe(1);
    await predictor.release();
    const cased = await imported('text-count-cased');
    expect(cased.card.features[0]?.refuses).toBeUndefined();
    expect((await cased.predictor.predict([['ΟΔΟΣ']])).rows).toBe(1);
    await cased.predictor.release();
  });

  it('a card may give refused characters to a text feature only', () => {
    const base = (features: ModelCard['features']) => ({
      format: 2,
      name: 'm',
      task: 'regression',
      features,
      missing: 'reject',
      io: { inputs: [{ name: 'in', type: 'float32', features: ['x'] }], value: 'v' },
      provenance: { source: 'onnx', tool: 't', createdAt: 'now' },
    });
    expect(() =>
      validateCard(base([{ name: 'x', type: 'number', refuses: { characters: 'Σ', because: 'b' } }])),
    ).toThrow(ModelCardError);
  });
});
