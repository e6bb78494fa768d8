// The compiled evaluator's refusals: a graph it does not implement exactly, or one that is hostile (a
// tree whose nodes loop, an integer beyond 2^53, an attribute it would ignore), is Unsupported at
// compile time and never runs; a run whose shapes do not fit is a CompiledRunError, not a wrong answer.
import { describe, expect, it } from 'vitest';
import { attr, buildModel, GraphBuilder, ML_DOMAIN, tensor } from '../../src/onnx/builder.js';
import { DataType, type ModelProto } from '../../src/onnx/proto.js';
import { CompiledSession } from '../../src/runtime/compiled/compile.js';
import { CompiledRunError, Unsupported } from '../../src/runtime/compiled/unsupported.js';

function model(
  build: (b: GraphBuilder, x: string) => string,
  inputType: number = DataType.FLOAT,
): ModelProto {
  const b = new GraphBuilder('t');
  const x = b.input('x', inputType, ['N', 2]);
  const y = build(b, x);
  b.output(y, DataType.FLOAT, ['N', 1]);
  return buildModel(b, { producerVersion: 't', metadata: [] });
}

const feed = (rows: number[][]) => ({
  x: { type: 'float32', dims: [rows.length, 2], data: Float32Array.from(rows.flat()) },
});

/** A TreeEnsemble (ai.onnx.ml 5) over two features: node 0 splits feature 0 at 1, its sides given. */
function ensemble(yes: [number, number], no: [number, number], extra: ReturnType<typeof attr.int>[] = []) {
  return (b: GraphBuilder, x: string) => {
    b.requireOpset(ML_DOMAIN, 5);
    return b.op(
      'TreeEnsemble',
      [x],
      [
        attr.int('aggregate_function', 1),
        attr.int('n_targets', 1),
        attr.int('post_transform', 0),
        attr.ints('tree_roots', [0]),
        attr.tensor('nodes_modes', tensor.uint8('', [2], [0, 0])),
        attr.ints('nodes_featureids', [0, 1]),
        attr.tensor('nodes_splits', tensor.float('', [2], [1, 2])),
        attr.ints('nodes_truenodeids', [yes[0], 0]),
        attr.ints('nodes_trueleafs', [yes[1], 1]),
        attr.ints('nodes_falsenodeids', [no[0], 1]),
        attr.ints('nodes_falseleafs', [no[1], 1]),
        attr.ints('leaf_targetids', [0, 0]),
        attr.tensor('leaf_weights', tensor.float('', [2], [10, 20])),
        ...extra,
      ],
      ML_DOMAIN,
    );
  };
}

describe('the compiled evaluator', () => {
  it('answers a small tree ensemble, <= going to the true side and NaN to the false side', () => {
    const s = CompiledSession.compile(model(ensemble([0, 1], [1, 0])));
    const out = s.run(
      feed([
        [1, 0],
        [0.5, 5],
        [3, 1],
        [3, 3],
        [Number.NaN, 5],
      ]),
    );
    expect(Array.from(out[s.outputMetadata[0]?.name as string]?.data as Float32Array)).toEqual([
      10, 10, 10, 20, 20,
    ]);
  });

  it('refuses a tree whose nodes loop, instead of running forever', () => {
    // Node 0's false side is node 1, whose true side is node 0 again.
    const looped = model((b, x) => {
      b.requireOpset(ML_DOMAIN, 5);
      return b.op(
        'TreeEnsemble',
        [x],
        [
          attr.int('n_targets', 1),
          attr.ints('tree_roots', [0]),
          attr.tensor('nodes_modes', tensor.uint8('', [2], [0, 0])),
          attr.ints('nodes_featureids', [0, 1]),
          attr.tensor('nodes_splits', tensor.float('', [2], [1, 2])),
          attr.ints('nodes_truenodeids', [0, 0]),
          attr.ints('nodes_trueleafs', [1, 0]),
          attr.ints('nodes_falsenodeids', [1, 1]),
          attr.ints('nodes_falseleafs', [0, 1]),
          attr.ints('leaf_targetids', [0, 0]),
          attr.tensor('leaf_weights', tensor.float('', [2], [10, 20])),
        ],
        ML_DOMAIN,
      );
    });
    expect(() => CompiledSession.compile(looped)).toThrow(/loop/);
  });

  it('refuses a leaf or node index out of range', () => {
    expect(() => CompiledSession.compile(model(ensemble([7, 1], [1, 0])))).toThrow(Unsupported);
    expect(() => CompiledSession.compile(model(ensemble([0, 1], [9, 0])))).toThrow(Unsupported);
  });

  it('refuses an attribute it does not implement rather than ignore it', () => {
    expect(() =>
      CompiledSession.compile(model(ensemble([0, 1], [1, 0], [attr.int('some_future_option', 1)]))),
    ).toThrow(/some_future_option is not implemented/);
  });

  it('refuses an operator it does not implement, naming it', () => {
    expect(() => CompiledSession.compile(model((b, x) => b.op('Erf', [x])))).toThrow(
      /Erf .*is not implemented/,
    );
  });

  it('refuses an int64 constant beyond 2^53', () => {
    const big = model((b, x) => {
      const shape = b.constant({ name: 'shape', dims: [1], dataType: DataType.INT64, int64Data: [2 ** 60] });
      return b.op('Reshape', [x, shape]);
    });
    expect(() => CompiledSession.compile(big)).toThrow(/beyond 2\^53/);
  });

  it('refuses a long dot product, whose last digits depend on the summation order', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', DataType.FLOAT, ['N', 100]);
    const wide = b.constant(tensor.float('wide', [100, 1], new Array(100).fill(1)));
    b.output(b.op('MatMul', [x, wide]), DataType.FLOAT, ['N', 1]);
    const long = buildModel(b, { producerVersion: 't', metadata: [] });
    expect(() => CompiledSession.compile(long)).toThrow(/a dot product of 100 terms/);
  });

  it('fails a run whose feeds do not fit, with a CompiledRunError', () => {
    const s = CompiledSession.compile(model(ensemble([0, 1], [1, 0])));
    expect(() => s.run({ x: { type: 'float32', dims: [1, 1], data: new Float32Array([1]) } })).toThrow(
      CompiledRunError,
    );
    expect(() => s.run({ x: { type: 'float64', dims: [1, 2], data: new Float64Array(2) } })).toThrow(
      CompiledRunError,
    );
    expect(() => s.run({})).toThrow(CompiledRunError);
  });
});
