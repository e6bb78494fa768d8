// A prediction request body (protocol.md) into rows and options, or a 4xx naming what is wrong.
import type { ModelCard } from '../onnx/card.js';
import { outputKind } from '../runtime/prediction.js';
import { jsonType } from '../runtime/rows.js';
import { BadRequestError, bodyTooLargeError, PayloadTooLargeError } from './errors.js';

export interface Limits {
  /** Largest request body, in bytes. Lambda's synchronous payload limit is 6 MB. */
  maxBodyBytes: number;
  /** Most rows in one request. */
  maxRows: number;
  /**
   * Most values (rows x the model's features) in one request. Rows of objects may leave features out
   * to be imputed, so a small body can stand for a large matrix on a wide model; this keeps a request's
   * work in proportion to its body. Default: maxBodyBytes (every value a client sends takes a byte).
   */
  maxValues: number;
}

const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: LAMBDA_PAYLOAD_BYTES,
  maxRows: 10_000,
  maxValues: LAMBDA_PAYLOAD_BYTES,
};

/** Limits with the defaults filled in; maxValues follows maxBodyBytes unless it is given. */
export function withDefaultLimits(limits: Partial<Limits> = {}): Limits {
  return {
    ...DEFAULT_LIMITS,
    ...limits,
    maxValues: limits.maxValues ?? limits.maxBodyBytes ?? DEFAULT_LIMITS.maxValues,
  };
}

export type RequestFormat = 'row' | 'input' | 'instances';

export interface PredictRequest {
  format: RequestFormat;
  rows: unknown[];
  returnPrediction: boolean;
  returnProbabilities: boolean;
  /**
   * Per-class scores, for a classifier whose outputs are not known to be probabilities; an outlier
   * detector's scores.
   */
  returnScores: boolean;
  /** A clusterer's distances to every cluster. */
  returnDistances: boolean;
}

const EXTRAS = ['probabilities', 'scores', 'distances'] as const;
type Extra = (typeof EXTRAS)[number];
const INPUT_KEYS = new Set(['input', 'return_prediction', ...EXTRAS.map((e) => `return_${e}`)]);

/** What a model answers besides its prediction, as the `return_*` flags ask for it. */
function extras(card: ModelCard): Extra[] {
  switch (outputKind(card)) {
    case 'probabilities':
      return ['probabilities'];
    case 'scores':
    case 'outliers':
      return ['scores'];
    case 'clusters':
      return EXTRAS.filter((e) => e !== 'scores' && card.io[e] !== undefined);
    default:
      return [];
  }
}

/** Why a model cannot answer `return_<what>`, or undefined when it can. */
function cannotReturn(card: ModelCard, what: Extra): string | undefined {
  const kind = outputKind(card);
  const has = extras(card);
  if (has.includes(what)) return undefined;
  if (kind === 'clusters' || kind === 'outliers') {
    const model = kind === 'clusters' ? 'clusterer' : 'outlier detector';
    return has.length === 0
      ? `this ${model} answers its ${kind === 'clusters' ? 'clusters' : 'outliers'} only`
      : `this ${model} has no ${what}; ask for ${has.map((e) => `"return_${e}": true`).join(' or ')}`;
  }
  if (what === 'distances') return "distances are a clusterer's, and this model is not one";
  if (kind === 'values') return `this model is a regressor and has no class ${what}`;
  if (kind === 'labels')
    return `this model answers labels only and has no class ${what} (its graph has no ${what === 'probabilities' ? 'probability' : 'score'} output)`;
  return what === 'probabilities'
    ? 'this model\'s per-class outputs are scores, not known to be probabilities; ask for "return_scores": true'
    : 'this model answers class probabilities; ask for "return_probabilities": true';
}

const featureNameSets = new WeakMap<ModelCard, ReadonlySet<string>>();

/** The card's feature names as a set, built once per card rather than once per request. */
function featureNameSet(card: ModelCard): ReadonlySet<string> {
  let names = featureNameSets.get(card);
  if (!names) {
    names = new Set(card.features.map((f) => f.name));
    featureNameSets.set(card, names);
  }
  return names;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses JSON text within the body size limit, with errors that say where it broke. */
export function parseJsonBody(text: string, limits: Limits = DEFAULT_LIMITS): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBodyBytes) {
    throw bodyTooLargeError(limits.maxBodyBytes, bytes);
  }
  return parseJson(text);
}

/** Parses JSON text whose size is already checked (the core checks the bytes it was given). */
export function parseJson(text: string): unknown {
  const trimmed = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (trimmed.trim() === '')
    throw new BadRequestError('invalid_json', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(trimmed);
  } catch (cause) {
    throw new BadRequestError(
      'invalid_json',
      `the body is not valid JSON: ${(cause as Error).message}`,
      undefined,
      cause,
    );
  }
}

function flag(body: Record<string, unknown>, name: string, fallback: boolean): boolean {
  if (!Object.hasOwn(body, name)) return fallback;
  const v = body[name];
  if (typeof v !== 'boolean') {
    throw new BadRequestError('invalid_request', `"${name}" must be true or false, got ${jsonType(v)}`, {
      field: name,
      expected: 'a boolean',
      got: jsonType(v),
    });
  }
  return v;
}

function rowArray(value: unknown, field: string, limits: Limits, width: number): unknown[] {
  if (!Array.isArray(value)) {
    throw new BadRequestError(
      'invalid_request',
      `"${field}" must be an array of rows, got ${jsonType(value)}`,
      {
        field,
        expected: 'an array',
        got: jsonType(value),
      },
    );
  }
  if (value.length === 0) {
    throw new BadRequestError('invalid_request', `"${field}" is empty; send at least one row`, { field });
  }
  if (value.length > limits.maxRows) {
    throw new PayloadTooLargeError(
      'too_many_rows',
      `"${field}" has ${value.length} rows, over the limit of ${limits.maxRows}; split them into smaller requests`,
      { field, limit: limits.maxRows, rows: value.length },
    );
  }
  if (value.length * width > limits.maxValues) {
    throw new PayloadTooLargeError(
      'too_many_values',
      `"${field}" has ${value.length} rows of ${width} features, ${value.length * width} values, over the limit of ${limits.maxValues}; split them into smaller requests`,
      { field, limit: limits.maxValues, rows: value.length, features: width },
    );
  }
  return value;
}

/** Tells the request's format from its shape and checks everything but the rows' values. */
export function parsePredictRequest(
  body: unknown,
  card: ModelCard,
  limits: Limits = DEFAULT_LIMITS,
  featureNames: { has(name: string): boolean } = featureNameSet(card),
): PredictRequest {
  if (!isObject(body)) {
    throw new BadRequestError(
      'invalid_request',
      `the body must be a JSON object (one row keyed by feature name, {"input": [...]} or {"instances": [...]}), got ${jsonType(body)}`,
      { expected: 'an object', got: jsonType(body) },
    );
  }
  // "input" and "instances" name a batch unless the model has a feature of that name.
  const batchKey = (key: string) => Object.hasOwn(body, key) && !featureNames.has(key);

  if (batchKey('input')) {
    const extra = Object.keys(body).filter((k) => !INPUT_KEYS.has(k));
    if (extra.length > 0) {
      throw new BadRequestError(
        'invalid_request',
        `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')} beside "input"; allowed: ${[...INPUT_KEYS].join(', ')}`,
        { unknown: extra },
      );
    }
    const rows = rowArray(body.input, 'input', limits, card.features.length);
    const returnPrediction = flag(body, 'return_prediction', true);
    const returnProbabilities = flag(body, 'return_probabilities', false);
    const returnScores = flag(body, 'return_scores', false);
    const returnDistances = flag(body, 'return_distances', false);
    if (!returnPrediction && !returnProbabilities && !returnScores && !returnDistances) {
      throw new BadRequestError(
        'invalid_request',
        '"return_prediction" and "return_probabilities" are both false: nothing to return',
      );
    }
    for (const [asked, what] of [
      [returnProbabilities, 'probabilities'],
      [returnScores, 'scores'],
      [returnDistances, 'distances'],
    ] as const) {
      const why = asked ? cannotReturn(card, what) : undefined;
      if (why)
        throw new BadRequestError('invalid_request', `"return_${what}" is true, but ${why}`, {
          field: `return_${what}`,
        });
    }
    return { format: 'input', rows, returnPrediction, returnProbabilities, returnScores, returnDistances };
  }

  if (batchKey('instances')) {
    const extra = Object.keys(body).filter((k) => k !== 'instances');
    if (extra.length > 0) {
      throw new BadRequestError(
        'invalid_request',
        `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')} beside "instances"`,
        { unknown: extra },
      );
    }
    const rows = rowArray(body.instances, 'instances', limits, card.features.length);
    for (const [i, row] of rows.entries()) {
      if (!isObject(row)) {
        throw new BadRequestError(
          'invalid_row',
          `instance ${i} must be an object keyed by feature name, got ${jsonType(row)}`,
          { row: i, expected: 'an object', got: jsonType(row) },
        );
      }
    }
    return {
      format: 'instances',
      rows,
      returnPrediction: true,
      returnProbabilities: extras(card).includes('probabilities'),
      returnScores: extras(card).includes('scores'),
      returnDistances: extras(card).includes('distances'),
    };
  }

  if (!Object.keys(body).some((k) => featureNames.has(k))) {
    const keys = Object.keys(body);
    throw new BadRequestError(
      'invalid_request',
      keys.length === 0
        ? 'the body is an empty object; send one row keyed by feature name, {"input": [...]} or {"instances": [...]}'
        : `the body has none of the model's features (got ${keys
            .slice(0, 8)
            .map((k) => JSON.stringify(k))
            .join(', ')}; expected ${card.features
            .slice(0, 8)
            .map((f) => f.name)
            .join(', ')}${card.features.length > 8 ? ', ...' : ''})`,
      { unknown: keys },
    );
  }
  return {
    format: 'row',
    rows: [body],
    returnPrediction: true,
    returnProbabilities: false,
    returnScores: false,
    returnDistances: false,
  };
}
