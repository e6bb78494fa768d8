// Model files without the runtime: their digest, writing them, and the modelgate.json a package leaves
// beside its handler. Kept apart from model.ts, which loads onnxruntime, so that packaging and the CDK
// construct do not load a native runtime they never run.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeUri } from '../store/uri.js';

/** The model could not be loaded: the message says what failed and where. */
export class ModelSourceError extends Error {
  override name = 'ModelSourceError';
}

/** The sha256 of a model's bytes, hex: the digest MODEL_SHA256, push's keys and the object metadata use. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes a model by URI with its sha256 in the object's metadata (on S3); returns the sha256. */
export async function writeModel(uri: string, bytes: Uint8Array): Promise<string> {
  const sha256 = sha256Hex(bytes);
  await writeUri(uri, bytes, { metadata: { sha256 } });
  return sha256;
}

/** The model a package names, relative paths against the package's folder. */
export interface PackagedModel {
  uri: string;
  sha256?: string;
}

/** The file `modelgate package` writes beside the handler, naming the model it baked in or checked. */
export const PACKAGED_MODEL_FILE = 'modelgate.json';

/** The model recorded in `dir`'s modelgate.json, or undefined when there is no such file. */
export function packagedModel(dir: URL): PackagedModel | undefined {
  const file = fileURLToPath(new URL(PACKAGED_MODEL_FILE, dir));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelSourceError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelSourceError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const { model } = (value ?? {}) as { model?: { uri?: unknown; sha256?: unknown } };
  if (typeof model?.uri !== 'string' || (model.sha256 !== undefined && typeof model.sha256 !== 'string'))
    throw new ModelSourceError(`${file} has no model.uri string (write it with modelgate package)`);
  return { uri: model.uri, sha256: model.sha256 };
}
