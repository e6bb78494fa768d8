// `modelgate import`'s format detection: from the bytes, never the name.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/cli/detect.js';

const fixture = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)));
const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);

describe('detectFormat', () => {
  const pickle = fixture('lightgbm/binary.pkl');

  it.each([
    ['a protocol 4 pickle', pickle, 'pickle'],
    ['a protocol 0 pickle', text("(dp0\nS'a'\np1\nI1\ns."), 'pickle'],
    ['a zlib joblib file', deflateSync(pickle), 'joblib'],
    ['a gzip joblib file', gzipSync(pickle), 'joblib'],
    ['an xz joblib file', bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4), 'joblib'],
    ['an lzma joblib file', bytes(0x5d, 0x00, 0x00, 0x80, 0x00), 'joblib'],
    ['an lz4 joblib file', bytes(0x04, 0x22, 0x4d, 0x18, 0x64, 0x40), 'joblib'],
    ['a committed joblib file', fixture('lightgbm/binary-strings.joblib'), 'joblib'],
    ['a LightGBM text model', fixture('lightgbm/binary.txt'), 'lightgbm-text'],
    ['a LightGBM text model with CRLF lines', text('tree\r\nversion=v4\r\n'), 'lightgbm-text'],
    ['a LightGBM JSON dump', fixture('lightgbm/multiclass.json'), 'lightgbm-json'],
    [
      'a LightGBM dump, pretty-printed',
      text('\n  {\n "name": "tree",\n "tree_info": []\n}'),
      'lightgbm-json',
    ],
    ['an XGBoost JSON model', text('{"learner": {"attributes": {}}, "version": [2, 1, 0]}'), 'xgboost-json'],
    [
      'an XGBoost UBJSON model',
      bytes(0x7b, 0x4c, 0, 0, 0, 0, 0, 0, 0, 7, ...text('learner'), 0x7b),
      'xgboost-ubjson',
    ],
    [
      'a committed XGBoost JSON model (it has a tree_info too)',
      fixture('xgboost/multiclass.json'),
      'xgboost-json',
    ],
    ['a committed XGBoost UBJSON model', fixture('xgboost/multiclass.ubj'), 'xgboost-ubjson'],
    ['a pickled XGBClassifier', fixture('xgboost/binary.pkl'), 'pickle'],
    ['a joblib XGBClassifier', fixture('xgboost/binary.joblib'), 'joblib'],
    ['an ONNX model', fixture('onnx/binary-logistic.onnx'), 'onnx'],
    ['nothing', bytes(), 'unknown'],
    ['a CSV', text('sepal_length,sepal_width\n5.1,3.5\n'), 'unknown'],
    ['JSON that is no model', text('{"a": 1}'), 'unknown'],
    ['UBJSON that is no model', bytes(0x7b, 0x69, 1, 0x61, 0x69, 1, 0x7d), 'unknown'],
    ['random bytes', Uint8Array.from({ length: 256 }, (_, i) => (i * 73 + 167) % 251), 'unknown'],
    ['a PNG', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), 'unknown'],
  ])('%s', (_, b, format) => {
    expect(detectFormat(b)).toBe(format);
  });

  it('reads a dump whose tree_info comes after a long header', () => {
    const dump = `{"feature_infos": "${'x'.repeat(100_000)}", "tree_info": []}`;
    expect(detectFormat(text(dump))).toBe('lightgbm-json');
  });
});
