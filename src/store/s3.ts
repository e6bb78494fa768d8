// S3 objects by s3://bucket/key, through AWS SDK v3. Credentials and region come from the standard
// chain (environment, shared config and credentials files, container and instance roles). A custom
// endpoint (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL) is addressed path-style, so MinIO, LocalStack
// and s3rver work unchanged. This module is imported only when an s3:// URI is used: the SDK costs
// ~100 ms to import, which a local model should not pay at cold start.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { readBounded } from './bounded.js';
import { StoreError } from './errors.js';

export interface S3Location {
  bucket: string;
  /** The object key; '' for a bare bucket. */
  key: string;
}

export interface S3Options {
  /** Give up on the whole operation, retries included, after this long. */
  timeoutMs: number;
  /** Refuse objects larger than this. */
  maxBytes?: number;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Splits an s3:// URI, or throws a StoreError saying what is wrong with it. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  if (!m) throw new StoreError(uri, 'not an s3:// URI');
  const [, bucket, key = ''] = m;
  if (bucket === '') throw new StoreError(uri, 'the s3:// URI has no bucket name (s3://bucket/key)');
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new StoreError(
      uri,
      `"${bucket}" is not a valid bucket name (3-63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)`,
    );
  }
  return { bucket, key };
}

function objectKey(uri: string, at: S3Location): string {
  if (at.key === '' || at.key.endsWith('/')) {
    throw new StoreError(uri, 'the s3:// URI names no object (s3://bucket/key, not a prefix ending in /)');
  }
  return at.key;
}

/** The endpoint a user pointed S3 at, if any. */
export function customEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

let shared: { key: string; client: S3Client } | undefined;

/** One client per process and configuration (it keeps connections alive between calls). */
function client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = customEndpoint(env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
  const key = `${endpoint ?? ''}|${region ?? ''}`;
  if (shared?.key === key) return shared.client;
  const config: S3ClientConfig = {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000 },
    ...(region ? { region } : {}),
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          // S3-compatible servers do not all understand the checksums the SDK adds by default (s3rver
          // stores a streamed upload with its aws-chunked framing, silently); modelgate checks the
          // model's sha256 itself.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  };
  shared?.client.destroy();
  shared = { key, client: new S3Client(config) };
  return shared.client;
}

/** Why an S3 call failed, in words a user can act on. */
function reason(err: unknown, timeoutMs: number, action: string): string {
  const e = err as Error & {
    Code?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: { code?: string };
  };
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  const code = e?.code ?? e?.cause?.code;
  if (name === 'AbortError' || name === 'TimeoutError' || code === 'ETIMEDOUT')
    return `no answer from S3 within ${timeoutMs} ms`;
  if (name === 'NoSuchKey' || (name === 'NotFound' && status === 404)) return 'no such object';
  if (name === 'NoSuchBucket') return 'no such bucket';
  if (name === 'AccessDenied' || status === 403) {
    return `access denied: the credentials in use may not ${action} this object (check the IAM policy)`;
  }
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    return `the credentials were refused (${name})`;
  if (name === 'CredentialsProviderError')
    return 'no AWS credentials found (environment, ~/.aws, or an instance or task role)';
  if (/region is missing/i.test(e?.message ?? ''))
    return 'no AWS region configured; set AWS_REGION (or AWS_DEFAULT_REGION)';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET') {
    const endpoint = customEndpoint();
    return `cannot reach S3${endpoint ? ` at ${endpoint}` : ''} (${code})`;
  }
  return `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
}

async function call<T>(
  uri: string,
  action: string,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
) {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await run(signal);
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(uri, `cannot ${action}: ${reason(cause, timeoutMs, action)}`, { cause });
  }
}

export async function readS3(uri: string, options: S3Options): Promise<Uint8Array> {
  const at = parseS3Uri(uri);
  const Key = objectKey(uri, at);
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const { timeoutMs } = options;
  return call(uri, 'read', timeoutMs, async (abortSignal) => {
    const out = await client().send(new GetObjectCommand({ Bucket: at.bucket, Key }), { abortSignal });
    if (!out.Body) throw new StoreError(uri, 'S3 answered without a body');
    const declared = out.ContentLength;
    // Streamed, not transformToByteArray(): an object without a Content-Length (S3-compatible servers
    // may send one chunked) or a larger one than announced is cut off at maxBytes, never buffered whole.
    try {
      return await readBounded(out.Body.transformToWebStream(), {
        uri,
        maxBytes,
        expected: declared,
        signal: abortSignal,
        abortReason: (received) =>
          `cannot read: the object did not arrive within ${timeoutMs} ms (${received}${declared !== undefined ? ` of ${declared}` : ''} bytes)`,
      });
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      // The connection ended before the whole object arrived.
      throw new StoreError(
        uri,
        `truncated: the connection ended before the whole object arrived${declared !== undefined ? ` (${declared} bytes announced)` : ''}`,
        { cause },
      );
    }
  });
}

export interface PutOptions extends S3Options {
  contentType?: string;
  metadata?: Record<string, string>;
}

export async function writeS3(uri: string, bytes: Uint8Array, options: PutOptions): Promise<void> {
  const at = parseS3Uri(uri);
  const Key = objectKey(uri, at);
  await call(uri, 'write', options.timeoutMs, (abortSignal) =>
    client().send(
      new PutObjectCommand({
        Bucket: at.bucket,
        Key,
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: options.contentType ?? 'application/octet-stream',
        Metadata: options.metadata,
      }),
      { abortSignal },
    ),
  );
}

/** The object's metadata, or undefined when there is no such object. */
export async function headS3(
  uri: string,
  options: S3Options,
): Promise<{ size?: number; etag?: string; metadata: Record<string, string> } | undefined> {
  const at = parseS3Uri(uri);
  const Key = objectKey(uri, at);
  return call(uri, 'read', options.timeoutMs, async (abortSignal) => {
    try {
      const out = await client().send(new HeadObjectCommand({ Bucket: at.bucket, Key }), { abortSignal });
      return { size: out.ContentLength, etag: out.ETag, metadata: out.Metadata ?? {} };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
        return undefined;
      throw err;
    }
  });
}

export interface S3Object {
  /** s3://bucket/key */
  uri: string;
  key: string;
  size: number;
  etag?: string;
}

export interface ListOptions extends S3Options {
  /** Refuse (a StoreError) a listing of more than this many matching objects. */
  maxObjects: number;
  /** Only keys ending with this (case-insensitive), such as '.onnx'. */
  suffix?: string;
}

/**
 * The objects directly under a prefix (s3://bucket/prefix/, as a folder's files: not those in deeper
 * "folders"), sorted by key; at most `maxObjects` of them that match, else a StoreError saying how
 * many it allows. The pages are read until then, within timeoutMs in all.
 */
export async function listS3(uri: string, options: ListOptions): Promise<S3Object[]> {
  const at = parseS3Uri(uri);
  if (at.key !== '' && !at.key.endsWith('/'))
    throw new StoreError(uri, 'a prefix to list ends with / (s3://bucket/prefix/)');
  const suffix = options.suffix?.toLowerCase();
  return call(uri, 'list', options.timeoutMs, async (abortSignal) => {
    const found: S3Object[] = [];
    let token: string | undefined;
    do {
      const out = await client().send(
        new ListObjectsV2Command({
          Bucket: at.bucket,
          Prefix: at.key,
          Delimiter: '/',
          ContinuationToken: token,
        }),
        { abortSignal },
      );
      for (const o of out.Contents ?? []) {
        const key = o.Key;
        if (key === undefined || key === at.key) continue;
        if (suffix !== undefined && !key.toLowerCase().endsWith(suffix)) continue;
        found.push({ uri: `s3://${at.bucket}/${key}`, key, size: o.Size ?? 0, etag: o.ETag });
        if (found.length > options.maxObjects)
          throw new StoreError(
            uri,
            `more than ${options.maxObjects} ${suffix ?? ''} objects under this prefix; the limit is ${options.maxObjects}`.replace(
              '  ',
              ' ',
            ),
          );
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  });
}
