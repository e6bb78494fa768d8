// Many models behind one core (src/adapters/models.ts): 20 from a folder, names from the cards, the
// default, unknown and duplicate names, a model that fails on its own, loading on first use with a
// bounded cache (least recently used evicted, a held predictor released only after its request), and
// hot reload: swaps under load with no failed request, and a broken replacement that keeps the old model.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JsonLog, type LogLine } from '../../src/adapters/log.js';
import { type ModelFile, ModelSet, resolveModelFiles } from '../../src/adapters/models.js';
import { Core, type CoreResponse } from '../../src/api/core.js';
import type { ModelEntry } from '../../src/api/registry.js';
import { modelFolder, namedModel, smallIris } from '../helpers/many-models.js';
import { REFERENCE_ROW } from '../helpers/models.js';

const ROW = JSON.stringify(REFERENCE_ROW);

function captured(): { log: JsonLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = {
    write: (t: string) => {
      for (const l of t.trim().split('\n')) if (l) lines.push(JSON.parse(l));
    },
  };
  return { log: new JsonLog(sink), lines };
}

function predict(core: Core, path: string): Promise<CoreResponse> {
  return core.handle({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: ROW });
}

const get = (core: Core, path: string) => core.handle({ method: 'GET', path, headers: {} });

async function files(dir: string): Promise<ModelFile[]> {
  return resolveModelFiles([dir], { maxModels: 1000, timeoutMs: 10_000 });
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-models-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('20 models from a folder', () => {
  let folder: { dir: string; names: string[] };
  let models: ModelSet;
  let core: Core;

  beforeAll(async () => {
    folder = modelFolder(20);
    dirs.push(folder.dir);
    models = await ModelSet.open(await files(folder.dir), { loading: 'eager' });
    await models.loadAll();
    core = new Core(models);
  });
  afterAll(() => models.close());

  it('serves each under its card name, saying which model and version answered', async () => {
    for (const name of folder.names) {
      const res = await predict(core, `/models/${name}/predict`);
      expect(res.status, name).toBe(200);
      expect(JSON.parse(res.body)).toEqual({
        prediction: { label: 'virginica', probability: expect.any(Number) },
      });
      expect(res.headers['x-model-name']).toBe(name);
      expect(res.headers['x-model-version']).toBe(models.find(name)?.version);
      expect(res.headers['x-model-version']).toMatch(/^[0-9a-f]{12}$/);
    }
  });

  it('lists them with their state, the default (the first) first', async () => {
    const res = await get(core, '/models');
    const { models: list } = JSON.parse(res.body) as { models: Record<string, unknown>[] };
    expect(list.map((m) => m.name)).toEqual(folder.names);
    expect(list[0]).toMatchObject({ name: 'm01', state: 'ready', default: true });
    expect(list.every((m) => m.state === 'ready')).toBe(true);
  });

  it('answers / and /predict, /ready and /metadata from the default model', async () => {
    expect((await predict(core, '/')).headers['x-model-name']).toBe('m01');
    expect((await predict(core, '/predict')).headers['x-model-name']).toBe('m01');
    expect(JSON.parse((await get(core, '/ready')).body)).toMatchObject({ status: 'ready', model: 'm01' });
    expect(JSON.parse((await get(core, '/models/m07/metadata')).body).card.name).toBe('m07');
  });

  it('answers 404 naming an unknown model', async () => {
    const res = await predict(core, '/models/nope/predict');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.message).toMatch(
      /^no model named "nope"; this endpoint serves "m01", "m02"/,
    );
  });

  it('reads a file again to load it when the ones read at open are over the bound held', async () => {
    const set = await ModelSet.open(await files(folder.dir), { loading: 'eager', holdBytes: 20_000 });
    await set.loadAll();
    expect(set.list().map((e) => e.status().state)).toEqual(Array(20).fill('ready'));
    expect(set.list().map((e) => e.counters?.loads)).toEqual(Array(20).fill(1));
    await set.close();
  });

  it('counts one load per model', () => {
    for (const e of models.list())
      expect(e.counters).toMatchObject({ loads: 1, loadFailures: 0, reloads: 0 });
  });
});

describe('opening a set of models', () => {
  it('refuses two models of one name, naming both files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.onnx'), namedModel('iris'));
    writeFileSync(join(dir, 'b.onnx'), namedModel('iris'));
    await expect(ModelSet.open(await files(dir), { loading: 'eager' })).rejects.toThrow(
      `two models are named "iris": ${join(dir, 'a.onnx')} and ${join(dir, 'b.onnx')}`,
    );
  });

  it('takes --default by name, and refuses one that is none of them', async () => {
    const { dir } = modelFolder(3);
    dirs.push(dir);
    const set = await ModelSet.open(await files(dir), { loading: 'eager', defaultName: 'm03' });
    expect(set.defaultEntry()?.name).toBe('m03');
    expect(set.list().map((e) => e.name)).toEqual(['m03', 'm01', 'm02']);
    await expect(ModelSet.open(await files(dir), { loading: 'eager', defaultName: 'x' })).rejects.toThrow(
      'the default model "x" is none of the models given: "m01", "m02", "m03"',
    );
  });

  it('refuses an empty folder and more models than the limit', async () => {
    const dir = tempDir();
    await expect(files(dir)).rejects.toThrow(`${dir} holds no .onnx model files`);
    const { dir: three } = modelFolder(3);
    dirs.push(three);
    await expect(resolveModelFiles([three], { maxModels: 2, timeoutMs: 5_000 })).rejects.toThrow(
      /more than 2 \.onnx files in this folder; the limit is 2/,
    );
    await expect(
      resolveModelFiles([join(three, 'm01.onnx'), join(three, 'm02.onnx'), join(three, 'm03.onnx')], {
        maxModels: 2,
        timeoutMs: 5_000,
      }),
    ).rejects.toThrow(/more than 2 models to serve/);
  });
});

describe('a model that fails to load', () => {
  it('answers 503 for itself only, is listed as failed and logged', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.onnx'), namedModel('a'));
    writeFileSync(join(dir, 'broken.onnx'), smallIris().slice(0, 200));
    writeFileSync(join(dir, 'c.onnx'), namedModel('c'));
    const { log, lines } = captured();
    const set = await ModelSet.open(await files(dir), { loading: 'eager', log });
    await set.loadAll();
    const core = new Core(set);
    expect((await predict(core, '/models/a/predict')).status).toBe(200);
    expect((await predict(core, '/models/c/predict')).status).toBe(200);
    const res = await predict(core, '/models/broken/predict');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.message).toBe(
      'the model "broken" failed to load; the reason is in the server log',
    );
    expect((await get(core, '/models/broken/ready')).status).toBe(503);
    const list = JSON.parse((await get(core, '/models')).body).models;
    expect(list.map((m: { state: string }) => m.state)).toEqual(['ready', 'failed', 'ready']);
    expect(lines.find((l) => l.msg === 'model failed to load')).toMatchObject({
      level: 'error',
      model: 'broken',
      uri: join(dir, 'broken.onnx'),
    });
    expect(set.find('broken')?.counters?.loadFailures).toBe(1);
    await set.close();
  });
});

describe('loading on first use, within a memory budget', () => {
  let dir: string;
  let names: string[];
  beforeAll(() => {
    ({ dir, names } = modelFolder(6));
    dirs.push(dir);
  });

  /** A set whose budget holds `fit` models, by the estimate of each (all are one size). */
  async function lazySet(fit: number) {
    const listed = await files(dir);
    const size = listed[0]?.size as number;
    const perModel = 1_000 + size * 2;
    const { log, lines } = captured();
    const set = await ModelSet.open(listed, {
      loading: 'on-demand',
      log,
      cache: { budgetBytes: perModel * fit + 10, memoryFactor: 2, overheadBytes: 1_000 },
    });
    return { set, lines, core: new Core(set) };
  }

  it('loads nothing at open; /models lists them unloaded, named by their files', async () => {
    const { set, core } = await lazySet(3);
    const list = JSON.parse((await get(core, '/models')).body).models;
    expect(list.map((m: { name: string }) => m.name)).toEqual(names);
    expect(list.every((m: { state: string }) => m.state === 'unloaded')).toBe(true);
    expect(set.loadedBytes).toBe(0);
    await set.close();
  });

  it('loads a model once for concurrent first requests', async () => {
    const { set, core } = await lazySet(3);
    const answers = await Promise.all(Array.from({ length: 20 }, () => predict(core, '/models/m02/predict')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(set.find('m02')?.counters).toMatchObject({ loads: 1, loadFailures: 0 });
    expect(set.find('m02')?.status().state).toBe('ready');
    await set.close();
  });

  it('evicts the least recently used to stay within the budget, and loads it again when asked', async () => {
    const { set, core, lines } = await lazySet(3);
    const budget = 3 * (1_000 + ((await files(dir))[0]?.size as number) * 2) + 10;
    for (const name of ['m01', 'm02', 'm03'])
      expect((await predict(core, `/models/${name}/predict`)).status).toBe(200);
    // m01 used again: m02 is now the least recently used.
    expect((await predict(core, '/models/m01/predict')).status).toBe(200);
    expect((await predict(core, '/models/m04/predict')).status).toBe(200);
    const state = (n: string) => set.find(n)?.status().state;
    expect([state('m01'), state('m02'), state('m03'), state('m04')]).toEqual([
      'ready',
      'unloaded',
      'ready',
      'ready',
    ]);
    expect(set.loadedBytes).toBeLessThanOrEqual(budget);
    expect(set.find('m02')?.counters?.evictions).toBe(1);
    expect(lines.find((l) => l.msg === 'model evicted from the cache')).toMatchObject({
      model: 'm02',
      for: 'm04',
    });
    // Every model in turn, twice: never more than three loaded.
    for (const round of [0, 1]) {
      for (const name of names) {
        const res = await predict(core, `/models/${name}/predict`);
        expect(res.status, `${name} round ${round}`).toBe(200);
        expect(res.headers['x-model-name']).toBe(name);
        expect(set.list().filter((e) => e.status().state === 'ready').length).toBeLessThanOrEqual(3);
        expect(set.loadedBytes).toBeLessThanOrEqual(budget);
      }
    }
    expect(set.find('m02')?.counters?.loads).toBeGreaterThanOrEqual(2);
    await set.close();
  });

  it('releases an evicted predictor only once the request holding it is done', async () => {
    const { set } = await lazySet(1);
    const m01 = set.find('m01') as ModelEntry;
    const lease = await set.lease(m01);
    const release = vi.spyOn(lease.predictor, 'release');
    // Loading m02 evicts m01 (the budget holds one), while this request still holds it.
    await set.ready(set.find('m02') as ModelEntry);
    expect(m01.status().state).toBe('unloaded');
    expect(release).not.toHaveBeenCalled();
    expect((await lease.predictor.predict([REFERENCE_ROW])).labels).toEqual(['virginica']);
    lease.release();
    expect(release).toHaveBeenCalledTimes(1);
    lease.release();
    expect(release).toHaveBeenCalledTimes(1);
    await set.close();
  });

  it('fails a model whose card names another model than its file, for itself only', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'good.onnx'), namedModel('good'));
    writeFileSync(join(d, 'alias.onnx'), namedModel('other'));
    const { log, lines } = captured();
    const set = await ModelSet.open(await files(d), { loading: 'on-demand', log, retryAfterMs: 60_000 });
    const core = new Core(set);
    const res = await predict(core, '/models/alias/predict');
    expect(res.status).toBe(503);
    expect(lines.find((l) => l.msg === 'model failed to load')?.error).toBe(
      `${join(d, 'alias.onnx')} holds the model named "other"; a model under a prefix is served under its file's name, so name the file other.onnx`,
    );
    // Not retried at once: the next request is told at once, without another load.
    expect((await predict(core, '/models/alias/predict')).status).toBe(503);
    expect(set.find('alias')?.counters?.loadFailures).toBe(1);
    expect((await predict(core, '/models/good/predict')).status).toBe(200);
    await set.close();
  });
});

describe('hot reload', () => {
  it('swaps models under load with no failed request, and releases the old one after', async () => {
    const dir = tempDir();
    const path = join(dir, 'iris.onnx');
    writeFileSync(path, namedModel('iris', 'v0'));
    const { log, lines } = captured();
    const set = await ModelSet.open(await files(dir), {
      loading: 'eager',
      log,
      predictor: { batching: true },
    });
    await set.loadAll();
    const core = new Core(set);
    const entry = set.find('iris') as ModelEntry;
    const old = (entry.status() as { predictor: { release(): Promise<void> } }).predictor;
    const released = vi.spyOn(old, 'release');
    let stop = false;
    const seen = new Set<string>();
    const statuses: number[] = [];
    const client = async () => {
      while (!stop) {
        const res = await predict(core, '/models/iris/predict');
        statuses.push(res.status);
        seen.add(res.headers['x-model-version'] as string);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    for (let v = 1; v <= 5; v++) {
      // Written beside and renamed over, as a deploy does: the swap is of whole files.
      writeFileSync(`${path}.tmp`, namedModel('iris', `v${v}`));
      renameSync(`${path}.tmp`, path);
      expect(await set.reload(entry, 'test')).toBe('swapped');
      await new Promise((r) => setTimeout(r, 20));
    }
    stop = true;
    await Promise.all(clients);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(entry.version).toBe('v5');
    expect([...seen]).toEqual(expect.arrayContaining(['v0', 'v5']));
    expect(released).toHaveBeenCalledTimes(1);
    expect(entry.counters).toMatchObject({ loads: 1, reloads: 5, reloadFailures: 0 });
    expect(lines.filter((l) => l.msg === 'model reloaded')).toHaveLength(5);
    await set.close();
  });

  it('keeps the old model when the new file is broken or names another model, and counts it', async () => {
    const dir = tempDir();
    const path = join(dir, 'iris.onnx');
    writeFileSync(path, namedModel('iris', 'v1'));
    const { log, lines } = captured();
    const set = await ModelSet.open(await files(dir), { loading: 'eager', log });
    await set.loadAll();
    const core = new Core(set);
    const entry = set.find('iris') as ModelEntry;
    writeFileSync(path, smallIris().slice(0, 300));
    expect(await set.reload(entry)).toBe('failed');
    writeFileSync(path, namedModel('flowers', 'v2'));
    expect(await set.reload(entry)).toBe('failed');
    const res = await predict(core, '/models/iris/predict');
    expect(res.status).toBe(200);
    expect(res.headers['x-model-version']).toBe('v1');
    expect(entry.counters).toMatchObject({ reloads: 0, reloadFailures: 2 });
    const failures = lines.filter((l) => l.msg === 'model reload failed; still serving the loaded model');
    expect(failures).toHaveLength(2);
    expect(failures[1]?.error).toBe(
      'the file now holds a model named "flowers", not "iris"; a model keeps its name while served (restart to rename it)',
    );
    // The same bytes again: nothing to swap.
    writeFileSync(path, namedModel('iris', 'v1'));
    expect(await set.reload(entry)).toBe('unchanged');
    await set.close();
  });
});
