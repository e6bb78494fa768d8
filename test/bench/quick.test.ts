// `npm run bench -- --quick` end to end: the benchmark builds its reference models with scikit-learn,
// measures both sides, and writes the JSON, the page and its charts. What is checked is the benchmark,
// not the machine's speed: every series is there for every model, both sides gave the same answers to
// the same requests, nothing errored under load, and the page shows every figure it claims.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barChart } from '../../bench/svg.mjs';
import { PYTHON_MISSING, referencePython } from '../helpers/python.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'modelgate-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const python = await referencePython();
if (!python && process.env.CI) throw new Error(`CI must run the benchmark: ${PYTHON_MISSING}`);

interface Answer {
  body: string;
}

describe.skipIf(!python)('npm run bench -- --quick', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the benchmark's JSON, checked field by field below
  let r: any;
  let markdown: string;
  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'bench/all.mjs'), '--quick', '--out', out], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    r = JSON.parse(readFileSync(join(out, 'benchmarks.json'), 'utf8'));
    markdown = readFileSync(join(out, 'benchmarks.md'), 'utf8');
  }, 600_000);

  it('says where it ran: machine, versions, date', () => {
    expect(r.quick).toBe(true);
    expect(Date.now() - Date.parse(r.date)).toBeLessThan(60 * 60_000);
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);
    expect(r.machine.sklearn).toMatch(/^\d+\.\d+/);
    expect(markdown).toContain(`Node.js ${process.version}`);
    expect(markdown).toContain(`scikit-learn ${r.machine.sklearn}`);
  });

  it('measures the iris model and the 52 MB MLP, every series on every side', () => {
    expect(r.models.map((m: { id: string }) => m.id)).toEqual(['iris', 'mlp-900']);
    expect(r.models[1].bytes.joblib).toBeGreaterThan(50e6);
    for (const m of r.models) {
      for (const side of ['modelgate', 'app', 'sklearnLambda']) {
        expect(m.cold[side].ms, `${m.id} cold ${side}`).toBeGreaterThan(0);
        expect(m.init[side].initMs, `${m.id} init ${side}`).toBeGreaterThan(0);
        expect(m.init[side].firstResponseMs).toBeGreaterThanOrEqual(m.init[side].initMs);
      }
      for (const side of [
        'modelgateNamed',
        'app',
        'modelgateInput',
        'sklearnLambda',
        'sklearnLambdaOneThread',
      ])
        expect(m.warm[side].p99_us, `${m.id} warm ${side}`).toBeGreaterThanOrEqual(m.warm[side].p50_us);
      for (const side of ['modelgate', 'app', 'sklearnLambda']) {
        expect(m.http[side].total, `${m.id} HTTP ${side}`).toBeGreaterThan(0);
        expect(m.http[side].errors + m.http[side].non2xx).toBe(0);
      }
      for (const n of ['1', '100', '10000']) {
        expect(m.batch[n].modelgate).toBeGreaterThan(0);
        expect(m.batch[n].sklearn).toBeGreaterThan(0);
      }
      expect(m.packages.modelgate.zipped).toBeGreaterThan(m.bytes.onnx / 2);
      expect(m.memory.modelgatePeakMb).toBeGreaterThan(20);
      expect(Number.isInteger(m.memory.modelgateLambdaMb)).toBe(true);
      expect(m.memory.modelgateLambdaMb).toBeGreaterThanOrEqual(m.memory.modelgatePeakMb);
    }
  });

  it('gets the same answers from modelgate and the Python handlers for the same requests', () => {
    for (const m of r.models) {
      const body = (a: Answer) => JSON.parse(a.body);
      const mg = body(m.warm.modelgateInput.answer);
      const py = body(m.warm.sklearnLambda.answer);
      expect(mg.prediction, m.id).toEqual(py.prediction);
      expect(body(m.warm.modelgateNamed.answer).prediction.label).toBe(
        body(m.warm.app.answer).prediction.label,
      );
      if (m.id !== 'iris') {
        // The same network (imported, float32 layers) against scikit-learn's own: within 1e-5.
        for (const [label, p] of Object.entries(py.probabilities[0]))
          expect(Math.abs(mg.probabilities[0][label] - (p as number)), label).toBeLessThan(1e-5);
      }
    }
  });

  it('loads HTTP at 1, 16 and 64 connections on each side without errors', () => {
    for (const side of ['modelgate', 'app', 'sklearnLambda'])
      for (const c of ['1', '16', '64']) {
        const load = r.throughput[side].byConnections[c];
        expect(load.requestsPerSecond, `${side} at ${c}`).toBeGreaterThan(0);
        expect(load.errors + load.non2xx, `${side} at ${c}`).toBe(0);
      }
  });

  it('writes the page with every section, its goals and charts, and the cost figures', () => {
    for (const heading of [
      '## Goals',
      '## Cold start',
      '### Lambda init through the runtime client',
      '## Warm latency',
      '### HTTP latency, one connection',
      '## Batch throughput',
      '## HTTP throughput',
      '## Memory and package sizes',
    ])
      expect(markdown).toContain(heading);
    expect(markdown).not.toMatch(/NaN|undefined|Infinity/);
    expect(markdown.match(/\| (met|\*\*not met\*\*) \|/g)).toHaveLength(6);
    const charts = [...markdown.matchAll(/\]\(benchmarks\/([\w-]+\.svg)\)/g)].map((m) => m[1] as string);
    expect(charts).toHaveLength(7);
    for (const chart of charts) {
      const svg = readFileSync(join(out, 'benchmarks', chart), 'utf8');
      expect(svg.startsWith('<svg'), chart).toBe(true);
      expect(svg).toContain('<rect');
      expect(svg).not.toMatch(/NaN|undefined/);
    }
    expect(r.costFigures.map((c: { model: string }) => c.model)).toEqual(['iris', 'MLP 900x3']);
    for (const c of r.costFigures) expect(c.durationMs).toBeGreaterThan(0);
    expect(existsSync(join(out, 'benchmarks', 'cold-start.svg'))).toBe(true);
  });
});

describe('bar charts', () => {
  const heights = (svg: string) =>
    [
      ...svg.matchAll(
        /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#[0-9a-f]+"><title>/g,
      ),
    ].map((m) => Number(m[1]));

  it('draws taller bars for larger values, on linear and log axes', () => {
    for (const log of [false, true]) {
      const svg = barChart({
        title: 't',
        unit: 'ms',
        groups: ['a', 'b'],
        log,
        series: [{ name: 's', values: [10, 1000] }],
      });
      const [small, large] = heights(svg);
      expect(large as number).toBeGreaterThan(small as number);
    }
  });

  it('leaves out a value that was not measured, and escapes labels', () => {
    const svg = barChart({
      title: 'a < b',
      unit: 'ms',
      groups: ['x', 'y'],
      series: [{ name: 's', values: [Number.NaN, 5] }],
    });
    expect(heights(svg)).toHaveLength(1);
    expect(svg).toContain('a &lt; b');
    expect(svg).not.toContain('NaN');
  });
});
