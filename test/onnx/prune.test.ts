import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxFormatError } from '../../src/onnx/errors.js';
import { decodeModel, encodeModel, type GraphProto, type ModelProto } from '../../src/onnx/proto.js';
import { pruneOutputs } from '../../src/onnx/prune.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { IRIS_MODEL } from '../helpers/models.js';

const root = new URL('../..', import.meta.url).pathname;
const FILES = [
  ...readdirSync(join(root, 'test/fixtures/onnx'))
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => join(root, 'test/fixtures/onnx', f)),
  join(root, 'examples/iris/model.onnx'),
  join(root, 'examples/iris/logistic.onnx'),
];

/** The graph the pruning should give, worked out from the decoded model (the oracle). */
function expected(model: ModelProto, keep: ReadonlySet<string>): GraphProto {
  const g = model.graph;
  const needed = new Set<number>();
  const pending = g.output.filter((o) => keep.has(o.name)).map((o) => o.name);
  while (pending.length > 0) {
    const value = pending.pop() as string;
    const at = g.node.findIndex((n) => n.output.includes(value));
    if (at < 0 || needed.has(at)) continue;
    needed.add(at);
    pending.push(...(g.node[at]?.input ?? []).filter((i) => i !== ''));
  }
  const gone = new Set(g.node.filter((_, i) => !needed.has(i)).flatMap((n) => n.output));
  return {
    ...g,
    node: g.node.filter((_, i) => needed.has(i)),
    output: g.output.filter((o) => keep.has(o.name)),
    valueInfo: g.valueInfo.filter((v) => !gone.has(v.name)),
  };
}

function subsets<T>(items: readonly T[]): T[][] {
  const all: T[][] = [[]];
  for (const x of items) for (const s of all.slice()) all.push([...s, x]);
  return all;
}

describe('pruneOutputs', () => {
  for (const file of FILES) {
    it(`keeps exactly what the kept outputs need: ${file.slice(root.length)}`, () => {
      const bytes = new Uint8Array(readFileSync(file));
      const model = decodeModel(bytes);
      const names = model.graph.output.map((o) => o.name);
      for (const subset of subsets(names)) {
        const keep = new Set(subset);
        const pruned = pruneOutputs(bytes, keep);
        if (subset.length === 0 || subset.length === names.length) {
          expect(pruned).toBeUndefined();
          continue;
        }
        const want = expected(model, keep);
        if (!pruned) {
          // Nothing to take out but an output whose nodes the others need too.
          expect(want.node).toHaveLength(model.graph.node.length);
          continue;
        }
        const got = decodeModel(pruned.bytes);
        // Everything else of the model as it was, field for field.
        expect({ ...got, graph: undefined }).toEqual({ ...model, graph: undefined });
        expect(got.graph).toEqual(want);
        expect(pruned.removed.map((o) => o.name)).toEqual(names.filter((n) => !keep.has(n)));
      }
    });
  }

  it('leaves a graph with a subgraph alone: its nodes read outer values by name', () => {
    const model = decodeModel(new Uint8Array(readFileSync(IRIS_MODEL)));
    const branch: GraphProto = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
    const withIf: ModelProto = {
      ...model,
      graph: {
        ...model.graph,
        node: [
          ...model.graph.node,
          {
            input: ['cond'],
            output: ['unused'],
            opType: 'If',
            attribute: [
              { name: 'then_branch', type: 5, g: branch },
              { name: 'else_branch', type: 5, g: branch },
            ],
          },
        ],
      },
    };
    expect(pruneOutputs(encodeModel(withIf), new Set(['probabilities']))).toBeUndefined();
  });

  it('refuses bytes that are not a model with an OnnxFormatError', () => {
    for (const bad of [new Uint8Array([0xff, 0xff]), new Uint8Array([0x3a, 0x05, 0x01]), new Uint8Array(0)])
      expect(() => pruneOutputs(bad, new Set(['x']))).toThrow(OnnxFormatError);
  });

  it("serves the trained model without its label branch, and still checks the card's label output", async () => {
    const bytes = new Uint8Array(readFileSync(IRIS_MODEL));
    const predictor = await Predictor.load(bytes);
    const out = await predictor.predict([[5.9, 3, 5.1, 1.8]]);
    expect(out.kind === 'probabilities' && out.labels).toEqual(['virginica']);
    await predictor.release();
    // The label output, which no run fetches, is still held to the card: a label of the wrong type.
    const model = decodeModel(bytes);
    const label = model.graph.output.find((o) => o.name === 'label');
    if (label?.type?.tensorType) label.type.tensorType.elemType = 1;
    await expect(Predictor.load(encodeModel(model))).rejects.toThrow(/label/);
  });
});
