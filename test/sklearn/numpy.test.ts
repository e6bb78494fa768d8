// The numeric readers the tree converters read 10^5-node forests with: int64 read as two 32-bit halves
// must give what Number(BigInt) gives, and a structured array's field the bytes of that field only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asFloat64, dtypeFromDescr, elementsOf, field, fieldAsFloat64 } from '../../src/sklearn/numpy.js';
import { NdArray } from '../../src/sklearn/values.js';

function int64s(values: readonly bigint[], unsigned: boolean): NdArray {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    if (unsigned) view.setBigUint64(i * 8, v, true);
    else view.setBigInt64(i * 8, v, true);
  });
  return new NdArray(dtypeFromDescr(unsigned ? '<u8' : '<i8'), [values.length], bytes);
}

describe('numpy arrays as numbers', () => {
  it('reads int64 and uint64 as Number(BigInt) does, negative and beyond 2^53 included', () => {
    const edges = [0n, -1n, -2n, 1n, 2n ** 31n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 53n + 1n, -(2n ** 63n)];
    expect(Array.from(asFloat64(int64s(edges, false)))).toEqual(edges.map(Number));
    const unsignedEdges = [0n, 2n ** 64n - 1n, 2n ** 53n + 3n, 2n ** 32n];
    expect(Array.from(asFloat64(int64s(unsignedEdges, true)))).toEqual(unsignedEdges.map(Number));
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), (xs) => {
        expect(Array.from(asFloat64(int64s(xs, false)))).toEqual(xs.map(Number));
      }),
    );
  });

  it('takes one field of a structured array, record by record', () => {
    // A tree node's layout, shortened: (left_child <i8, threshold <f8, missing_go_to_left u1).
    const record = { kind: 'V', itemsize: 17, littleEndian: true, str: '|V17' };
    const dtype = {
      ...record,
      fields: [
        { name: 'left_child', dtype: dtypeFromDescr('<i8'), offset: 0 },
        { name: 'threshold', dtype: dtypeFromDescr('<f8'), offset: 8 },
        { name: 'missing_go_to_left', dtype: dtypeFromDescr('|u1'), offset: 16 },
      ],
      nesting: 1,
    };
    const bytes = new Uint8Array(17 * 3);
    const view = new DataView(bytes.buffer);
    [
      [1n, 0.5, 1],
      [-1n, -2, 0],
      [-1n, 1e300, 1],
    ].forEach(([left, threshold, missing], i) => {
      view.setBigInt64(i * 17, left as bigint, true);
      view.setFloat64(i * 17 + 8, threshold as number, true);
      view.setUint8(i * 17 + 16, missing as number);
    });
    const nodes = new NdArray(dtype, [3], bytes);
    expect(Array.from(asFloat64(field(nodes, 'left_child') as NdArray))).toEqual([1, -1, -1]);
    expect(Array.from(asFloat64(field(nodes, 'threshold') as NdArray))).toEqual([0.5, -2, 1e300]);
    expect(elementsOf(field(nodes, 'missing_go_to_left') as NdArray)).toEqual([1, 0, 1]);
    expect(field(nodes, 'feature')).toBeUndefined();
    // Read in place, as the tree converters read them.
    expect(Array.from(fieldAsFloat64(nodes, 'left_child') ?? [])).toEqual([1, -1, -1]);
    expect(Array.from(fieldAsFloat64(nodes, 'threshold') ?? [])).toEqual([0.5, -2, 1e300]);
    expect(Array.from(fieldAsFloat64(nodes, 'missing_go_to_left') ?? [])).toEqual([1, 0, 1]);
    expect(fieldAsFloat64(nodes, 'feature')).toBeUndefined();
  });
});
