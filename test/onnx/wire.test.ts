import { describe, expect, it } from 'vitest';
import { OnnxFormatError } from '../../src/onnx/errors.js';
import { ProtoReader, ProtoWriter, varintSize } from '../../src/onnx/wire.js';

describe('protobuf wire format', () => {
  it.each([
    0,
    1,
    127,
    128,
    300,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53 - 1,
    -1,
    -2,
    -128,
    -(2 ** 31),
    -(2 ** 40),
  ])('round-trips the varint %d', (v) => {
    const w = new ProtoWriter();
    w.varint(v);
    const bytes = w.finish();
    expect(new ProtoReader(bytes).varint()).toBe(v);
    // Negative int64 values take the full ten bytes, as protobuf encodes them.
    if (v < 0) expect(bytes.length).toBe(10);
  });

  it('sizes every varint as it is written, and packs them as one varint each would be', () => {
    const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    values.push(2 ** 32, 2 ** 35, 2 ** 53 - 1, -1, -2, -(2 ** 31), -(2 ** 40));
    for (const v of values) {
      const w = new ProtoWriter();
      w.varint(v);
      expect(varintSize(v), String(v)).toBe(w.finish().length);
    }
    // Long enough that the writer grows while packing, from Float64Array and from number[].
    const many = Float64Array.from({ length: 5000 }, (_, i) => values[i % values.length] as number);
    for (const input of [many, Array.from(many)]) {
      const packed = new ProtoWriter();
      packed.uint(2, 7);
      packed.packedVarints(1, input);
      const reader = new ProtoReader(packed.finish());
      reader.tag();
      expect(reader.varint()).toBe(7);
      const out: number[] = [];
      reader.pushVarints(reader.tag().wire, out);
      expect(out).toEqual(Array.from(many));
    }
  });

  it('encodes 300 as protobuf does (0xac 0x02)', () => {
    const w = new ProtoWriter();
    w.varint(300);
    expect(Array.from(w.finish())).toEqual([0xac, 0x02]);
  });

  it('reads packed and unpacked repeated fields alike', () => {
    const packed = new ProtoWriter();
    packed.packedVarints(1, [1, 2, 3]);
    const unpacked = new ProtoWriter();
    for (const v of [1, 2, 3]) unpacked.uint(1, v);
    for (const bytes of [packed.finish(), unpacked.finish()]) {
      const r = new ProtoReader(bytes);
      const out: number[] = [];
      while (!r.done()) r.pushVarints(r.tag().wire, out);
      expect(out).toEqual([1, 2, 3]);
    }
  });

  it('rejects a truncated varint, an overrunning length and a bad wire type', () => {
    expect(() => new ProtoReader(Uint8Array.from([0x80, 0x80])).varint()).toThrow(OnnxFormatError);
    expect(() => new ProtoReader(Uint8Array.from([0x0a, 0x05, 0x01])).bytes()).toThrow(OnnxFormatError);
    const r = new ProtoReader(Uint8Array.from([0x0a, 0x05, 0x01]));
    r.tag();
    expect(() => r.bytes()).toThrow(/overruns/);
    expect(() => new ProtoReader(Uint8Array.from([0x01])).skip(7)).toThrow(/wire type 7/);
    expect(() => new ProtoReader(Uint8Array.from(new Array(11).fill(0xff))).varint()).toThrow(/10 bytes/);
  });

  it('checks the length of an embedded message and of a packed field against what remains', () => {
    const message = new ProtoReader(Uint8Array.from([0x0a, 0x05, 0x01]));
    message.tag();
    expect(() => message.message()).toThrow(/embedded message overruns its parent/);
    const packed = new ProtoReader(Uint8Array.from([0x0a, 0x05, 0x01]));
    expect(() => packed.pushVarints(packed.tag().wire, [])).toThrow(/packed field overruns its message/);
    // A length that is negative as an int64 (ten bytes of 0xff ... 0x01) overruns too.
    const negative = new ProtoReader(Uint8Array.from([0x0a, ...new Array(9).fill(0xff), 0x01, 0x00]));
    negative.tag();
    expect(() => negative.bytes()).toThrow(OnnxFormatError);
  });

  it('rejects strings that are not UTF-8', () => {
    const r = new ProtoReader(Uint8Array.from([0x02, 0xff, 0xfe]));
    expect(() => r.string()).toThrow(/UTF-8/);
  });
});
