// A body read into memory, never past a bound: every network read (http(s) and S3) goes through here,
// so no peer can make modelgate hold more than maxBytes, whatever it announces or leaves unsaid (a
// chunked body, a compressed one whose decoded size counts, one that never ends).
import { StoreError } from './errors.js';

export interface BodyBounds {
  /** Named in every error. */
  uri: string;
  maxBytes: number;
  /**
   * The length the peer announced, when it is the length of the bytes that arrive (not the compressed
   * length of a body that is decoded on the way).
   */
  expected?: number;
  /** Aborts the read (a timeout): it then fails with `abortReason`, even while a chunk is awaited. */
  signal?: AbortSignal;
  abortReason?: (received: number) => string;
}

/** The error for a body over the limit, before (size known) or while (size unknown) it is read. */
export function overLimit(uri: string, maxBytes: number, size?: number): StoreError {
  return new StoreError(
    uri,
    size === undefined
      ? `the object is over the limit of ${maxBytes} bytes`
      : `the object is ${size} bytes, over the limit of ${maxBytes}`,
  );
}

/**
 * The whole body, or a StoreError as soon as it passes maxBytes (the transfer is then cancelled, so
 * the rest is never received). An announced length is checked both ways, and the buffer for it is
 * allocated once: memory the operating system commits only as the bytes arrive, so a peer that
 * announces much and sends little costs nothing.
 */
export async function readBounded(body: ReadableStream<Uint8Array>, bounds: BodyBounds): Promise<Uint8Array> {
  const { uri, maxBytes, expected, signal } = bounds;
  if (expected !== undefined && expected > maxBytes) {
    await body.cancel().catch(() => {});
    throw overLimit(uri, maxBytes, expected);
  }
  const reader = body.getReader();
  let received = 0;
  const aborted = () =>
    new StoreError(uri, bounds.abortReason?.(received) ?? `gave up after ${received} bytes`, {
      cause: signal?.reason,
    });
  // A pending read() does not see the signal by itself: cancelling the reader settles it.
  const onAbort = () => {
    reader.cancel().catch(() => {});
  };
  if (signal?.aborted) throw aborted();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exact = expected === undefined ? undefined : new Uint8Array(expected);
    const chunks: Uint8Array[] = [];
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (cause) {
        if (signal?.aborted) throw aborted();
        throw cause;
      }
      // A cancelled reader reports the end of the stream: that is not the end of the body.
      if (signal?.aborted) throw aborted();
      if (next.done) break;
      const chunk = next.value;
      received += chunk.byteLength;
      if (received > maxBytes) throw overLimit(uri, maxBytes);
      if (exact) {
        if (received > exact.length)
          throw new StoreError(uri, `more bytes arrived than the ${exact.length} announced`);
        exact.set(chunk, received - chunk.byteLength);
      } else chunks.push(chunk);
    }
    if (exact) {
      if (received < exact.length)
        throw new StoreError(uri, `truncated: received ${received} of ${exact.length} bytes`);
      return exact;
    }
    const out = new Uint8Array(received);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  } catch (err) {
    // Stops the transfer: nothing more is received once the read has failed.
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}
