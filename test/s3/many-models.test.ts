// Many models from s3rver: 20 .onnx objects under a prefix served by `modelgate serve s3://.../` and by
// the Lambda handler (MODEL_URI=s3://.../, loaded on first use within a small cache), objects outside
// the prefix's own level ignored; and an object replaced under the same key reloaded by its ETag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchModels } from '../../src/adapters/model-watch.js';
import { ModelSet, resolveModelFiles } from '../../src/adapters/models.js';
import { Core } from '../../src/api/core.js';
import type { ModelEntry } from '../../src/api/registry.js';
import { handlerFromEnv } from '../../src/lambda.js';
import { writeUri } from '../../src/store/uri.js';
import { modelNames, namedModel } from '../helpers/many-models.js';
import { REFERENCE_ROW } from '../helpers/models.js';
import { type RunningS3, startS3, withEnv } from '../helpers/s3.js';
import { serve, stopServers } from '../helpers/serve.js';

const NAMES = modelNames(20);
const ROW = JSON.stringify(REFERENCE_ROW);

describe('many models from S3', () => {
  let s3: RunningS3;
  let restore: () => void;

  beforeAll(async () => {
    s3 = await startS3(['models']);
    restore = withEnv({ ...s3.env, AWS_ENDPOINT_URL: undefined });
    await Promise.all(NAMES.map((n) => writeUri(`s3://models/many/${n}.onnx`, namedModel(n))));
    // Not models of this prefix: a deeper "folder", and a file that is not .onnx.
    await writeUri('s3://models/many/old/m01.onnx', namedModel('m01'));
    await writeUri('s3://models/many/README.txt', new TextEncoder().encode('models'));
  });
  afterAll(async () => {
    stopServers();
    restore();
    await s3.stop();
  });

  it('lists the .onnx objects directly under the prefix', async () => {
    const files = await resolveModelFiles(['s3://models/many/'], { maxModels: 100, timeoutMs: 10_000 });
    expect(files.map((f) => f.uri)).toEqual(NAMES.map((n) => `s3://models/many/${n}.onnx`));
    expect(files.every((f) => (f.size ?? 0) > 1000)).toBe(true);
    await expect(
      resolveModelFiles(['s3://models/many/'], { maxModels: 19, timeoutMs: 10_000 }),
    ).rejects.toThrow(
      'cannot list the models in s3://models/many/: more than 19 .onnx objects under this prefix; the limit is 19',
    );
    await expect(
      resolveModelFiles(['s3://models/empty/'], { maxModels: 19, timeoutMs: 10_000 }),
    ).rejects.toThrow('s3://models/empty/ holds no .onnx model files');
  });

  it('modelgate serve s3://bucket/prefix/ serves all 20', async () => {
    const s = await serve(['s3://models/many/'], s3.env);
    const list = (await (await fetch(`${s.url}/models`)).json()) as {
      models: { name: string; state: string }[];
    };
    expect(list.models.map((m) => `${m.name}:${m.state}`)).toEqual(NAMES.map((n) => `${n}:ready`));
    for (const name of NAMES) {
      const res = await fetch(`${s.url}/models/${name}/predict`, { method: 'POST', body: ROW });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-name')).toBe(name);
    }
  });

  it('the Lambda handler loads each on first use within its cache', async () => {
    const handler = await handlerFromEnv({
      ...s3.env,
      LOG_LEVEL: 'error',
      MODEL_URI: 's3://models/many/',
      MODEL_CACHE_MB: '1',
    });
    const ev = (method: string, path: string, body?: string) => ({
      version: '2.0',
      rawPath: path,
      headers: { 'content-type': 'application/json' },
      requestContext: { http: { method, path } },
      ...(body !== undefined ? { body } : {}),
    });
    for (const name of NAMES) {
      const res = await handler(ev('POST', `/models/${name}/predict`, ROW));
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['x-model-name']).toBe(name);
    }
    const models = JSON.parse((await handler(ev('GET', '/models'))).body).models as { state: string }[];
    expect(models.filter((m) => m.state === 'ready').length).toBeLessThanOrEqual(3);
    expect(models.filter((m) => m.state === 'unloaded').length).toBeGreaterThanOrEqual(17);
  });

  it('reloads a model whose object changes (its ETag), keeping the others', async () => {
    await writeUri('s3://models/etag/iris.onnx', namedModel('iris', 'v1'));
    await writeUri('s3://models/etag/other.onnx', namedModel('other', 'v1'));
    const files = await resolveModelFiles(['s3://models/etag/'], { maxModels: 10, timeoutMs: 10_000 });
    const set = await ModelSet.open(files, { loading: 'eager' });
    await set.loadAll();
    const watch = watchModels(set, { s3IntervalMs: 100, debounceMs: 20 });
    try {
      const core = new Core(set);
      const iris = set.find('iris') as ModelEntry;
      // The watcher's first look at the ETags, then the new object.
      await new Promise((r) => setTimeout(r, 300));
      await writeUri('s3://models/etag/iris.onnx', namedModel('iris', 'v2'));
      const until = performance.now() + 10_000;
      while (iris.version !== 'v2' && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(iris.version).toBe('v2');
      const res = await core.handle({ method: 'POST', path: '/models/iris/predict', headers: {}, body: ROW });
      expect(res.headers['x-model-version']).toBe('v2');
      expect(iris.counters).toMatchObject({ reloads: 1, reloadFailures: 0 });
      expect(set.find('other')?.counters).toMatchObject({ reloads: 0 });
    } finally {
      watch.close();
      await set.close();
    }
  });
});
