// Rows against stored points P [n, d] (training rows, support vectors), shared by the kernel machines
// and the brute-force neighbour search: x.P^T [N, n], and on demand the squared Euclidean distances
// |x|^2 - 2 x.P^T + |P|^2, clipped at 0 against rounding, in the order scikit-learn computes them.
import { attr, type GraphBuilder, tensor } from '../onnx/builder.js';
import type { Matrix } from './state.js';

export function againstPoints(
  b: GraphBuilder,
  x: string,
  points: Matrix,
  name: string,
): { dot: string; squaredDistances(): string } {
  const [n, d] = points.shape as [number, number];
  const double = (label: string, dims: number[], values: ArrayLike<number>) =>
    b.constant(tensor.double(b.fresh(label), dims, values));
  const transposed = new Float64Array(d * n);
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < d; i++) {
      const v = points.values[j * d + i] as number;
      transposed[i * n + j] = v;
      norms[j] = (norms[j] as number) + v * v;
    }
  const dot = b.op('MatMul', [x, double(`${name}_t`, [d, n], transposed)]);
  return {
    dot,
    squaredDistances() {
      const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
      const xNorm = b.op('ReduceSum', [b.op('Mul', [x, x]), axes], [attr.int('keepdims', 1)]);
      const twice = b.op('Mul', [dot, double('two', [1], [2])]);
      const squared = b.op('Add', [b.op('Sub', [xNorm, twice]), double(`${name}_norms`, [1, n], norms)]);
      return b.op('Max', [squared, double('zero', [1], [0])]);
    },
  };
}
