// The unpacked function zip run as Lambda runs it: the real runtime interface client (aws-lambda-ric)
// against a local Runtime API, with the model read from a local S3 (s3rver). Init, invocations,
// responses, init errors and invocation errors all cross the same HTTP interface Lambda's do.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeUri } from '../../src/store/uri.js';
import { runCli } from '../helpers/cli.js';
import { REFERENCE_EVENT } from '../helpers/lambda.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import {
  ensureRic,
  firstOutcome,
  type Outcome,
  RuntimeApi,
  type RuntimeProcess,
  startRuntime,
} from '../helpers/runtime-api.js';
import { type RunningS3, startS3, withEnv } from '../helpers/s3.js';
import { unzipTo } from '../helpers/zip.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let root: string;
let s3: RunningS3;
let restore: () => void;
const running: { api: RuntimeApi; runtime: RuntimeProcess }[] = [];

/** Starts a Runtime API and the client over `taskRoot`; both are stopped after each test. */
async function lambda(taskRoot: string, env: Record<string, string> = {}, layerRoot?: string) {
  const api = await RuntimeApi.start();
  const runtime = startRuntime(api, taskRoot, { env, layerRoot });
  running.push({ api, runtime });
  return { api, runtime };
}

/** What `modelgate predict` answers for the reference row: the answer every path must give. */
let expectedBody: unknown;

beforeAll(async () => {
  // The first run installs the client (it compiles C, minutes on a busy machine): test/harness/lambda-ric.
  const ric = ensureRic();
  ric.catch(() => {}); // awaited below; a failure must not be an unhandled rejection meanwhile
  root = mkdtempSync(join(tmpdir(), 'modelgate-ric-'));
  s3 = await startS3(['models']);
  restore = withEnv({ ...s3.env, AWS_ENDPOINT_URL: undefined });
  await writeUri('s3://models/iris/model.onnx', readFileSync(IRIS_MODEL));
  const predicted = await runCli(['predict', IRIS_MODEL, JSON.stringify(REFERENCE_ROW)]);
  expect(predicted.code).toBe(0);
  expectedBody = JSON.parse(predicted.stdout);
  for (const [name, args] of [
    ['plain', []],
    ['layered', ['--use-layer', '--model', IRIS_MODEL]],
    ['from-s3', ['--model', 's3://models/iris/model.onnx']],
  ] as const) {
    const r = await runCli(['package', '--quiet', '--out', join(root, name), ...args], {
      env: s3.env,
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    unzipTo(join(root, name, 'function-x86_64.zip'), join(root, name, 'task'));
  }
  unzipTo(join(root, 'layered', 'layer-x86_64.zip'), join(root, 'layered', 'opt'));
  await ric;
}, 900_000);

afterEach(async () => {
  for (const { api, runtime } of running.splice(0)) {
    await runtime.stop();
    await api.close();
  }
});

afterAll(async () => {
  restore();
  await s3.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the function zip under aws-lambda-ric', () => {
  it('loads MODEL_URI=s3://... during init and answers the reference API Gateway event', async () => {
    const env = {
      ...s3.env,
      MODEL_URI: 's3://models/iris/model.onnx',
      MODEL_SHA256: sha256(readFileSync(IRIS_MODEL)),
    };
    const { api, runtime } = await lambda(join(root, 'plain', 'task'), env);
    const outcome = await firstOutcome(api, runtime, REFERENCE_EVENT);
    expect(outcome, runtime.output()).toMatchObject({ kind: 'response' });
    const { body } = outcome as Extract<Outcome, { kind: 'response' }>;
    expect(body).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse((body as { body: string }).body)).toEqual(expectedBody);

    // The environment stays up: a malformed request is a 400 answer, not an invocation error.
    const bad = await api.invoke({ ...REFERENCE_EVENT, body: '{"sepal_length": ' });
    expect(bad.kind).toBe('response');
    const badBody = (bad as Extract<Outcome, { kind: 'response' }>).body as {
      statusCode: number;
      body: string;
    };
    expect(badBody.statusCode).toBe(400);
    expect(JSON.parse(badBody.body).error.type).toBe('invalid_json');
    // Nor is an event with an object where a string belongs (String() of it once threw in the handler).
    const hostile = await api.invoke({
      version: '2.0',
      rawPath: '/predict',
      requestContext: { http: { method: { toString: 1 } } },
      body: '{}',
    });
    expect(hostile.kind).toBe('response');
    const hostileBody = (hostile as Extract<Outcome, { kind: 'response' }>).body as {
      statusCode: number;
      body: string;
    };
    expect(hostileBody.statusCode).toBe(400);
    expect(JSON.parse(hostileBody.body).error.type).toBe('invalid_event');
    const again = await api.invoke(REFERENCE_EVENT);
    expect(JSON.parse((again as { body: { body: string } }).body.body)).toEqual(expectedBody);
    expect(api.nextCalls).toBeGreaterThanOrEqual(4);
  });

  it('answers with the model recorded by package --model s3://..., without MODEL_URI', async () => {
    const { api, runtime } = await lambda(join(root, 'from-s3', 'task'), s3.env);
    const outcome = await firstOutcome(api, runtime, REFERENCE_EVENT);
    expect(outcome, runtime.output()).toMatchObject({ kind: 'response' });
    expect(JSON.parse((outcome as { body: { body: string } }).body.body)).toEqual(expectedBody);
  });

  it('runs with onnxruntime-node from the layer (NODE_PATH, as Lambda sets it)', async () => {
    const { api, runtime } = await lambda(join(root, 'layered', 'task'), {}, join(root, 'layered', 'opt'));
    const outcome = await firstOutcome(api, runtime, REFERENCE_EVENT);
    expect(outcome, runtime.output()).toMatchObject({ kind: 'response' });
    expect(JSON.parse((outcome as { body: { body: string } }).body.body)).toEqual(expectedBody);
  });

  it.each<[string, string, Record<string, string>, RegExp]>([
    [
      'a wrong sha256',
      'plain',
      { MODEL_URI: 's3://models/iris/model.onnx', MODEL_SHA256: '0'.repeat(64) },
      /the model at s3:\/\/models\/iris\/model\.onnx has sha256 [0-9a-f]{64}, not the expected 0{64}/,
    ],
    [
      'a missing object',
      'plain',
      { MODEL_URI: 's3://models/iris/missing.onnx' },
      /cannot load the model from s3:\/\/models\/iris\/missing\.onnx: .*no such object/,
    ],
    ['no model at all', 'plain', {}, /MODEL_URI is not set and no model was packaged with the handler/],
    ['a function built for the layer, without it', 'layered', {}, /Cannot find module 'onnxruntime-node'/],
  ])('reports an init error for %s, naming the cause, and exits', async (_, pkg, env, message) => {
    const { api, runtime } = await lambda(join(root, pkg, 'task'), { ...s3.env, ...env });
    const outcome = await firstOutcome(api, runtime, REFERENCE_EVENT);
    expect(outcome.kind, runtime.output()).toBe('init-error');
    expect((outcome as { errorMessage?: string }).errorMessage).toMatch(message);
    expect(await runtime.exited).not.toBe(0);
    // Init failed before the first invocation was taken.
    expect(api.nextCalls).toBe(0);
  });
});

describe('the Runtime API harness', () => {
  it('passes a handler error back as an invocation error, and the runtime goes on', async () => {
    const task = join(root, 'throwing');
    mkdirSync(task, { recursive: true });
    writeFileSync(
      join(task, 'index.mjs'),
      `class ModelgateTestError extends Error { name = 'ModelgateTestError'; }
       export const handler = async (event) => {
         if (event.fail) throw new ModelgateTestError('asked to fail: ' + event.fail);
         return { ok: true };
       };`,
    );
    const { api, runtime } = await lambda(task);
    const failed = await firstOutcome(api, runtime, { fail: 'on purpose' });
    expect(failed, runtime.output()).toMatchObject({
      kind: 'error',
      body: { errorType: 'ModelgateTestError', errorMessage: 'asked to fail: on purpose' },
    });
    expect(await api.invoke({})).toMatchObject({ kind: 'response', body: { ok: true } });
  });
});
