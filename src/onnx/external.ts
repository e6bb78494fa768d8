// Tensors an ONNX file keeps outside itself (data_location EXTERNAL). modelgate serves one
// self-contained file: onnxruntime, given such a model from bytes, would look for the named file
// relative to the server's working directory (reading whatever is there), and its refusals quote
// resolved paths and symlink targets. The scan skips over everything but the messages that can hold a
// tensor, so it costs a fraction of a millisecond even on large models.
import { OnnxFormatError } from './errors.js';
import { ProtoReader, utf8Decode, WIRE_LEN, WIRE_VARINT } from './wire.js';

/** A tensor stored outside the file: its name and the location it gives. */
export interface ExternalTensor {
  name: string;
  location: string;
}

const EXTERNAL = 1;

/** Fields that hold messages which may, further in, hold a tensor: by message kind. */
const TENSOR_PATHS: Record<string, Record<number, string>> = {
  model: { 7: 'graph', 25: 'function' },
  // node, initializer, sparse_initializer
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  // FunctionProto.node
  function: { 7: 'node' },
  node: { 5: 'attribute' },
  // t, g, tensors, graphs, sparse_tensor, sparse_tensors
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  // SparseTensorProto values, indices
  sparse: { 1: 'tensor', 2: 'tensor' },
};

function tensorIsExternal(r: ProtoReader): ExternalTensor | undefined {
  let name = '';
  let location = '';
  let external = false;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 8 && wire === WIRE_LEN) name = r.string();
    else if (field === 14 && wire === WIRE_VARINT) external = r.varint() === EXTERNAL;
    else if (field === 13 && wire === WIRE_LEN) {
      const entry = r.message();
      let key = '';
      let value = '';
      while (!entry.done()) {
        const t = entry.tag();
        if (t.field === 1 && t.wire === WIRE_LEN) key = entry.string();
        else if (t.field === 2 && t.wire === WIRE_LEN) value = utf8Decode(entry.bytes());
        else entry.skip(t.wire);
      }
      if (key === 'location') location = value;
    } else r.skip(wire);
  }
  return external ? { name, location } : undefined;
}

function scan(r: ProtoReader, kind: string): ExternalTensor | undefined {
  if (kind === 'tensor') return tensorIsExternal(r);
  const paths = TENSOR_PATHS[kind] ?? {};
  while (!r.done()) {
    const { field, wire } = r.tag();
    const inner = wire === WIRE_LEN ? paths[field] : undefined;
    if (inner === undefined) {
      r.skip(wire);
      continue;
    }
    const found = scan(r.message(), inner);
    if (found) return found;
  }
  return undefined;
}

/** The first tensor the model keeps in another file, or undefined when it is self-contained. */
export function externalTensor(bytes: Uint8Array): ExternalTensor | undefined {
  try {
    return scan(new ProtoReader(bytes), 'model');
  } catch (cause) {
    if (cause instanceof OnnxFormatError)
      throw new OnnxFormatError(`not a valid ONNX model: ${cause.message}`);
    throw cause;
  }
}
