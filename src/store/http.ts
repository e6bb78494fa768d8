// http(s) objects, read only: redirects followed, the whole read (body included) within timeoutMs, and
// the body bounded by maxBytes while it streams (src/store/bounded.ts).
import { readBounded } from './bounded.js';
import { StoreError } from './errors.js';

export interface HttpReadOptions {
  timeoutMs: number;
  maxBytes: number;
}

/** fetch's errors carry the network's reason (ECONNREFUSED, a TLS failure) in their cause. */
type FetchError = Error & { cause?: { code?: string; message?: string } };

function why(err: FetchError, timeoutMs: number): string {
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return err.cause?.code ?? err.cause?.message ?? err.message;
}

export async function readUrl(url: string, options: HttpReadOptions): Promise<Uint8Array> {
  const { timeoutMs, maxBytes } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (cause) {
    throw new StoreError(url, `cannot fetch: ${why(cause as FetchError, timeoutMs)}`, { cause });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new StoreError(url, `cannot fetch: HTTP ${response.status} ${response.statusText}`.trim());
  }
  if (!response.body) return new Uint8Array(0);
  const header = response.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  // fetch decodes gzip, deflate and br on the way: Content-Length then counts the encoded bytes, and
  // only the decoded ones are counted against the limit.
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  const encoded = encoding !== undefined && encoding !== '' && encoding !== 'identity';
  try {
    return await readBounded(response.body, {
      uri: url,
      maxBytes,
      expected: encoded ? undefined : declared,
      signal,
      abortReason: () => `cannot fetch: no answer within ${timeoutMs} ms`,
    });
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    const err = cause as FetchError;
    // undici reports a connection that ends early as "terminated".
    if (err.message === 'terminated' || err.cause?.code === 'UND_ERR_SOCKET')
      throw new StoreError(
        url,
        `truncated: the connection ended before the whole object arrived${declared !== undefined && !encoded ? ` (${declared} bytes announced)` : ''}`,
        { cause },
      );
    throw new StoreError(url, `cannot fetch: ${why(err, timeoutMs)}`, { cause });
  }
}
