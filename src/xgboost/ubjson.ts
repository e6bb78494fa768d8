// UBJSON as XGBoost writes it (src/common/json.cc UBJWriter): big-endian numbers; `{` objects of keys
// `L`<int64 length><bytes> closed by `}`; `[#L`<n> counted arrays; `[$`<type>`#L`<n> typed arrays of
// f32 (d), f64 (D), i8 (i), u8 (U), i16 (I), i32 (l), i64 (L); scalars Z T F d D S i U I l L C. Every
// count is bounded by the bytes left before anything is allocated, nesting by MAX_DEPTH: a malformed
// file is a ModelImportError naming the byte offset, never a hang or a heap.
import { ModelImportError } from '../sklearn/errors.js';
import type { Doc, DocObject } from './doc.js';

/** The deepest nesting read: XGBoost's own files nest 6 deep. */
export const MAX_DEPTH = 64;

const SIZES: Record<string, number> = { d: 4, D: 8, i: 1, U: 1, I: 2, l: 4, L: 8 };

class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string, at = this.pos): ModelImportError {
    return new ModelImportError(`the XGBoost UBJSON model is malformed at byte ${at}: ${what}`);
  }

  get left(): number {
    return this.bytes.length - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  need(n: number, what: string): number {
    if (this.left < n) throw this.fail(`the file ends inside ${what}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  marker(what: string): string {
    return String.fromCharCode(this.bytes[this.need(1, what)] as number);
  }

  peek(): string {
    if (this.done) throw this.fail('the file ends inside an object or array');
    return String.fromCharCode(this.bytes[this.pos] as number);
  }

  expect(c: string, what: string): void {
    const at = this.pos;
    const got = this.marker(what);
    if (got !== c)
      throw this.fail(`${what} should go on with ${JSON.stringify(c)}, not ${describe(got)}`, at);
  }

  int64(what: string): number {
    const at = this.need(8, what);
    const v = this.view.getBigInt64(at);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`${what} is ${v}`, at);
    return Number(v);
  }

  /** A count, at most the bytes left divided by the size of one element. */
  count(what: string, size: number): number {
    const at = this.pos;
    const n = this.int64(what);
    if (n * size > this.left)
      throw this.fail(`${what} is ${n}, more than the ${this.left} bytes left can hold`, at);
    return n;
  }

  text(what: string): string {
    this.expect('L', `the length of ${what}`);
    const n = this.count(`the length of ${what}`, 1);
    const at = this.need(n, what);
    return new TextDecoder('utf-8').decode(this.bytes.subarray(at, at + n));
  }

  scalar(type: string, what: string): number {
    const at = this.need(SIZES[type] as number, what);
    const v = this.view;
    switch (type) {
      case 'd':
        return v.getFloat32(at);
      case 'D':
        return v.getFloat64(at);
      case 'i':
        return v.getInt8(at);
      case 'U':
        return v.getUint8(at);
      case 'I':
        return v.getInt16(at);
      case 'l':
        return v.getInt32(at);
      default: {
        const big = v.getBigInt64(at);
        if (big < BigInt(Number.MIN_SAFE_INTEGER) || big > BigInt(Number.MAX_SAFE_INTEGER))
          throw this.fail(`the integer ${big} is beyond what modelgate reads`, at);
        return Number(big);
      }
    }
  }

  typed(type: string, n: number): Doc {
    const size = SIZES[type] as number;
    const at = this.need(n * size, 'a typed array');
    const v = this.view;
    switch (type) {
      case 'd': {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getFloat32(at + 4 * i);
        return out;
      }
      case 'D': {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getFloat64(at + 8 * i);
        return out;
      }
      // Copied: a Node Buffer's slice() is a view of the whole file's memory.
      case 'i':
        return new Int8Array(Uint8Array.from(this.bytes.subarray(at, at + n)).buffer);
      case 'U':
        return Uint8Array.from(this.bytes.subarray(at, at + n));
      case 'I': {
        const out = new Int16Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getInt16(at + 2 * i);
        return out;
      }
      case 'l': {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getInt32(at + 4 * i);
        return out;
      }
      default: {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const big = v.getBigInt64(at + 8 * i);
          if (big < BigInt(Number.MIN_SAFE_INTEGER) || big > BigInt(Number.MAX_SAFE_INTEGER))
            throw this.fail(`an int64 array holds ${big}, beyond what modelgate reads`, at + 8 * i);
          out[i] = Number(big);
        }
        return out;
      }
    }
  }

  value(depth: number): Doc {
    const at = this.pos;
    const c = this.marker('a value');
    switch (c) {
      case '{':
        return this.object(depth + 1, at);
      case '[':
        return this.array(depth + 1, at);
      case 'Z':
        return null;
      case 'T':
        return true;
      case 'F':
        return false;
      case 'S':
        return this.text('a string');
      case 'C':
        return this.scalar('i', 'a char');
      case 'd':
      case 'D':
      case 'i':
      case 'U':
      case 'I':
      case 'l':
      case 'L':
        return this.scalar(c, 'a number');
      default:
        throw this.fail(`${describe(c)} is not a UBJSON value marker`, at);
    }
  }

  object(depth: number, at: number): DocObject {
    if (depth > MAX_DEPTH) throw this.fail(`objects and arrays nest deeper than ${MAX_DEPTH}`, at);
    const out: DocObject = Object.create(null);
    while (this.peek() !== '}') {
      const key = this.text('a key');
      if (Object.hasOwn(out, key)) throw this.fail(`an object has the key ${JSON.stringify(key)} twice`);
      out[key] = this.value(depth);
    }
    this.pos++;
    return out;
  }

  array(depth: number, at: number): Doc {
    if (depth > MAX_DEPTH) throw this.fail(`objects and arrays nest deeper than ${MAX_DEPTH}`, at);
    const c = this.peek();
    if (c === '$') {
      this.pos++;
      const typeAt = this.pos;
      const type = this.marker('a typed array');
      const size = SIZES[type];
      if (size === undefined)
        throw this.fail(`${describe(type)} is not a typed array's element type`, typeAt);
      this.expect('#', 'a typed array');
      this.expect('L', "a typed array's count");
      return this.typed(type, this.count("a typed array's count", size));
    }
    const out: Doc[] = [];
    if (c === '#') {
      this.pos++;
      this.expect('L', "an array's count");
      const n = this.count("an array's count", 1);
      for (let i = 0; i < n; i++) out.push(this.value(depth));
      return out;
    }
    while (this.peek() !== ']') out.push(this.value(depth));
    this.pos++;
    return out;
  }
}

function describe(c: string): string {
  const code = c.charCodeAt(0);
  return code >= 0x21 && code < 0x7f ? `"${c}"` : `byte 0x${code.toString(16).padStart(2, '0')}`;
}

/** The document a UBJSON file holds; nothing may follow it. */
export function parseUbjson(bytes: Uint8Array): Doc {
  const r = new Reader(bytes);
  const doc = r.value(0);
  if (!r.done) throw r.fail('the document ends before the file does');
  return doc;
}
