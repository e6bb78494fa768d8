// Reading and writing objects by URI: a local path (src/store/local.ts), s3://bucket/key
// (src/store/s3.ts), or an http(s) URL (src/store/http.ts, read only). Every read is bounded in size and
// time the same way.
import { writeFile } from 'node:fs/promises';
import { StoreError } from './errors.js';
import { readUrl } from './http.js';
import { readLocal } from './local.js';

/** Bounds on one read, whatever the URI: a local file, s3:// or http(s). */
export interface ReadOptions {
  /** Give up on the read (opening, connecting, retries and the whole body) after this long. */
  timeoutMs?: number;
  /** Refuse objects larger than this, announced or not: nothing past it is held in memory. */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024;

export function isUrl(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

export function isS3(uri: string): boolean {
  return /^s3:\/\//i.test(uri);
}

/** A URI with a scheme (s3://, https://, anything://), as opposed to a local path. */
export function isRemote(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
}

export async function readUri(uri: string, options: ReadOptions = {}): Promise<Uint8Array> {
  const bounds = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
  };
  if (isS3(uri)) {
    const { readS3 } = await import('./s3.js');
    return readS3(uri, bounds);
  }
  if (isRemote(uri) && !isUrl(uri)) {
    throw new StoreError(uri, 'unsupported URI scheme; use a local path, s3://, https:// or http://');
  }
  return isUrl(uri) ? readUrl(uri, bounds) : readLocal(uri, bounds);
}

export interface WriteOptions {
  /** Give up on a network write after this long. */
  timeoutMs?: number;
  /** The object's media type (S3). */
  contentType?: string;
  /** User metadata stored with the object (S3: x-amz-meta-*). */
  metadata?: Record<string, string>;
}

export async function writeUri(uri: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  if (isS3(uri)) {
    const { writeS3 } = await import('./s3.js');
    return writeS3(uri, bytes, { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }
  if (isRemote(uri)) {
    throw new StoreError(uri, 'cannot write there; write to a local path or an s3:// URI');
  }
  try {
    await writeFile(uri, bytes);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new StoreError(
      uri,
      `cannot write: ${code === 'ENOENT' ? 'no such directory' : (cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
