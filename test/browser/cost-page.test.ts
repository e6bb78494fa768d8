// The cost page as a person uses it, in headless Chromium: `modelgate serve` on the iris model serves
// it at /cost; moving the request slider, the memory and the other inputs redraws the chart, and every
// figure shown is the calculator's own for those inputs (within 1e-9 relative, and as formatted). The
// page makes no request beyond 127.0.0.1 and logs no error. Docs' copy (scripts/cost-page.mjs) shows
// the benchmark's models. A screenshot is written to MODELGATE_SCREENSHOT_DIR when set (else a temp
// folder, removed after).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costModel, PRICES, type Workload } from '../../src/cost/calculator.js';
import type { ModelFigures } from '../../src/cost/figures.js';
import { type Browser, CHROMIUM_MISSING, chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { IRIS_MODEL } from '../helpers/models.js';
import { type Served, serve, stopServers } from '../helpers/serve.js';

const calc = costModel(PRICES);
const OPTIONS = [
  'lambda',
  'apiGatewayRest',
  'apiGatewayHttp',
  'sagemakerRealtime',
  'sagemakerServerless',
] as const;
const SCRIPT = fileURLToPath(new URL('../../scripts/cost-page.mjs', import.meta.url));

const available = chromiumAvailable();
const shots = process.env.MODELGATE_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'modelgate-cost-shots-'));
const scratch = mkdtempSync(join(tmpdir(), 'modelgate-cost-page-'));
let browser: Browser | undefined;
let served: Served | undefined;

beforeAll(async () => {
  if (!available) return;
  [browser, served] = await Promise.all([launchChromium(), serve([IRIS_MODEL])]);
});

afterAll(async () => {
  await browser?.close();
  stopServers();
  rmSync(scratch, { recursive: true, force: true });
  if (!process.env.MODELGATE_SCREENSHOT_DIR) rmSync(shots, { recursive: true, force: true });
});

interface Watched {
  page: Page;
  errors: string[];
  urls: string[];
}

/** A new tab that records console errors, page errors and every request it makes (and stops any off 127.0.0.1). */
async function watchedPage(): Promise<Watched> {
  const page = await browser!.context.newPage();
  const errors: string[] = [];
  const urls: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    urls.push(url);
    const local = url.startsWith('file:') || new URL(url).hostname === '127.0.0.1';
    return local ? route.continue() : route.abort();
  });
  return { page, errors, urls };
}

/** The workload the page's inputs describe now. */
async function shownWorkload(
  page: Page,
  figures: { memoryMb: number; durationMs: number },
): Promise<Workload> {
  const requests = Number(await page.getAttribute('#requests-value', 'data-requests'));
  return calc.workload({
    requestsPerMonth: requests,
    memoryMb: figures.memoryMb,
    durationMs: figures.durationMs,
    arch: (await page.inputValue('#arch')) as Workload['arch'],
    provisionedConcurrency: Number(await page.inputValue('#provisioned')),
    instanceType: await page.inputValue('#instance'),
    sagemakerInstances: Number(await page.inputValue('#instances')),
    payloadKb: Number(await page.inputValue('#payload')),
  });
}

/** Every figure on the page is the calculator's for `w`. */
async function expectFiguresFor(page: Page, w: Workload): Promise<void> {
  const e = calc.estimate(w);
  for (const key of OPTIONS) {
    const want = e[key];
    const cell = page.locator(`#cost-${key}`);
    expect(await cell.textContent(), key).toBe(want === null ? 'not available' : calc.formatUsd(want));
    const shown = Number(await cell.getAttribute('data-usd'));
    if (want !== null) expect(Math.abs(shown - want), key).toBeLessThanOrEqual(want * 1e-9);
  }
  for (const key of ['lambda', 'apiGatewayRest', 'apiGatewayHttp'] as const) {
    const c = e.breakdown.breakEven[key];
    const text = await page.textContent(`#break-even-${key}`);
    if (c === null) expect(text).toMatch(/^never/);
    else {
      expect(text).toContain(`at ${calc.formatCount(c.requestsPerMonth)} requests a month`);
      const shown = Number(await page.getAttribute(`#break-even-${key}`, 'data-requests'));
      expect(Math.abs(shown - c.requestsPerMonth)).toBeLessThanOrEqual(c.requestsPerMonth * 1e-9);
    }
  }
}

const curves = (page: Page) => Promise.all(OPTIONS.map((key) => page.getAttribute(`#curve-${key}`, 'd')));

describe('the cost page in headless Chromium', () => {
  it("is served at /cost with the loaded model's measured figures, and follows the sliders and inputs", async ({
    skip,
  }) => {
    if (!available) return skip(CHROMIUM_MISSING);
    const { page, errors, urls } = await watchedPage();
    const response = await page.goto(`${served!.url}/cost`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'/);

    // The loaded model's figures, measured by the server, are on the page and in the inputs.
    const figures = (await page.evaluate('data.models')) as ModelFigures[];
    expect(figures).toHaveLength(1);
    const [iris] = figures;
    expect(iris.model).toBe('iris');
    expect(iris.durationMs).toBeGreaterThan(0);
    expect(iris.durationMs).toBeLessThan(50);
    expect(iris.lambdaMemoryMb).toBe(calc.lambdaMemoryFor(iris.peakMemoryMb));
    const modelText = await page.textContent('#models');
    expect(modelText).toContain('iris');
    expect(modelText).toContain(
      `peak memory ${iris.peakMemoryMb.toFixed(1)} MB, so ${iris.lambdaMemoryMb} MB`,
    );
    expect(await page.inputValue('#memory')).toBe(String(iris.lambdaMemoryMb));
    // The duration input shows the measured figure rounded up to 0.0001 ms: billed the same.
    const shownMs = Number(await page.inputValue('#duration'));
    expect(shownMs).toBeGreaterThanOrEqual(iris.durationMs - 1e-12);
    expect(shownMs - iris.durationMs).toBeLessThan(1e-4);
    expect(calc.billedDurationMs(shownMs)).toBe(calc.billedDurationMs(iris.durationMs));
    expect(await page.textContent('#model-in-use')).toContain("Using iris's figures");
    const measured = { memoryMb: iris.lambdaMemoryMb, durationMs: shownMs };

    // At first: 1M requests a month.
    expect(await page.getAttribute('#requests-value', 'data-requests')).toBe('1000000');
    await expectFiguresFor(page, await shownWorkload(page, measured));
    const first = await curves(page);
    const firstNow = await page.getAttribute('#chart-now', 'x1');

    // The request slider: to 100M, then a step by keyboard.
    await page.locator('#requests').fill('8');
    expect(await page.getAttribute('#requests-value', 'data-requests')).toBe('100000000');
    expect(await page.textContent('#requests-value')).toBe('100M requests a month');
    await expectFiguresFor(page, await shownWorkload(page, measured));
    await page.locator('#requests').press('ArrowRight');
    expect(await page.getAttribute('#requests-value', 'data-requests')).toBe(String(Math.round(10 ** 8.01)));
    await expectFiguresFor(page, await shownWorkload(page, measured));
    expect(await page.getAttribute('#chart-now', 'x1')).not.toBe(firstNow);
    expect(await curves(page)).toEqual(first); // the volume moves the marker, not the curves

    // Memory: the Lambda and Serverless curves move, the real-time endpoint's does not.
    await page.locator('#memory').fill('2048');
    const withMemory = { ...measured, memoryMb: 2048 };
    await expectFiguresFor(page, await shownWorkload(page, withMemory));
    const second = await curves(page);
    for (const i of [0, 1, 2, 4]) expect(second[i], OPTIONS[i]).not.toBe(first[i]);
    expect(second[3]).toBe(first[3]);
    expect(await page.textContent('#name-sagemakerServerless')).toBe('SageMaker Serverless, 2048 MB');

    // Duration, architecture, instance type, payload.
    await page.locator('#duration').fill('120.5');
    await page.locator('#arch').selectOption('arm64');
    await page.locator('#instance').selectOption('ml.c5.xlarge');
    await page.locator('#payload').fill('600');
    const changed = { memoryMb: 2048, durationMs: 120.5 };
    const w = await shownWorkload(page, changed);
    expect(w).toMatchObject({ arch: 'arm64', instanceType: 'ml.c5.xlarge', payloadKb: 600 });
    await expectFiguresFor(page, w);
    expect(await page.textContent('#billed')).toBe('billed 121 ms');
    expect(await page.textContent('#name-sagemakerRealtime')).toBe('SageMaker real-time, 1 × ml.c5.xlarge');

    // 1.2 MB a request processed makes the endpoint dearer per request than Lambda: never even.
    expect(await page.textContent('#break-even-apiGatewayRest')).toBe(
      'never: Lambda is cheaper at every volume',
    );
    expect(await page.locator('#break-even-mark-apiGatewayRest').count()).toBe(0);
    // With 60 KB it is even at some volume, shown on the chart where it falls in the slider's range.
    await page.locator('#payload').fill('60');
    const e = calc.estimate(await shownWorkload(page, changed));
    await expectFiguresFor(page, await shownWorkload(page, changed));
    const rest = e.breakdown.breakEven.apiGatewayRest;
    expect(rest).not.toBeNull();
    expect(rest!.requestsPerMonth).toBeGreaterThan(1e4);
    expect(rest!.requestsPerMonth).toBeLessThan(1e10);
    expect(await page.locator('#break-even-mark-apiGatewayRest').count()).toBe(1);

    // A memory size Lambda does not offer: the page says so and keeps the last figures, marked stale.
    await page.locator('#memory').fill('50');
    expect(await page.isVisible('#problems')).toBe(true);
    expect(await page.textContent('#problems')).toBe(
      'The memory must be a whole number of MB from 128 to 10240, got 50.',
    );
    expect(await page.getAttribute('#results', 'data-stale')).toBe('true');
    await page.locator('#memory').fill('');
    expect(await page.textContent('#problems')).toMatch(/The memory must be .* got 0\./);
    await page.locator('#memory').fill('1024');
    expect(await page.isVisible('#problems')).toBe(false);
    await expectFiguresFor(page, await shownWorkload(page, { memoryMb: 1024, durationMs: 120.5 }));

    // Back to the model's figures with its button.
    await page.locator('#use-model-0').click();
    expect(await page.inputValue('#memory')).toBe(String(iris.lambdaMemoryMb));
    await expectFiguresFor(page, await shownWorkload(page, measured));

    mkdirSync(shots, { recursive: true });
    const shot = join(shots, 'cost-page-served.png');
    await page.locator('#requests').fill('7');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');

    expect(errors).toEqual([]);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(new URL(url).hostname, url).toBe('127.0.0.1');
    await page.close();
  });

  it("docs/cost.html, as scripts/cost-page.mjs writes it, shows the benchmark's models and switches between them", async ({
    skip,
  }) => {
    if (!available) return skip(CHROMIUM_MISSING);
    const benchmarks = join(scratch, 'benchmarks.json');
    const out = join(scratch, 'cost.html');
    const costFigures = [
      { model: 'iris', durationMs: 0.021, peakMemoryMb: 88.2, lambdaMemoryMb: 128 },
      { model: 'mlp-900', durationMs: 3.4, peakMemoryMb: 231.5, lambdaMemoryMb: 232 },
    ];
    writeFileSync(benchmarks, JSON.stringify({ other: 'results', costFigures }));
    const run = spawnSync(process.execPath, [SCRIPT, '--benchmarks', benchmarks, '--out', out], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('2 models');

    const { page, errors, urls } = await watchedPage();
    await page.goto(pathToFileURL(out).href);
    expect(await page.textContent('#models')).toContain('mlp-900');
    expect(await page.inputValue('#memory')).toBe('128');
    await page.locator('#use-model-1').click();
    expect(await page.inputValue('#memory')).toBe('232');
    expect(await page.inputValue('#duration')).toBe('3.4');
    await page.locator('#requests').fill('9');
    await expectFiguresFor(page, await shownWorkload(page, { memoryMb: 232, durationMs: 3.4 }));
    expect(await page.textContent('#billed')).toBe('billed 4 ms');
    await page.screenshot({ path: join(shots, 'cost-page-docs.png'), fullPage: true });
    expect(errors).toEqual([]);
    for (const url of urls) expect(url.startsWith('file:'), url).toBe(true);
    await page.close();
  });
});
