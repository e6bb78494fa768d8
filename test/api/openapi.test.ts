// GET /openapi.json: an OpenAPI 3.1 document valid by a maintained validator
// (@seriousme/openapi-schema-validator), generated from the loaded models' cards and every protocol's
// routes; and the answers of a live server, errors included, validate against the response schemas it
// publishes, as the requests it accepts validate against its request schemas.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../src/adapters/lambda.js';
import { JsonLog } from '../../src/adapters/log.js';
import { type RunningServer, startServer } from '../../src/adapters/server.js';
import { Core } from '../../src/api/core.js';
import { MAX_MODELS_EXPANDED } from '../../src/api/openapi.js';
import { jsonResponse, type Protocol } from '../../src/api/protocol.js';
import { openapiProtocol } from '../../src/api/protocols/openapi.js';
import type { ModelStatus } from '../../src/api/registry.js';
import type { ModelCard } from '../../src/onnx/card.js';
import type { Predictor } from '../../src/runtime/predictor.js';
import { type KindModel, loadKinds } from '../helpers/kinds.js';
import { REFERENCE_ROW } from '../helpers/models.js';
import { TestRegistry } from '../helpers/registry.js';

type Doc = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<
    string,
    Record<string, { operationId: string; requestBody?: unknown; responses: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, unknown> };
};

const quiet = new JsonLog({ write: () => {} }, { level: 'off' });
let kinds: Awaited<ReturnType<typeof loadKinds>>;

beforeAll(async () => {
  kinds = await loadKinds();
});
afterAll(async () => {
  for (const k of Object.values(kinds ?? {})) await (k as KindModel).predictor.release();
});

async function expectValid(doc: unknown): Promise<void> {
  const result = await new Validator().validate(doc as Record<string, unknown>);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
}

/** A protocol at the Open Inference Protocol's standard paths, as the kserve-v2 one declares them. */
function v2Like(): Protocol {
  const ok = () => jsonResponse(200, {});
  const routes = [
    ['GET', '/v2'],
    ['GET', '/v2/health/live'],
    ['GET', '/v2/health/ready'],
    ['GET', '/v2/models/{name}'],
    ['GET', '/v2/models/{name}/ready'],
    ['POST', '/v2/models/{name}/infer'],
    ['GET', '/v2/models/{name}/versions/{version}'],
    ['GET', '/v2/models/{name}/versions/{version}/ready'],
    ['POST', '/v2/models/{name}/versions/{version}/infer'],
  ] as const;
  return {
    name: 'kserve-v2',
    routes: routes.map(([method, path]) => ({
      method,
      path,
      name: path.split('/').pop() as string,
      handle: ok,
    })),
    owns: (p) => p.startsWith('/v2'),
    errorResponse: (e) => jsonResponse(e.status, { error: e.message }),
  };
}

/** A predictor-like object with an edited card: the document reads only the card and the sha256. */
function withCard(base: Predictor, edit: (card: ModelCard) => ModelCard): ModelStatus {
  return {
    state: 'ready',
    predictor: { card: edit(structuredClone(base.card)), sha256: base.sha256 } as unknown as Predictor,
  };
}

async function documentOf(core: Core, path = '/openapi.json'): Promise<Doc> {
  const res = await core.handle({ method: 'GET', path, headers: {} });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  return JSON.parse(res.body) as Doc;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for one model, with its schemas, errors and limits', async () => {
    const core = new Core(() => ({ state: 'ready', predictor: kinds.iris.predictor }), {
      limits: { maxRows: 77, maxBodyBytes: 12_345 },
      moreProtocols: [openapiProtocol()],
    });
    const doc = await documentOf(core);
    await expectValid(doc);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toBeUndefined();
    const post = doc.paths['/predict']?.post as {
      requestBody: { description: string };
      responses: Record<string, unknown>;
    };
    expect(post.requestBody.description).toContain('12345 bytes');
    expect(Object.keys(post.responses).sort()).toEqual(['200', '400', '404', '413', '415', '500', '503']);
    const input = doc.components.schemas['iris.input'] as { properties: { input: { maxItems: number } } };
    expect(input.properties.input.maxItems).toBe(77);
    const row = doc.components.schemas['iris.row'] as { required: string[]; 'x-feature-order': string[] };
    expect(row['x-feature-order']).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    // The default model also answers under its name; the document itself is listed.
    expect(doc.paths['/models/iris/predict']?.post).toBeDefined();
    expect(doc.paths['/openapi.json']?.get).toBeDefined();
  });

  it('describes many models, each by its card, every protocol, and a base path', async () => {
    const base = kinds.iris.predictor;
    const registry = new TestRegistry([
      { name: 'iris', status: { state: 'ready', predictor: kinds.iris.predictor } },
      { name: 'ridge', status: { state: 'ready', predictor: kinds.ridge.predictor } },
      { name: 'linearsvc-multi', status: { state: 'ready', predictor: kinds.svc.predictor } },
      { name: 'logits', status: { state: 'ready', predictor: kinds.logits.predictor } },
      {
        name: 'clusters',
        status: withCard(base, (c) => ({
          ...c,
          name: 'clusters',
          task: 'clustering',
          clusters: 3,
          classes: undefined,
          io: { ...c.io, distances: 'd', probabilities: undefined },
        })),
      },
      {
        name: 'outliers',
        status: withCard(base, (c) => ({
          ...c,
          name: 'outliers',
          task: 'outlier-detection',
          classes: undefined,
        })),
      },
      {
        name: 'two targets',
        status: withCard(base, (c) => ({
          ...c,
          name: 'two targets',
          task: 'regression',
          targets: ['a', 'b'],
        })),
      },
      { name: 'still loading', status: { state: 'loading' } },
      { name: 'failed', status: { state: 'failed', reason: 'nope' } },
    ]);
    const core = new Core(registry, {
      basePath: '/ml',
      protocols: [(await import('../../src/api/protocols/modelgate.js')).modelgateProtocol(), v2Like()],
      moreProtocols: [openapiProtocol()],
    });
    const doc = await documentOf(core, '/ml/openapi.json?x=1');
    await expectValid(doc);
    expect(doc.servers).toEqual([{ url: '/ml' }]);
    for (const name of [
      'iris',
      'ridge',
      'linearsvc-multi',
      'logits',
      'clusters',
      'outliers',
      'two%20targets',
      'still%20loading',
    ]) {
      expect(doc.paths[`/models/${name}/predict`]?.post, name).toBeDefined();
      expect(doc.paths[`/v2/models/${name}/infer`]?.post, name).toBeDefined();
    }
    const schemas = doc.components.schemas;
    expect(JSON.stringify(schemas['ridge.response.row'])).toContain('"value"');
    expect(JSON.stringify(schemas['linearsvc-multi.response.row'])).not.toContain('probability');
    expect(JSON.stringify(schemas['logits.response.row'])).toContain('"score"');
    expect(JSON.stringify(schemas['clusters.input'])).toContain('return_distances');
    expect(JSON.stringify(schemas['two_targets.response.row'])).toContain('"values"');
    expect(schemas['still_loading.request']).toMatchObject({ type: 'object' });
    // Each protocol's errors in its own format.
    const infer = doc.paths['/v2/models/iris/infer']?.post as {
      responses: Record<string, { content: unknown }>;
    };
    expect(JSON.stringify(infer.responses['400'])).toContain('error.kserve-v2');
    expect(schemas['error.kserve-v2']).toMatchObject({ properties: { error: { type: 'string' } } });
    expect(doc.paths['/v2/models/iris/versions/{version}/infer']?.post).toMatchObject({
      parameters: [{ name: 'version', in: 'path', required: true }],
    });
    // Every schema compiles (ajv, draft 2020-12, the dialect of OpenAPI 3.1).
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(doc, 'openapi');
    for (const name of Object.keys(schemas)) ajv.getSchema(`openapi#/components/schemas/${pointer(name)}`);
  });

  it('lists the routes of a registry past its bound once, templated', async () => {
    const many = Array.from({ length: MAX_MODELS_EXPANDED + 1 }, (_, i) => ({
      name: `m${i}`,
      status: { state: 'loading' } as ModelStatus,
    }));
    const core = new Core(new TestRegistry(many), { moreProtocols: [openapiProtocol()] });
    const doc = await documentOf(core);
    await expectValid(doc);
    expect(doc.paths['/models/{name}/predict']?.post).toBeDefined();
    expect(doc.paths['/models/m0/predict']).toBeUndefined();
    expect(JSON.stringify(doc).length).toBeLessThan(100_000);
  });

  it('stays bounded for wide models and hostile names', async () => {
    const base = kinds.iris.predictor;
    const wide = (i: number): ModelStatus =>
      withCard(base, (c) => ({
        ...c,
        name: `wide ${i}`,
        features: Array.from({ length: 30_000 }, (_, j) => ({ name: `f${j}`, type: 'number' as const })),
      }));
    const hostile = '../{name}/?#%"<script>';
    const registry = new TestRegistry([
      { name: hostile, status: withCard(base, (c) => ({ ...c, name: hostile })) },
      ...Array.from({ length: 4 }, (_, i) => ({ name: `wide ${i}`, status: wide(i) })),
    ]);
    const core = new Core(registry, { moreProtocols: [openapiProtocol()] });
    const res = await core.handle({ method: 'GET', path: '/openapi.json', headers: {} });
    // Past the features bound the routes are listed once, templated.
    expect(res.body.length).toBeLessThan(200_000);
    const doc = JSON.parse(res.body) as Doc;
    await expectValid(doc);
    expect(doc.paths['/models/{name}/predict']).toBeDefined();
    const one = new Core(
      new TestRegistry([{ name: hostile, status: withCard(base, (c) => ({ ...c, name: hostile })) }]),
      {
        moreProtocols: [openapiProtocol()],
      },
    );
    const named = await documentOf(one);
    await expectValid(named);
    expect(named.paths[`/models/${encodeURIComponent(hostile)}/predict`]?.post).toBeDefined();
    for (const key of Object.keys(named.components.schemas)) expect(key).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('follows the models: rebuilt once a model has loaded', async () => {
    let status: ModelStatus = { state: 'loading' };
    const core = new Core(() => status, { moreProtocols: [openapiProtocol()] });
    const loading = await documentOf(core);
    expect(loading.components.schemas['model.request']).toMatchObject({ type: 'object' });
    status = { state: 'ready', predictor: kinds.iris.predictor };
    const ready = await documentOf(core);
    expect(ready.components.schemas['iris.row']).toBeDefined();
    await expectValid(ready);
  });

  it('is served by the Lambda handler, behind any resource path', async () => {
    const handler = createLambdaHandler(kinds.iris.predictor, { log: quiet });
    const result = await handler(
      {
        resource: '/{proxy+}',
        path: '/iris/openapi.json',
        httpMethod: 'GET',
        headers: {},
        requestContext: { stage: 'prod', requestId: 'r' },
        body: null,
        isBase64Encoded: false,
      },
      { awsRequestId: 'r' },
    );
    expect(result.statusCode).toBe(200);
    const doc = JSON.parse(result.body) as Doc;
    await expectValid(doc);
    expect(doc.paths['/predict']?.post).toBeDefined();
  });
});

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

describe('a live server answers as its document says', () => {
  let server: RunningServer;
  let doc: Doc;
  let ajv: Ajv2020;

  beforeAll(async () => {
    const registry = new TestRegistry([
      { name: 'iris', status: { state: 'ready', predictor: kinds.iris.predictor } },
      { name: 'ridge', status: { state: 'ready', predictor: kinds.ridge.predictor } },
      { name: 'linearsvc-multi', status: { state: 'ready', predictor: kinds.svc.predictor } },
      { name: 'logits', status: { state: 'ready', predictor: kinds.logits.predictor } },
      { name: 'failed', status: { state: 'failed', reason: 'nope' } },
    ]);
    server = await startServer(registry, {
      port: 0,
      log: quiet,
      limits: { maxRows: 20, maxBodyBytes: 8192 },
    });
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
    await expectValid(doc);
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(doc, 'openapi');
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Sends a request and checks its answer against the document's schema for its path and status. */
  async function exchange(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: unknown; requestValid?: boolean }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': contentType },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const answer = (await res.json()) as unknown;
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is in the document`).toBeDefined();
    const base = `openapi#/paths/${pointer(path)}/${method.toLowerCase()}`;
    const status = String(res.status);
    expect(Object.keys(op?.responses ?? {}), `${method} ${path} documents ${status}`).toContain(status);
    const validate = ajv.getSchema(`${base}/responses/${status}/content/application~1json/schema`);
    expect(validate, `a schema for ${status}`).toBeDefined();
    const ok = validate?.(answer);
    expect(
      ok,
      `${method} ${path} ${status}: ${JSON.stringify(validate?.errors)} for ${JSON.stringify(answer).slice(0, 300)}`,
    ).toBe(true);
    let requestValid: boolean | undefined;
    if (op?.requestBody && body !== undefined && typeof body !== 'string') {
      requestValid = ajv.getSchema(`${base}/requestBody/content/application~1json/schema`)?.(body) as boolean;
    }
    return { status: res.status, body: answer, requestValid };
  }

  it('predictions of every model kind and format validate, as do their requests', async () => {
    const models = [
      ['iris', kinds.iris],
      ['ridge', kinds.ridge],
      ['linearsvc-multi', kinds.svc],
      ['logits', kinds.logits],
    ] as const;
    for (const [name, kind] of models) {
      const features = kind.predictor.card.features.map((f) => f.name);
      const named = kind.rows.map((r) => Object.fromEntries(features.map((f, i) => [f, r[i]])));
      const extras =
        kind.predictor.kind === 'probabilities'
          ? { return_probabilities: true }
          : kind.predictor.kind === 'scores'
            ? { return_scores: true }
            : {};
      const bodies = [
        named[0],
        { input: kind.rows },
        { input: named },
        { input: kind.rows, ...extras },
        { input: kind.rows, return_prediction: false, ...extras },
        { instances: named },
      ].filter(
        (b) =>
          !(
            Object.keys(extras).length === 0 &&
            (b as { return_prediction?: boolean }).return_prediction === false
          ),
      );
      for (const body of bodies) {
        const path = `/models/${name}/predict`;
        const a = await exchange('POST', path, body);
        expect(a.status, `${name} ${JSON.stringify(body)}`).toBe(200);
        expect(a.requestValid, `${name}: the request ${JSON.stringify(body)} is valid by the document`).toBe(
          true,
        );
      }
    }
    const one = await exchange('POST', '/predict', REFERENCE_ROW);
    expect(one.status).toBe(200);
  });

  it('errors validate against the error schema, and what the server refuses the document refuses', async () => {
    const refused: [unknown, number][] = [
      [{ ...REFERENCE_ROW, petal_width: 'wide' }, 400],
      [{}, 400],
      [{ ...REFERENCE_ROW, sepal_lenght: 1 }, 400],
      [{ input: [[1, 2, 3]] }, 400],
      [{ input: [] }, 400],
      [{ input: [[5.9, 3, 5.1, 1.8]], return_prediction: 'yes' }, 400],
      [{ instances: [[5.9, 3, 5.1, 1.8]] }, 400],
      [{ input: Array.from({ length: 21 }, () => [5.9, 3, 5.1, 1.8]) }, 413],
    ];
    for (const [body, status] of refused) {
      const a = await exchange('POST', '/models/iris/predict', body);
      expect(a.status, JSON.stringify(body)).toBe(status);
      expect(a.requestValid, `the document refuses ${JSON.stringify(body)}`).toBe(false);
    }
    expect((await exchange('POST', '/models/iris/predict', '{"input": [', 'application/json')).status).toBe(
      400,
    );
    expect((await exchange('POST', '/models/iris/predict', 'a,b', 'text/csv')).status).toBe(415);
    expect((await exchange('POST', '/models/failed/predict', { input: [[1]] })).status).toBe(503);
    expect((await exchange('GET', '/models/failed/ready')).status).toBe(503);
  });

  it('the Open Inference Protocol routes the server serves validate too', async () => {
    const infer = await exchange('POST', '/v2/models/iris/infer', {
      id: 'r1',
      inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: kinds.iris.rows.flat() }],
    });
    expect(infer.status).toBe(200);
    expect(infer.requestValid).toBe(true);
    expect((await exchange('POST', '/v2/models/iris/infer', { inputs: [{ name: 'input' }] })).status).toBe(
      400,
    );
    expect((await exchange('GET', '/v2')).status).toBe(200);
    expect((await exchange('GET', '/v2/models/ridge')).status).toBe(200);
  });

  it('the other routes validate too', async () => {
    for (const path of [
      '/health',
      '/ready',
      '/metadata',
      '/models',
      '/models/ridge/metadata',
      '/models/logits/ready',
    ])
      expect((await exchange('GET', path)).status, path).toBe(200);
  });
});
