// Request bodies for the HTTP server: reading one under the size limit in memory proportional to its
// size, and what becomes of the rest of one that is refused.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTooLargeError } from '../api/errors.js';
import { type FragmentationRule, FragmentedBodyError } from './errors.js';

/** The first buffer a body of more than one chunk is gathered into. */
const FIRST_CAPACITY = 16 * 1024;

/**
 * Each piece of a body costs a callback from Node's parser whatever its size: one 6 MB body took 40 ms
 * of the server's CPU in 64 KB pieces, 650 ms in 24-byte chunks and 27 s in one-byte chunks. Past
 * 4096 pieces they must average 16 bytes or more, which a client writing its body a row or more at a
 * time does not come near, and which keeps the worst body within about 25 times the work of the same
 * bytes in whole pieces.
 */
export const FRAGMENTATION: FragmentationRule = { pieces: 4096, minAverageBytes: 16 };

function tooFragmented(pieces: number, bytes: number): boolean {
  return pieces > FRAGMENTATION.pieces && bytes < pieces * FRAGMENTATION.minAverageBytes;
}

/** Where a body read by readBody goes: exactly one of the two is called, once. */
export interface BodySink {
  bodyRead(body: Buffer): void;
  bodyFailed(error: unknown): void;
}

/**
 * Reads the body, failing with 413 as soon as it passes `limit` bytes (at once when Content-Length
 * says so), and with 400 when it arrives in too many tiny pieces (`FRAGMENTATION`).
 *
 * Node hands the body over as one Buffer per socket read, or per chunk of a chunked body, and each
 * Buffer costs a few hundred bytes beside its contents: kept in a list, a body sent one byte at a time
 * cost hundreds of times its size (one 6 MB body took the process from 87 MB to 2.3 GB). The chunks
 * are copied into one buffer that grows as it fills instead, so each is garbage at once and a body
 * holds at most four times its bytes so far, never more than `limit` (1.25 times while it grows, the
 * old buffer beside the new). A body that arrives in one chunk, the common case, is used as it is.
 *
 * The reader is one object on the request and its listeners are shared functions: every request reads
 * a body, and a closure per listener was a good part of what a request allocated.
 */
export function readBody(req: IncomingMessage, limit: number, sink: BodySink): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    sink.bodyFailed(bodyTooLargeError(limit, declared));
    return;
  }
  (req as Reading)[READER] = new BodyReader(sink, limit, declared);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  // Destroyed without an error (the socket closed under it): settle rather than wait forever.
  req.on('close', onClose);
}

const READER = Symbol('modelgate.bodyReader');
type Reading = IncomingMessage & { [READER]?: BodyReader };

class BodyReader {
  first: Buffer | undefined;
  gathered: Buffer | undefined;
  size = 0;
  pieces = 0;
  settled = false;

  constructor(
    readonly sink: BodySink,
    readonly limit: number,
    readonly declared: number,
  ) {}

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.bodyFailed(error);
  }

  add(req: IncomingMessage, chunk: Buffer): void {
    if (this.settled) return;
    const { limit, declared, size } = this;
    const end = size + chunk.length;
    this.pieces++;
    if (end > limit || tooFragmented(this.pieces, end)) {
      req.off('data', onData);
      // Past the limit mid-stream (the whole size is not known), or too many tiny pieces.
      this.fail(
        end > limit ? bodyTooLargeError(limit) : new FragmentedBodyError(this.pieces, end, FRAGMENTATION),
      );
      return;
    }
    if (this.first === undefined) this.first = chunk;
    else {
      let gathered = this.gathered;
      if (gathered === undefined || end > gathered.length) {
        // Four times what has arrived, so the outgrown buffers (garbage until the next collection)
        // add up to a third of the last one; never past the declared length (the parser holds the
        // body to it) nor the limit. Not the declared length at once: a connection would then cost a
        // buffer of the limit's size (and the collector's attention) for a few bytes sent.
        const most = declared >= end ? declared : limit;
        const grown = Buffer.allocUnsafe(Math.min(most, Math.max(FIRST_CAPACITY, 4 * end)));
        (gathered ?? this.first).copy(grown, 0, 0, size);
        gathered = grown;
        this.gathered = grown;
      }
      chunk.copy(gathered, size);
    }
    this.size = end;
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    const { gathered, first } = this;
    this.sink.bodyRead(gathered ? gathered.subarray(0, this.size) : (first ?? Buffer.alloc(0)));
  }
}

function onData(this: Reading, chunk: Buffer): void {
  this[READER]?.add(this, chunk);
}

function onEnd(this: Reading): void {
  this[READER]?.end();
}

function onError(this: Reading, error: Error): void {
  this[READER]?.fail(error);
}

function onClose(this: Reading): void {
  if (!this.complete) this[READER]?.fail(new Error('the connection closed before the body was complete'));
}

/** How much of a refused body is read and dropped before the connection is cut. */
export interface DiscardBound {
  bytes: number;
  ms: number;
}

/**
 * Ends a response that was written (status, headers and body, with `connection: close`) before the
 * request's body was read: reads and drops the rest of the body, up to `bound` bytes, for up to
 * `bound` milliseconds and while its pieces are not too small (`FRAGMENTATION`), ends the response
 * once the body is over, and cuts the connection past the bound.
 *
 * Closing at once would leave the unread upload in the socket, and the kernel answers unread bytes
 * with a reset that takes the answer with it: a client that sends its whole body before it reads
 * (Python's http.client, requests, many SDKs) saw a broken pipe or a reset instead of the 413.
 */
export function discardRestOfBody(req: IncomingMessage, res: ServerResponse, bound: DiscardBound): void {
  if (req.complete) {
    // The refused piece was the last: nothing is left to read ('end' may have gone by already).
    res.end();
    return;
  }
  let dropped = 0;
  let pieces = 0;
  const cut = (): void => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, bound.ms);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > bound.bytes || tooFragmented(++pieces, dropped)) cut();
  });
  req.on('end', () => {
    clearTimeout(timer);
    // Nothing unread is left: Node closes the connection cleanly once the answer is flushed.
    res.end();
  });
  req.on('close', () => clearTimeout(timer));
  req.on('error', () => clearTimeout(timer));
  req.resume();
}
