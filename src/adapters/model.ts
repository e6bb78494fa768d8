// Loading the model an adapter serves: bytes by URI, an optional sha256 check, then the Predictor.
import { isAbsolute, resolve } from 'node:path';
import type { ModelCard } from '../onnx/card.js';
import { Predictor, type PredictorOptions } from '../runtime/predictor.js';
import { StoreError } from '../store/errors.js';
import { isRemote, readUri } from '../store/uri.js';
import { ModelSourceError, sha256Hex } from './model-file.js';
import { notAnOnnxModel } from './model-kind.js';

export interface ModelSource {
  uri: string;
  /** Expected sha256 of the model bytes, hex. */
  sha256?: string;
  /** Relative paths are read against this folder. */
  baseDir?: string;
  /** Give up reading from the network after this long (default 30 s). */
  timeoutMs?: number;
}

/**
 * The model's bytes, read by URI (within the store's size and time bounds), refused when they are not
 * an ONNX model (saying what they are instead: empty, a pickle, a CSV) and checked against the expected
 * sha256 when one is given. Every command and adapter that loads a model reads it here.
 */
export async function readModelBytes(source: ModelSource): Promise<{ bytes: Uint8Array; location: string }> {
  const { uri } = source;
  const location = isRemote(uri) || isAbsolute(uri) || !source.baseDir ? uri : resolve(source.baseDir, uri);
  let bytes: Uint8Array;
  try {
    bytes = await readUri(location, { timeoutMs: source.timeoutMs });
  } catch (cause) {
    const why = cause instanceof StoreError ? cause.reason : (cause as Error).message;
    throw new ModelSourceError(`cannot load the model from ${location}: ${why}`, { cause });
  }
  // Before the digest: a pickle given by mistake is better told to be imported than to mismatch.
  const notOnnx = notAnOnnxModel(bytes, location);
  if (notOnnx) throw new ModelSourceError(`cannot load the model from ${location}: ${notOnnx}`);
  if (source.sha256 !== undefined) {
    const want = source.sha256.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(want)) {
      throw new ModelSourceError(`MODEL_SHA256 must be 64 hex digits, got ${JSON.stringify(source.sha256)}`);
    }
    const got = sha256Hex(bytes);
    if (got !== want) {
      throw new ModelSourceError(`the model at ${location} has sha256 ${got}, not the expected ${want}`);
    }
  }
  return { bytes, location };
}

/**
 * The card of a model modelgate can serve, found by loading it as `serve` and the Lambda handler do:
 * what fails here would fail there. Otherwise a ModelSourceError that names `uri` and ends with
 * `consequence` (what was therefore not done).
 */
export async function servableCard(bytes: Uint8Array, uri: string, consequence: string): Promise<ModelCard> {
  try {
    const predictor = await Predictor.load(bytes);
    const { card } = predictor;
    await predictor.release();
    return card;
  } catch (cause) {
    throw new ModelSourceError(
      `${uri} is not a model modelgate can serve, so ${consequence}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

export async function loadPredictor(source: ModelSource, options: PredictorOptions = {}): Promise<Predictor> {
  const { bytes, location } = await readModelBytes(source);
  try {
    return await Predictor.load(bytes, options);
  } catch (cause) {
    throw new ModelSourceError(`cannot load the model from ${location}: ${(cause as Error).message}`, {
      cause,
    });
  }
}
