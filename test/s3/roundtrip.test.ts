// The S3 round trip through the built CLI and Lambda entry, against s3rver: train from an s3:// CSV to
// an s3:// model, push it, and serve it with MODEL_URI=s3://... and MODEL_SHA256; then the loading
// faults, each failing init with the URI and the cause.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Predictor } from '../../src/runtime/predictor.js';
import { readUri, writeUri } from '../../src/store/uri.js';
import { runCli } from '../helpers/cli.js';
import { invokeEntry, LAMBDA_BUNDLE, LAMBDA_ENTRY } from '../helpers/lambda.js';
import { IRIS_CSV, IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { type RunningS3, startFakeS3, startS3, withEnv } from '../helpers/s3.js';
import { serve, stopServers } from '../helpers/serve.js';

const EVENT = {
  version: '2.0',
  rawPath: '/predict',
  headers: { 'content-type': 'application/json' },
  requestContext: { http: { method: 'POST', path: '/predict' } },
  body: JSON.stringify(REFERENCE_ROW),
  isBase64Encoded: false,
};

/** Invokes the Lambda entry once with the reference request, in a fresh process with `env`. */
function invokeLambda(env: Record<string, string>, entry = LAMBDA_ENTRY) {
  return invokeEntry(env, EVENT, entry);
}

async function initFailure(env: Record<string, string>): Promise<string> {
  const err = await invokeLambda(env).then(
    () => undefined,
    (e: { code?: number; stderr?: string }) => e,
  );
  expect(err, 'init should have failed').toBeDefined();
  expect(err?.code).not.toBe(0);
  return err?.stderr ?? '';
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('S3 round trip', () => {
  let s3: RunningS3;
  let restore: () => void;
  let pushed: { uri: string; sha: string };

  beforeAll(async () => {
    s3 = await startS3(['data', 'models']);
    restore = withEnv({ ...s3.env, AWS_ENDPOINT_URL: undefined });
    await writeUri('s3://data/iris/iris.csv', readFileSync(IRIS_CSV));
  });
  afterAll(async () => {
    restore();
    await s3.stop();
  });

  it('trains from an s3:// CSV to an s3:// model', async () => {
    const r = await runCli(
      ['train', 's3://data/iris/iris.csv', '--target', 'species', '--out', 's3://models/iris.onnx'],
      { env: s3.env },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('s3://models/iris.onnx');
    const bytes = await readUri('s3://models/iris.onnx');
    const predictor = await Predictor.load(bytes);
    expect((await predictor.predict([REFERENCE_ROW])).labels).toEqual(['virginica']);
    expect(predictor.card.provenance.data?.uri).toBe('s3://data/iris/iris.csv');
  });

  it('pushes it under a content-addressed key and prints the environment lines', async () => {
    const bytes = await readUri('s3://models/iris.onnx');
    const sha = sha256(bytes);
    const r = await runCli(['push', 's3://models/iris.onnx', 's3://models/prod/'], { env: s3.env });
    expect(r.code).toBe(0);
    const uri = `s3://models/prod/iris/${sha}.onnx`;
    expect(r.stdout).toBe(`MODEL_URI=${uri}\nMODEL_SHA256=${sha}\n`);
    expect(r.stderr).toContain(`uploaded s3://models/iris.onnx (${bytes.length} bytes) to ${uri}`);
    expect(sha256(await readUri(uri))).toBe(sha);
    pushed = { uri, sha };

    const again = await runCli(['push', 's3://models/iris.onnx', 's3://models/prod'], { env: s3.env });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(r.stdout);
    expect(again.stderr).toContain('already there');
  });

  it.each([
    ['module', LAMBDA_ENTRY],
    ['bundle (S3 client in a chunk of its own)', LAMBDA_BUNDLE],
  ])(
    'the Lambda handler (%s) loads MODEL_URI=s3://... with MODEL_SHA256 and answers the reference request',
    async (_, entry) => {
      const { stdout } = await invokeLambda(
        {
          ...s3.env,
          MODEL_URI: pushed.uri,
          MODEL_SHA256: pushed.sha,
        },
        entry,
      );
      const { result } = JSON.parse(stdout);
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
    },
  );

  it('modelgate serve loads it from s3:// and answers', async () => {
    const s = await serve([pushed.uri, '--sha256', pushed.sha], s3.env);
    try {
      const res = await fetch(`${s.url}/predict`, { method: 'POST', body: JSON.stringify(REFERENCE_ROW) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
    } finally {
      stopServers();
    }
  });

  it('modelgate serve stops, never ready, when the object is missing', async () => {
    const s = await serve(['s3://models/prod/nothing.onnx'], s3.env);
    expect(await s.exited).toBe(1);
    const error = s.lines.find((l) => l.level === 'error');
    expect(error?.error).toBe(
      'cannot load the model from s3://models/prod/nothing.onnx: cannot read: no such object',
    );
    expect(s.lines.some((l) => l.msg === 'model loaded; ready')).toBe(false);
  });

  it('modelgate predict reads s3:// too', async () => {
    const r = await runCli(['predict', pushed.uri, JSON.stringify(REFERENCE_ROW)], { env: s3.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
  });

  it('push refuses a file modelgate cannot serve and uploads nothing', async () => {
    const r = await runCli(['push', IRIS_CSV, 's3://models/bad/'], { env: s3.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cannot load the model from ${IRIS_CSV}: it looks like CSV data, not an ONNX model; train a model on it first`,
    );
    const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'models', Prefix: 'bad/' }));
    client.destroy();
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it.each([
    [['push', IRIS_MODEL, 'models/prod/'], 'the destination must be an s3:// URI'],
    [['push', IRIS_MODEL, 's3://x/prod/'], '"x" is not a valid bucket name'],
    [['push', IRIS_MODEL], "missing required argument 'destination'"],
  ])('push %j: exit 2', async (args, why) => {
    const r = await runCli(args, { env: s3.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
  });

  it('train from a missing s3:// CSV: exit 1, named', async () => {
    const r = await runCli(['train', 's3://data/nothing.csv', '--target', 'species'], { env: s3.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('s3://data/nothing.csv: cannot read: no such object');
  });

  it('push uploads when it may write but not look (HEAD answers 403)', async () => {
    const seen: string[] = [];
    const fake = await startFakeS3((req, res) => {
      seen.push(req.method ?? '');
      if (req.method === 'HEAD') {
        res.writeHead(403);
        res.end();
        return;
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { etag: '"x"' });
        res.end();
      });
    });
    try {
      const r = await runCli(['push', IRIS_MODEL, 's3://models/prod/'], { env: fake.env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^MODEL_URI=s3:\/\/models\/prod\/iris\/[0-9a-f]{64}\.onnx\n/);
      expect(seen).toEqual(['HEAD', 'PUT']);
    } finally {
      await fake.stop();
    }
  });

  it('push to a bucket that does not exist: exit 1, named', async () => {
    const r = await runCli(['push', IRIS_MODEL, 's3://no-such-bucket/prod/'], { env: s3.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /s3:\/\/no-such-bucket\/prod\/iris\/[0-9a-f]{64}\.onnx: cannot write: no such bucket/,
    );
  });

  describe('loading faults fail init with the URI and the cause', () => {
    it('wrong sha256', async () => {
      const stderr = await initFailure({ ...s3.env, MODEL_URI: pushed.uri, MODEL_SHA256: 'ab'.repeat(32) });
      expect(stderr).toContain(
        `the model at ${pushed.uri} has sha256 ${pushed.sha}, not the expected ${'ab'.repeat(32)}`,
      );
    });

    it('missing object', async () => {
      const stderr = await initFailure({ ...s3.env, MODEL_URI: 's3://models/prod/nothing.onnx' });
      expect(stderr).toContain(
        'cannot load the model from s3://models/prod/nothing.onnx: cannot read: no such object',
      );
    });

    it('truncated object', async () => {
      const fake = await startFakeS3((_req, res) => {
        res.writeHead(200, { 'content-length': '50000' });
        res.write(readFileSync(IRIS_MODEL).subarray(0, 2000));
        setTimeout(() => res.destroy(), 20);
      });
      try {
        const stderr = await initFailure({ ...fake.env, MODEL_URI: 's3://models/iris.onnx' });
        expect(stderr).toMatch(/cannot load the model from s3:\/\/models\/iris\.onnx: truncated/);
      } finally {
        await fake.stop();
      }
    });

    it('access denied', async () => {
      const fake = await startFakeS3((_req, res) => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      });
      try {
        const stderr = await initFailure({ ...fake.env, MODEL_URI: 's3://models/iris.onnx' });
        expect(stderr).toContain(
          'cannot load the model from s3://models/iris.onnx: cannot read: access denied',
        );
      } finally {
        await fake.stop();
      }
    });

    it('unreachable endpoint', async () => {
      const fake = await startFakeS3((_req, res) => res.end());
      await fake.stop();
      const stderr = await initFailure({ ...fake.env, MODEL_URI: 's3://models/iris.onnx' });
      expect(stderr).toContain(`cannot read: cannot reach S3 at ${fake.endpoint} (ECONNREFUSED)`);
    });

    it('slow endpoint: MODEL_LOAD_TIMEOUT_MS bounds the wait', async () => {
      const fake = await startFakeS3(() => {});
      try {
        const started = performance.now();
        const stderr = await initFailure({
          ...fake.env,
          MODEL_URI: 's3://models/iris.onnx',
          MODEL_LOAD_TIMEOUT_MS: '500',
        });
        expect(stderr).toContain('cannot read: no answer from S3 within 500 ms');
        expect(performance.now() - started).toBeLessThan(10_000);
      } finally {
        await fake.stop();
      }
    });

    it('a bad MODEL_LOAD_TIMEOUT_MS', async () => {
      const stderr = await initFailure({ ...s3.env, MODEL_URI: pushed.uri, MODEL_LOAD_TIMEOUT_MS: 'soon' });
      expect(stderr).toContain('MODEL_LOAD_TIMEOUT_MS must be a positive integer, got "soon"');
    });
  });
});
