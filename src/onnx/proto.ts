// ONNX messages (onnx.proto, IR version 8 and later) as plain objects, with their encoders and
// decoders. Fields modelgate does not model are kept as raw wire bytes in `extra`, so a foreign model
// read and written back keeps everything it carried.
import { OnnxFormatError } from './errors.js';
import { ProtoReader, ProtoWriter, WIRE_LEN, WIRE_VARINT } from './wire.js';

/** TensorProto.DataType values. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

interface Extra {
  /** Unmodelled fields, each as its raw tag and payload. */
  extra?: Uint8Array[];
}

export interface TensorProto extends Extra {
  name?: string;
  dims: number[];
  dataType: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  stringData?: Uint8Array[];
  rawData?: Uint8Array;
  docString?: string;
}

export interface AttributeProto extends Extra {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  docString?: string;
}

export interface NodeProto extends Extra {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute: AttributeProto[];
  docString?: string;
}

export interface Dimension extends Extra {
  dimValue?: number;
  dimParam?: string;
}

export interface TypeProto extends Extra {
  tensorType?: { elemType: number; shape?: Dimension[] } & Extra;
  sequenceType?: { elemType?: TypeProto } & Extra;
  mapType?: { keyType: number; valueType?: TypeProto } & Extra;
  denotation?: string;
}

export interface ValueInfoProto extends Extra {
  name: string;
  type?: TypeProto;
  docString?: string;
}

export interface GraphProto extends Extra {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface OperatorSetId extends Extra {
  domain: string;
  version: number;
}

export interface StringEntry extends Extra {
  key: string;
  value: string;
}

export interface ModelProto extends Extra {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: GraphProto;
  metadataProps: StringEntry[];
}

// ---- decoding ----

function keepExtra(r: ProtoReader, start: number, wire: number, into: Extra): void {
  r.skip(wire);
  into.extra ??= [];
  into.extra.push(r.buf.subarray(start, r.pos));
}

function decodeTensor(r: ProtoReader): TensorProto {
  const t: TensorProto = { dims: [], dataType: 0 };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        r.pushVarints(wire, t.dims);
        break;
      case 2:
        t.dataType = r.varint();
        break;
      case 4:
        t.floatData ??= [];
        r.pushFloats(wire, t.floatData);
        break;
      case 5:
        t.int32Data ??= [];
        r.pushVarints(wire, t.int32Data);
        break;
      case 6:
        t.stringData ??= [];
        t.stringData.push(r.bytes());
        break;
      case 7:
        t.int64Data ??= [];
        r.pushVarints(wire, t.int64Data);
        break;
      case 8:
        t.name = r.string();
        break;
      case 9:
        t.rawData = r.bytes();
        break;
      case 10:
        t.doubleData ??= [];
        r.pushDoubles(wire, t.doubleData);
        break;
      case 11:
        t.uint64Data ??= [];
        r.pushVarints(wire, t.uint64Data);
        break;
      case 12:
        t.docString = r.string();
        break;
      default:
        keepExtra(r, start, wire, t);
    }
  }
  return t;
}

function decodeAttribute(r: ProtoReader): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        a.name = r.string();
        break;
      case 2:
        a.f = r.float();
        break;
      case 3:
        a.i = r.varint();
        break;
      case 4:
        a.s = r.bytes();
        break;
      case 5:
        a.t = decodeTensor(r.message());
        break;
      case 6:
        a.g = decodeGraph(r.message());
        break;
      case 7:
        a.floats ??= [];
        r.pushFloats(wire, a.floats);
        break;
      case 8:
        a.ints ??= [];
        r.pushVarints(wire, a.ints);
        break;
      case 9:
        a.strings ??= [];
        a.strings.push(r.bytes());
        break;
      case 10:
        a.tensors ??= [];
        a.tensors.push(decodeTensor(r.message()));
        break;
      case 11:
        a.graphs ??= [];
        a.graphs.push(decodeGraph(r.message()));
        break;
      case 13:
        a.docString = r.string();
        break;
      case 20:
        a.type = r.varint();
        break;
      default:
        keepExtra(r, start, wire, a);
    }
  }
  return a;
}

function decodeNode(r: ProtoReader): NodeProto {
  const n: NodeProto = { input: [], output: [], opType: '', attribute: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        n.input.push(r.string());
        break;
      case 2:
        n.output.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5:
        n.attribute.push(decodeAttribute(r.message()));
        break;
      case 6:
        n.docString = r.string();
        break;
      case 7:
        n.domain = r.string();
        break;
      default:
        keepExtra(r, start, wire, n);
    }
  }
  return n;
}

function decodeDimension(r: ProtoReader): Dimension {
  const d: Dimension = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (field === 1) d.dimValue = r.varint();
    else if (field === 2) d.dimParam = r.string();
    else keepExtra(r, start, wire, d);
  }
  return d;
}

function decodeType(r: ProtoReader): TypeProto {
  const t: TypeProto = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (field === 1) {
      const sub = r.message();
      const tensor: NonNullable<TypeProto['tensorType']> = { elemType: 0 };
      while (!sub.done()) {
        const s = sub.pos;
        const tg = sub.tag();
        if (tg.field === 1) tensor.elemType = sub.varint();
        else if (tg.field === 2) {
          const shape = sub.message();
          tensor.shape = [];
          while (!shape.done()) {
            const st = shape.pos;
            const sh = shape.tag();
            if (sh.field === 1) tensor.shape.push(decodeDimension(shape.message()));
            else keepExtra(shape, st, sh.wire, tensor);
          }
        } else keepExtra(sub, s, tg.wire, tensor);
      }
      t.tensorType = tensor;
    } else if (field === 4) {
      const sub = r.message();
      const seq: NonNullable<TypeProto['sequenceType']> = {};
      while (!sub.done()) {
        const s = sub.pos;
        const tg = sub.tag();
        if (tg.field === 1) seq.elemType = decodeType(sub.message());
        else keepExtra(sub, s, tg.wire, seq);
      }
      t.sequenceType = seq;
    } else if (field === 5) {
      const sub = r.message();
      const map: NonNullable<TypeProto['mapType']> = { keyType: 0 };
      while (!sub.done()) {
        const s = sub.pos;
        const tg = sub.tag();
        if (tg.field === 1) map.keyType = sub.varint();
        else if (tg.field === 2) map.valueType = decodeType(sub.message());
        else keepExtra(sub, s, tg.wire, map);
      }
      t.mapType = map;
    } else if (field === 6) t.denotation = r.string();
    else keepExtra(r, start, wire, t);
  }
  return t;
}

function decodeValueInfo(r: ProtoReader): ValueInfoProto {
  const v: ValueInfoProto = { name: '' };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (field === 1) v.name = r.string();
    else if (field === 2) v.type = decodeType(r.message());
    else if (field === 3) v.docString = r.string();
    else keepExtra(r, start, wire, v);
  }
  return v;
}

function decodeGraph(r: ProtoReader): GraphProto {
  const g: GraphProto = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        g.node.push(decodeNode(r.message()));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5:
        g.initializer.push(decodeTensor(r.message()));
        break;
      case 10:
        g.docString = r.string();
        break;
      case 11:
        g.input.push(decodeValueInfo(r.message()));
        break;
      case 12:
        g.output.push(decodeValueInfo(r.message()));
        break;
      case 13:
        g.valueInfo.push(decodeValueInfo(r.message()));
        break;
      default:
        keepExtra(r, start, wire, g);
    }
  }
  return g;
}

function decodeStringEntry(r: ProtoReader): StringEntry {
  const e: StringEntry = { key: '', value: '' };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (field === 1) e.key = r.string();
    else if (field === 2) e.value = r.string();
    else keepExtra(r, start, wire, e);
  }
  return e;
}

function decodeOpset(r: ProtoReader): OperatorSetId {
  const o: OperatorSetId = { domain: '', version: 0 };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (field === 1) o.domain = r.string();
    else if (field === 2) o.version = r.varint();
    else keepExtra(r, start, wire, o);
  }
  return o;
}

/** An empty file would otherwise read as a model without a graph, or without a card: say what it is. */
function refuseEmpty(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new OnnxFormatError('the file is empty (0 bytes)');
}

/** Decodes a whole ONNX model. Tensor bytes are views into `bytes`, not copies. */
/** One ValueInfoProto from its bytes (an input or output read apart from its graph). */
export function decodeValueInfoBytes(bytes: Uint8Array): ValueInfoProto {
  return decodeValueInfo(new ProtoReader(bytes));
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  refuseEmpty(bytes);
  const r = new ProtoReader(bytes);
  const m: ModelProto = { irVersion: 0, opsetImport: [], graph: emptyGraph(), metadataProps: [] };
  let sawGraph = false;
  try {
    while (!r.done()) {
      const start = r.pos;
      const { field, wire } = r.tag();
      const expectedWire = field === 1 || field === 5 ? WIRE_VARINT : WIRE_LEN;
      if (wire !== expectedWire) {
        keepExtra(r, start, wire, m);
        continue;
      }
      switch (field) {
        case 1:
          m.irVersion = r.varint();
          break;
        case 2:
          m.producerName = r.string();
          break;
        case 3:
          m.producerVersion = r.string();
          break;
        case 4:
          m.domain = r.string();
          break;
        case 5:
          m.modelVersion = r.varint();
          break;
        case 6:
          m.docString = r.string();
          break;
        case 7:
          m.graph = decodeGraph(r.message());
          sawGraph = true;
          break;
        case 8:
          m.opsetImport.push(decodeOpset(r.message()));
          break;
        case 14:
          m.metadataProps.push(decodeStringEntry(r.message()));
          break;
        default:
          keepExtra(r, start, wire, m);
      }
    }
  } catch (cause) {
    if (cause instanceof OnnxFormatError)
      throw new OnnxFormatError(`not a valid ONNX model: ${cause.message}`);
    throw cause;
  }
  if (!sawGraph || m.irVersion <= 0 || m.opsetImport.length === 0) {
    throw new OnnxFormatError('not a valid ONNX model: it has no graph, IR version or opset import');
  }
  return m;
}

/**
 * Reads only the model's metadata_props, skipping the graph without decoding it: the cheap way to
 * read a model card from a large file.
 */
export function decodeMetadataProps(bytes: Uint8Array): StringEntry[] {
  refuseEmpty(bytes);
  const r = new ProtoReader(bytes);
  const out: StringEntry[] = [];
  try {
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field === 14 && wire === WIRE_LEN) out.push(decodeStringEntry(r.message()));
      else r.skip(wire);
    }
  } catch (cause) {
    if (cause instanceof OnnxFormatError)
      throw new OnnxFormatError(`not a valid ONNX model: ${cause.message}`);
    throw cause;
  }
  return out;
}

export function emptyGraph(): GraphProto {
  return { node: [], initializer: [], input: [], output: [], valueInfo: [] };
}

// ---- encoding ----

function writeExtra(w: ProtoWriter, m: Extra): void {
  if (m.extra) for (const raw of m.extra) w.raw(raw);
}

function encodeTensor(t: TensorProto): Uint8Array {
  const w = new ProtoWriter();
  w.packedVarints(1, t.dims);
  w.uint(2, t.dataType);
  if (t.floatData) w.packedFloats(4, t.floatData);
  if (t.int32Data) w.packedVarints(5, t.int32Data);
  if (t.stringData) for (const s of t.stringData) w.bytes(6, s);
  if (t.int64Data) w.packedVarints(7, t.int64Data);
  if (t.name !== undefined) w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
  if (t.doubleData) w.packedDoubles(10, t.doubleData);
  if (t.uint64Data) w.packedVarints(11, t.uint64Data);
  if (t.docString !== undefined) w.string(12, t.docString);
  writeExtra(w, t);
  return w.finish();
}

function encodeAttribute(a: AttributeProto): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.uint(3, a.i);
  if (a.s) w.bytes(4, a.s);
  if (a.t) w.bytes(5, encodeTensor(a.t));
  if (a.g) w.bytes(6, encodeGraph(a.g));
  // Repeated attribute scalars are not declared packed in onnx.proto (proto2), but every protobuf parser
  // reads either form (as dims above): packed, a tree ensemble's 10^6 node ids cost no tag each, in
  // bytes and in the time onnxruntime and external.ts take to read or skip them.
  if (a.floats) w.packedFloats(7, a.floats);
  if (a.ints) w.packedVarints(8, a.ints);
  if (a.strings) for (const s of a.strings) w.bytes(9, s);
  if (a.tensors) for (const t of a.tensors) w.bytes(10, encodeTensor(t));
  if (a.graphs) for (const g of a.graphs) w.bytes(11, encodeGraph(g));
  if (a.docString !== undefined) w.string(13, a.docString);
  w.uint(20, a.type);
  writeExtra(w, a);
  return w.finish();
}

function encodeNode(n: NodeProto): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.input) w.string(1, i);
  for (const o of n.output) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute) w.bytes(5, encodeAttribute(a));
  if (n.docString !== undefined) w.string(6, n.docString);
  if (n.domain !== undefined) w.string(7, n.domain);
  writeExtra(w, n);
  return w.finish();
}

function encodeType(t: TypeProto): Uint8Array {
  const w = new ProtoWriter();
  if (t.tensorType) {
    const tw = new ProtoWriter();
    tw.uint(1, t.tensorType.elemType);
    if (t.tensorType.shape) {
      const sw = new ProtoWriter();
      for (const d of t.tensorType.shape) {
        const dw = new ProtoWriter();
        if (d.dimValue !== undefined) dw.uint(1, d.dimValue);
        if (d.dimParam !== undefined) dw.string(2, d.dimParam);
        writeExtra(dw, d);
        sw.bytes(1, dw.finish());
      }
      tw.bytes(2, sw.finish());
    }
    writeExtra(tw, t.tensorType);
    w.bytes(1, tw.finish());
  }
  if (t.sequenceType) {
    const sw = new ProtoWriter();
    if (t.sequenceType.elemType) sw.bytes(1, encodeType(t.sequenceType.elemType));
    writeExtra(sw, t.sequenceType);
    w.bytes(4, sw.finish());
  }
  if (t.mapType) {
    const mw = new ProtoWriter();
    mw.uint(1, t.mapType.keyType);
    if (t.mapType.valueType) mw.bytes(2, encodeType(t.mapType.valueType));
    writeExtra(mw, t.mapType);
    w.bytes(5, mw.finish());
  }
  if (t.denotation !== undefined) w.string(6, t.denotation);
  writeExtra(w, t);
  return w.finish();
}

function encodeValueInfo(v: ValueInfoProto): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, v.name);
  if (v.type) w.bytes(2, encodeType(v.type));
  if (v.docString !== undefined) w.string(3, v.docString);
  writeExtra(w, v);
  return w.finish();
}

function encodeGraph(g: GraphProto): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.node) w.bytes(1, encodeNode(n));
  if (g.name !== undefined) w.string(2, g.name);
  for (const t of g.initializer) w.bytes(5, encodeTensor(t));
  if (g.docString !== undefined) w.string(10, g.docString);
  for (const v of g.input) w.bytes(11, encodeValueInfo(v));
  for (const v of g.output) w.bytes(12, encodeValueInfo(v));
  for (const v of g.valueInfo) w.bytes(13, encodeValueInfo(v));
  writeExtra(w, g);
  return w.finish();
}

function encodeStringEntry(e: StringEntry): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, e.key);
  w.string(2, e.value);
  writeExtra(w, e);
  return w.finish();
}

export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.uint(1, m.irVersion);
  if (m.producerName !== undefined) w.string(2, m.producerName);
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  if (m.domain !== undefined) w.string(4, m.domain);
  if (m.modelVersion !== undefined) w.uint(5, m.modelVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  w.bytes(7, encodeGraph(m.graph));
  for (const o of m.opsetImport) {
    const ow = new ProtoWriter();
    ow.string(1, o.domain);
    ow.uint(2, o.version);
    writeExtra(ow, o);
    w.bytes(8, ow.finish());
  }
  for (const e of m.metadataProps) w.bytes(14, encodeStringEntry(e));
  writeExtra(w, m);
  return w.finish();
}
