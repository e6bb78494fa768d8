// Reading and writing objects by URI: a local path, s3://bucket/key (src/store/s3.ts), or an http(s) URL
// (read only).
import { readFile, writeFile } from 'node:fs/promises';
import { StoreError } from './errors.js';

export interface ReadOptions {
  /** Give up on a network read after this long. */
  timeoutMs?: number;
  /** Refuse objects larger than this. */
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
  if (isS3(uri)) {
    const { readS3 } = await import('./s3.js');
    return readS3(uri, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    });
  }
  if (isRemote(uri) && !isUrl(uri)) {
    throw new StoreError(uri, 'unsupported URI scheme; use a local path, s3://, https:// or http://');
  }
  return isUrl(uri) ? readUrl(uri, options) : readLocal(uri);
}

async function readLocal(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : (cause as Error).message;
    throw new StoreError(path, `cannot read: ${why}`, { cause });
  }
}

async function readUrl(url: string, options: ReadOptions): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (cause) {
    const err = cause as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new StoreError(url, `cannot fetch: ${why}`, { cause });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new StoreError(url, `cannot fetch: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new StoreError(url, `object is ${declared} bytes, over the limit of ${maxBytes}`);
  }
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new StoreError(url, `object is over the limit of ${maxBytes} bytes`);
    if (Number.isFinite(declared) && !response.headers.get('content-encoding') && bytes.length !== declared) {
      throw new StoreError(url, `truncated: received ${bytes.length} of ${declared} bytes`);
    }
    return bytes;
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    const err = cause as Error;
    throw new StoreError(
      url,
      `cannot fetch: ${err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : err.message}`,
      { cause },
    );
  }
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
