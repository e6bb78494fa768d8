// http(s) reads are bounded while the body streams, whatever the server announces: a body without a
// Content-Length (chunked), a compressed one (the decoded size counts) and an endless one are cut off
// at maxBytes, and a body that stalls is given up after timeoutMs. The whole body was once buffered
// (9.5 GB) before its size was checked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { readUri } from '../../src/store/uri.js';

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x41);
const gzipBomb = gzipSync(Buffer.alloc(64 * MiB));

/** Writes CHUNK into `to` for as long as the client reads, and stops when it goes. */
function endless(res: ServerResponse, to: Writable): void {
  let open = true;
  res.on('close', () => {
    open = false;
  });
  const pump = () => {
    while (open && to.write(CHUNK)) {
      // until the buffer is full
    }
  };
  to.on('drain', pump);
  pump();
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    endless(res, res);
  },
  '/endless-gzip': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
    const gzip = createGzip({ level: constants.Z_BEST_SPEED });
    gzip.pipe(res);
    endless(res, gzip);
    res.on('close', () => gzip.destroy());
  },
  '/gzip-bomb': (_req, res) => {
    // 64 MiB of zeros, about 64 KB on the wire, with an honest Content-Length for the compressed bytes.
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(gzipBomb.length) });
    res.end(gzipBomb);
  },
  '/chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' });
    for (let i = 0; i < 100; i++) res.write(`${i},${i * 2}\n`);
    res.end();
  },
  '/gzip-small': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    const gzip = createGzip();
    gzip.pipe(res);
    gzip.end('a,b\n1,2\n');
  },
  '/declared-too-large': (_req, res) => {
    res.writeHead(200, { 'content-length': String(10 * MiB) });
    res.write(CHUNK);
  },
  '/stalls': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(CHUNK);
  },
  '/truncated': (_req, res) => {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1000));
    setTimeout(() => res.destroy(), 20);
  },
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function refusal(p: Promise<unknown>): Promise<{ error: StoreError; ms: number }> {
  const started = performance.now();
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return { error: error as StoreError, ms: performance.now() - started };
}

describe('bodies are bounded while they stream', () => {
  it.each([
    ['an endless chunked body', '/endless'],
    ['an endless gzip body (its decoded size counts)', '/endless-gzip'],
    ['a gzip bomb with an honest Content-Length', '/gzip-bomb'],
  ])(
    '%s is cut off at maxBytes',
    async (_, path) => {
      const before = process.memoryUsage().rss;
      const { error, ms } = await refusal(readUri(`${base}${path}`, { maxBytes: MiB, timeoutMs: 20_000 }));
      expect(error.uri).toBe(`${base}${path}`);
      expect(error.reason).toBe(`the object is over the limit of ${MiB} bytes`);
      expect(ms).toBeLessThan(5_000);
      expect(process.memoryUsage().rss - before).toBeLessThan(200 * MiB);
    },
    30_000,
  );

  it('a declared length over the limit is refused before the body is read', async () => {
    const { error } = await refusal(readUri(`${base}/declared-too-large`, { maxBytes: MiB }));
    expect(error.reason).toBe(`the object is ${10 * MiB} bytes, over the limit of ${MiB}`);
  });

  it('a body that stalls is given up after timeoutMs', async () => {
    const { error, ms } = await refusal(readUri(`${base}/stalls`, { timeoutMs: 300 }));
    expect(error.reason).toBe('cannot fetch: no answer within 300 ms');
    expect(ms).toBeLessThan(3_000);
  });

  it('a body cut off before its announced length', async () => {
    const { error } = await refusal(readUri(`${base}/truncated`, { timeoutMs: 5_000 }));
    expect(error.reason).toMatch(/^truncated: /);
  });
});

describe('bodies within the limit', () => {
  it('chunked, without a Content-Length', async () => {
    const text = new TextDecoder().decode(await readUri(`${base}/chunked`, { maxBytes: 10_000 }));
    expect(text.split('\n')).toHaveLength(101);
    expect(text.startsWith('0,0\n1,2\n')).toBe(true);
  });

  it('gzip-compressed: decoded', async () => {
    expect(new TextDecoder().decode(await readUri(`${base}/gzip-small`))).toBe('a,b\n1,2\n');
  });
});
