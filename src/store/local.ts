// Local files, read as network objects are: only regular files, never past maxBytes and never for
// longer than timeoutMs. Otherwise `/dev/zero` is read until memory runs out, a FIFO nobody writes
// waits forever, and a stuck network file system hangs a Lambda init or `serve` with no message.
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { type FileHandle, open as openFile, stat as statPath } from 'node:fs/promises';
import { StoreError } from './errors.js';

export interface LocalReadOptions {
  timeoutMs: number;
  maxBytes: number;
}

/** The file system calls a read makes: a seam for tests that stand in one that never answers. */
export interface LocalFs {
  open(path: string, flags: number): Promise<FileHandle>;
  stat(path: string): Promise<Stats>;
}

const NODE_FS: LocalFs = { open: openFile, stat: statPath };

/**
 * O_NONBLOCK: opening a FIFO then returns at once instead of waiting for a writer (the handle's type is
 * checked before anything is read); it changes nothing for regular files. Windows has no such flag.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** One read call at most: the time bound is checked between calls. */
const READ_CHUNK = 8 * 1024 * 1024;
/** The first buffer when the size is not known in advance (files in /proc say 0). */
const FIRST_BUFFER = 64 * 1024;

/** Why a file of this type is not read, or undefined for a regular file. */
function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

function failure(path: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  const code = (cause as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : code === 'ELOOP'
              ? 'too many symbolic links (a loop?)'
              : (cause as Error).message;
  return new StoreError(path, `cannot read: ${why}`, { cause });
}

/** The file's bytes, or a StoreError naming `path` and why it was not read. */
export async function readLocal(
  path: string,
  options: LocalReadOptions,
  fs: LocalFs = NODE_FS,
): Promise<Uint8Array> {
  let gaveUp = false;
  let handle: FileHandle | undefined;
  let closed = false;
  // Closing waits for an operation still pending on the handle, so it is not awaited after a timeout.
  const close = () => {
    if (handle && !closed) {
      closed = true;
      handle.close().catch(() => {});
    }
  };
  const read = async (): Promise<Uint8Array> => {
    try {
      // The type is checked before opening (opening some devices does something) and again on the
      // opened handle, so a path swapped in between is not read either.
      const why = notRegular(await fs.stat(path));
      if (why) throw new StoreError(path, `cannot read: ${why}`);
      handle = await fs.open(path, OPEN_FLAGS);
      // After the deadline nobody waits for the bytes: the handle is closed and nothing is read.
      if (gaveUp) return new Uint8Array(0);
      const st = await handle.stat();
      const whyNow = notRegular(st);
      if (whyNow) throw new StoreError(path, `cannot read: ${whyNow}`);
      if (st.size > options.maxBytes)
        throw new StoreError(path, `the file is ${st.size} bytes, over the limit of ${options.maxBytes}`);
      return await readToEnd(path, handle, st.size, options.maxBytes, () => gaveUp);
    } catch (cause) {
      throw failure(path, cause);
    } finally {
      close();
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      gaveUp = true;
      close();
      reject(
        new StoreError(
          path,
          `cannot read: no answer within ${options.timeoutMs} ms (a stuck network file system?)`,
        ),
      );
    }, options.timeoutMs);
  });
  const reading = read();
  try {
    return await Promise.race([reading, deadline]);
  } finally {
    clearTimeout(timer);
    // Settles after the deadline when the file system answers at last; nobody waits for it then.
    reading.catch(() => {});
  }
}

/**
 * Reads from the start to the end of the file, whatever its size said (a file in /proc says 0, and a
 * file may grow while it is read), refusing it once it passes maxBytes.
 */
async function readToEnd(
  path: string,
  handle: FileHandle,
  size: number,
  maxBytes: number,
  gaveUp: () => boolean,
): Promise<Uint8Array> {
  // One byte more than the size, so the end is seen without growing the buffer.
  let buf = new Uint8Array(size > 0 ? size + 1 : Math.min(FIRST_BUFFER, maxBytes + 1));
  let total = 0;
  for (;;) {
    if (gaveUp()) return new Uint8Array(0);
    if (total === buf.length) {
      if (buf.length > maxBytes) throw overLimitFile(path, maxBytes);
      const bigger = new Uint8Array(Math.min(buf.length * 2, maxBytes + 1));
      bigger.set(buf);
      buf = bigger;
    }
    const { bytesRead } = await handle.read(buf, total, Math.min(buf.length - total, READ_CHUNK), total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw overLimitFile(path, maxBytes);
  }
  return total === buf.length ? buf : buf.subarray(0, total);
}

function overLimitFile(path: string, maxBytes: number): StoreError {
  return new StoreError(path, `the file is over the limit of ${maxBytes} bytes`);
}

/** The piece `streamLocal` reads at a time: big enough for few calls, small beside a large file. */
const STREAM_CHUNK = 1024 * 1024;

/**
 * Hands the file's bytes to `onChunk` a piece at a time, with readLocal's checks (regular files only,
 * never past maxBytes), so that a large file is never held whole. Each call on the file system must
 * answer within timeoutMs; the whole file may take longer, since `onChunk` works on each piece as it
 * comes. A piece is valid only during the call (its buffer is reused). Resolves to the bytes read.
 */
export async function streamLocal(
  path: string,
  options: LocalReadOptions,
  onChunk: (bytes: Uint8Array) => void,
  fs: LocalFs = NODE_FS,
): Promise<number> {
  let handle: FileHandle | undefined;
  /** What `onChunk` threw: the caller's own error, passed on as it is. */
  let refused: { error: unknown } | undefined;
  let gaveUp = false;
  const bounded = async <T>(call: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(
          new StoreError(
            path,
            `cannot read: no answer within ${options.timeoutMs} ms (a stuck network file system?)`,
          ),
        );
      }, options.timeoutMs);
    });
    try {
      return await Promise.race([call, deadline]);
    } finally {
      clearTimeout(timer);
      call.catch(() => {});
    }
  };
  try {
    const why = notRegular(await bounded(fs.stat(path)));
    if (why) throw new StoreError(path, `cannot read: ${why}`);
    const opening = fs.open(path, OPEN_FLAGS);
    // Closed once it opens, if the deadline passed first.
    opening.then(
      (h) => {
        if (gaveUp) h.close().catch(() => {});
      },
      () => {},
    );
    handle = await bounded(opening);
    const st = await bounded(handle.stat());
    const whyNow = notRegular(st);
    if (whyNow) throw new StoreError(path, `cannot read: ${whyNow}`);
    if (st.size > options.maxBytes)
      throw new StoreError(path, `the file is ${st.size} bytes, over the limit of ${options.maxBytes}`);
    const buf = new Uint8Array(STREAM_CHUNK);
    let total = 0;
    for (;;) {
      const { bytesRead } = await bounded(handle.read(buf, 0, buf.length, total));
      if (bytesRead === 0) return total;
      total += bytesRead;
      if (total > options.maxBytes) throw overLimitFile(path, options.maxBytes);
      try {
        onChunk(buf.subarray(0, bytesRead));
      } catch (error) {
        refused = { error };
        throw error;
      }
    }
  } catch (cause) {
    throw refused ? refused.error : failure(path, cause);
  } finally {
    handle?.close().catch(() => {});
  }
}
