// Worker threads that fill the histograms of different features at the same time. They run the same
// WebAssembly module over the same shared memory as the main thread. Features are handed out one at a
// time from a shared counter, the main thread taking its share like any worker: when a worker is slow
// to wake (the machine busy, or the thread asleep between trees), the main thread does its features
// instead of waiting for it. Results do not depend on the number of threads or on who took what: each
// feature's histogram is summed by exactly one thread, in row order.
import { Worker } from 'node:worker_threads';

/** Which loop a task runs. */
export const HistogramOp = { Rows: 0, AllRows: 1 } as const;
export type HistogramOp = (typeof HistogramOp)[keyof typeof HistogramOp];

// Control block (Int32 slots): generation, stop flag, features done, op, next feature to take, the
// task's feature count, then 13 arguments.
const GENERATION = 0;
const STOP = 1;
const DONE = 2;
const OP = 3;
const NEXT = 4;
const FEATURES = 5;
const ARGS = 6;
const ARG_COUNT = 13;
const SLOTS = ARGS + ARG_COUNT;
/** Polls of the control block before a thread sleeps (a few tens of microseconds). */
const SPIN = 20_000;

// Kept as source text and started with `eval`, so the trainer works the same from TypeScript sources
// (tests) and from the built package. A feature taken from the counter is always the current task's:
// the main thread writes a task's arguments before it resets the counter, and starts the next task
// only once every feature of this one is done (so a late take of the old counter finds it exhausted).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, control } = workerData;
const api = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp } }).exports;
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  // Spin a little before sleeping: waking a sleeping thread costs more than a histogram of a small node.
  for (let spin = 0; spin < ${SPIN} && Atomics.load(ctl, ${GENERATION}) === seen; spin++);
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  for (;;) {
    const f = Atomics.add(ctl, ${NEXT}, 1);
    if (f >= Atomics.load(ctl, ${FEATURES})) break;
    const a = ctl.subarray(${ARGS}, ${ARGS + ARG_COUNT});
    if (ctl[${OP}] === ${HistogramOp.Rows}) {
      api.histogram(a[0], a[1], a[2], a[3], a[4], f, f + 1, a[5], a[6], a[7], a[8], a[9], a[10]);
    } else {
      api.histogramAll(a[4], a[11], a[3], f, f + 1, a[5], a[6], a[7], a[8]);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

/** The arguments of a histogram task, as the WebAssembly loops take them (pointers are byte offsets). */
export interface HistogramArgs {
  rows: number;
  m: number;
  og: number;
  codes: number;
  n: number;
  offsets: number;
  width: number;
  mask: number;
  sums: number;
  counts: number;
  count: number;
  g: number;
}

export class HistogramThreads {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;

  /** Starts `threads - 1` workers (the main thread is the first of the `threads`). */
  constructor(memory: WebAssembly.Memory, module: WebAssembly.Module, threads: number) {
    this.ctl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    for (let index = 0; index < threads - 1; index++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, module, control: this.ctl.buffer },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get count(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs one histogram task over `features`; `runOwn(f, f + 1)` does a feature on the main thread.
   * Returns when every feature is done.
   */
  run(
    op: HistogramOp,
    args: HistogramArgs,
    features: number,
    runOwn: (from: number, to: number) => void,
  ): void {
    const ctl = this.ctl;
    ctl[OP] = op;
    ctl[FEATURES] = features;
    const values = [
      args.rows,
      args.m,
      args.og,
      args.codes,
      args.n,
      args.offsets,
      args.width,
      args.mask,
      args.sums,
      args.counts,
      args.count,
      args.g,
      0,
    ];
    for (let i = 0; i < ARG_COUNT; i++) ctl[ARGS + i] = values[i];
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, NEXT, 0);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    for (let f = Atomics.add(ctl, NEXT, 1); f < features; f = Atomics.add(ctl, NEXT, 1)) {
      runOwn(f, f + 1);
      Atomics.add(ctl, DONE, 1);
    }
    // What is left is the features a worker took and is still summing.
    for (let spin = 0; spin < SPIN && Atomics.load(ctl, DONE) < features; spin++);
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === features) break;
      Atomics.wait(ctl, DONE, done);
    }
  }

  /** Stops the workers; the memory stays usable by the main thread. */
  close(): void {
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GENERATION, 1);
    Atomics.notify(this.ctl, GENERATION);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
