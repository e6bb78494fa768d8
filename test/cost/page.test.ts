// The cost page without a browser: its one script is what its Content-Security-Policy allows, data
// cannot break out of it, nothing in it loads from elsewhere; the benchmark's figures are read strictly;
// scripts/cost-page.mjs writes docs' copy and refuses malformed results; `GET /cost` goes through the
// core like /metadata (503 until the model is ready, GET and HEAD only) and measures once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, type ModelStatus } from '../../src/api/core.js';
import { costFiguresOf } from '../../src/cost/figures.js';
import { costPage } from '../../src/cost/page.js';
import { costPageRoute } from '../../src/cost/route.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { IRIS_MODEL } from '../helpers/models.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/cost-page.mjs', import.meta.url));
const DOCS_PAGE = fileURLToPath(new URL('../../docs/cost.html', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'modelgate-cost-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IRIS = { model: 'iris', durationMs: 0.02, peakMemoryMb: 88, lambdaMemoryMb: 128 };

function scriptsOf(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

describe('the cost page', () => {
  it('has one inline script, the one its policy allows by hash, and loads nothing from anywhere', () => {
    const { html, policy } = costPage({ models: [IRIS], origin: 'measured here' });
    const scripts = scriptsOf(html);
    expect(scripts).toHaveLength(1);
    expect(html.match(/<script/g)).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]).digest('base64');
    expect(policy).toContain(`script-src 'sha256-${hash}'`);
    expect(policy).toMatch(/^default-src 'none'/);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${policy.replaceAll("'", '&#39;')}">`,
    );
    // No element that fetches: links to the price sources are anchors only.
    expect(html).not.toMatch(/<(?:img|link|iframe|object|embed|video|audio|source)\b/i);
    expect(html).not.toMatch(/\bsrc=/i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('keeps a hostile model name inside the data: no early </script>, shown as text', () => {
    const name = '</script><script>alert(1)</script><!--';
    const { html } = costPage({ models: [{ ...IRIS, model: name }], origin: '<b>bold</b>' });
    expect(scriptsOf(html)).toHaveLength(1);
    expect(html).not.toContain(name);
    expect(html).not.toContain('<b>bold</b>');
    expect(scriptsOf(html)[0]).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
  });

  it('embeds the calculator and the page script as they are in src/cost', async () => {
    const { costModel } = await import('../../src/cost/calculator.js');
    const { runCostPage } = await import('../../src/cost/page-client.js');
    const [script] = scriptsOf(costPage({ models: [], origin: '' }).html);
    expect(script).toContain(costModel.toString());
    expect(script).toContain(runCostPage.toString());
  });
});

describe("the benchmark's costFigures", () => {
  it('reads them, and none when the results have none', () => {
    expect(costFiguresOf({ costFigures: [IRIS] })).toEqual([IRIS]);
    expect(costFiguresOf({ results: [] })).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1, 2], /not a JSON object/],
    ['costFigures not an array', { costFigures: {} }, /costFigures is not an array/],
    ['an entry not an object', { costFigures: [3] }, /costFigures\[0\] is not an object/],
    ['no model name', { costFigures: [{ ...IRIS, model: '' }] }, /costFigures\[0\]\.model is not a name/],
    [
      'a duration as text',
      { costFigures: [IRIS, { ...IRIS, durationMs: '3' }] },
      /costFigures\[1\]\.durationMs is not a number of 0 or more: "3"/,
    ],
    ['a zero duration', { costFigures: [{ ...IRIS, durationMs: 0 }] }, /costFigures\[0\]\.durationMs is 0/],
    [
      'a negative peak',
      { costFigures: [{ ...IRIS, peakMemoryMb: -1 }] },
      /peakMemoryMb is not a number of 0 or more: -1/,
    ],
    [
      'a missing memory size',
      { costFigures: [{ model: 'x', durationMs: 1, peakMemoryMb: 1 }] },
      /lambdaMemoryMb is not a number/,
    ],
    [
      'a memory size Lambda lacks',
      { costFigures: [{ ...IRIS, lambdaMemoryMb: 64 }] },
      /lambdaMemoryMb is not a Lambda memory size \(128-10240 MB\): 64/,
    ],
  ])('refuses %s, naming it', (_, document, message) => {
    expect(() => costFiguresOf(document)).toThrow(TypeError);
    expect(() => costFiguresOf(document)).toThrow(message);
  });
});

describe('scripts/cost-page.mjs', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

  it('writes the page with the models of the benchmark results, or with none when there are none', () => {
    const benchmarks = join(dir, 'with.json');
    writeFileSync(benchmarks, JSON.stringify({ costFigures: [IRIS] }));
    const out = join(dir, 'with.html');
    const r = run('--benchmarks', benchmarks, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`1 model from ${benchmarks}`);
    expect(readFileSync(out, 'utf8')).toContain('"model":"iris"');

    const none = join(dir, 'none.html');
    const absent = run('--benchmarks', join(dir, 'absent.json'), '--out', none);
    expect(absent.status).toBe(0);
    expect(absent.stdout).toContain('0 models');
    expect(readFileSync(none, 'utf8')).toContain('"models":[]');
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"costFigures": [', /is not readable JSON/],
    [
      'figures in the wrong shape',
      '{"costFigures": [{"model": "x"}]}',
      /costFigures\[0\]\.durationMs is not a number/,
    ],
  ])('refuses results that are %s, writing nothing', (_, text, message) => {
    const benchmarks = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(benchmarks, text);
    const out = join(dir, 'bad.html');
    const r = run('--benchmarks', benchmarks, '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(benchmarks);
    expect(existsSync(out)).toBe(false);
  });

  it("docs/cost.html is the page of today's calculator and prices: `npm run cost:page` rewrites it", () => {
    const fresh = join(dir, 'fresh.html');
    expect(run('--benchmarks', join(dir, 'absent.json'), '--out', fresh).status).toBe(0);
    // The model figures (the benchmark's, when it has run) and the script's hash follow them: set aside.
    const code = (html: string) =>
      html.replace(/^const data = .*$/m, '').replace(/sha256-[A-Za-z0-9+/=]+/g, '');
    expect(code(readFileSync(DOCS_PAGE, 'utf8')), 'docs/cost.html is stale: run npm run cost:page').toBe(
      code(readFileSync(fresh, 'utf8')),
    );
  });

  it('refuses an unknown option', () => {
    const r = run('--outt', join(dir, 'x.html'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cost-page: Unknown option '--outt'/);
  });
});

describe('GET /cost through the core', () => {
  let predictor: Predictor;
  beforeAll(async () => {
    predictor = await Predictor.load(readFileSync(IRIS_MODEL));
  });
  afterAll(() => predictor.release());

  it('answers the page with the model measured once, for GET and HEAD; 405 otherwise; 503 until the model is ready', async () => {
    let status: ModelStatus = { state: 'loading' };
    const core = new Core(() => status, { modelPages: { '/cost': costPageRoute() } });
    const get = (method = 'GET') => core.handle({ method, path: '/cost', headers: {} });

    const loading = await get();
    expect(loading.status).toBe(503);
    expect(JSON.parse(loading.body).error.type).toBe('model_not_ready');

    status = { state: 'ready', predictor };
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-/);
    expect(first.body).toMatch(
      /"models":\[\{"model":"iris","durationMs":[\d.e-]+,"peakMemoryMb":[\d.]+,"lambdaMemoryMb":\d+\}\]/,
    );
    // Measured once: the same page (and the same figures) the second time.
    expect((await get()).body).toBe(first.body);
    expect((await get('HEAD')).status).toBe(200);
    const post = await get('POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');

    status = { state: 'failed', reason: 'no such file' };
    const failed = await get();
    expect(failed.status).toBe(503);
    expect(failed.body).toContain('the model failed to load; the reason is in the server log');
  });

  it('is not a route without the option (the Lambda handler has none)', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }));
    expect((await core.handle({ method: 'GET', path: '/cost', headers: {} })).status).toBe(404);
    const anyPath = new Core(() => ({ state: 'ready', predictor }), { routing: 'any-path' });
    expect((await anyPath.handle({ method: 'GET', path: '/prod/cost', headers: {} })).status).toBe(405);
  });
});
