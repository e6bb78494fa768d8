// README.md's walk-through, run as a reader runs it: every command of its ```sh blocks, in order, read
// from the README itself (so that the test and the text cannot drift apart), in a folder that looks like
// a fresh clone after `npm ci` (the repository's tracked top-level entries, its node_modules and dist,
// linked; nothing that a command made before). Where the README shows what a command prints, the
// terminal's output (stdout and stderr as the shell interleaves them, npm's own lines included) must be
// that text, the figures that change from run to run (times, sizes, digests) matched by pattern. The S3
// commands run against s3rver, with the buckets they name.
//
// What the test changes, and why:
// - Ports. `npm start` and every `modelgate serve` listen on a free port (`--port 0`) instead of the
//   written one, and commands that reach a server (curl) are pointed at it, so that the test runs beside
//   anything else on the machine. The written ports are still checked: a server the README starts while
//   another one it started holds that port fails the test.
// - Servers. `npm start` stays up for the whole walk-through (the README curls it "from another shell");
//   a `serve` line runs in the reader's shell: the test waits until it is ready, checks that it answers,
//   and stops it with Ctrl-C (SIGINT to its process group) before the next command, as a reader must.
// - npx. In a clone, `npx modelgate` runs the folder's own bin, but npm takes 1-2 s a call to find it
//   (it loads the whole dependency tree). The first `npx modelgate` line runs through npm's npx, as
//   written; the later ones through a stand-in `npx` first on PATH that runs what npm's resolves to,
//   the clone's `node bin/modelgate.js`, and hands anything else to npm's.
// - npm's install scripts. The first `npx modelgate` in a folder links the folder's package into npm's
//   npx cache (~/.npm/_npx, an entry per folder path) and runs its `prepare` script, which rebuilds
//   dist/ (13 s here): the test sets npm_config_ignore_scripts, so that no build rewrites dist/ under the
//   tests running beside it, and keeps one folder path per checkout, so that the entry is made once.
// - The commands in COVERED_ELSEWHERE are not run here, for the reason given there; a block with a
//   `<!-- walkthrough: reason -->` marker right above it is not run, and only AWS, Docker, Terraform and
//   CDK commands may carry one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeUri } from '../../src/store/uri.js';
import { type RunningS3, startS3, withEnv } from '../helpers/s3.js';
import { andList, type ReadmeCommand, shBlocks } from './readme-commands.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = shBlocks(README);

/** README commands this test does not run, and where they are covered instead. */
const COVERED_ELSEWHERE: Record<string, string> = {
  'npm ci': 'the folder is a checkout after npm ci already; CI runs npm ci on a fresh clone (.ci/run)',
  'npm test': 'it is the suite this test belongs to',
  'npm run bench':
    'about 12 minutes; `npm run bench -- --quick` runs the same script (test/bench/quick.test.ts)',
  'npm run bench -- --quick': 'test/bench/quick.test.ts runs bench/all.mjs --quick and checks its output',
};

/** Only these commands may be left out by a marker: they need a real AWS account or a Docker engine. */
const MARKABLE = /^(aws|docker|terraform|tofu|cdk)\s/;

/** What the README has the reader put in S3 before its S3 commands. */
const SEEDED: Record<string, string> = { 's3://my-data/iris.csv': 'examples/iris/iris.csv' };

/** Figures of a shown output that change from run to run; the rest of a line must be printed exactly. */
const VARYING: { shown: RegExp; pattern: string }[] = [
  { shown: /[0-9a-f]+(?:\.\.\.|…)[0-9a-f]+/g, pattern: '[0-9a-f]{64}' }, // an elided sha256
  { shown: /\b\d+(?:\.\d+)? s$/g, pattern: '\\d+(?:\\.\\d+)? s' }, // a time in seconds
  { shown: /\(\d+(?:\.\d+)? KiB\)/g, pattern: '\\(\\d+(?:\\.\\d+)? KiB\\)' }, // a file's size
  { shown: /\(\d+ bytes\)/g, pattern: '\\(\\d+ bytes\\)' }, // a file's size
];

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What a line of shown output matches: itself, but for its VARYING figures. */
function linePattern(shown: string): RegExp {
  const spans = VARYING.flatMap((v) =>
    [...shown.matchAll(v.shown)].map((m) => ({
      from: m.index,
      to: m.index + m[0].length,
      pattern: v.pattern,
    })),
  ).sort((a, b) => a.from - b.from);
  let source = '';
  let at = 0;
  for (const s of spans) {
    if (s.from < at) continue;
    source += literal(shown.slice(at, s.from)) + s.pattern;
    at = s.to;
  }
  return new RegExp(`^${source}${literal(shown.slice(at))}$`);
}

function expectShown(command: ReadmeCommand, output: string): void {
  const printed = output.replace(/\n$/, '').split('\n');
  const shown = command.shown ?? [];
  const where = `README line ${command.line}: \`${command.text}\` printed\n${output}\nbut the README shows\n${shown.join('\n')}\n`;
  expect(printed.length, where).toBe(shown.length);
  shown.forEach((line, i) => {
    expect(printed[i], where).toMatch(linePattern(line));
  });
}

/** A folder that looks like a fresh clone after `npm ci`: tracked top-level entries, node_modules, dist. */
function freshClone(): string {
  const dir = join(
    tmpdir(),
    `modelgate-readme-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((path) => path.split('/')[0] as string);
  for (const name of new Set([...tracked, 'node_modules', 'dist'])) {
    if (existsSync(join(ROOT, name))) symlinkSync(join(ROOT, name), join(dir, name));
  }
  return dir;
}

/** A folder with the stand-in `npx`: the clone's own bin for `npx modelgate`, npm's npx for the rest. */
function npxStandIn(clone: string): string {
  const npx = execFileSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim();
  const dir = `${clone}-bin`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'npx'),
    `#!/bin/sh\nif [ "$1" = modelgate ]; then shift; exec node '${clone}/bin/modelgate.js' "$@"; fi\nexec '${npx}' "$@"\n`,
  );
  chmodSync(join(dir, 'npx'), 0o755);
  return dir;
}

/** The reader's shell: this environment without the test runner's, npm's, a model's or AWS's variables. */
function readerEnv(s3: RunningS3): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|MODEL_|AWS_|MAX_)/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  }
  const reader: NodeJS.ProcessEnv = { ...env, ...s3.env, npm_config_ignore_scripts: 'true' };
  // The tests' S3 helper silences the AWS SDK's notice on Node 20; a reader's shell does not.
  delete reader.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return reader;
}

function shell(command: string, cwd: string, env: NodeJS.ProcessEnv, detached = false): ChildProcess {
  // One pipe for both streams, in the order the shell writes them, as a terminal shows them.
  return spawn('bash', ['-o', 'pipefail', '-c', `exec 2>&1\n${command}`], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
    detached,
  });
}

/**
 * One command's bound: `modelgate package` bundles and zips, which took over 60 s on this 2-core machine
 * while other work ran; a hung command still ends the test.
 */
const COMMAND_TIMEOUT_MS = 150_000;

function run(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = shell(command, cwd, env);
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface Server {
  command: ReadmeCommand;
  /** The port the README has it listen on. */
  written: number;
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  output: () => string;
}

const PORT_OPTION = /(?:--port|-p)[ =](\d+)/;

/** The port a server command listens on as written: its --port, else npm start's script's, else 8080. */
function writtenPort(text: string): number {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;
  const m = PORT_OPTION.exec(text === 'npm start' ? (scripts.start ?? '') : text);
  return m ? Number(m[1]) : 8080;
}

/** Starts a server command on a free port and resolves once its model is loaded. */
function startServer(
  command: ReadmeCommand,
  text: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Server> {
  const onFreePort =
    text === 'npm start'
      ? 'npm start -- --port 0'
      : PORT_OPTION.test(text)
        ? text.replace(PORT_OPTION, '--port 0')
        : `${text} --port 0`;
  // Its own process group, so that Ctrl-C reaches every process of it, as in a terminal.
  const child = shell(onFreePort, cwd, env, true);
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${text} was not ready in 30 s:\n${output}`)), 30_000);
    let url = '';
    child.stdout?.on('data', (d) => {
      output += d;
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue; // npm's banner
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) url = entry.url.replace('0.0.0.0', '127.0.0.1');
        if (entry.msg === 'model loaded; ready' && url) {
          clearTimeout(timer);
          resolve({ command, written: writtenPort(text), url, child, exited, output: () => output });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${text} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

async function stop(server: Server, signal: NodeJS.Signals): Promise<void> {
  const { pid } = server.child;
  if (server.child.exitCode === null && server.child.signalCode === null && pid) process.kill(-pid, signal);
  const timer = setTimeout(() => pid && process.kill(-pid, 'SIGKILL'), 15_000);
  await server.exited;
  clearTimeout(timer);
}

/** GET /health on a new connection that closes after it, so that Ctrl-C finds the server idle. */
function health(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

const isServer = (text: string) => text === 'npm start' || /\bmodelgate serve\b/.test(text);

describe('README walk-through', () => {
  let clone: string;
  let s3: RunningS3;
  /** The reader's environment, with npm's npx; then with the stand-in first on PATH. */
  let env: NodeJS.ProcessEnv;
  let standInEnv: NodeJS.ProcessEnv;
  let npmNpxRan = false;
  const background: Server[] = [];

  beforeAll(async () => {
    clone = freshClone();
    const commands = blocks.flatMap((b) => (b.marker === undefined ? b.commands.map((c) => c.text) : []));
    const named = [...commands, ...Object.keys(SEEDED)].join('\n');
    const buckets = new Set([...named.matchAll(/s3:\/\/([a-z0-9.-]{3,})\//g)].map((m) => m[1] as string));
    s3 = await startS3([...buckets]);
    const restore = withEnv({ ...s3.env, AWS_ENDPOINT_URL: undefined });
    try {
      for (const [uri, file] of Object.entries(SEEDED)) await writeUri(uri, readFileSync(join(ROOT, file)));
    } finally {
      restore();
    }
    env = readerEnv(s3);
    standInEnv = { ...env, PATH: `${npxStandIn(clone)}${delimiter}${env.PATH}` };
  });

  afterAll(async () => {
    for (const server of background.splice(0)) await stop(server, 'SIGKILL');
    await s3?.stop();
    if (clone) for (const dir of [clone, `${clone}-bin`]) rmSync(dir, { recursive: true, force: true });
  });

  /** The environment for a command: npm's npx the first time `npx modelgate` comes, then the stand-in. */
  function envFor(text: string): NodeJS.ProcessEnv {
    if (!/\bnpx modelgate\b/.test(text) || npmNpxRan) return standInEnv;
    npmNpxRan = true;
    return env;
  }

  it('has sh blocks to run, and every command it leaves to other tests is still in them', () => {
    expect(blocks.length).toBeGreaterThan(5);
    const texts = blocks.flatMap((b) => b.commands.flatMap((c) => andList(c.text)));
    for (const command of Object.keys(COVERED_ELSEWHERE)) expect(texts, command).toContain(command);
    for (const uri of Object.keys(SEEDED)) expect(README).toContain(uri);
    expect(readdirSync(clone).filter((f) => f.endsWith('.onnx'))).toEqual([]);
  });

  for (const block of blocks) {
    if (block.marker !== undefined) {
      it(`README line ${block.line}: not run (${block.marker})`, () => {
        expect(block.marker, 'a walkthrough marker gives its reason').not.toBe('');
        for (const c of block.commands) {
          expect(c.text, `README line ${c.line}: only AWS or Docker commands may be left out`).toMatch(
            MARKABLE,
          );
        }
      });
      continue;
    }
    for (const command of block.commands) {
      it(
        `README line ${command.line}: ${command.text}`,
        async () => {
          for (const part of andList(command.text)) {
            if (part in COVERED_ELSEWHERE) continue;
            if (isServer(part)) {
              const port = writtenPort(part);
              const holder = background.find((s) => s.written === port);
              expect(
                holder,
                `\`${part}\` listens on ${port}, which \`${holder?.command.text}\` (line ${holder?.command.line}) holds`,
              ).toBeUndefined();
              const server = await startServer(command, part, clone, envFor(part));
              expect(await health(server.url)).toBe(200);
              if (part === 'npm start') {
                background.push(server);
              } else {
                await stop(server, 'SIGINT');
                expect(server.output(), 'Ctrl-C stops it cleanly').toContain('"msg":"stopped"');
              }
              continue;
            }
            let text = part;
            for (const s of background) {
              const at = new RegExp(`(127\\.0\\.0\\.1|localhost):${s.written}\\b`, 'g');
              text = text.replace(at, `127.0.0.1:${new URL(s.url).port}`);
            }
            const { code, output } = await run(text, clone, envFor(text));
            expect(code, `README line ${command.line}: \`${part}\` failed:\n${output}`).toBe(0);
            if (command.shown) expectShown(command, output);
          }
        },
        COMMAND_TIMEOUT_MS + 10_000,
      );
    }
  }
});
