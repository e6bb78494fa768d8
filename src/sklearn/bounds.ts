// The bounds on reading one file: what the pickle machine has done so far (operations, values held,
// bytes copied, time) against its limits, shared by the pickles nested in one joblib file.
import { PickleLimitError } from './errors.js';
import type { PickleLimits } from './pickle.js';
import { NdArray, PyDict, PyObject, PySet, PyTuple, type PyValue } from './values.js';

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

/** The items of a container the allowlist made (a set from a list, a dict from pairs): slots it holds. */
export function slotsOf(v: PyValue): number {
  if (Array.isArray(v)) return v.length;
  if (v instanceof PyTuple || v instanceof PySet) return v.items.length;
  if (v instanceof PyDict) return 2 * v.map.size;
  if (v instanceof PyObject) return v.args.length + v.listItems.length;
  if (v instanceof NdArray) return v.objects?.length ?? 0;
  return 0;
}
