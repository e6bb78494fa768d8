// What the benchmarks share: timing a fresh process to its answer, loading an HTTP server (wrk when it is
// installed, else autocannon), starting and stopping servers with their peak memory, the tests' Lambda
// Runtime API harness, Lambda cold starts through it, the Python reference's dependency zip, and the
// machine's description.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { transform } from 'esbuild';
import { unzipSync } from 'fflate';
import { pythonVersions } from './reference/python.mjs';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a fresh process and times it to its answer (the first output it writes) and to its exit.
 * Only PATH and the given variables are passed, as a Lambda init gets a small environment.
 */
export function timeRun(cmd, argv, env) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    let answerMs;
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd, argv, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => {
      answerMs ??= Number(process.hrtime.bigint() - t) / 1e6;
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${cmd} failed: ${stderr}`));
      else resolve({ ms: answerMs, exitMs: Number(process.hrtime.bigint() - t) / 1e6, stdout });
    });
  });
}

/**
 * wrk (Debian's package) is a light C load generator; autocannon (npm) is the fallback, or the choice
 * with BENCH_LOAD=autocannon.
 */
export const hasWrk = () =>
  process.env.BENCH_LOAD !== 'autocannon' && spawnSync('wrk', ['--version']).error === undefined;

function wrkLoad(url, { connections, seconds, body }) {
  const dir = join(root, 'bench/out');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `post-${process.pid}.lua`);
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const text = execFileSync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url],
    { encoding: 'utf8' },
  );
  const ms = (v, unit) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m ? ms(m[1], m[2]) : Number.NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    tool: 'wrk, 1 thread',
    connections,
    seconds,
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]),
    latencyP50Ms: pct(50),
    latencyP99Ms: pct(99),
    errors: socket ? socket.slice(1).reduce((a, v) => a + Number(v), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    total: Number(/(\d+) requests in/.exec(text)?.[1]),
  };
}

async function autocannonLoad(url, { connections, seconds, body }) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  return {
    tool: 'autocannon',
    connections,
    seconds: r.duration,
    requestsPerSecond: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

/** POSTs `body` to `url` from `connections` connections for `seconds` (whole seconds: wrk takes no fractions), after a short warm-up. */
export async function httpLoad(url, { connections, seconds, body, warmup = 1 }) {
  const load = hasWrk() ? wrkLoad : autocannonLoad;
  if (warmup > 0) await load(url, { connections, seconds: warmup, body });
  return load(url, { connections, seconds, body });
}

/** Peak resident memory of a running process, from /proc (VmHWM), in MiB. */
export function peakMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/**
 * Starts a server process and waits until GET `readyPath` answers (200, unless `ready` accepts others). Returns its URL, its pid, and
 * stop(), which also returns its peak memory (of the process itself; `children` adds its children's,
 * for gunicorn's workers).
 */
export async function startServer(
  cmd,
  argv,
  { port, env = {}, readyPath = '/ready', ready = (status) => status === 200, cwd } = {},
) {
  // The server's stderr goes to a file, not a pipe: the load generators run synchronously, and a pipe
  // nobody drains meanwhile would fill and stop a server that logs as it answers.
  const logFile = join(root, `bench/out/server-${port}.log`);
  mkdirSync(join(root, 'bench/out'), { recursive: true });
  const fd = openSync(logFile, 'w');
  const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  const tail = () => readFileSync(logFile, 'utf8').slice(-4000);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${argv.join(' ')} exited:\n${tail()}`);
    try {
      if (ready((await fetch(`${url}${readyPath}`)).status)) break;
    } catch {}
    if (i > 300) throw new Error(`${cmd} ${argv.join(' ')} did not become ready:\n${tail()}`);
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    peakMb: () => {
      const pids = [child.pid, ...childPids(child.pid)];
      return pids.reduce((sum, pid) => sum + peakMb(pid), 0);
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** The CPU time (user + system) of a running process and its child processes (cluster workers) so far, in microseconds, from /proc. */
export function cpuMicros(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {}
  let ticks = 0;
  for (const p of [pid, ...children]) {
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The CPU time of this process's children that have exited (a load generator run), in microseconds. */
export function exitedChildrenCpuMicros() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1e6) / CLOCK_TICKS;
}

let nextPort = 18_000 + Math.floor(Math.random() * 2000);
export const freePort = () => nextPort++;

/** A test helper (TypeScript: the Runtime API harness, the zip reader), stripped of its types to run here. */
export async function loadTestHelper(name) {
  const source = readFileSync(join(root, `test/helpers/${name}.ts`), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm' });
  // bench/out/ is as deep as test/helpers/, so the helper's own relative paths still hold.
  const file = join(root, `bench/out/${name}.mjs`);
  mkdirSync(join(root, 'bench/out'), { recursive: true });
  writeFileSync(file, code);
  return import(file);
}

/** One Lambda cold start through the Runtime API harness: start to init done and to the first response. */
export async function lambdaColdStart(harness, taskRoot, options, event) {
  const api = await harness.RuntimeApi.start();
  const runtime = harness.startRuntime(api, taskRoot, options);
  try {
    const outcome = await harness.firstOutcome(api, runtime, event);
    if (outcome.kind !== 'response') throw new Error(`${JSON.stringify(outcome)}\n${runtime.output()}`);
    return {
      initMs: api.firstNextAt - api.startedAt,
      firstResponseMs: outcome.at - api.startedAt,
      body: outcome.body,
    };
  } finally {
    await runtime.stop();
    await api.close();
  }
}

/**
 * The Python reference's dependency closure (scikit-learn, pandas and what they require), with `extra`
 * files, zipped as `pip install -t` would lay it out for a Lambda zip.
 */
export function pythonPackage(python, zip, extra = []) {
  const script = `
import importlib.metadata as md, json, os, re, sys, zipfile
from packaging.requirements import Requirement
seen, todo, files = set(), ["scikit-learn", "pandas"], []
while todo:
    name = todo.pop()
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen: continue
    seen.add(key)
    dist = md.distribution(name)
    for spec in dist.requires or []:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate({"extra": ""}): todo.append(req.name)
    for f in dist.files or []:
        p = str(f.locate())
        if "__pycache__" in p or not os.path.isfile(p) or ".dist-info" in p and not p.endswith("METADATA"): continue
        files.append((p, str(f)))
out = sys.argv[1]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for p, name in files: z.write(p, name)
    for extra in sys.argv[2:]: z.write(extra, os.path.basename(extra))
print(json.dumps({"distributions": sorted(seen), "files": len(files),
                  "unzipped": sum(os.path.getsize(p) for p, _ in files) + sum(os.path.getsize(e) for e in sys.argv[2:]),
                  "zipped": os.path.getsize(out)}))
`;
  return JSON.parse(execFileSync(python, ['-c', script, zip, ...extra], { encoding: 'utf8' }));
}

/** The bytes a zip holds once unpacked. */
export const unzippedSize = (zip) =>
  Object.values(unzipSync(readFileSync(zip))).reduce((sum, bytes) => sum + bytes.length, 0);

/** The machine and the versions a run used. */
export function machine(python) {
  const [pythonVersion, sklearn] = pythonVersions(python).split(' ');
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    python: pythonVersion,
    sklearn,
    loadGenerator: hasWrk() ? 'wrk' : 'autocannon',
  };
}
