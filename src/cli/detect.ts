// What a model file is, from its first bytes (never its name): what `modelgate import` reads and how.
import { compressionOf } from '../sklearn/joblib.js';

export type ModelFormat =
  | 'pickle'
  | 'joblib'
  | 'lightgbm-text'
  | 'lightgbm-json'
  | 'xgboost-json'
  | 'xgboost-ubjson'
  | 'onnx'
  | 'unknown';

/** How a format is named in messages. */
export const FORMAT_NAMES: Record<ModelFormat, string> = {
  pickle: 'a pickle',
  joblib: 'a joblib file',
  'lightgbm-text': 'a LightGBM text model',
  'lightgbm-json': 'a LightGBM JSON dump',
  'xgboost-json': 'an XGBoost JSON model',
  'xgboost-ubjson': 'an XGBoost UBJSON model',
  onnx: 'an ONNX model',
  unknown: 'a file of unknown format',
};

/** The head of a text read for detection: enough for every key looked for. */
const HEAD = 64 * 1024;

/** The pickle opcodes a protocol 0 or 1 pickle starts with (scikit-learn's files use 2 and later). */
const OLD_PICKLE_START = '(c]}ldNIFSVXKJMGUT)';

/** ModelProto's length-delimited fields (producer_name 2 ... graph 7, opset_import 8, metadata_props 14). */
const ONNX_FIELD_TAGS = new Set([0x12, 0x1a, 0x22, 0x2a, 0x32, 0x3a, 0x42, 0x72, 0xa2]);

function isOnnx(b: Uint8Array): boolean {
  // ir_version (field 1, varint) first, as every ONNX writer puts it; versions 1 to 63 fit one byte.
  return (
    b.length > 3 &&
    b[0] === 0x08 &&
    (b[1] as number) >= 1 &&
    (b[1] as number) < 64 &&
    ONNX_FIELD_TAGS.has(b[2] as number)
  );
}

/** UBJSON's object start followed by a length-typed key or an optimized container marker. */
function isUbjson(b: Uint8Array): boolean {
  return b[0] === 0x7b && b.length > 1 && 'iUIlL$#'.includes(String.fromCharCode(b[1] as number));
}

export function detectFormat(bytes: Uint8Array): ModelFormat {
  if (bytes.length === 0) return 'unknown';
  const compression = compressionOf(bytes);
  if (compression !== 'none') return 'joblib';
  if (bytes[0] === 0x80) return 'pickle';
  if (isUbjson(bytes)) {
    const latin = new TextDecoder('latin1').decode(bytes.subarray(0, HEAD));
    return latin.includes('learner') ? 'xgboost-ubjson' : 'unknown';
  }
  if (isOnnx(bytes)) return 'onnx';
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, HEAD));
  if (/^tree\r?\n/.test(head)) return 'lightgbm-text';
  if (/^\s*\{/.test(head)) {
    // A dump's tree_info comes after its feature_infos, which may be long: the whole text is searched.
    const text = bytes.length > HEAD ? new TextDecoder('utf-8').decode(bytes) : head;
    // An XGBoost model has a tree_info too (each tree's class), but no LightGBM tree_structure.
    if (/"learner"\s*:/.test(text) && !/"tree_structure"\s*:/.test(text)) return 'xgboost-json';
    if (/"tree_info"\s*:/.test(text)) return 'lightgbm-json';
    return 'unknown';
  }
  if (/^version=v\d/m.test(head)) return 'lightgbm-text';
  if (OLD_PICKLE_START.includes(String.fromCharCode(bytes[0] as number))) return 'pickle';
  return 'unknown';
}
