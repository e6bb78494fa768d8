// What a file given as a model is, when it is not an ONNX model. modelgate serves ONNX files only, and
// the files given to it by mistake are mostly the ones a user means to convert (a scikit-learn pickle
// or joblib file) or to train on (a CSV): naming them says what to run instead, where the ONNX
// parser's own complaint ("unsupported wire type 4") says nothing. Cheap: a model is looked at only as
// far as its top-level fields, which are few whatever its size.
import { ProtoReader, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from '../onnx/wire.js';

/** ModelProto's graph field. */
const GRAPH_FIELD = 7;

/**
 * Whether the bytes parse as a protobuf message whose top level holds a graph: what every ONNX model
 * is. Nothing below the top level is decoded; the runtime does that when it loads the model.
 */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  const r = new ProtoReader(bytes);
  let graph = false;
  try {
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field < 1) return false;
      if (wire !== WIRE_VARINT && wire !== WIRE_I64 && wire !== WIRE_LEN && wire !== WIRE_I32) return false;
      if (field === GRAPH_FIELD && wire === WIRE_LEN) graph = true;
      r.skip(wire);
    }
  } catch {
    return false;
  }
  return graph;
}

const startsWith = (b: Uint8Array, ...prefix: number[]) =>
  b.length >= prefix.length && prefix.every((v, i) => b[i] === v);

/** The compression a file's first bytes announce (the ones joblib writes), if any. */
function compression(b: Uint8Array): string | undefined {
  if (startsWith(b, 0x1f, 0x8b)) return 'gzip';
  if (b.length > 1 && b[0] === 0x78 && ((b[0] << 8) | b[1]) % 31 === 0) return 'zlib';
  if (startsWith(b, 0x42, 0x5a, 0x68)) return 'bz2';
  if (startsWith(b, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (startsWith(b, 0x5d, 0x00, 0x00)) return 'lzma';
  if (startsWith(b, 0x04, 0x22, 0x4d, 0x18)) return 'lz4';
  return undefined;
}

/** Delimiters outside double quotes in one CSV line. */
function delimiters(line: string, delimiter: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) n++;
  }
  return n;
}

/**
 * Whether the start of the file reads as CSV: text without control characters, a header and at least
 * one row, each of the first lines with the same number of delimiters (at least one).
 */
function looksLikeCsv(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 64 * 1024);
  for (const b of head) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  const text = new TextDecoder('utf-8').decode(head);
  // Not UTF-8, unless only the last character was cut off by the end of `head`.
  const bad = text.indexOf('\ufffd');
  if (bad >= 0 && bad < text.length - 1) return false;
  const lines = text
    .split(/\r?\n/)
    .slice(0, head.length < bytes.length ? -1 : undefined) // the last line may be cut
    .filter((l) => l.trim() !== '')
    .slice(0, 20);
  if (lines.length < 2) return false;
  return [',', ';', '\t'].some((d) => {
    const n = delimiters(lines[0], d);
    return n > 0 && lines.every((l) => delimiters(l, d) === n);
  });
}

/**
 * Why these bytes are not an ONNX model, with what to do instead (`uri` is named in the commands it
 * suggests), or undefined when they look like one.
 */
export function notAnOnnxModel(bytes: Uint8Array, uri: string): string | undefined {
  if (bytes.length === 0) return 'the file is empty (0 bytes)';
  if (looksLikeOnnx(bytes)) return undefined;
  const importFirst = `convert it to ONNX first: modelgate import ${uri} --out model.onnx, then use model.onnx`;
  // Pickle protocols 2 to 5 open with PROTO (0x80) and their number; joblib writes them too.
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5)
    return `it is a Python pickle (a scikit-learn model saved with pickle or joblib?), not an ONNX model; ${importFirst}`;
  const compressed = compression(bytes);
  if (compressed)
    return `it is ${/^[aeiox]/.test(compressed) ? 'an' : 'a'} ${compressed}-compressed file (a joblib file?), not an ONNX model; ${importFirst}`;
  if (looksLikeCsv(bytes))
    return `it looks like CSV data, not an ONNX model; train a model on it first: modelgate train ${uri} --target <column>`;
  const start = new TextDecoder('latin1').decode(bytes.subarray(0, 16));
  return `it is not an ONNX model (it starts with ${JSON.stringify(start)}); modelgate serves ONNX files: write one with modelgate train, modelgate import (scikit-learn) or modelgate pack (ONNX from another tool)`;
}
