// The bounds on reading one file: what the pickle machine has done so far (operations, values held,
// bytes copied, time) against its limits, shared by the pickles nested in one joblib file; and the
// nesting and sharing of what it rebuilt, measured once, without recursion, before anything walks it.
import { PickleFormatError, PickleLimitError } from './errors.js';
import type { PickleLimits } from './pickle.js';
import { NdArray, PyDict, PyObject, PySet, PySlice, PyTuple, type PyValue } from './values.js';

/** The work one reading has done, against its limits. */
export class ReadBudget {
  private ops = 0;
  private items = 0;
  private copied = 0;
  private readonly counted = new WeakSet<ArrayBufferLike>();
  private readonly deadline: number;
  readonly maxCopiedBytes: number;
  /** Pickles being read inside one another (joblib's object arrays). */
  nested = 0;

  constructor(
    readonly limits: PickleLimits,
    /** The bytes the pickle is read from: views of them are not copies. */
    private readonly file: Uint8Array,
  ) {
    this.deadline = performance.now() + limits.maxMs;
    this.maxCopiedBytes = limits.maxCopiedBytes ?? 3 * file.length + 16 * 1024 * 1024;
  }

  /** One opcode; the clock is read every 1,024 (no single opcode costs more than its bytes or its items). */
  op(): void {
    if (++this.ops > this.limits.maxOps)
      throw new PickleLimitError(`the pickle runs more than ${this.limits.maxOps} operations`);
    if ((this.ops & 0x3ff) === 0 && performance.now() > this.deadline)
      throw new PickleLimitError(`reading the pickle took more than ${this.limits.maxMs} ms`);
  }

  /** `n` more values held (pushed, marked, memoized or put in a container). */
  hold(n: number): void {
    this.items += n;
    if (this.items > this.limits.maxItems)
      throw new PickleLimitError(
        `the pickle holds more than ${this.limits.maxItems} values (on its stack, MARKs and memo, and in what it builds)`,
      );
  }

  /** `n` values no longer held (popped from the stack, a MARK closed, a nested pickle's memo dropped). */
  release(n: number): void {
    this.items -= n;
  }

  /** Bytes allocated for a copy of the file's data. */
  copyBytes(n: number): void {
    this.copied += n;
    if (this.copied > this.maxCopiedBytes)
      throw new PickleLimitError(
        `the pickle makes copies of more than ${this.maxCopiedBytes} bytes of its data (three times its size, plus 16 MiB)`,
      );
  }

  /** Counts the bytes of a value the allowlist rebuilt, once per buffer, unless they are the file's own. */
  copyOf(bytes: Uint8Array | null | undefined): void {
    if (!bytes || bytes.buffer === this.file.buffer || this.counted.has(bytes.buffer)) return;
    this.counted.add(bytes.buffer);
    this.copyBytes(bytes.byteLength);
  }
}

/** The values a value holds directly (dict keys too), or undefined for a value that holds none. */
function childrenOf(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple || v instanceof PySet) return v.items;
  if (v instanceof PyDict) return [...v.map.keys(), ...v.map.values()];
  if (v instanceof PyObject) return [...v.args, v.state, ...v.listItems];
  // A numeric array holds no values, but weighs its elements (weightOf).
  if (v instanceof NdArray) return v.objects ?? [];
  if (v instanceof PySlice) return v.args;
  return undefined;
}

/** The items of a container the allowlist made (a set from a list, a dict from pairs): slots it holds. */
export function slotsOf(v: PyValue): number {
  if (Array.isArray(v)) return v.length;
  if (v instanceof PyTuple || v instanceof PySet) return v.items.length;
  if (v instanceof PyDict) return 2 * v.map.size;
  if (v instanceof PyObject) return v.args.length + v.listItems.length;
  if (v instanceof NdArray) return v.objects?.length ?? 0;
  return 0;
}

interface Frame {
  node: object;
  kids: readonly unknown[];
  next: number;
  /** Levels from this node down, so far. */
  height: number;
  /** Its weight with what it shares counted each time it is reached, so far. */
  unfolded: number;
}

/** A value's own weight: one, and a numeric array's elements (what a converter walks over). */
const weightOf = (v: object) => 1 + (v instanceof NdArray && !v.objects ? v.size : 0);

/**
 * How far values shared through the memo may multiply what a walk of the value reaches: four times
 * the value's own weight, plus a million (scikit-learn models reach their arrays at most twice: a
 * k-nearest-neighbours model keeps its training rows and its tree's data as one array).
 */
export const MAX_SHARING = 4;
const SHARING_ALLOWANCE = 2 ** 20;

/**
 * Refuses `root` if a path from it passes through more than `maxDepth` containers, comes back to one
 * it is inside (nothing scikit-learn saves contains itself, and code that walks a model would recurse
 * without end), or reaches its shared values so many times over that a walk of it would do far more
 * work than the file holds (a memo bomb: (t, t) nested 200 deep is 2^200 leaves in 200 objects; a
 * forest whose list of trees names one tree a hundred thousand times). Each container is visited
 * once, on an explicit stack: deep nesting costs memory in proportion to the file, not JavaScript
 * stack.
 */
export function checkNesting(root: PyValue, maxDepth: number): void {
  const done = new Map<object, Frame>();
  const path: Frame[] = [];
  const onPath = new Set<object>();
  let weight = 0;
  const tooDeep = () =>
    new PickleFormatError(
      `the pickle's values are nested more than ${maxDepth} levels deep (the limit on nesting; scikit-learn models nest a few dozen)`,
    );
  /** The finished frame of `v` if already walked (or undefined for a value that holds nothing); else starts walking it. */
  const enter = (v: unknown): Frame | undefined | 'started' => {
    if (v === null || typeof v !== 'object') return undefined;
    const known = done.get(v);
    if (known !== undefined) return known;
    const kids = childrenOf(v);
    if (!kids) return undefined;
    if (onPath.has(v)) throw new PickleFormatError('the pickle holds a value that contains itself (a cycle)');
    if (path.length >= maxDepth) throw tooDeep();
    const own = weightOf(v);
    weight += own;
    path.push({ node: v, kids, next: 0, height: 1, unfolded: own });
    onPath.add(v);
    return 'started';
  };
  const add = (frame: Frame, child: Frame) => {
    frame.height = Math.max(frame.height, child.height + 1);
    frame.unfolded += child.unfolded;
  };
  const first = enter(root);
  if (first !== 'started') return;
  let rootFrame = path[0] as Frame;
  while (path.length > 0) {
    const frame = path[path.length - 1] as Frame;
    if (frame.next < frame.kids.length) {
      const kid = enter(frame.kids[frame.next++]);
      if (kid !== undefined && kid !== 'started') {
        if (path.length + kid.height > maxDepth) throw tooDeep();
        add(frame, kid);
      }
      continue;
    }
    path.pop();
    onPath.delete(frame.node);
    frame.kids = [];
    done.set(frame.node, frame);
    const parent = path[path.length - 1];
    if (parent) add(parent, frame);
    else rootFrame = frame;
  }
  if (rootFrame.unfolded > MAX_SHARING * weight + SHARING_ALLOWANCE)
    throw new PickleLimitError(
      `the pickle's shared values, counted each time they are reached, weigh ${rootFrame.unfolded.toPrecision(3)}: more than ${MAX_SHARING} times its ${weight} values and array elements, plus ${SHARING_ALLOWANCE} (a memo bomb)`,
    );
}
