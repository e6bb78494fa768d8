// What operators expect of a server, through the real CLI: --cors, HEAD and OPTIONS, --base-path, a
// request id on every answer (the transport's own included), and /ready per model.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../src/adapters/lambda.js';
import { JsonLog } from '../../src/adapters/log.js';
import { Core } from '../../src/api/core.js';
import { corsHooks, parseCorsOrigins, parseOrigin } from '../../src/api/cors.js';
import type { CoreResponse } from '../../src/api/protocol.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { runCli } from '../helpers/cli.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { connectRaw, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);

const BODY = JSON.stringify(REFERENCE_ROW);
const APP = 'https://app.example.com';

describe('--cors', () => {
  it('answers a preflight from a listed origin, marks answers to it, and echoes no other origin', async () => {
    const s = await serve([IRIS_MODEL, '--cors', `${APP}, http://localhost:3000`]);
    const preflight = await fetch(`${s.url}/predict`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'Content-Type, X-Request-Id',
      },
    });
    expect(preflight.status).toBe(204);
    const headers: Record<string, string> = {};
    preflight.headers.forEach((v, k) => {
      headers[k] = v;
    });
    expect(headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-request-id',
      'access-control-max-age': '600',
      vary: 'origin, access-control-request-method, access-control-request-headers',
    });
    expect(await preflight.text()).toBe('');

    const post = await fetch(`${s.url}/predict`, { method: 'POST', headers: { origin: APP }, body: BODY });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBe(APP);
    expect(post.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(post.headers.get('vary')).toBe('origin');
    // Error answers too: the page's script reads the message.
    const bad = await fetch(`${s.url}/predict`, { method: 'POST', headers: { origin: APP }, body: '{' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe(APP);

    const other = 'https://evil.example.com';
    const refused = await fetch(`${s.url}/predict`, {
      method: 'OPTIONS',
      headers: { origin: other, 'access-control-request-method': 'POST' },
    });
    // The router's own OPTIONS answer, with no CORS headers: the browser refuses the call.
    expect(refused.status).toBe(204);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('allow')).toBe('POST, OPTIONS');
    const fromOther = await fetch(`${s.url}/predict`, {
      method: 'POST',
      headers: { origin: other },
      body: BODY,
    });
    expect(fromOther.status).toBe(200);
    expect(fromOther.headers.get('access-control-allow-origin')).toBeNull();
    expect(fromOther.headers.get('vary')).toBe('origin');
  });

  it('with *, allows any origin with a literal *', async () => {
    const s = await serve([IRIS_MODEL, '--cors', '*']);
    const res = await fetch(`${s.url}/metadata`, { headers: { origin: 'https://anywhere.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('vary')).toBeNull();
    const noOrigin = await fetch(`${s.url}/metadata`);
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['https://app.example.com/path', /a CORS origin is a scheme, host and optional port/],
    ['ftp://files.example.com', /a CORS origin is a scheme/],
    ['*,https://a.example', /\* alone or a list of origins, not both/],
    [',', /takes \* or a comma list of origins, got nothing/],
  ])('refuses --cors %s as a usage error', async (value, message) => {
    const out = await runCli(['serve', IRIS_MODEL, '--cors', value]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it('parses origins as browsers send them', () => {
    expect(parseOrigin('HTTPS://App.Example.com:443/')).toBe('https://app.example.com');
    expect(parseOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(parseCorsOrigins('http://a.example, http://a.example,http://b.example')).toEqual([
      'http://a.example',
      'http://b.example',
    ]);
    expect(() => parseOrigin('https://user:pw@a.example')).toThrow(RangeError);
    expect(() => parseOrigin('https://a.example?x=1')).toThrow(RangeError);
  });
});

describe('CORS and OPTIONS through the core', () => {
  let predictor: Predictor;
  beforeAll(async () => {
    predictor = await Predictor.load(readFileSync(IRIS_MODEL));
  });
  afterAll(() => predictor.release());

  it('gives each request its own headers, even from a route that answers one cached response', async () => {
    const cached: CoreResponse = { status: 200, headers: { 'content-type': 'text/plain' }, body: 'page' };
    const core = new Core(() => ({ state: 'ready', predictor }), {
      modelPages: { '/page': async () => cached },
      hooks: [corsHooks({ origins: ['https://a.example', 'https://b.example'] })],
    });
    const get = (origin: string) => core.handle({ method: 'GET', path: '/page', headers: { origin } });
    expect((await get('https://a.example')).headers['access-control-allow-origin']).toBe('https://a.example');
    expect((await get('https://b.example')).headers['access-control-allow-origin']).toBe('https://b.example');
    expect((await get('https://c.example')).headers['access-control-allow-origin']).toBeUndefined();
    expect(cached.headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('hands hooks that only read (readsOnly) the route’s own response, and copies it where one may add to it', async () => {
    const cached: CoreResponse = { status: 200, headers: { 'content-type': 'text/plain' }, body: 'page' };
    const seen: CoreResponse[] = [];
    const reader = { readsOnly: true, after: (_: unknown, r: CoreResponse) => void seen.push(r) };
    const page = { modelPages: { '/page': async () => cached } };
    const reading = new Core(() => ({ state: 'ready', predictor }), { ...page, hooks: [reader] });
    expect(await reading.handle({ method: 'GET', path: '/page', headers: {} })).toBe(cached);
    expect(seen[0]).toBe(cached);
    const adding = new Core(() => ({ state: 'ready', predictor }), {
      ...page,
      hooks: [
        reader,
        {
          after: (_, r) => {
            r.headers['x-added'] = 'yes';
          },
        },
      ],
    });
    const res = await adding.handle({ method: 'GET', path: '/page', headers: {} });
    expect(res).not.toBe(cached);
    expect(res.headers['x-added']).toBe('yes');
    expect(cached.headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('answers OPTIONS with the methods of the path, 404 where there is no route, and OPTIONS *', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }));
    const options = (path: string) => core.handle({ method: 'OPTIONS', path, headers: {} });
    expect(await options('/predict')).toEqual({ status: 204, headers: { allow: 'POST, OPTIONS' }, body: '' });
    expect((await options('/metadata')).headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await options('/models/iris')).headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect((await options('*')).headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect((await options('/nope')).status).toBe(404);
  });

  it('does not echo a preflight header list that is not one', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }), { hooks: [corsHooks({ origins: '*' })] });
    const res = await core.handle({
      method: 'OPTIONS',
      path: '/predict',
      headers: {
        origin: 'https://x.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type\r\nset-cookie: a=b',
      },
    });
    expect(res.headers['access-control-allow-headers']).toBe(
      'content-type, x-request-id, inference-header-content-length',
    );
  });
});

describe('HEAD and OPTIONS on the server', () => {
  it('answers HEAD with the GET headers and no body, and the connection goes on', async () => {
    const s = await serve([IRIS_MODEL]);
    const raw = await connectRaw(s.url);
    await raw.write('HEAD /metadata HTTP/1.1\r\nhost: x\r\n\r\nGET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    const until = performance.now() + 5_000;
    while (!raw.text().includes('{"status":"ok"}') && performance.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    const text = raw.text();
    const [head, rest] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
    const get = await fetch(`${s.url}/metadata`);
    expect(length).toBe(Buffer.byteLength(await get.text()));
    // Straight after the HEAD's headers comes the next response: no body was sent.
    expect(rest).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(rest).toContain('{"status":"ok"}');
  });

  it('answers OPTIONS 204 with Allow and without a Content-Length', async () => {
    const s = await serve([IRIS_MODEL]);
    const raw = await connectRaw(s.url);
    await raw.write('OPTIONS /predict HTTP/1.1\r\nhost: x\r\n\r\n');
    const [res] = await raw.responses(1);
    expect(res).toMatchObject({ status: 204, headers: { allow: 'POST, OPTIONS' }, body: '' });
    expect(res?.headers['content-length']).toBeUndefined();
    expect(res?.headers['x-request-id']).toBeTruthy();
  });
});

describe('--base-path', () => {
  it('serves every route under the path, and nothing outside it', async () => {
    const s = await serve([IRIS_MODEL, '--base-path', '/ml/']);
    const post = (path: string) => fetch(`${s.url}${path}`, { method: 'POST', body: BODY });
    expect((await post('/ml/predict')).status).toBe(200);
    expect(await (await post('/ml')).json()).toEqual({
      prediction: { label: 'virginica', probability: 0.9997 },
    });
    expect((await fetch(`${s.url}/ml/ready`)).status).toBe(200);
    expect((await fetch(`${s.url}/ml/models/iris/ready`)).status).toBe(200);
    const outside = await post('/predict');
    expect(outside.status).toBe(404);
    expect((await outside.json()).error.message).toBe('no route for /predict; this server answers under /ml');
    expect((await fetch(`${s.url}/mlx/health`)).status).toBe(404);
  });

  it('refuses a base path that is not a URL path', async () => {
    const out = await runCli(['serve', IRIS_MODEL, '--base-path', '/a b']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /expected a path must be a URL path such as \/ml|must be a URL path such as \/ml/,
    );
  });
});

describe('a request id on every answer', () => {
  it('on answers from the core, errors included, and on what the transport answers itself', async () => {
    const s = await serve([IRIS_MODEL, '--max-body-bytes', '1000']);
    const ids = [];
    for (const [method, path, body] of [
      ['POST', '/predict', BODY],
      ['GET', '/nope', undefined],
      ['DELETE', '/predict', undefined],
      ['POST', '/predict', '{'],
    ] as const) {
      const res = await fetch(`${s.url}${path}`, { method, body });
      ids.push(res.headers.get('x-request-id'));
    }
    expect(ids.every((id) => /^[0-9a-f]{12}-\w+$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);

    // Refused before the body: Content-Length over the limit.
    const big = await connectRaw(s.url);
    await big.write(
      'POST /predict HTTP/1.1\r\nhost: x\r\nx-request-id: too-big\r\ncontent-length: 5000\r\n\r\n',
    );
    const [tooLarge] = await big.responses(1);
    expect(tooLarge).toMatchObject({ status: 413, headers: { 'x-request-id': 'too-big' } });

    // What Node's parser refuses: no request was ever formed, the answer still has an id.
    for (const garbage of ['NOT HTTP AT ALL\r\n\r\n', 'GET / HTTP/1.1\r\nbad header line\r\n\r\n']) {
      const raw = await connectRaw(s.url);
      await raw.write(garbage);
      const [res] = await raw.responses(1);
      expect(res?.status).toBe(400);
      expect(res?.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-\w+$/);
    }
  });

  it('on the Lambda handler, from the context, errors included', async () => {
    const predictor = await Predictor.load(readFileSync(IRIS_MODEL));
    try {
      const handler = createLambdaHandler(predictor, {
        log: new JsonLog({ write: () => {} }, { level: 'off' }),
      });
      const event = (method: string, path: string, body: string | null) => ({
        version: '2.0',
        rawPath: path,
        headers: {},
        body,
        isBase64Encoded: false,
        requestContext: { http: { method, path } },
      });
      for (const [e, status] of [
        [event('POST', '/predict', BODY), 200],
        [event('POST', '/predict', '{'), 400],
        [event('GET', '/nope', null), 405],
        [event('OPTIONS', '/predict', null), 204],
      ] as const) {
        const res = await handler(e, { awsRequestId: 'req-1' });
        expect(res.statusCode).toBe(status);
        expect(res.headers?.['x-request-id']).toBe('req-1');
      }
    } finally {
      await predictor.release();
    }
  });
});

describe('/ready per model', () => {
  it('answers for the model by name, and 404 naming an unknown one', async () => {
    const s = await serve([IRIS_MODEL]);
    const ready = await fetch(`${s.url}/models/iris/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', model: 'iris' });
    const unknown = await fetch(`${s.url}/models/nope/ready`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toContain('nope');
  });
});
