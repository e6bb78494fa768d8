// Tensors kept outside the ONNX file are refused before onnxruntime sees the model: it would look for
// the named file beside the server's working directory, and its refusals quote resolved paths.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attr, tensor } from '../../src/onnx/builder.js';
import { externalTensor } from '../../src/onnx/external.js';
import { decodeModel, encodeModel, type TensorProto } from '../../src/onnx/proto.js';
import { ProtoWriter } from '../../src/onnx/wire.js';
import { ModelLoadError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel } from '../helpers/graphs.js';

/** The tensor marked as stored in `location` (data_location EXTERNAL, external_data location=...). */
function external(t: TensorProto, location: string): TensorProto {
  const entry = new ProtoWriter();
  entry.string(1, 'location');
  entry.string(2, location);
  const data = new ProtoWriter();
  data.bytes(13, entry.finish());
  data.uint(14, 1);
  const { rawData: _, ...rest } = t;
  return { ...rest, extra: [...(t.extra ?? []), data.finish()] };
}

/** A values model whose first initializer (or a Constant node's tensor) is external. */
function withExternal(
  where: 'initializer' | 'constant-node' | 'subgraph',
  location = 'weights.bin',
): Uint8Array {
  const model = decodeModel(kindModel('values'));
  const graph = model.graph;
  if (where === 'initializer') {
    const [first, ...others] = graph.initializer;
    return encodeModel({
      ...model,
      graph: { ...graph, initializer: [external(first as TensorProto, location), ...others] },
    });
  }
  const constant = {
    input: [],
    output: ['unused'],
    opType: 'Constant',
    attribute: [attr.tensor('value', external(tensor.float('c', [1], [1]), location))],
  };
  if (where === 'constant-node')
    return encodeModel({ ...model, graph: { ...graph, node: [...graph.node, constant] } });
  const branch = { node: [constant], name: 'b', initializer: [], input: [], output: [], valueInfo: [] };
  const ifNode = {
    input: ['cond'],
    output: ['x'],
    opType: 'If',
    attribute: [
      { name: 'then_branch', type: 5, g: branch },
      { name: 'else_branch', type: 5, g: branch },
    ],
  };
  return encodeModel({ ...model, graph: { ...graph, node: [...graph.node, ifNode] } });
}

describe('tensors stored in another file', () => {
  it('are found in initializers, Constant nodes and subgraphs; none in a self-contained model', () => {
    expect(externalTensor(kindModel('values'))).toBeUndefined();
    expect(externalTensor(withExternal('initializer'))).toEqual({ name: 'flat', location: 'weights.bin' });
    expect(externalTensor(withExternal('constant-node'))).toEqual({ name: 'c', location: 'weights.bin' });
    expect(externalTensor(withExternal('subgraph', '../../etc/shadow'))).toEqual({
      name: 'c',
      location: '../../etc/shadow',
    });
  });

  it('refuse the model at load, with what to do, and without the server path onnxruntime would quote', async () => {
    // A symlink in the working directory, as an attacker-chosen name would find: onnxruntime's own
    // refusal named its target.
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-external-'));
    symlinkSync('/etc/hostname', join(dir, 'weights.bin'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const err = await Predictor.load(withExternal('initializer')).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(ModelLoadError);
      expect(err?.message).toBe(
        'the model keeps its tensor "flat" in another file ("weights.bin"); modelgate serves one self-contained ONNX file: save it with every tensor inside (in Python, onnx.save_model(model, path, save_as_external_data=False))',
      );
      expect(err?.message).not.toContain('/etc/hostname');
    } finally {
      process.chdir(cwd);
    }
  });
});
