// A pickle reader that runs nothing. It follows the pickle machine's opcodes (protocols 0 to 5) to
// rebuild plain data, and where a pickle would call something (REDUCE, NEWOBJ, BUILD, INST, OBJ) it asks
// the allowlist (globals.ts), which rebuilds known numpy and scikit-learn values as data or refuses the
// file. Work is bounded (bounds.ts): operations, values held, bytes copied, nesting, and time.
import { checkNesting, ReadBudget, slotsOf } from './bounds.js';
import { PickleFormatError, PickleLimitError } from './errors.js';
import { callGlobal, resolveGlobal } from './globals.js';
import {
  DTypeValue,
  NdArray,
  Opaque,
  PyDict,
  PyGlobal,
  PyObject,
  PySet,
  PyTuple,
  type PyValue,
} from './values.js';

export interface PickleLimits {
  /** Opcodes executed (a file of n bytes runs at most about n of them). */
  maxOps: number;
  /**
   * Values the reader holds: on the stack, its MARKs, the memo, and every item of the lists, tuples,
   * dicts, sets and objects it builds (counted when added, never given back).
   */
  maxItems: number;
  /**
   * Bytes the reader allocates for copies of the file's data (arrays put in C order or little-endian,
   * bytes rebuilt from text, tuple keys), beyond the file itself. Default: three times the pickle's
   * size plus 16 MiB, as an honest file copies each array at most three times (protocol 2's bytes
   * from text, byte order, Fortran order).
   */
  maxCopiedBytes?: number;
  /** How deep values may nest in one another (a longer path refuses the file before anything walks it). */
  maxDepth: number;
  /** Wall-clock time in milliseconds. */
  maxMs: number;
}

/**
 * Far above what models need (a 715 MB RandomForestClassifier of 500 trees runs 82,385 opcodes; the
 * test fixtures nest at most 15 levels deep), and low enough that a file at every limit at once is
 * read in about a second and a few hundred megabytes: each opcode makes at most one value, and a
 * dict costs ~150 bytes.
 */
export const DEFAULT_LIMITS: PickleLimits = {
  maxOps: 5_000_000,
  maxItems: 10_000_000,
  maxDepth: 1000,
  maxMs: 60_000,
};

/** Python's own limit on the digits of an integer read from text (sys.int_info.default_max_str_digits). */
const MAX_TEXT_DIGITS = 4300;
/**
 * The longest integer LONG4 may give, in bytes: as Python's 4300 digits (models hold 16 at most: a
 * random generator's 128-bit state); each one costs time in proportion to its length.
 */
const MAX_LONG_BYTES = 2048;
/** The longest module path or name a GLOBAL may give (Python's are a few dozen characters). */
const MAX_GLOBAL_NAME = 1000;
/** How many pickles may nest in one another (joblib writes an object array as a pickle inside its file: one). */
const MAX_NESTED_PICKLES = 8;

/** The bytes a pickle is read from, with a position (joblib reads array data from the same stream). */
export class ByteReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  take(n: number, what = 'data'): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length)
      throw new PickleFormatError(
        `the file ends in the middle of ${what} (byte ${this.pos} of ${this.bytes.length})`,
      );
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  byte(): number {
    if (this.pos >= this.bytes.length)
      throw new PickleFormatError(`the file ends without a STOP opcode (byte ${this.pos})`);
    return this.bytes[this.pos++] as number;
  }

  uint(n: 1 | 2 | 4 | 8): number {
    const b = this.take(n, 'a length');
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[i] as number);
    if (!Number.isSafeInteger(v)) throw new PickleLimitError(`a length of ${v} bytes`);
    return v;
  }

  int32(): number {
    const b = this.take(4, 'an integer');
    return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
  }

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleFormatError(`the file ends in the middle of a text line (byte ${this.pos})`);
    const text = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
}

const latin1 = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new PickleFormatError('a string that is not valid UTF-8');
  }
}

/** Little-endian two's complement bytes (LONG1, LONG4) as a number when safe, else a bigint. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  // One hex string (most significant byte first), parsed once: shifting a bigint in byte by byte is
  // quadratic in its length.
  let v = BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
  if ((b[b.length - 1] as number) & 0x80) v -= 1n << BigInt(b.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Protocol 0's text integers: "01" and "00" are True and False. */
function decodeTextInt(text: string): number | bigint | boolean {
  if (text === '01') return true;
  if (text === '00') return false;
  const t = text.endsWith('L') ? text.slice(0, -1) : text;
  if (!/^[-+]?\d+$/.test(t))
    throw new PickleFormatError(`${JSON.stringify(text.slice(0, 40))} is not an integer`);
  const digits = t.replace(/^[-+]/, '').length;
  if (digits > MAX_TEXT_DIGITS)
    throw new PickleLimitError(
      `an integer of ${digits} digits (Python itself reads at most ${MAX_TEXT_DIGITS} from text)`,
    );
  const v = BigInt(t);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Protocol 0's quoted strings (repr of a Python 2 str): quotes, and \\x, \\n, \\t, \\r, \\\\ and \\' escapes. */
function decodeQuoted(text: string): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q || text.length < 2)
    throw new PickleFormatError('a STRING opcode without its quotes');
  return unescapePython(text.slice(1, -1), false);
}

function unescapePython(s: string, rawUnicode: boolean): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e[0] === 'x' && !rawUnicode) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    if (rawUnicode) return `\\${e}`;
    return (
      ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' } as Record<string, string>)[
        e
      ] ?? `\\${e}`
    );
  });
}

/** What a reader of a pickle stream may add: joblib rebuilds its array wrappers from the bytes that follow. */
export interface PickleHooks {
  /**
   * Called after a BUILD; a value returned replaces the built object on the stack. `readNested` reads
   * the pickle that follows in the stream within the same limits.
   */
  afterBuild?(obj: PyValue, reader: ByteReader, readNested: () => PyValue): PyValue | undefined;
}

/** Reads one pickle from `reader` (up to its STOP) and returns the value it rebuilds. */
export function unpickle(
  reader: ByteReader,
  options: { limits?: Partial<PickleLimits>; hooks?: PickleHooks } = {},
): PyValue {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const value = run(reader, new ReadBudget(limits, reader.bytes), options.hooks);
  checkNesting(value, limits.maxDepth);
  return value;
}

/** The pickle machine over one pickle, counting its work in `budget`. */
function run(reader: ByteReader, budget: ReadBudget, hooks: PickleHooks | undefined): PyValue {
  // One stack; each MARK is the stack's length when it was pushed (as CPython keeps them).
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const floor = () => marks[marks.length - 1] ?? 0;

  const pop = (): PyValue => {
    if (stack.length === floor())
      throw new PickleFormatError(
        `an opcode at byte ${reader.pos - 1} found ${marks.length ? 'a MARK where it wanted a value' : 'the stack empty'}`,
      );
    budget.release(1);
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === floor())
      throw new PickleFormatError(`an opcode at byte ${reader.pos - 1} found no value`);
    return stack[stack.length - 1] as PyValue;
  };
  const mark = () => {
    marks.push(stack.length);
    budget.hold(1);
  };
  const popMark = (): PyValue[] => {
    const at = marks.pop();
    if (at === undefined) throw new PickleFormatError(`an opcode at byte ${reader.pos - 1} needs a MARK`);
    const items = stack.splice(at);
    budget.release(items.length + 1);
    return items;
  };
  const push = (v: PyValue) => {
    stack.push(v);
    budget.hold(1);
  };
  /** Pushes what the allowlist made, counting the items and the bytes it copied. */
  const pushMade = (v: PyValue, from: readonly PyValue[]) => {
    if (!from.includes(v)) budget.hold(slotsOf(v));
    if (v instanceof Uint8Array) budget.copyOf(v);
    else if (v instanceof NdArray) budget.copyOf(v.bytes);
    push(v);
  };
  const put = (index: number) => {
    if (!memo.has(index)) budget.hold(1);
    memo.set(index, top());
  };
  const get = (index: number): PyValue => {
    const v = memo.get(index);
    if (v === undefined && !memo.has(index))
      throw new PickleFormatError(`the pickle refers to memo entry ${index}, never stored`);
    return v as PyValue;
  };
  const setItems = (target: PyValue, items: PyValue[]) => {
    if (items.length % 2) throw new PickleFormatError('SETITEMS with an odd number of items');
    const dict = target instanceof PyDict ? target : target instanceof PyObject ? null : undefined;
    if (dict === undefined) throw new PickleFormatError('SETITEM on something that is not a dict');
    budget.hold(items.length);
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i] as PyValue;
      let k: unknown = key;
      if (key instanceof PyTuple) {
        const text = JSON.stringify(key.items.map(String));
        budget.copyBytes(text.length);
        k = text;
      }
      if (dict) dict.map.set(k, items[i + 1] as PyValue);
      else {
        const obj = target as PyObject;
        if (!(obj.state instanceof PyDict)) obj.state = new PyDict();
        (obj.state as PyDict).map.set(k, items[i + 1] as PyValue);
      }
    }
  };
  // Item by item: spreading a file-sized list into push() overflows the JavaScript stack.
  const appendItems = (target: PyValue, items: PyValue[]) => {
    const into = Array.isArray(target)
      ? target
      : target instanceof PyObject
        ? target.listItems
        : target instanceof PySet
          ? target.items
          : undefined;
    if (!into) throw new PickleFormatError('APPEND on something that is not a list');
    budget.hold(items.length);
    for (const v of items) into.push(v);
  };
  const readNested = (): PyValue => {
    if (budget.nested >= MAX_NESTED_PICKLES)
      throw new PickleFormatError(
        `joblib object arrays nested more than ${MAX_NESTED_PICKLES} deep (joblib writes them one deep)`,
      );
    budget.nested++;
    try {
      return run(reader, budget, hooks);
    } finally {
      budget.nested--;
    }
  };
  const build = (obj: PyValue, state: PyValue): PyValue => {
    if (obj instanceof PyObject) {
      // Merging into a dict it already has copies the entries; otherwise the state is kept as it is.
      const before = obj.state instanceof PyDict ? obj.state.map.size : undefined;
      callGlobal.build(obj, state);
      if (before !== undefined && obj.state instanceof PyDict) budget.hold(2 * (obj.state.map.size - before));
    } else if (obj instanceof NdArray) {
      callGlobal.build(obj, state);
      budget.copyOf(obj.bytes);
      const data = state instanceof PyTuple ? state.items[state.items.length - 1] : undefined;
      if (obj.objects && obj.objects !== data) budget.hold(obj.objects.length);
    } else if (obj instanceof DTypeValue) callGlobal.build(obj, state);
    else if (obj instanceof PyGlobal)
      throw new PickleFormatError(`BUILD on the class ${obj.qualified} itself`);
    else if (obj instanceof Opaque) return obj;
    else throw new PickleFormatError('BUILD on a value that has no state');
    const replaced = hooks?.afterBuild?.(obj, reader, readNested);
    if (replaced instanceof NdArray) budget.copyOf(replaced.bytes);
    return replaced ?? obj;
  };
  /** A GLOBAL's names, refused before a name as long as the file reaches any message. */
  const globalName = (module: string, name: string): PyGlobal => {
    if (module.length + name.length + 1 > MAX_GLOBAL_NAME)
      throw new PickleFormatError(
        `a global name of ${module.length + name.length + 1} characters (at most ${MAX_GLOBAL_NAME})`,
      );
    return resolveGlobal(module, name);
  };

  for (;;) {
    budget.op();
    const at = reader.pos;
    const op = reader.byte();
    switch (op) {
      case 0x80: {
        // PROTO
        const proto = reader.byte();
        if (proto > 5) throw new PickleFormatError(`pickle protocol ${proto} (this reader knows 0 to 5)`);
        break;
      }
      case 0x95: // FRAME: a length prefix; the opcodes that follow are read in order anyway.
        reader.uint(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length)
          throw new PickleFormatError(
            `STOP with ${stack.length} values on the stack and ${marks.length} open MARKs`,
          );
        budget.release(memo.size);
        return pop();
      case 0x28: // MARK
        mark();
        break;
      case 0x30: // POP
        if (stack.length > floor()) pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x49: // INT
        push(decodeTextInt(reader.line()));
        break;
      case 0x4a: // BININT
        push(reader.int32());
        break;
      case 0x4b: // BININT1
        push(reader.byte());
        break;
      case 0x4d: // BININT2
        push(reader.uint(2));
        break;
      case 0x4c: // LONG
        push(decodeTextInt(reader.line()) as number | bigint);
        break;
      case 0x8a: // LONG1
        push(decodeLong(reader.take(reader.byte(), 'an integer')));
        break;
      case 0x8b: {
        // LONG4
        const n = reader.int32();
        if (n > MAX_LONG_BYTES)
          throw new PickleLimitError(`an integer of ${n} bytes (modelgate reads at most ${MAX_LONG_BYTES})`);
        push(decodeLong(reader.take(n, 'an integer')));
        break;
      }
      case 0x46: {
        // FLOAT
        const text = reader.line().trim();
        const special: Record<string, number> = {
          inf: Infinity,
          '+inf': Infinity,
          '-inf': -Infinity,
          nan: Number.NaN,
        };
        const v =
          special[text.toLowerCase()] ??
          // One way to match each digit: (\d+\.?\d*) backtracked quadratically on a long malformed line.
          (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined);
        if (v === undefined)
          throw new PickleFormatError(`${JSON.stringify(text.slice(0, 40))} is not a float`);
        push(v);
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian)
        const b = reader.take(8, 'a float');
        push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
        break;
      }
      case 0x53: // STRING
        push(decodeQuoted(reader.line()));
        break;
      case 0x54: // BINSTRING (Python 2 str; read as latin-1 text)
        push(latin1(reader.take(reader.int32(), 'a string')));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1(reader.take(reader.byte(), 'a string')));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        push(unescapePython(reader.line(), true));
        break;
      case 0x58: // BINUNICODE
        push(decodeUtf8(reader.take(reader.uint(4), 'a string')));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(decodeUtf8(reader.take(reader.byte(), 'a string')));
        break;
      case 0x8d: // BINUNICODE8
        push(decodeUtf8(reader.take(reader.uint(8), 'a string')));
        break;
      case 0x42: // BINBYTES
        push(reader.take(reader.uint(4), 'bytes'));
        break;
      case 0x43: // SHORT_BINBYTES
        push(reader.take(reader.byte(), 'bytes'));
        break;
      case 0x8e: // BINBYTES8
        push(reader.take(reader.uint(8), 'bytes'));
        break;
      case 0x96: // BYTEARRAY8
        pushMade(reader.take(reader.uint(8), 'bytes').slice(), []);
        break;
      case 0x98: // READONLY_BUFFER: an in-band buffer stays what it is
        top();
        break;
      case 0x97: // NEXT_BUFFER
        throw new PickleFormatError(
          'the pickle keeps its data in out-of-band buffers (protocol 5), which a file cannot carry',
        );
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        pushMade(new PyTuple([pop()]), []);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        pushMade(new PyTuple([pop(), b]), []);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        pushMade(new PyTuple([pop(), b, c]), []);
        break;
      }
      case 0x74: // TUPLE
        pushMade(new PyTuple(popMark()), []);
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        pushMade(popMark(), []);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new PySet(false));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const s = new PySet(true);
        appendItems(s, popMark());
        push(s);
        break;
      }
      case 0x70: // PUT
        put(Number(decodeTextInt(reader.line())));
        break;
      case 0x71: // BINPUT
        put(reader.byte());
        break;
      case 0x72: // LONG_BINPUT
        put(reader.uint(4));
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x67: // GET
        push(get(Number(decodeTextInt(reader.line()))));
        break;
      case 0x68: // BINGET
        push(get(reader.byte()));
        break;
      case 0x6a: // LONG_BINGET
        push(get(reader.uint(4)));
        break;
      case 0x63: {
        // GLOBAL
        const module = reader.line();
        push(globalName(module, reader.line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw new PickleFormatError('STACK_GLOBAL without a module and a name');
        push(globalName(module, name));
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args)
        const args = pop();
        const callable = pop();
        if (!(args instanceof PyTuple))
          throw new PickleFormatError('REDUCE with arguments that are not a tuple');
        pushMade(callGlobal.call(callable, args.items), args.items);
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple))
          throw new PickleFormatError('NEWOBJ with arguments that are not a tuple');
        pushMade(callGlobal.construct(cls, args.items), args.items);
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
        pop();
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple))
          throw new PickleFormatError('NEWOBJ_EX with arguments that are not a tuple');
        pushMade(callGlobal.construct(cls, args.items), args.items);
        break;
      }
      case 0x69: {
        // INST: module, name, marked args
        const module = reader.line();
        const cls = globalName(module, reader.line());
        const args = popMark();
        pushMade(callGlobal.construct(cls, args), args);
        break;
      }
      case 0x6f: {
        // OBJ: marked cls and args
        const [cls, ...args] = popMark();
        pushMade(callGlobal.construct(cls as PyValue, args), args);
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = pop();
        push(build(obj, state));
        break;
      }
      case 0x50:
      case 0x51:
        throw new PickleFormatError(
          'the pickle uses persistent ids (PERSID), which name objects outside the file',
        );
      case 0x82:
      case 0x83:
      case 0x84:
        throw new PickleFormatError(
          "the pickle uses copyreg's extension registry (EXT1-4), which is not in the file",
        );
      default:
        throw new PickleFormatError(
          `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}: not a pickle, or a damaged one`,
        );
    }
  }
}
