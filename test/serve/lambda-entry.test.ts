// The real `modelgate/lambda` entry, imported as Lambda's runtime imports it: the model loads during
// init, from MODEL_URI, checked against MODEL_SHA256.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { invokeEntry, LAMBDA_BUNDLE, LAMBDA_ENTRY, REFERENCE_EVENT } from '../helpers/lambda.js';
import { IRIS_MODEL } from '../helpers/models.js';

const apiGatewayEvent = REFERENCE_EVENT;

describe('modelgate/lambda', () => {
  it.each([
    ['the module', LAMBDA_ENTRY],
    ['the one-file bundle', LAMBDA_BUNDLE],
  ])(
    '%s loads MODEL_URI during init (relative to LAMBDA_TASK_ROOT) and answers the reference event',
    async (_, entry) => {
      const sha = createHash('sha256').update(readFileSync(IRIS_MODEL)).digest('hex');
      const { stdout, log } = await invokeEntry(
        {
          MODEL_URI: 'model.onnx',
          LAMBDA_TASK_ROOT: dirname(IRIS_MODEL),
          MODEL_SHA256: sha,
          AWS_LAMBDA_FUNCTION_VERSION: '7',
          LOG_REQUESTS: 'on',
        },
        apiGatewayEvent,
        entry,
      );
      const { result } = JSON.parse(stdout);
      expect(result.statusCode).toBe(200);
      expect(result.headers['content-type']).toBe('application/json');
      expect(result.headers['x-request-id']).toBe('test');
      expect(result.headers['x-model-name']).toBe('iris');
      // One JSON line for the request: its id, the environment's first invoke, the function's version.
      expect(log).toEqual([
        expect.objectContaining({
          level: 'info',
          requestId: 'test',
          coldStart: true,
          functionVersion: '7',
          method: 'POST',
          path: '/predict',
          status: 200,
        }),
      ]);
      expect(JSON.parse(result.body)).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
    },
  );

  it.each<[string, Record<string, string>, RegExp]>([
    ['no MODEL_URI', {}, /MODEL_URI is not set/],
    [
      'a missing file',
      { MODEL_URI: '/nonexistent/model.onnx' },
      /cannot load the model from \/nonexistent\/model\.onnx: .*no such file/,
    ],
    [
      'a file that is not ONNX',
      { MODEL_URI: fileURLToPath(import.meta.url) },
      /cannot load the model from .*: it is not an ONNX model \(it starts with /,
    ],
    [
      'a sha256 mismatch',
      { MODEL_URI: IRIS_MODEL, MODEL_SHA256: '0'.repeat(64) },
      /has sha256 [0-9a-f]{64}, not the expected 0{64}/,
    ],
    [
      'a malformed sha256',
      { MODEL_URI: IRIS_MODEL, MODEL_SHA256: 'abc' },
      /MODEL_SHA256 must be 64 hex digits/,
    ],
    ['a bad MAX_ROWS', { MODEL_URI: IRIS_MODEL, MAX_ROWS: 'many' }, /MAX_ROWS must be a positive integer/],
    ['a bad LOG_LEVEL', { MODEL_URI: IRIS_MODEL, LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of debug, info/],
    [
      'a bad LOG_REQUESTS',
      { MODEL_URI: IRIS_MODEL, LOG_REQUESTS: '2' },
      /LOG_REQUESTS must be on, off or a share/,
    ],
  ])('fails init on %s, saying what and where', async (_, env, message) => {
    const err = (await invokeEntry(env, apiGatewayEvent).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).not.toBe(0);
    expect(err.stderr).toMatch(message);
  });

  it.each([
    ['MAX_ROWS', '2', 'too_many_rows'],
    ['MAX_VALUES', '8', 'too_many_values'],
  ])('honours %s', async (name, limit, type) => {
    const rows = [
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ];
    const { stdout } = await invokeEntry({ MODEL_URI: IRIS_MODEL, [name]: limit }, { body: { input: rows } });
    const { result } = JSON.parse(stdout);
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body).error).toMatchObject({ type, details: { limit: Number(limit) } });
  });

  it('answers direct invokes: the request itself, {"body": {...}} and {"body": "<json>"}', async () => {
    for (const event of [
      { input: [[0, 0, 0, 0]], return_probabilities: true },
      { body: { input: [[0, 0, 0, 0]], return_probabilities: true } },
      { body: JSON.stringify({ input: [[0, 0, 0, 0]], return_probabilities: true }) },
    ]) {
      const { stdout, log } = await invokeEntry({ MODEL_URI: IRIS_MODEL, LOG_REQUESTS: 'off' }, event);
      expect(log).toEqual([]);
      const { result } = JSON.parse(stdout);
      expect(result.statusCode).toBe(200);
      const body = JSON.parse(result.body);
      expect(body.prediction).toHaveLength(1);
      expect(Object.keys(body.probabilities[0])).toEqual(['setosa', 'versicolor', 'virginica']);
    }
  });
});
