import { describe, expect, it } from 'vitest';
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { OnnxFormatError } from '../../src/onnx/errors.js';
import { DataType, decodeMetadataProps, decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { MAX_NESTING, ProtoWriter } from '../../src/onnx/wire.js';
import { nestedIfModel } from './hostile.js';

function smallModel() {
  const b = new GraphBuilder('g');
  b.input('x', DataType.FLOAT, ['N', 2]);
  const y = b.op(
    'Imputer',
    ['x'],
    [attr.floats('imputed_value_floats', [1.5, -2]), attr.float('replaced_value_float', Number.NaN)],
    ML_DOMAIN,
  );
  b.op('Mul', [y, b.constant(tensor.float('two', [1], [2]))], [], undefined, 'out');
  b.output('out', DataType.FLOAT, ['N', 2]);
  return buildModel(b, { producerVersion: 't', metadata: [{ key: 'k', value: 'välue' }] });
}

describe('ONNX model encoding', () => {
  it('round-trips a model: graph, attributes, initializers, opsets, metadata', () => {
    const m = smallModel();
    const back = decodeModel(encodeModel(m));
    expect(back.irVersion).toBe(m.irVersion);
    expect(back.opsetImport).toEqual([
      { domain: '', version: 17 },
      { domain: ML_DOMAIN, version: 3 },
    ]);
    expect(back.metadataProps).toEqual([{ key: 'k', value: 'välue' }]);
    expect(back.graph.node.map((n) => n.opType)).toEqual(['Imputer', 'Mul']);
    expect(back.graph.node[0].domain).toBe(ML_DOMAIN);
    const imputed = back.graph.node[0].attribute.find((a) => a.name === 'imputed_value_floats');
    expect(imputed?.floats).toEqual([1.5, -2]);
    expect(Number.isNaN(back.graph.node[0].attribute.find((a) => a.name === 'replaced_value_float')?.f)).toBe(
      true,
    );
    expect(back.graph.input[0].type?.tensorType?.shape).toEqual([{ dimParam: 'N' }, { dimValue: 2 }]);
    const two = back.graph.initializer[0];
    expect(new Float32Array(two.rawData!.slice().buffer)[0]).toBe(2);
    // Encoding what was decoded gives the same bytes.
    expect(encodeModel(back)).toEqual(encodeModel(m));
  });

  it('keeps fields it does not model, byte for byte', () => {
    const bytes = encodeModel(smallModel());
    const extra = new ProtoWriter();
    extra.raw(bytes);
    extra.string(20, 'training info it does not know'); // ModelProto.training_info would be a message; any field works
    extra.uint(99, 12345);
    const withExtra = extra.finish();
    const back = decodeModel(withExtra);
    expect(back.extra?.length).toBe(2);
    expect(encodeModel(back).length).toBe(withExtra.length);
  });

  it('reads metadata without decoding the graph', () => {
    expect(decodeMetadataProps(encodeModel(smallModel()))).toEqual([{ key: 'k', value: 'välue' }]);
  });

  it.each([
    ['text', new TextEncoder().encode('this is not a model at all')],
    ['random bytes', Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) % 251)],
    ['a truncated model', encodeModel(smallModel()).subarray(0, 40)],
  ])('rejects %s with OnnxFormatError', (_, bytes) => {
    expect(() => decodeModel(bytes)).toThrow(OnnxFormatError);
    expect(() => decodeModel(bytes)).toThrow(/not a valid ONNX model/);
  });

  it('says an empty file is empty, whether it decodes the model or only its metadata', () => {
    for (const decode of [decodeModel, decodeMetadataProps]) {
      expect(() => decode(new Uint8Array(0))).toThrow(OnnxFormatError);
      expect(() => decode(new Uint8Array(0))).toThrow('the file is empty (0 bytes)');
    }
  });

  it('reads subgraphs nested as deep as onnxruntime reads them, and refuses one level more', () => {
    // 33 nested If graphs put the innermost graph 100 messages deep: protobuf's limit, and onnxruntime's.
    expect(decodeModel(nestedIfModel(33)).graph.node[0].opType).toBe('If');
    expect(() => decodeModel(nestedIfModel(34))).toThrow(OnnxFormatError);
    expect(() => decodeModel(nestedIfModel(34))).toThrow(`nested more than ${MAX_NESTING} deep`);
  });

  it('refuses 20,000 nested If graphs with a message, not a stack overflow', () => {
    const bytes = nestedIfModel(20_000);
    const started = performance.now();
    expect(() => decodeModel(bytes)).toThrow(
      /not a valid ONNX model: messages are nested more than 100 deep/,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('writes repeated attribute numbers packed, one tag for the list, and reads both forms', () => {
    // A tree ensemble's node ids: 10^5 and more, a tag each if written unpacked.
    const ids = Array.from({ length: 1000 }, (_, i) => (i % 7) - 3);
    const b = new GraphBuilder('g');
    b.input('x', DataType.FLOAT, ['N', 1]);
    b.op('Identity', ['x'], [attr.ints('ids', ids), attr.floats('w', [0.5, -1.25])], undefined, 'out');
    b.output('out', DataType.FLOAT, ['N', 1]);
    const bytes = encodeModel(buildModel(b, { producerVersion: 't', metadata: [] }));
    const back = decodeModel(bytes).graph.node[0]?.attribute ?? [];
    expect(back.find((a) => a.name === 'ids')?.ints).toEqual(ids);
    expect(back.find((a) => a.name === 'w')?.floats).toEqual([0.5, -1.25]);
    // Packed: a byte or ten per value (negatives take ten as int64), no tag byte before each.
    const negatives = ids.filter((v) => v < 0).length;
    expect(bytes.length).toBeLessThan(negatives * 10 + (ids.length - negatives) + 400);
    // Unpacked, as onnx.proto's proto2 declares it, still reads the same.
    const w = new ProtoWriter();
    w.string(1, 'ids');
    for (const v of [3, -1, 0]) w.uint(8, v);
    w.uint(20, 7);
    const node = new ProtoWriter();
    node.bytes(5, w.finish());
    node.string(4, 'Identity');
    const graph = new ProtoWriter();
    graph.bytes(1, node.finish());
    const model = new ProtoWriter();
    model.uint(1, 8);
    model.bytes(7, graph.finish());
    const opset = new ProtoWriter();
    opset.uint(2, 17);
    model.bytes(8, opset.finish());
    expect(decodeModel(model.finish()).graph.node[0]?.attribute[0]?.ints).toEqual([3, -1, 0]);
  });
});
