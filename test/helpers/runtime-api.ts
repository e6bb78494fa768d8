// A local Lambda Runtime API (the 2018-06-01 interface Lambda gives a function's runtime), and the real
// runtime interface client (aws-lambda-ric, as Lambda's Node.js images run it) started against it over
// a function's unpacked files. The harness plays Lambda: it hands out invocations, collects responses
// and errors, and records an init error.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/**
 * The runtime interface client lives in its own folder with its own lockfile (test/harness/lambda-ric),
 * not in the project's devDependencies: its install compiles curl and aws-lambda-cpp from source (a
 * minute or more), which `npm ci` would otherwise make every user wait for. It is installed there on
 * first use and kept. Found by walking up, so the benchmarks' copy of this file (bench/out) finds it too.
 */
export const RIC_HARNESS = findUp('test/harness/lambda-ric');
export const RIC_ENTRY = join(RIC_HARNESS, 'node_modules/aws-lambda-ric/index.mjs');
const RIC_LOG = join(RIC_HARNESS, 'install.log');
const RIC_LOCK = join(RIC_HARNESS, '.install-lock');

function findUp(folder: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, folder);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`${folder} not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** True once the client from the harness's lockfile is installed with its native addon built. */
export function ricInstalled(): boolean {
  try {
    const lock = JSON.parse(readFileSync(join(RIC_HARNESS, 'package-lock.json'), 'utf8'));
    const wanted = lock.packages['node_modules/aws-lambda-ric'].version;
    const installed = join(RIC_HARNESS, 'node_modules/aws-lambda-ric');
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    return version === wanted && existsSync(join(installed, 'rapid-client.node'));
  } catch {
    return false;
  }
}

/**
 * Installs the runtime interface client into the harness folder unless it is there, and returns its
 * entry. Test files call it in `beforeAll` (with a long timeout: the first install compiles C). Several
 * test processes may ask at once: one installs, under a lock folder, and the others wait for it.
 */
export async function ensureRic(timeoutMs = 900_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!ricInstalled()) {
    if (takeLock()) {
      try {
        if (!ricInstalled()) await installRic();
      } finally {
        rmSync(RIC_LOCK, { recursive: true, force: true });
      }
    } else if (Date.now() > deadline) {
      throw new Error(`timed out waiting for another process to install aws-lambda-ric (${RIC_LOG})`);
    } else {
      await sleep(500);
    }
  }
  return RIC_ENTRY;
}

/** The lock is a folder (mkdir is atomic) holding its owner's pid; an owner that died leaves it stale. */
function takeLock(): boolean {
  try {
    mkdirSync(RIC_LOCK);
  } catch {
    let owner = 0;
    try {
      owner = Number(readFileSync(join(RIC_LOCK, 'pid'), 'utf8'));
    } catch {
      return false; // just made, its pid not yet written
    }
    if (owner && processAlive(owner)) return false;
    rmSync(RIC_LOCK, { recursive: true, force: true });
    return takeLock();
  }
  writeFileSync(join(RIC_LOCK, 'pid'), String(process.pid));
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function installRic(): Promise<void> {
  const where = relative(process.cwd(), RIC_HARNESS) || RIC_HARNESS;
  process.stderr.write(
    `installing aws-lambda-ric for the Lambda tests into ${where} (once; it compiles C, about a minute; log: ${relative(process.cwd(), RIC_LOG)})\n`,
  );
  // The parent npm's own settings (npm_config_*, npm_package_*) are left out: they describe the project.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const log = openSync(RIC_LOG, 'w');
  // `npm run test:harness` is the one install command, which .ci/run also runs.
  const child = spawn('npm', ['run', '--silent', 'test:harness'], {
    cwd: join(RIC_HARNESS, '../../..'),
    env,
    stdio: ['ignore', log, log],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !ricInstalled()) {
    const tail = readFileSync(RIC_LOG, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
    throw new Error(
      `installing aws-lambda-ric failed (npm ci exited ${code}; it needs cmake, make, g++ and python3). Last lines of ${RIC_LOG}:\n${tail}`,
    );
  }
}

const PREFIX = '/2018-06-01/runtime';

/** What the runtime posted back for one invocation. */
export type Outcome =
  | { kind: 'response'; body: unknown; at: number }
  | { kind: 'error'; body: { errorType?: string; errorMessage?: string }; errorType?: string; at: number };

export interface InitError {
  errorType?: string;
  errorMessage?: string;
  at: number;
}

interface Pending {
  id: string;
  event: unknown;
  resolve: (o: Outcome) => void;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class RuntimeApi {
  /** performance.now() when the server started listening: the start of init as the harness sees it. */
  readonly startedAt: number;
  private readonly queue: Pending[] = [];
  private readonly waiting: ((p: Pending) => void)[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private initErrorSeen?: (e: InitError) => void;
  /** Resolves when the runtime reports an init error. */
  readonly initError: Promise<InitError>;
  /** How many times the runtime asked for the next invocation. */
  nextCalls = 0;
  /** performance.now() of the first request for the next invocation: the end of init. */
  firstNextAt?: number;

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {
    this.startedAt = performance.now();
    this.initError = new Promise((resolve) => {
      this.initErrorSeen = resolve;
    });
  }

  static async start(): Promise<RuntimeApi> {
    let api: RuntimeApi | undefined;
    const server = createServer((req, res) => {
      api?.handle(req, res.writeHead.bind(res), res.end.bind(res)).catch((err: Error) => {
        res.writeHead(500).end(err.message);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = new RuntimeApi(server, `127.0.0.1:${port}`);
    return api;
  }

  /** Queues an invocation; resolves with what the runtime posts back for it. */
  invoke(event: unknown): Promise<Outcome> {
    return new Promise((resolve) => {
      const pending = { id: randomUUID(), event, resolve };
      const taker = this.waiting.shift();
      if (taker) taker(pending);
      else this.queue.push(pending);
    });
  }

  private next(): Promise<Pending> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async handle(
    req: IncomingMessage,
    writeHead: (status: number, headers?: Record<string, string>) => unknown,
    end: (body?: string) => unknown,
  ): Promise<void> {
    const url = req.url ?? '';
    const accepted = () => {
      writeHead(202, { 'content-type': 'application/json' });
      end('{"status":"OK"}');
    };
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      this.nextCalls += 1;
      this.firstNextAt ??= performance.now();
      const p = await this.next();
      this.inFlight.set(p.id, p);
      writeHead(200, {
        // aws-lambda-ric fails without a content type on the next invocation.
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': p.id,
        'lambda-runtime-deadline-ms': String(Date.now() + 30_000),
        'lambda-runtime-invoked-function-arn':
          'arn:aws:lambda:us-east-1:123456789012:function:modelgate-test',
        'lambda-runtime-trace-id': `Root=1-${Date.now().toString(16)}-${p.id.replaceAll('-', '').slice(0, 24)};Sampled=0`,
      });
      end(JSON.stringify(p.event));
      return;
    }
    const body = await readBody(req);
    const at = performance.now();
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      const e = parse(body) as { errorType?: string; errorMessage?: string };
      this.initErrorSeen?.({ errorType: e?.errorType, errorMessage: e?.errorMessage, at });
      accepted();
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    const pending = m ? this.inFlight.get(m[1] as string) : undefined;
    if (req.method === 'POST' && m && pending) {
      this.inFlight.delete(pending.id);
      if (m[2] === 'response') pending.resolve({ kind: 'response', body: parse(body), at });
      else {
        const errorType = req.headers['lambda-runtime-function-error-type'];
        pending.resolve({
          kind: 'error',
          body: parse(body) as { errorType?: string; errorMessage?: string },
          errorType: typeof errorType === 'string' ? errorType : undefined,
          at,
        });
      }
      accepted();
      return;
    }
    writeHead(404, { 'content-type': 'application/json' });
    end(JSON.stringify({ errorType: 'NotFound', errorMessage: `${req.method} ${url}` }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface RuntimeProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** More environment variables (they win over the defaults). */
  env?: Record<string, string>;
  /** A folder holding a layer's files, as /opt holds them. */
  layerRoot?: string;
  /** The runtime to start instead of aws-lambda-ric on this Node.js. */
  command?: string[];
}

/**
 * Starts aws-lambda-ric over the function's files in `taskRoot` as Lambda starts a Node.js function:
 * handler `index.handler`, the Lambda environment variables, NODE_PATH with the layer folders first.
 */
export function startRuntime(
  api: RuntimeApi,
  taskRoot: string,
  options: RuntimeOptions = {},
): RuntimeProcess {
  const { env = {}, layerRoot, command = [process.execPath, RIC_ENTRY] } = options;
  if (!options.command && !ricInstalled())
    throw new Error('aws-lambda-ric is not installed: `await ensureRic()` first (in beforeAll)');
  const nodePath = [
    ...(layerRoot ? [`${layerRoot}/nodejs/node22/node_modules`, `${layerRoot}/nodejs/node_modules`] : []),
    taskRoot,
  ].join(':');
  const [program, ...args] = command as [string, ...string[]];
  const child = spawn(program, args, {
    cwd: taskRoot,
    env: {
      PATH: process.env.PATH ?? '',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_RUNTIME_API: api.address,
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
      NODE_PATH: nodePath,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'modelgate-test',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/modelgate-test',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/23/[$LATEST]0123456789abcdef',
      AWS_REGION: 'us-east-1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The first invocation's outcome, the init error, or the runtime's exit, whichever comes first. */
export function firstOutcome(api: RuntimeApi, runtime: RuntimeProcess, event: unknown) {
  return Promise.race([
    api.invoke(event),
    api.initError.then((e) => ({ kind: 'init-error' as const, ...e })),
    runtime.exited.then((code) => ({ kind: 'exited' as const, code, output: runtime.output() })),
  ]);
}
