// The Dockerfile, without a Docker engine (none runs here): its build stage's package step is run as
// written, every folder the images copy must then exist, and each image's command is started over
// those folders and must answer: the Lambda image's through aws-lambda-ric and a Runtime API, the
// serve image's over HTTP. `npm test` has already done the stage's `npm ci && npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REFERENCE_EVENT } from '../helpers/lambda.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { ensureRic, firstOutcome, RuntimeApi, startRuntime } from '../helpers/runtime-api.js';
import { serveCommand, stopServers } from '../helpers/serve.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions by stage (continuation lines joined, comments dropped). */
function parseDockerfile(text: string) {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const globalArgs: Record<string, string> = {};
  const stages: { name: string; from: string; steps: Instruction[] }[] = [];
  for (const line of lines) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const [, op, args] = m as unknown as [string, string, string];
    if (op === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)\s+AS\s+(\S+)$/i.exec(args.trim());
      if (!from) throw new Error(`FROM without a stage name: ${line}`);
      stages.push({ from: from[1] as string, name: from[2] as string, steps: [] });
    } else if (stages.length === 0 && op === 'ARG') {
      const [name, value = ''] = args.trim().split('=');
      globalArgs[name as string] = value;
    } else stages.at(-1)?.steps.push({ op, args: args.trim() });
  }
  return { globalArgs, stages };
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const stage = (name: string) => {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};
const steps = (name: string, op: string) => stage(name).steps.filter((s) => s.op === op);
/** The JSON-array form of CMD or ENTRYPOINT. */
const execForm = (name: string, op: string) => JSON.parse(steps(name, op)[0]?.args ?? '[]') as string[];

/** The onnxruntime-node platforms (os/arch) among a folder's paths. */
function platforms(names: string[]): string[] {
  const found = names
    .map((n) => /\/bin\/napi-v6\/([^/]+\/[^/]+)\//.exec(n)?.[1])
    .filter((p) => p !== undefined);
  return [...new Set(found)];
}

let root: string;
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => stopServers());

/**
 * Runs the build stage's package step in a checkout (the stage's WORKDIR holds one), writing to a
 * folder of the test's instead of /pkg, with the stage's build arguments.
 */
function runPackageStep(out: string, args: Record<string, string>): void {
  const step = steps('build', 'RUN').find((s) => s.args.includes('modelgate.js package'));
  if (!step) throw new Error('no package step in the build stage');
  execFileSync('sh', ['-c', step.args.replaceAll('/pkg', out)], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...args },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
}

/** Where a `COPY --from=build <source> <dest>` of `stageName` reads from, in the test's folder. */
function copiedFrom(stageName: string, out: string): string {
  const copy = steps(stageName, 'COPY').find((s) => s.args.startsWith('--from=build '));
  if (!copy) throw new Error(`${stageName} copies nothing from the build stage`);
  const [source] = copy.args.replace('--from=build ', '').split(/\s+/);
  return (source as string).replace('/pkg', out);
}

describe('Dockerfile', () => {
  let expectedBody: unknown;
  let out: string;

  beforeAll(async () => {
    // The first run installs the client (it compiles C, minutes on a busy machine): test/harness/lambda-ric.
    const ric = ensureRic();
    ric.catch(() => {}); // awaited below; a failure must not be an unhandled rejection meanwhile
    root = mkdtempSync(join(tmpdir(), 'modelgate-docker-'));
    out = join(root, 'pkg');
    const predicted = await runCli(['predict', IRIS_MODEL, JSON.stringify(REFERENCE_ROW)]);
    expectedBody = JSON.parse(predicted.stdout);
    runPackageStep(out, { MODEL: dockerfile.globalArgs.MODEL ?? '', TARGETARCH: 'amd64' });
    await ric;
  }, 900_000);

  it('builds on the Lambda Node.js 22 base image and a Node.js 22 image, the Lambda image by default', () => {
    expect(stage('lambda').from).toBe('public.ecr.aws/lambda/nodejs:22');
    expect(stage('serve').from).toMatch(/^node:22-/);
    expect(dockerfile.stages.at(-1)?.name).toBe('lambda');
    expect(dockerfile.globalArgs.MODEL).toBe('examples/iris/model.onnx');
    expect(existsSync(join(REPO, dockerfile.globalArgs.MODEL as string))).toBe(true);
  });

  it('copies only the packaged folders into the images (production files only)', () => {
    for (const name of ['lambda', 'serve']) {
      const copies = steps(name, 'COPY');
      expect(copies).toHaveLength(1);
      const from = copiedFrom(name, out);
      expect(existsSync(from), from).toBe(true);
      const names = readdirSync(from, { recursive: true }).map(String);
      expect(names).toContain('model.onnx');
      expect(names.filter((n) => n.startsWith('node_modules/') && n.split('/').length === 2).sort()).toEqual([
        'node_modules/onnxruntime-common',
        'node_modules/onnxruntime-node',
      ]);
      expect(platforms(names)).toEqual(['linux/x64']);
    }
  });

  it("keeps the checkout's build inputs in the build context", () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const needed of ['src', 'bin', 'scripts', 'examples', 'package.json', 'package-lock.json'])
      expect(ignored, needed).not.toContain(needed);
    for (const left of ['**/node_modules', 'dist', '.git']) expect(ignored).toContain(left);
  });

  it("the Lambda image's command answers the reference event through aws-lambda-ric", async () => {
    const [handler] = execForm('lambda', 'CMD');
    expect(handler).toBe('index.handler');
    const api = await RuntimeApi.start();
    const runtime = startRuntime(api, copiedFrom('lambda', out), { env: { _HANDLER: handler as string } });
    try {
      const outcome = await firstOutcome(api, runtime, REFERENCE_EVENT);
      expect(outcome, runtime.output()).toMatchObject({ kind: 'response', body: { statusCode: 200 } });
      expect(JSON.parse((outcome as { body: { body: string } }).body.body)).toEqual(expectedBody);
    } finally {
      await runtime.stop();
      await api.close();
    }
  });

  it("the serve image's entrypoint starts, reports ready and answers", async () => {
    const entrypoint = execForm('serve', 'ENTRYPOINT').map((a) =>
      a.replace('/app', copiedFrom('serve', out)),
    );
    expect(entrypoint.slice(0, 1)).toEqual(['node']);
    // A free port instead of 8080 (the last --port wins, as a `docker run ... --port` would).
    const served = await serveCommand([process.execPath, ...entrypoint.slice(1), '--port', '0'], {
      PATH: process.env.PATH ?? '',
    });
    expect(
      served.lines.some((l) => l.msg === 'model loaded; ready'),
      JSON.stringify(served.lines),
    ).toBe(true);
    expect((await fetch(new URL('/ready', served.url.replace('0.0.0.0', '127.0.0.1')))).status).toBe(200);
    const res = await fetch(new URL('/predict', served.url.replace('0.0.0.0', '127.0.0.1')), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(REFERENCE_ROW),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expectedBody);
  });

  it('with MODEL= bakes no model, and serve then asks for MODEL_URI', async () => {
    const bare = join(root, 'bare');
    runPackageStep(bare, { MODEL: '', TARGETARCH: 'amd64' });
    const server = copiedFrom('serve', bare);
    expect(existsSync(join(server, 'model.onnx'))).toBe(false);
    expect(existsSync(join(copiedFrom('lambda', bare), 'model.onnx'))).toBe(false);
    const entrypoint = execForm('serve', 'ENTRYPOINT').map((a) => a.replace('/app', server));
    const run = (env: Record<string, string>) =>
      serveCommand([process.execPath, ...entrypoint.slice(1), '--port', '0'], {
        PATH: process.env.PATH ?? '',
        ...env,
      });
    const served = await run({ MODEL_URI: IRIS_MODEL });
    expect(
      served.lines.some((l) => l.msg === 'model loaded; ready'),
      JSON.stringify(served.lines),
    ).toBe(true);
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [...entrypoint.slice(1), '--port', '0'], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      stderr = String((err as { stderr: Buffer }).stderr);
      status = (err as { status: number }).status;
    }
    expect(status).toBe(2);
    expect(stderr).toContain('name the model to serve (a path, s3:// or https:// URI) or set MODEL_URI');
  }, 240_000);

  it('with TARGETARCH=arm64 copies arm64 binaries only (they cannot run here)', () => {
    const arm = join(root, 'arm');
    runPackageStep(arm, { MODEL: dockerfile.globalArgs.MODEL ?? '', TARGETARCH: 'arm64' });
    for (const name of ['lambda', 'serve'])
      expect(platforms(readdirSync(copiedFrom(name, arm), { recursive: true }).map(String))).toEqual([
        'linux/arm64',
      ]);
  }, 240_000);
});
