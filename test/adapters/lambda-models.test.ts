// The Lambda handler over a prefix of models (MODEL_URI ending in /): listed at init, each loaded on its
// first request and kept in a cache bounded by the function's memory, the answer naming the model and
// version that answered; a listing over MAX_MODELS fails init with a clear message.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheBudgetBytes, handlerFromEnv, RESERVED_MEMORY_MB } from '../../src/lambda.js';
import { modelFolder } from '../helpers/many-models.js';
import { REFERENCE_ROW } from '../helpers/models.js';

function event(method: string, path: string, body?: string) {
  return {
    version: '2.0',
    rawPath: path,
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method, path }, stage: '$default' },
    ...(body !== undefined ? { body, isBase64Encoded: false } : {}),
  };
}

const predictEvent = (name: string) =>
  event('POST', `/models/${name}/predict`, JSON.stringify(REFERENCE_ROW));
const quiet = { LOG_LEVEL: 'error' };

describe('MODEL_URI naming a folder of models', () => {
  let dir: string;
  let names: string[];
  beforeAll(() => {
    ({ dir, names } = modelFolder(20));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers each of 20 models, naming the model and version that answered', async () => {
    const handler = await handlerFromEnv({ ...quiet, MODEL_URI: `${dir}/` });
    for (const name of names) {
      const res = await handler(predictEvent(name), { awsRequestId: `r-${name}` });
      expect(res.statusCode, name).toBe(200);
      expect(JSON.parse(res.body).prediction.label).toBe('virginica');
      expect(res.headers['x-model-name']).toBe(name);
      expect(res.headers['x-model-version']).toMatch(/^[0-9a-f]{12}$/);
    }
    // The first is the default, behind any stage or resource path.
    const root = await handler(event('POST', '/prod/', JSON.stringify(REFERENCE_ROW)));
    expect(root.headers['x-model-name']).toBe('m01');
    const missing = await handler(predictEvent('m99'));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).error.message).toMatch(/^no model named "m99"/);
  });

  it('keeps the loaded models within the cache, least recently used out first', async () => {
    // Each small model is estimated at 256 KiB plus 9 times its 6.6 KB file: 1 MB holds three.
    const handler = await handlerFromEnv({ ...quiet, MODEL_URI: `${dir}/`, MODEL_CACHE_MB: '1' });
    const ready = async () => {
      const res = await handler(event('GET', '/models'));
      return (JSON.parse(res.body).models as { name: string; state: string }[])
        .filter((m) => m.state === 'ready')
        .map((m) => m.name);
    };
    expect(await ready()).toEqual([]);
    for (const name of names) {
      expect((await handler(predictEvent(name))).statusCode).toBe(200);
      expect((await ready()).length).toBeLessThanOrEqual(3);
    }
    expect(await ready()).toEqual(['m18', 'm19', 'm20']);
    // m01 again: loaded again, m18 (the least recently used) goes.
    expect((await handler(predictEvent('m01'))).headers['x-model-name']).toBe('m01');
    expect(await ready()).toEqual(['m01', 'm19', 'm20']);
  });

  it('refuses a prefix of more models than MAX_MODELS at init, and MODEL_SHA256 with a prefix', async () => {
    await expect(handlerFromEnv({ ...quiet, MODEL_URI: `${dir}/`, MAX_MODELS: '5' })).rejects.toThrow(
      `cannot list the models in ${dir}/: more than 5 .onnx files in this folder; the limit is 5`,
    );
    await expect(
      handlerFromEnv({ ...quiet, MODEL_URI: `${dir}/`, MODEL_SHA256: 'ab'.repeat(32) }),
    ).rejects.toThrow(/MODEL_SHA256 holds one model to its digest/);
    await expect(handlerFromEnv({ ...quiet, MODEL_URI: `${join(dir, 'none')}/` })).rejects.toThrow(
      /cannot list: no such folder/,
    );
  });

  it("sizes the cache from the function's memory", () => {
    expect(cacheBudgetBytes({})).toBeUndefined();
    expect(cacheBudgetBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' })).toBe(
      (1024 - RESERVED_MEMORY_MB) * 1024 * 1024,
    );
    expect(cacheBudgetBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' })).toBe(32 * 1024 * 1024);
    expect(cacheBudgetBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024', MODEL_CACHE_MB: '100' })).toBe(
      100 * 1024 * 1024,
    );
    expect(() => cacheBudgetBytes({ MODEL_CACHE_MB: '-1' })).toThrow(
      /MODEL_CACHE_MB must be a positive integer/,
    );
  });
});
