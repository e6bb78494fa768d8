// Protocol Buffers wire format, the small part ONNX needs. Hand-written because model loading is on
// the cold-start path, where a reflection-based protobuf library costs more to import than to use.
import { OnnxFormatError } from './errors.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;
/**
 * How deep messages may nest (the model is depth 0). Protocol Buffers' own default recursion limit,
 * which onnxruntime's and onnx's parsers apply too: nothing they could load is refused, and a file of
 * 20,000 nested subgraphs ends in a message instead of a stack overflow.
 */
export const MAX_NESTING = 100;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  /** How many messages enclose this one. */
  readonly depth: number;
  private readonly view: DataView;

  constructor(buf: Uint8Array, start = 0, end = buf.length, depth = 0) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.depth = depth;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as a JavaScript number: exact for |n| < 2^53, two's complement int64 honoured. */
  varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let byte: number;
    do {
      if (this.pos >= this.end) throw new OnnxFormatError('truncated varint');
      byte = this.buf[this.pos++];
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >> 4;
      } else if (shift < 64) hi |= (byte & 0x7f) << (shift - 32);
      else throw new OnnxFormatError('varint longer than 10 bytes');
      shift += 7;
    } while (byte & 0x80);
    return (hi | 0) * TWO_32 + (lo >>> 0);
  }

  tag(): { field: number; wire: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key & 7 };
  }

  /** A view (not a copy) of the next length-delimited field. */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end)
      throw new OnnxFormatError('length-delimited field overruns its message');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    try {
      return utf8Decoder.decode(this.bytes());
    } catch (cause) {
      if (cause instanceof OnnxFormatError) throw cause;
      throw new OnnxFormatError('string field is not valid UTF-8', { cause });
    }
  }

  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A sub-reader over the next length-delimited field: an embedded message, one level deeper. */
  message(): ProtoReader {
    if (this.depth >= MAX_NESTING)
      throw new OnnxFormatError(
        `messages are nested more than ${MAX_NESTING} deep (subgraphs within subgraphs)`,
      );
    return this.range(this.depth + 1, 'embedded message overruns its parent');
  }

  /** A sub-reader over a packed repeated field: values, not a message, so no deeper. */
  private packed(): ProtoReader {
    return this.range(this.depth, 'packed field overruns its message');
  }

  private range(depth: number, overrun: string): ProtoReader {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end) throw new OnnxFormatError(overrun);
    const sub = new ProtoReader(this.buf, this.pos, this.pos + len, depth);
    this.pos += len;
    return sub;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new OnnxFormatError(`unsupported wire type ${wire}`);
    }
  }

  /** Repeated varints, packed or not. */
  pushVarints(wire: number, out: number[]): void {
    if (wire === WIRE_LEN) {
      const sub = this.packed();
      while (!sub.done()) out.push(sub.varint());
    } else out.push(this.varint());
  }

  pushFloats(wire: number, out: number[]): void {
    if (wire === WIRE_LEN) {
      const sub = this.packed();
      while (!sub.done()) out.push(sub.float());
    } else out.push(this.float());
  }

  pushDoubles(wire: number, out: number[]): void {
    if (wire === WIRE_LEN) {
      const sub = this.packed();
      while (!sub.done()) out.push(sub.double());
    } else out.push(this.double());
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new OnnxFormatError('truncated fixed-width field');
  }
}

/** Appends bytes to a growing buffer; nested messages are encoded first, then written with their length. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(value: number): void {
    this.reserve(10);
    if (value >= 0 && value < TWO_32) {
      let v = value >>> 0;
      while (v > 0x7f) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.len++] = v;
      return;
    }
    // Split into two 32-bit halves of the 64-bit two's complement value.
    let hi = Math.floor(value / TWO_32);
    let lo = value - hi * TWO_32;
    hi = hi | 0;
    lo = lo >>> 0;
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buf[this.len++] = lo;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  uint(field: number, value: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  string(field: number, value: string): void {
    this.bytes(field, utf8Encoder.encode(value));
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_I32);
    this.reserve(4);
    this.view.setFloat32(this.len, value, true);
    this.len += 4;
  }

  /** Raw bytes already in wire format (a preserved unknown field). */
  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  /**
   * Written in place: the size first, then the values with no bounds check each (a 500-tree forest's
   * node attributes are 1.6 million numbers, which a writer of their own, grown and copied, took 48 ms
   * of the import's 830 to write).
   */
  packedVarints(field: number, values: ArrayLike<number>): void {
    const count = values.length;
    if (count === 0) return;
    let size = 0;
    for (let i = 0; i < count; i++) size += varintSize(values[i] as number);
    this.tag(field, WIRE_LEN);
    this.varint(size);
    this.reserve(size);
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < count; i++) {
      const value = values[i] as number;
      if (value >= 0 && value < TWO_32) {
        let v = value >>> 0;
        while (v > 0x7f) {
          buf[len++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        buf[len++] = v;
      } else {
        // Negative (ten bytes of two's complement) or past 32 bits: the general writer, which has room.
        this.len = len;
        this.varint(value);
        len = this.len;
      }
    }
    this.len = len;
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.bytes(field, new Uint8Array(Float32Array.from(values).buffer));
  }

  packedDoubles(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.bytes(field, new Uint8Array(Float64Array.from(values).buffer));
  }
}

/** The bytes `ProtoWriter.varint` writes for a value: ten for a negative one (64-bit two's complement). */
export function varintSize(value: number): number {
  if (value >= 0 && value < TWO_32) {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    if (value < 0x10000000) return 4;
    return 5;
  }
  if (value < 0) return 10;
  let size = 1;
  for (let v = Math.floor(value); v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

export function utf8(value: string): Uint8Array {
  return utf8Encoder.encode(value);
}

export function utf8Decode(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
