// `modelgate push <model> s3://bucket/prefix/`: checks that modelgate can serve the model, uploads it
// under a content-addressed key with its sha256 in the object's metadata, and prints the two lines a
// Lambda function's environment needs.
import { readModelBytes, servableCard } from '../adapters/model.js';
import { sha256Hex } from '../adapters/model-file.js';
import { StoreError } from '../store/errors.js';
import { headS3, parseS3Uri } from '../store/s3.js';
import { isS3, writeUri } from '../store/uri.js';
import { UsageError } from './errors.js';

const TIMEOUT_MS = 60_000;

/** A model name as one safe S3 key segment. */
export function keySegment(name: string): string {
  const safe = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return safe === '' ? 'model' : safe.slice(0, 100);
}

/** Where a model with this name and digest goes under the destination prefix. */
export function modelKeyUri(destination: string, name: string, sha256: string): string {
  const { bucket, key } = parseS3Uri(destination);
  const prefix = key.replace(/^\/+|\/+$/g, '');
  return `s3://${bucket}/${prefix ? `${prefix}/` : ''}${keySegment(name)}/${sha256}.onnx`;
}

export async function pushCommand(model: string, destination: string, quiet = false): Promise<void> {
  if (!isS3(destination)) {
    throw new UsageError(
      `the destination must be an s3:// URI (s3://bucket/prefix/), got ${JSON.stringify(destination)}`,
    );
  }
  try {
    parseS3Uri(destination);
  } catch (err) {
    if (err instanceof StoreError) throw new UsageError(`${err.uri}: ${err.reason}`);
    throw err;
  }
  const { bytes } = await readModelBytes({ uri: model });
  const { name } = await servableCard(bytes, model, 'nothing was uploaded');
  const sha256 = sha256Hex(bytes);
  const target = modelKeyUri(destination, name, sha256);
  // A copy already there is not uploaded again. Without read permission S3 answers 403 rather than
  // 404; then the upload goes ahead, and says for itself whether it is allowed.
  const existing = await headS3(target, { timeoutMs: TIMEOUT_MS }).catch((err: unknown) => {
    if (err instanceof StoreError) return undefined;
    throw err;
  });
  const note = (msg: string) => {
    if (!quiet) process.stderr.write(`${msg}\n`);
  };
  if (existing?.metadata.sha256 === sha256 && existing.size === bytes.length) {
    note(`${target} is already there (same sha256); nothing uploaded`);
  } else {
    await writeUri(target, bytes, {
      timeoutMs: TIMEOUT_MS,
      contentType: 'application/octet-stream',
      metadata: { sha256, 'modelgate-model': name },
    });
    note(`uploaded ${model} (${bytes.length} bytes) to ${target}`);
  }
  process.stdout.write(`MODEL_URI=${target}\nMODEL_SHA256=${sha256}\n`);
}
