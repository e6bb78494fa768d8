// The store against a real S3-compatible server (s3rver), and the faults it cannot produce against
// small fake endpoints: every failure is a StoreError naming the URI and the cause, in bounded time.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { headS3 } from '../../src/store/s3.js';
import { readUri, writeUri } from '../../src/store/uri.js';
import { type RunningS3, startFakeS3, startS3, withEnv } from '../helpers/s3.js';

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe('s3:// against s3rver', () => {
  let s3: RunningS3;
  let restore: () => void;
  beforeAll(async () => {
    s3 = await startS3(['models', 'data']);
    restore = withEnv({ ...s3.env, AWS_ENDPOINT_URL: undefined });
  });
  afterAll(async () => {
    restore();
    await s3.stop();
  });

  it('writes and reads back the same bytes, with metadata', async () => {
    const bytes = new Uint8Array(randomBytes(1024 * 1024 + 17));
    await writeUri('s3://models/a/b/model.onnx', bytes, { metadata: { sha256: 'abc' } });
    const back = await readUri('s3://models/a/b/model.onnx');
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    const head = await headS3('s3://models/a/b/model.onnx', { timeoutMs: 5_000 });
    expect(head).toEqual({
      size: bytes.length,
      etag: expect.stringMatching(/^"[0-9a-f-]+"$/),
      metadata: { sha256: 'abc' },
    });
    expect(await headS3('s3://models/nothing-here', { timeoutMs: 5_000 })).toBeUndefined();
  });

  it('reads an empty object', async () => {
    await writeUri('s3://data/empty.csv', new Uint8Array(0));
    expect((await readUri('s3://data/empty.csv')).length).toBe(0);
  });

  it('names a missing object and a missing bucket', async () => {
    const e1 = await storeError(readUri('s3://models/no/such.onnx'));
    expect(e1.message).toBe('s3://models/no/such.onnx: cannot read: no such object');
    const e2 = await storeError(readUri('s3://no-such-bucket/model.onnx'));
    expect(e2.reason).toBe('cannot read: no such bucket');
    const e3 = await storeError(writeUri('s3://no-such-bucket/model.onnx', new Uint8Array(3)));
    expect(e3.reason).toBe('cannot write: no such bucket');
  });

  it('refuses an object over the size limit before reading it', async () => {
    await writeUri('s3://data/big.bin', new Uint8Array(4096));
    const e = await storeError(readUri('s3://data/big.bin', { maxBytes: 1000 }));
    expect(e.reason).toBe('the object is 4096 bytes, over the limit of 1000');
  });

  it('takes the endpoint from AWS_ENDPOINT_URL too', async () => {
    await writeUri('s3://data/x.txt', new TextEncoder().encode('hello'));
    const undo = withEnv({ AWS_ENDPOINT_URL_S3: undefined, AWS_ENDPOINT_URL: s3.endpoint });
    try {
      expect(new TextDecoder().decode(await readUri('s3://data/x.txt'))).toBe('hello');
    } finally {
      undo();
    }
  });
});

describe('s3:// URIs that name no object', () => {
  it.each([
    ['s3://', 'the s3:// URI has no bucket name (s3://bucket/key)'],
    ['s3:///key.onnx', 'the s3:// URI has no bucket name (s3://bucket/key)'],
    ['s3://ab/key.onnx', '"ab" is not a valid bucket name'],
    ['s3://Models/key.onnx', '"Models" is not a valid bucket name'],
    ['s3://my_bucket/key.onnx', '"my_bucket" is not a valid bucket name'],
    ['s3://-bucket/key.onnx', '"-bucket" is not a valid bucket name'],
    ['s3://bucket..name/key.onnx', '"bucket..name" is not a valid bucket name'],
    ['s3://bucket', 'the s3:// URI names no object'],
    ['s3://bucket/', 'the s3:// URI names no object'],
    ['s3://bucket/prefix/', 'the s3:// URI names no object'],
  ])('%s', async (uri, why) => {
    const fake = await startFakeS3((_req, res) => res.end());
    const restore = withEnv(fake.env);
    try {
      const e = await storeError(readUri(uri));
      expect(e.uri).toBe(uri);
      expect(e.reason).toContain(why);
      expect(fake.requests()).toBe(0);
    } finally {
      restore();
      await fake.stop();
    }
  });
});

describe('S3 faults', () => {
  async function withFake(
    handle: Parameters<typeof startFakeS3>[0],
    run: (fake: Awaited<ReturnType<typeof startFakeS3>>) => Promise<void>,
  ) {
    const fake = await startFakeS3(handle);
    const restore = withEnv({ ...fake.env, AWS_ENDPOINT_URL: undefined });
    try {
      await run(fake);
    } finally {
      restore();
      await fake.stop();
    }
  }

  it('access denied', async () => {
    await withFake(
      (_req, res) => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        );
      },
      async (fake) => {
        const e = await storeError(readUri('s3://models/model.onnx'));
        expect(e.reason).toMatch(/^cannot read: access denied/);
        expect(fake.requests()).toBe(1); // not retried
      },
    );
  });

  it('a body cut off before its announced length', async () => {
    await withFake(
      (_req, res) => {
        res.writeHead(200, { 'content-length': '100000', 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1000, 7));
        setTimeout(() => res.destroy(), 20);
      },
      async () => {
        const e = await storeError(readUri('s3://models/model.onnx', { timeoutMs: 5_000 }));
        expect(e.reason).toMatch(/truncated/);
      },
    );
  });

  it('a body without a Content-Length that never ends: cut off at maxBytes', async () => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    await withFake(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked, no length
        let open = true;
        res.on('close', () => {
          open = false;
        });
        const pump = () => {
          while (open && res.write(chunk)) {
            // until the socket's buffer is full
          }
        };
        res.on('drain', pump);
        pump();
      },
      async () => {
        const started = performance.now();
        const before = process.memoryUsage().rss;
        const e = await storeError(
          readUri('s3://models/model.onnx', { maxBytes: 1024 * 1024, timeoutMs: 20_000 }),
        );
        expect(e.reason).toBe('the object is over the limit of 1048576 bytes');
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
      },
    );
  }, 30_000);

  it('a body that stops arriving: given up after timeoutMs, saying how much came', async () => {
    await withFake(
      (_req, res) => {
        res.writeHead(200, { 'content-length': '100000', 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1000, 7));
      },
      async () => {
        const started = performance.now();
        const e = await storeError(readUri('s3://models/model.onnx', { timeoutMs: 500 }));
        expect(e.reason).toBe('cannot read: the object did not arrive within 500 ms (1000 of 100000 bytes)');
        expect(performance.now() - started).toBeLessThan(3_000);
      },
    );
  });

  it('an endpoint that never answers: a bounded timeout', async () => {
    await withFake(
      () => {
        // Accept the request and say nothing.
      },
      async () => {
        const started = performance.now();
        const e = await storeError(readUri('s3://models/model.onnx', { timeoutMs: 400 }));
        expect(e.reason).toBe('cannot read: no answer from S3 within 400 ms');
        expect(performance.now() - started).toBeLessThan(3_000);
      },
    );
  });

  it('a failing endpoint: a few retries, not a storm', async () => {
    await withFake(
      (_req, res) => {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      },
      async (fake) => {
        const e = await storeError(readUri('s3://models/model.onnx', { timeoutMs: 10_000 }));
        expect(e.reason).toMatch(/^cannot read: SlowDown \(HTTP 503\)/);
        expect(fake.requests()).toBeGreaterThanOrEqual(2);
        expect(fake.requests()).toBeLessThanOrEqual(3);
      },
    );
  });

  it('an unreachable endpoint', async () => {
    const fake = await startFakeS3((_req, res) => res.end());
    await fake.stop(); // its port is now closed
    const restore = withEnv({ ...fake.env, AWS_ENDPOINT_URL: undefined });
    try {
      const started = performance.now();
      const e = await storeError(readUri('s3://models/model.onnx', { timeoutMs: 10_000 }));
      expect(e.reason).toBe(`cannot read: cannot reach S3 at ${fake.endpoint} (ECONNREFUSED)`);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      restore();
    }
  });

  it('no region anywhere', async () => {
    const restore = withEnv({
      AWS_ENDPOINT_URL_S3: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    });
    try {
      const e = await storeError(readUri('s3://models/model.onnx', { timeoutMs: 2_000 }));
      expect(e.reason).toBe('cannot read: no AWS region configured; set AWS_REGION (or AWS_DEFAULT_REGION)');
    } finally {
      restore();
    }
  });
});
