// Local reads are bounded like network ones: only regular files are read (symlinks to them too), never
// past maxBytes, and never for longer than timeoutMs. /dev/zero once grew the process to 18 GB and a
// FIFO nobody writes once hung it for good.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { readLocal, streamLocal } from '../../src/store/local.js';
import { readUri } from '../../src/store/uri.js';

const linux = process.platform === 'linux';
const dir = mkdtempSync(join(tmpdir(), 'modelgate-local-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

/** The read's StoreError, and how long it took to come. */
async function refusal(p: Promise<unknown>): Promise<{ error: StoreError; ms: number }> {
  const started = performance.now();
  const error = await storeError(p);
  return { error, ms: performance.now() - started };
}

describe.runIf(linux)('paths that are not regular files are refused before anything is read', () => {
  let socketServer: Server;
  const socketPath = join(dir, 'model.sock');
  beforeAll(async () => {
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(socketPath, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => socketServer.close(resolve));
  });

  it('/dev/zero, a character device that never ends', async () => {
    const before = process.memoryUsage().rss;
    const { error, ms } = await refusal(readUri('/dev/zero', { timeoutMs: 5_000 }));
    expect(error.uri).toBe('/dev/zero');
    expect(error.reason).toBe('cannot read: is a character device, not a regular file');
    expect(ms).toBeLessThan(1_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  }, 10_000);

  it('a FIFO that nobody writes', async () => {
    const fifo = join(dir, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    const { error, ms } = await refusal(readUri(fifo, { timeoutMs: 5_000 }));
    expect(error.uri).toBe(fifo);
    expect(error.reason).toBe('cannot read: is a named pipe (FIFO), not a regular file');
    expect(ms).toBeLessThan(1_000);
  }, 10_000);

  it('a directory', async () => {
    const sub = join(dir, 'models');
    mkdirSync(sub);
    const { error } = await refusal(readUri(sub));
    expect(error.reason).toBe('cannot read: is a directory, not a file');
  });

  it('a socket', async () => {
    const { error } = await refusal(readUri(socketPath));
    expect(error.reason).toBe('cannot read: is a socket, not a regular file');
  });

  it('a symlink to a character device', async () => {
    const link = join(dir, 'zero-link');
    symlinkSync('/dev/zero', link);
    const { error, ms } = await refusal(readUri(link, { timeoutMs: 5_000 }));
    expect(error.uri).toBe(link);
    expect(error.reason).toBe('cannot read: is a character device, not a regular file');
    expect(ms).toBeLessThan(1_000);
  }, 10_000);
});

describe('regular files', () => {
  it('are read whole, through a symlink too', async () => {
    const file = join(dir, 'data.bin');
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    writeFileSync(file, bytes);
    const link = join(dir, 'data-link.bin');
    symlinkSync(file, link);
    expect(Buffer.from(await readUri(file)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(await readUri(link)).equals(Buffer.from(bytes))).toBe(true);
    writeFileSync(join(dir, 'empty.bin'), new Uint8Array(0));
    expect((await readUri(join(dir, 'empty.bin'))).length).toBe(0);
  });

  it('over maxBytes are refused, saying how large they are', async () => {
    const file = join(dir, 'big.bin');
    writeFileSync(file, new Uint8Array(10_000));
    const { error } = await refusal(readUri(file, { maxBytes: 1_000 }));
    expect(error.uri).toBe(file);
    expect(error.reason).toBe('the file is 10000 bytes, over the limit of 1000');
    expect((await readUri(file, { maxBytes: 10_000 })).length).toBe(10_000);
  });

  it.runIf(linux)('whose size says 0 (/proc) are read to their end, within maxBytes', async () => {
    const text = new TextDecoder().decode(await readUri('/proc/self/status'));
    expect(text).toMatch(/^Name:/);
    const { error } = await refusal(readUri('/proc/self/status', { maxBytes: 16 }));
    expect(error.reason).toBe('the file is over the limit of 16 bytes');
  });

  it('missing', async () => {
    const { error } = await refusal(readUri(join(dir, 'nothing.onnx')));
    expect(error.reason).toBe('cannot read: no such file');
  });
});

describe('a file system that does not answer (a stuck NFS mount)', () => {
  const never = () => new Promise<never>(() => {});

  it('an open that never returns gives up after timeoutMs', async () => {
    const { error, ms } = await refusal(
      readLocal('/mnt/nfs/model.onnx', { timeoutMs: 200, maxBytes: 1_000 }, { open: never, stat: never }),
    );
    expect(error.uri).toBe('/mnt/nfs/model.onnx');
    expect(error.reason).toBe('cannot read: no answer within 200 ms (a stuck network file system?)');
    expect(ms).toBeLessThan(2_000);
  });

  it('a read that never returns gives up after timeoutMs, and the file is closed once it does', async () => {
    const file = join(dir, 'stuck.bin');
    writeFileSync(file, new Uint8Array(100));
    const { open, stat } = await import('node:fs/promises');
    let closed = 0;
    const stuck = async (path: string, flags: number): Promise<FileHandle> => {
      const handle = await open(path, flags);
      return new Proxy(handle, {
        get(target, key) {
          if (key === 'read') return never;
          if (key === 'close')
            return () => {
              closed++;
              return target.close();
            };
          const v = Reflect.get(target, key);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    };
    const { error, ms } = await refusal(
      readLocal(file, { timeoutMs: 200, maxBytes: 1_000 }, { open: stuck, stat }),
    );
    expect(error.reason).toBe('cannot read: no answer within 200 ms (a stuck network file system?)');
    expect(ms).toBeLessThan(2_000);
    expect(closed).toBe(1);
  });
});

describe('a file streamed a piece at a time (streamLocal, for large CSVs)', () => {
  const bounds = { timeoutMs: 5_000, maxBytes: 4 * 1024 * 1024 };

  it('hands over every byte in order, in pieces of at most a megabyte', async () => {
    const file = join(dir, 'stream.bin');
    const bytes = Uint8Array.from({ length: 2.5 * 1024 * 1024 }, (_, i) => (i * 7) % 251);
    writeFileSync(file, bytes);
    const pieces: Uint8Array[] = [];
    const total = await streamLocal(file, bounds, (piece) => pieces.push(piece.slice()));
    expect(total).toBe(bytes.length);
    expect(pieces.map((p) => p.length)).toEqual([1 << 20, 1 << 20, bytes.length - (2 << 20)]);
    expect(Buffer.concat(pieces).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses what readLocal refuses, before anything is read', async () => {
    const file = join(dir, 'stream-big.bin');
    writeFileSync(file, new Uint8Array(10_000));
    let pieces = 0;
    const count = () => {
      pieces++;
    };
    const { error } = await refusal(streamLocal(file, { ...bounds, maxBytes: 1_000 }, count));
    expect(error.reason).toBe('the file is 10000 bytes, over the limit of 1000');
    if (linux) {
      const zero = await refusal(streamLocal('/dev/zero', bounds, count));
      expect(zero.error.reason).toBe('cannot read: is a character device, not a regular file');
    }
    expect((await refusal(streamLocal(join(dir, 'none.csv'), bounds, count))).error.reason).toBe(
      'cannot read: no such file',
    );
    expect(pieces).toBe(0);
  });

  it("passes the consumer's own error on as it is", async () => {
    const file = join(dir, 'stream-bad.csv');
    writeFileSync(file, 'a,b\n');
    const bad = new RangeError('not a CSV');
    await expect(
      streamLocal(file, bounds, () => {
        throw bad;
      }),
    ).rejects.toBe(bad);
  });

  it('gives up on an open that never returns', async () => {
    const never = () => new Promise<never>(() => {});
    const { stat } = await import('node:fs/promises');
    const file = join(dir, 'stream-stuck.bin');
    writeFileSync(file, new Uint8Array(10));
    const { error } = await refusal(
      streamLocal(file, { timeoutMs: 200, maxBytes: 1_000 }, () => {}, { open: never, stat }),
    );
    expect(error.reason).toBe('cannot read: no answer within 200 ms (a stuck network file system?)');
  });
});
