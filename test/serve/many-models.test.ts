// `modelgate serve` over many models and with hot reload, as a user runs it: a real process, a folder of
// 20 models, --default, duplicate names, a model file replaced several times while a client keeps
// sending requests (no request fails), a broken replacement (the old model stays), and SIGHUP.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { modelFolder, namedModel, smallIris } from '../helpers/many-models.js';
import { REFERENCE_ROW } from '../helpers/models.js';
import { logLine, type Served, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-serve-models-'));
  dirs.push(dir);
  return dir;
}

const post = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(REFERENCE_ROW),
  });

/** Writes beside and renames over, as a deploy replaces a file. */
function replace(path: string, bytes: Uint8Array): void {
  writeFileSync(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
}

const reloads = (s: Served) => s.lines.filter((l) => l.msg === 'model reloaded');

describe('modelgate serve with many models', () => {
  it('serves the 20 models of a folder, each under its name', async () => {
    const { dir, names } = modelFolder(20);
    dirs.push(dir);
    const s = await serve([dir]);
    const listed = (await (await fetch(`${s.url}/models`)).json()) as {
      models: { name: string; state: string }[];
    };
    expect(listed.models.map((m) => m.name)).toEqual(names);
    expect(listed.models.every((m) => m.state === 'ready')).toBe(true);
    for (const name of names) {
      const res = await post(`${s.url}/models/${name}/predict`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-name')).toBe(name);
    }
    expect((await post(`${s.url}/models/m21/predict`)).status).toBe(404);
    expect(s.lines.find((l) => l.msg === 'model loaded; ready')).toMatchObject({
      models: 20,
      default: 'm01',
    });
  });

  it('takes several files and --default', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.onnx'), namedModel('alpha'));
    writeFileSync(join(dir, 'b.onnx'), namedModel('beta'));
    const s = await serve([join(dir, 'a.onnx'), join(dir, 'b.onnx'), '--default', 'beta']);
    expect((await post(`${s.url}/`)).headers.get('x-model-name')).toBe('beta');
    expect((await post(`${s.url}/models/alpha/predict`)).headers.get('x-model-name')).toBe('alpha');
  });

  it('stops at start when two models share a name, naming both files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.onnx'), namedModel('iris'));
    writeFileSync(join(dir, 'b.onnx'), namedModel('iris'));
    const s = await serve([dir]);
    expect(await s.exited).toBe(1);
    expect(s.lines.find((l) => l.level === 'error')?.error).toBe(
      `two models are named "iris": ${join(dir, 'a.onnx')} and ${join(dir, 'b.onnx')}; each model on one endpoint needs its own name (set it with modelgate pack --name, or rename the file)`,
    );
  });
});

describe('modelgate serve hot reload', () => {
  it('reloads a replaced file under load with zero failed requests', async () => {
    const dir = tempDir();
    const path = join(dir, 'iris.onnx');
    writeFileSync(path, namedModel('iris', 'v0'));
    writeFileSync(join(dir, 'other.onnx'), namedModel('other'));
    const s = await serve([dir]);
    let stop = false;
    const failures: string[] = [];
    const versions = new Set<string>();
    let answered = 0;
    const client = async () => {
      while (!stop) {
        try {
          const res = await post(`${s.url}/models/iris/predict`);
          const body = await res.text();
          if (res.status !== 200) failures.push(`${res.status} ${body}`);
          versions.add(res.headers.get('x-model-version') ?? '');
          answered++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    for (let v = 1; v <= 5; v++) {
      replace(path, namedModel('iris', `v${v}`));
      const line = await logLine(s, (l) => l.msg === 'model reloaded' && l.version === `v${v}`, 10_000);
      expect(line, `reload to v${v}`).toMatchObject({ model: 'iris', why: 'file changed' });
    }
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(50);
    expect(versions.has('v0') && versions.has('v5')).toBe(true);
    const last = await post(`${s.url}/models/iris/predict`);
    expect(last.headers.get('x-model-version')).toBe('v5');
    // The other model was never reloaded.
    expect(reloads(s).every((l) => l.model === 'iris')).toBe(true);
  });

  it('keeps the old model when the replacement is broken', async () => {
    const dir = tempDir();
    const path = join(dir, 'iris.onnx');
    writeFileSync(path, namedModel('iris', 'v1'));
    const s = await serve([path]);
    replace(path, smallIris().slice(0, 500));
    const failed = await logLine(
      s,
      (l) => l.msg === 'model reload failed; still serving the loaded model',
      10_000,
    );
    expect(failed).toMatchObject({ level: 'error', model: 'iris', uri: path });
    const res = await post(`${s.url}/predict`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('v1');
    // Fixed again: reloaded.
    replace(path, namedModel('iris', 'v2'));
    expect(await logLine(s, (l) => l.msg === 'model reloaded' && l.version === 'v2', 10_000)).toBeDefined();
    expect((await post(`${s.url}/predict`)).headers.get('x-model-version')).toBe('v2');
  });

  it('reloads every model on SIGHUP', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.onnx'), namedModel('a', 'v1'));
    writeFileSync(join(dir, 'b.onnx'), namedModel('b', 'v1'));
    const s = await serve([dir, '--no-watch']);
    replace(join(dir, 'a.onnx'), namedModel('a', 'v2'));
    replace(join(dir, 'b.onnx'), namedModel('b', 'v2'));
    // Not watched: nothing happens until the signal.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await post(`${s.url}/models/a/predict`)).headers.get('x-model-version')).toBe('v1');
    s.child.kill('SIGHUP');
    for (const name of ['a', 'b'])
      expect(
        await logLine(s, (l) => l.msg === 'model reloaded' && l.model === name && l.why === 'SIGHUP', 10_000),
      ).toMatchObject({ version: 'v2' });
    expect((await post(`${s.url}/models/a/predict`)).headers.get('x-model-version')).toBe('v2');
    expect((await post(`${s.url}/models/b/predict`)).headers.get('x-model-version')).toBe('v2');
    // Still serving after the signal, and stops on SIGTERM as before.
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
