// The model card: what modelgate knows about a model, as JSON in one ONNX metadata_props entry.
import { ModelCardError } from './errors.js';
import type { ModelProto, StringEntry } from './proto.js';

export const CARD_KEY = 'modelgate.card';
export const CARD_FORMAT = 1;

export type Task = 'classification' | 'regression';
export type ClassLabel = string | number | boolean;
export type ModelSource = 'modelgate-train' | 'sklearn' | 'onnx';

export interface FeatureSpec {
  name: string;
  type: 'number';
}

/** Which graph inputs and outputs carry what. */
export interface ModelIo {
  input: string;
  inputType: 'float32' | 'float64';
  /** Classification: the predicted label ([N]). */
  label?: string;
  /** Classification: class probabilities ([N, classes]), in `classes` order. */
  probabilities?: string;
  /**
   * The label output is always the first class of highest probability, so a runtime may compute it
   * from `probabilities` instead of fetching it (true for modelgate's trained models).
   */
  labelIsArgmax?: boolean;
  /**
   * Classification: per-class scores ([N, classes]) not known to be probabilities (a packed graph's
   * logits or margins); served as `scores`, never as `probability`.
   */
  scores?: string;
  /** Regression: the predicted value ([N] or [N, 1]). */
  value?: string;
}

export interface ModelCard {
  format: typeof CARD_FORMAT;
  name: string;
  task: Task;
  /** Features in input order. */
  features: FeatureSpec[];
  target?: string;
  classes?: ClassLabel[];
  /** 'impute': the graph fills missing values; 'reject': a missing value is a request error. */
  missing: 'impute' | 'reject';
  io: ModelIo;
  provenance: {
    source: ModelSource;
    tool: string;
    createdAt: string;
    estimator?: string;
    params?: Record<string, unknown>;
    data?: { uri: string; sha256: string; rows: number; columns: number };
  };
  /** Figures measured at training or import time: rows, accuracy, r2, seconds, ... */
  training?: Record<string, number | string | boolean>;
}

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

export function findCard(entries: readonly StringEntry[]): ModelCard {
  const entry = entries.find((e) => e.key === CARD_KEY);
  if (!entry) {
    throw new ModelCardError(
      `the ONNX model has no modelgate model card (metadata key "${CARD_KEY}"); wrap it with \`modelgate pack\``,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.value);
  } catch (cause) {
    throw new ModelCardError(`the model card (metadata key "${CARD_KEY}") is not valid JSON`, { cause });
  }
  return validateCard(parsed);
}

function fail(what: string): never {
  throw new ModelCardError(`invalid model card: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateCard(v: unknown): ModelCard {
  if (!isRecord(v)) fail('not a JSON object');
  if (v.format !== CARD_FORMAT)
    fail(`format ${JSON.stringify(v.format)} is not supported (expected ${CARD_FORMAT})`);
  if (typeof v.name !== 'string') fail('"name" must be a string');
  if (v.task !== 'classification' && v.task !== 'regression')
    fail('"task" must be "classification" or "regression"');
  if (!Array.isArray(v.features) || v.features.length === 0) fail('"features" must be a non-empty array');
  const seen = new Set<string>();
  for (const [i, f] of v.features.entries()) {
    if (!isRecord(f) || typeof f.name !== 'string' || f.name === '') fail(`feature ${i} has no name`);
    if (f.type !== 'number') fail(`feature "${f.name}" has unsupported type ${JSON.stringify(f.type)}`);
    if (seen.has(f.name)) fail(`feature "${f.name}" appears twice`);
    seen.add(f.name);
  }
  if (v.missing !== 'impute' && v.missing !== 'reject') fail('"missing" must be "impute" or "reject"');
  if (!isRecord(v.io) || typeof v.io.input !== 'string') fail('"io.input" must name the graph input');
  if (v.io.inputType !== 'float32' && v.io.inputType !== 'float64')
    fail('"io.inputType" must be float32 or float64');
  if (v.task === 'classification') {
    if (!Array.isArray(v.classes) || v.classes.length < 2) fail('a classifier needs at least two "classes"');
    for (const c of v.classes) {
      if (typeof c !== 'string' && typeof c !== 'number' && typeof c !== 'boolean')
        fail('"classes" must be scalars');
    }
    if (
      typeof v.io.probabilities !== 'string' &&
      typeof v.io.scores !== 'string' &&
      typeof v.io.label !== 'string'
    ) {
      fail('a classifier needs "io.label", "io.probabilities" or "io.scores"');
    }
  } else if (typeof v.io.value !== 'string') fail('a regressor needs "io.value"');
  if (!isRecord(v.provenance) || typeof v.provenance.source !== 'string')
    fail('"provenance.source" is missing');
  return v as unknown as ModelCard;
}
