// Worker threads that share the tree grower's loops with the main thread: the histograms of different
// features, and the chunks of a node's rows when it is partitioned or its leaves' scores updated. They
// run the same WebAssembly module over the same shared memory as the main thread. A task is a number of
// items handed out one at a time from a shared counter, the main thread taking its share like any
// worker: when a worker is slow to wake (the machine busy, or the thread asleep between trees), the main
// thread does its items instead of waiting for it. Results do not depend on the number of threads or on
// who took what: how a task is cut into items depends only on its size, and each item is done by
// exactly one thread, in row order, into a place of its own.
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** The loops a task runs, as runItem numbers them. */
export const TaskOp = {
  /** A feature's histogram over a node's gathered rows: item f is feature f. */
  Rows: 0,
  /** A feature's histogram over every row in order. */
  AllRows: 1,
  /** A chunk of a node's rows partitioned by one feature: item i is rows [i * chunk, (i + 1) * chunk). */
  Partition: 2,
  /** A log-loss leaf piece's Newton sums: item i is the i-th [start, end) of the item table. */
  Newton: 3,
  /** A leaf piece's scores and next gradients, binary log-loss. */
  UpdateBinary: 4,
  /** The same for squared error. */
  UpdateSquared: 5,
} as const;
export type TaskOp = (typeof TaskOp)[keyof typeof TaskOp];

/** Float64 slots per entry of the item table: start, end, step, factor, then two results. */
export const ITEM_SLOTS = 6;
/** Int32 arguments a task carries. */
export const ARG_COUNT = 13;

/** The WebAssembly loops runItem calls (pointers are byte offsets into the shared memory). */
export interface GrowerLoops {
  histogram(...args: number[]): void;
  histogramAll(...args: number[]): void;
  partition(...args: number[]): number;
  newton(...args: number[]): void;
  updateBinary(...args: number[]): void;
  updateSquared(...args: number[]): void;
}

/**
 * Item `i` of a task `op` with arguments `a`; `f64` views the whole shared memory (the item table is
 * at byte a[8]). The main thread calls it, and the workers run its source text, so it refers to
 * nothing outside itself: the op numbers are TaskOp's.
 */
export function runItem(api: GrowerLoops, f64: Float64Array, a: Int32Array, op: number, i: number): void {
  if (op === 0) {
    api.histogram(a[0], a[1], a[2], a[3], a[4], i, i + 1, a[5], a[6], a[7], a[8], a[9], a[10]);
  } else if (op === 1) {
    api.histogramAll(a[4], a[11], a[3], i, i + 1, a[5], a[6], a[7], a[8]);
  } else if (op === 2) {
    // a: rows, m, tmp, col, width, mask, last, g, table, chunk. Left rows stay at the chunk's start,
    // right ones go to its place in tmp; the count and each side's sums go to the item's entry.
    const from = i * a[9];
    const m = Math.min(a[9], a[1] - from);
    const entry = a[8] + i * 48;
    const left = api.partition(a[0] + from * 4, m, a[2] + from * 4, a[3], a[4], a[5], a[6], a[7], entry, 0);
    f64[(entry >>> 3) + 4] = left;
  } else {
    // a: rows, raw, expNeg, g, y, cls, -, -, table.
    const e = (a[8] >>> 3) + i * 6;
    const start = f64[e];
    const m = f64[e + 1] - start;
    const rows = a[0] + start * 4;
    if (op === 3) api.newton(rows, m, a[3], a[4], a[5], a[8] + i * 48 + 32);
    else if (op === 4) api.updateBinary(rows, m, a[1], a[2], a[3], a[4], f64[e + 2], f64[e + 3]);
    else api.updateSquared(rows, m, a[1], a[3], a[4], f64[e + 2]);
  }
}

// Control block (Int32 slots): generation, stop flag, items done, op, a worker failed, the task's item count,
// then the arguments. The next item to take is a 64-bit word of its own: the task's generation in the
// high half, the item in the low half.
const GENERATION = 0;
const STOP = 1;
const DONE = 2;
const OP = 3;
const FAILED = 4;
const ITEMS = 5;
const ARGS = 6;
const SLOTS = ARGS + ARG_COUNT;
/** Polls of the control block before a thread sleeps (a few tens of microseconds). */
const SPIN = 20_000;

/**
 * Takes the next item of the task of generation `generation` from `next`: -1 when that task has none
 * left, or is over. A thread late from an earlier task never takes an item of a later one, whose
 * item count and arguments may differ: the take is one compare-and-swap of the generation and the item
 * together, and the main thread closes the counter (closeCounter) before it writes the next task's
 * count and arguments, so that a take which read the old word and the new count fails. Its source
 * runs in the workers too.
 */
export function takeItem(next: BigUint64Array, ctl: Int32Array, generation: number): number {
  const tag = BigInt(generation >>> 0) << 32n;
  for (;;) {
    const word = Atomics.load(next, 0);
    if (word >> 32n !== tag >> 32n) return -1;
    const item = Number(word & 0xffffffffn);
    if (item >= Atomics.load(ctl, 5)) return -1; // slot 5: ITEMS
    if (Atomics.compareExchange(next, 0, word, word + 1n) === word) return item;
  }
}

/**
 * Makes every take of the current task fail from now on: the counter names the next generation,
 * exhausted. The main thread calls it before writing a new task's count and arguments, then opens
 * the counter at item 0 and publishes the generation.
 */
export function closeCounter(next: BigUint64Array, generation: number): void {
  Atomics.store(next, 0, (BigInt(generation >>> 0) << 32n) | 0xffffffffn);
}

// Kept as source text and started with `eval`, so the trainer works the same from TypeScript sources
// (tests) and from the built package.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, control, counter, port } = workerData;
const api = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp } }).exports;
const f64 = new Float64Array(memory.buffer);
const ctl = new Int32Array(control);
const next = new BigUint64Array(counter);
const args = ctl.subarray(${ARGS}, ${ARGS + ARG_COUNT});
const runItem = ${runItem.toString()};
const takeItem = ${takeItem.toString()};
let seen = 0;
for (;;) {
  // Spin a little before sleeping: waking a sleeping thread costs more than a small node's loop.
  for (let spin = 0; spin < ${SPIN} && Atomics.load(ctl, ${GENERATION}) === seen; spin++);
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  for (let i = takeItem(next, ctl, seen); i >= 0; i = takeItem(next, ctl, seen)) {
    try {
      runItem(api, f64, args, ctl[${OP}], i);
    } catch (error) {
      // Said to the main thread, which is blocked waiting for this item and could not hear an error event.
      port.postMessage(String(error && error.stack ? error.stack : error));
      Atomics.store(ctl, ${FAILED}, 1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

export class GrowerThreads {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private readonly next: BigUint64Array;
  /** Where each worker says why an item of its threw. */
  private readonly errors: MessagePort[] = [];

  /** Starts `threads - 1` workers (the main thread is the first of the `threads`). */
  constructor(memory: WebAssembly.Memory, module: WebAssembly.Module, threads: number) {
    this.ctl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.next = new BigUint64Array(new SharedArrayBuffer(8));
    for (let index = 0; index < threads - 1; index++) {
      const { port1, port2: port } = new MessageChannel();
      port1.unref();
      this.errors.push(port1);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, module, control: this.ctl.buffer, counter: this.next.buffer, port },
        transferList: [port],
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get count(): number {
    return this.workers.length + 1;
  }

  /** Whether a worker's item has thrown (run() then throws what it said). */
  get failed(): boolean {
    return Atomics.load(this.ctl, FAILED) === 1;
  }

  /**
   * Runs a task of `items` items with arguments `args` (at most ARG_COUNT); `runOwn(i)` does item i on
   * the main thread. Returns when every item is done.
   */
  run(op: TaskOp, args: readonly number[], items: number, runOwn: (i: number) => void): void {
    const ctl = this.ctl;
    const generation = (ctl[GENERATION] + 1) | 0;
    closeCounter(this.next, generation);
    ctl[OP] = op;
    ctl[ITEMS] = items;
    for (let i = 0; i < ARG_COUNT; i++) ctl[ARGS + i] = args[i] ?? 0;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(this.next, 0, BigInt(generation >>> 0) << 32n);
    Atomics.store(ctl, GENERATION, generation);
    Atomics.notify(ctl, GENERATION);
    for (let i = takeItem(this.next, ctl, generation); i >= 0; i = takeItem(this.next, ctl, generation)) {
      runOwn(i);
      Atomics.add(ctl, DONE, 1);
    }
    // What is left is the items a worker took and is still doing.
    for (let spin = 0; spin < SPIN && Atomics.load(ctl, DONE) < items; spin++);
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === items) break;
      Atomics.wait(ctl, DONE, done);
    }
    if (Atomics.load(ctl, FAILED) === 1) {
      const said = this.errors.map((port) => receiveMessageOnPort(port)?.message).find((m) => m);
      throw new Error(
        `a training thread failed (train with --threads 1 to do without): ${said ?? 'no reason given'}`,
      );
    }
  }

  /** Stops the workers; the memory stays usable by the main thread. */
  close(): void {
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GENERATION, 1);
    Atomics.notify(this.ctl, GENERATION);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
    for (const port of this.errors) port.close();
  }
}
