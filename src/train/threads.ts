// Worker threads that fill the histograms of different features at the same time. They run the same
// WebAssembly module over the same shared memory as the main thread, which hands out feature ranges
// and takes the first one itself. Results do not depend on the number of threads: each feature's
// histogram is summed by exactly one thread, in row order.
import { Worker } from 'node:worker_threads';

/** Which loop a task runs. */
export const HistogramOp = { Rows: 0, AllRows: 1 } as const;
export type HistogramOp = (typeof HistogramOp)[keyof typeof HistogramOp];

// Control block (Int32 slots): generation, stop flag, finished count, op, 13 arguments, then a
// [from, to) feature range per worker.
const GENERATION = 0;
const STOP = 1;
const FINISHED = 2;
const OP = 3;
const ARGS = 4;
const ARG_COUNT = 13;
const RANGES = ARGS + ARG_COUNT;
/** Polls of the control block before a thread sleeps (a few tens of microseconds). */
const SPIN = 20_000;

// Kept as source text and started with `eval`, so the trainer works the same from TypeScript sources
// (tests) and from the built package.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, control, index } = workerData;
const api = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  // Spin a little before sleeping: waking a sleeping thread costs more than a histogram of a small node.
  for (let spin = 0; spin < ${SPIN} && Atomics.load(ctl, ${GENERATION}) === seen; spin++);
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  const a = ctl.subarray(${ARGS}, ${ARGS + ARG_COUNT});
  const from = ctl[${RANGES} + 2 * index];
  const to = ctl[${RANGES} + 2 * index + 1];
  if (ctl[${OP}] === ${HistogramOp.Rows}) {
    api.histogram(a[0], a[1], a[2], a[3], a[4], from, to, a[5], a[6], a[7], a[8], a[9], a[10]);
  } else {
    api.histogramAll(a[4], a[11], a[3], from, to, a[5], a[6], a[7], a[8]);
  }
  Atomics.add(ctl, ${FINISHED}, 1);
  Atomics.notify(ctl, ${FINISHED});
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
    this.ctl = new Int32Array(new SharedArrayBuffer((RANGES + 2 * threads) * 4));
    for (let index = 0; index < threads - 1; index++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, module, control: this.ctl.buffer, index },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get count(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs one histogram task over `features`, split into contiguous ranges; `runOwn` does the main
   * thread's range. Returns when every range is done.
   */
  run(
    op: HistogramOp,
    args: HistogramArgs,
    features: number,
    runOwn: (from: number, to: number) => void,
  ): void {
    const ctl = this.ctl;
    const parts = this.workers.length + 1;
    const bound = (k: number) => Math.round((k * features) / parts);
    ctl[OP] = op;
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
    for (let w = 0; w < this.workers.length; w++) {
      ctl[RANGES + 2 * w] = bound(w + 1);
      ctl[RANGES + 2 * w + 1] = bound(w + 2);
    }
    Atomics.store(ctl, FINISHED, 0);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    runOwn(0, bound(1));
    for (let spin = 0; spin < SPIN && Atomics.load(ctl, FINISHED) < this.workers.length; spin++);
    for (;;) {
      const finished = Atomics.load(ctl, FINISHED);
      if (finished === this.workers.length) break;
      Atomics.wait(ctl, FINISHED, finished);
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
