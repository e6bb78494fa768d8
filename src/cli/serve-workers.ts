// `modelgate serve --workers N`: N server processes on one listening port (node:cluster, its primary
// handing connections out round-robin), restarted when they die, stopped together. Each worker is the
// single-process server as it is (src/cli/serve.ts); this file is the primary, and the few messages
// a worker sends it.
import cluster, { type Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { JsonLog, type Logger } from '../adapters/log.js';

/**
 * The CPUs this process may use: the CPUs it may run on (os.availableParallelism: the affinity mask,
 * which a cpuset narrows), or fewer when the cgroup's CPU quota says so (a container given `--cpus 2`
 * or a Kubernetes limit of 2 on a 16-core node), rounded down; at least 1.
 */
export function availableCpus(read: (path: string) => string | undefined = readIfThere): number {
  const parallelism = os.availableParallelism();
  const quota = cgroupCpuQuota(read);
  return Math.max(1, Math.min(parallelism, quota === undefined ? parallelism : Math.floor(quota)));
}

/** The cgroup's CPU quota in CPUs (v2 `cpu.max`, else v1's `cfs_quota_us` / `cfs_period_us`), if one is set. */
export function cgroupCpuQuota(read: (path: string) => string | undefined): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2.length >= 1 && v2[0] !== '') {
    if (v2[0] === 'max') return undefined;
    return ratio(Number(v2[0]), Number(v2[1] ?? 100_000));
  }
  const quota =
    read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us');
  const period =
    read('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us');
  if (quota === undefined) return undefined;
  return ratio(Number(quota.trim()), Number(period?.trim() ?? 100_000));
}

/** quota / period, for a quota that is set (v1 writes -1 for none); undefined for anything unreadable. */
function ratio(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return quota / period;
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes that a pipe keeps whole (POSIX: up to PIPE_BUF, 4096 bytes on Linux), cut at line ends: the
 * workers share the primary's stdout, and one worker's batch of lines must not be split by another's.
 * A single line longer than that is written alone.
 */
export function wholeLines(
  out: { write(chunk: string): unknown },
  most = 4096,
): { write(text: string): void } {
  return {
    write(text: string): void {
      if (Buffer.byteLength(text) <= most) {
        out.write(text);
        return;
      }
      let chunk = '';
      let size = 0;
      for (const line of text.split(/(?<=\n)/)) {
        const n = Buffer.byteLength(line);
        if (size > 0 && size + n > most) {
          out.write(chunk);
          chunk = '';
          size = 0;
        }
        chunk += line;
        size += n;
      }
      if (chunk !== '') out.write(chunk);
    },
  };
}

/** What a worker tells the primary. */
type WorkerMessage = { type: 'modelgate:ready'; url: string } | { type: 'modelgate:failed'; error: string };
/** What the primary tells a worker. */
const STOP = { type: 'modelgate:stop' } as const;
/** The environment variable that gives a worker its slot (1..N), which a restarted worker keeps. */
const SLOT_VARIABLE = 'MODELGATE_WORKER';

/** This process's part when it is a worker: its slot, and its messages to the primary. */
export interface WorkerLink {
  slot: number;
  ready(url: string): void;
  /** Tells the primary why this worker could not start; resolves once the message is sent. */
  failed(error: string): Promise<void>;
  /** Resolves when the primary asks this worker to stop. */
  stopRequested: Promise<void>;
  /** Closes the channel to the primary, so the process can exit. */
  done(): void;
}

/** The link to the primary in a worker process; undefined in a process of its own. */
export function workerLink(): WorkerLink | undefined {
  const worker = cluster.worker;
  if (!cluster.isWorker || !worker) return undefined;
  const slot = Number(process.env[SLOT_VARIABLE]) || worker.id;
  // Ctrl-C in a terminal reaches every process of the group: the primary stops the workers in order.
  process.on('SIGINT', () => {});
  const stopRequested = new Promise<void>((resolve) => {
    worker.on('message', (m: unknown) => {
      if ((m as { type?: unknown })?.type === STOP.type) resolve();
    });
  });
  const send = (m: WorkerMessage): Promise<void> =>
    new Promise((resolve) => {
      if (worker.isConnected()) worker.send(m, () => resolve());
      else resolve();
    });
  return {
    slot,
    stopRequested,
    ready: (url) => void send({ type: 'modelgate:ready', url }),
    failed: (error) => send({ type: 'modelgate:failed', error }),
    done: () => {
      if (worker.isConnected()) worker.disconnect();
    },
  };
}

export interface PrimaryOptions {
  workers: number;
  /** How long a worker may take to drain once asked to stop (its --drain-timeout-ms); then it is killed. */
  drainTimeoutMs: number;
  log?: Logger;
  /** Restart delays and the crash-loop limits (tests shorten them). */
  restart?: Partial<RestartPolicy>;
}

export interface RestartPolicy {
  /** The first restart's delay; it doubles with each death of the same worker within `windowMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
  /** A worker that dies this many times within `windowMs` is not restarted again. */
  maxDeathsInWindow: number;
}

export const RESTART_DEFAULTS: RestartPolicy = {
  firstDelayMs: 100,
  maxDelayMs: 10_000,
  windowMs: 60_000,
  maxDeathsInWindow: 5,
};

interface Slot {
  id: number;
  worker?: Worker;
  ready: boolean;
  /** Whether it ever reported ready, and the last error it reported. */
  everReady: boolean;
  failedToStart: boolean;
  lastError?: string;
  deaths: number[];
  restartTimer?: NodeJS.Timeout;
  abandoned: boolean;
  /** It failed to start before any worker was ready: it is started again once one is. */
  waiting: boolean;
}

/**
 * Runs the primary: forks `workers` workers, restarts those that die (after a delay that doubles while a
 * worker keeps dying, and not past `maxDeathsInWindow` deaths), stops them all on SIGTERM or SIGINT
 * (each drains as a single server does), and resolves to the exit code: 0 once stopped; 1 when the
 * model failed to load in every worker before any was ready, or when no worker is left.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const log =
    options.log ?? new JsonLog(wholeLines(process.stdout), { fields: { role: 'primary', pid: process.pid } });
  const policy = { ...RESTART_DEFAULTS, ...options.restart };
  // Round-robin in the primary (the default but on Windows): the kernel's own choice of listener
  // favours a few busy processes.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({
    id: i + 1,
    ready: false,
    everReady: false,
    failedToStart: false,
    deaths: [],
    abandoned: false,
    waiting: false,
  }));
  const bySlot = new Map<Worker, Slot>();
  let stopping: { code: number } | undefined;
  let announced = false;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const fork = (slot: Slot): void => {
    slot.restartTimer = undefined;
    slot.ready = false;
    const worker = cluster.fork({ [SLOT_VARIABLE]: String(slot.id) });
    slot.worker = worker;
    bySlot.set(worker, slot);
    log.now({ level: 'info', msg: 'worker started', worker: slot.id, workerPid: worker.process.pid });
    // A message to a worker that has just died fails; its exit is what counts, not the primary's crash.
    worker.on('error', (err: Error) =>
      log.line({ level: 'warn', msg: 'worker channel error', worker: slot.id, error: err.message }),
    );
    worker.on('message', (m: WorkerMessage) => {
      if (m?.type === 'modelgate:ready') {
        slot.ready = true;
        slot.everReady = true;
        if (!announced) {
          announced = true;
          log.now({ level: 'info', msg: 'listening', url: m.url, workers: options.workers });
          // The model does load: the workers that failed to start before may have met a passing fault.
          for (const s of slots) {
            if (!s.waiting) continue;
            s.waiting = false;
            s.restartTimer = setTimeout(() => fork(s), policy.firstDelayMs);
          }
        }
        if (slots.every((s) => s.ready))
          log.now({ level: 'info', msg: 'all workers ready', workers: options.workers });
      } else if (m?.type === 'modelgate:failed') slot.lastError = String(m.error);
    });
  };

  const live = (): Worker[] => slots.flatMap((s) => (s.worker ? [s.worker] : []));

  const stopAll = (code: number, reason: string, error?: string): void => {
    if (stopping) return;
    stopping = { code };
    log.now({
      level: code === 0 ? 'info' : 'error',
      msg: reason,
      workers: live().length,
      ...(error ? { error } : {}),
    });
    for (const s of slots) clearTimeout(s.restartTimer);
    const workers = live();
    if (workers.length === 0) {
      log.now({ level: 'info', msg: 'stopped' });
      finish(code);
      return;
    }
    for (const w of workers) {
      // A worker still loading serves nothing yet: it goes at once; the others drain.
      if (bySlot.get(w)?.ready && w.isConnected()) w.send(STOP);
      else w.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const w of live()) {
        log.now({ level: 'warn', msg: 'worker did not stop in time; killed', workerPid: w.process.pid });
        w.process.kill('SIGKILL');
      }
    }, options.drainTimeoutMs + 5_000).unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = bySlot.get(worker);
    if (!slot) return;
    bySlot.delete(worker);
    slot.worker = undefined;
    const wasReady = slot.ready;
    slot.ready = false;
    if (stopping) {
      if (live().length === 0) {
        log.now({ level: 'info', msg: 'stopped' });
        finish(stopping.code);
      }
      return;
    }
    const now = Date.now();
    slot.deaths = [...slot.deaths.filter((t) => now - t < policy.windowMs), now];
    if (!wasReady) slot.failedToStart = true;
    log.now({
      level: 'warn',
      msg: wasReady ? 'worker exited; restarting it' : 'worker exited before it was ready',
      worker: slot.id,
      workerPid: worker.process.pid,
      code,
      signal,
      ...(slot.lastError && !wasReady ? { error: slot.lastError } : {}),
    });
    // No worker has ever served and each has failed to start (the model does not load, the port is
    // taken): say why and stop.
    if (slots.every((s) => !s.everReady && s.failedToStart)) {
      stopAll(1, 'every worker failed to start; stopping', slots.find((s) => s.lastError)?.lastError);
      return;
    }
    // While no worker has been ready, one that failed waits: if the others fail too, the model is at fault.
    if (!announced) {
      slot.waiting = true;
      return;
    }
    if (slot.deaths.length >= policy.maxDeathsInWindow) {
      slot.abandoned = true;
      log.now({
        level: 'error',
        msg: `worker ${slot.id} died ${slot.deaths.length} times within ${policy.windowMs / 1000} s; not restarting it`,
        worker: slot.id,
        ...(slot.lastError ? { error: slot.lastError } : {}),
      });
      if (slots.every((s) => s.abandoned)) stopAll(1, 'every worker keeps dying; stopping');
      return;
    }
    const delay = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (slot.deaths.length - 1));
    slot.restartTimer = setTimeout(() => fork(slot), delay);
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal: stop now.
      for (const w of live()) w.process.kill('SIGKILL');
      finish(1);
      return;
    }
    stopAll(0, `shutting down (${signal}): each worker finishes its in-flight requests`);
  };
  // SIGHUP reloads every model: each worker reloads its own (and the primary, by default, would exit).
  const onHangUp = (): void => {
    log.now({ level: 'info', msg: 'SIGHUP: every worker reloads its models' });
    for (const w of live()) w.process.kill('SIGHUP');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangUp);
  for (const slot of slots) fork(slot);
  return finished.finally(() => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHangUp);
    cluster.removeAllListeners('exit');
  });
}
