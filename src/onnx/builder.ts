// Building ONNX graphs: typed helpers for attributes, tensors and value infos, and a small graph builder
// that names intermediate values and collects the opsets a graph uses.
import {
  type AttributeProto,
  AttributeType,
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type StringEntry,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
import { utf8 } from './wire.js';

export const ML_DOMAIN = 'ai.onnx.ml';
/** Opsets modelgate's own graphs are written against (onnxruntime 1.17+ runs them). */
export const OPSET_ONNX = 17;
export const OPSET_ML = 3;
export const IR_VERSION = 8;

/**
 * The numbers as an array: a plain loop, where Array.from walks a typed array through its iterator
 * (a 500-tree forest's node attributes are millions of numbers: 120 of its 1,170 ms of import).
 */
function numbers(values: ArrayLike<number>): number[] {
  if (Array.isArray(values)) return values.slice();
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
  return out;
}

export const attr = {
  float: (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f }),
  int: (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AttributeType.STRING, s: utf8(s) }),
  floats: (name: string, floats: ArrayLike<number>): AttributeProto => ({
    name,
    type: AttributeType.FLOATS,
    floats: numbers(floats),
  }),
  ints: (name: string, ints: ArrayLike<number>): AttributeProto => ({
    name,
    type: AttributeType.INTS,
    ints: numbers(ints),
  }),
  strings: (name: string, strings: readonly string[]): AttributeProto => {
    // Encoded once per distinct string: a tree ensemble's nodes_modes is 10^5 of a few words.
    const encoded = new Map<string, Uint8Array>();
    const once = (s: string) => {
      const known = encoded.get(s);
      if (known) return known;
      const bytes = utf8(s);
      encoded.set(s, bytes);
      return bytes;
    };
    return { name, type: AttributeType.STRINGS, strings: strings.map(once) };
  },
  tensor: (name: string, t: TensorProto): AttributeProto => ({ name, type: AttributeType.TENSOR, t }),
};

export const tensor = {
  float: (name: string, dims: number[], values: ArrayLike<number>): TensorProto => ({
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  }),
  double: (name: string, dims: number[], values: ArrayLike<number>): TensorProto => ({
    name,
    dims,
    dataType: DataType.DOUBLE,
    rawData: new Uint8Array(Float64Array.from(values).buffer),
  }),
  uint8: (name: string, dims: number[], values: ArrayLike<number>): TensorProto => ({
    name,
    dims,
    dataType: DataType.UINT8,
    rawData: Uint8Array.from(values),
  }),
  int64: (name: string, dims: number[], values: ArrayLike<number>): TensorProto => ({
    name,
    dims,
    dataType: DataType.INT64,
    rawData: new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer),
  }),
  string: (name: string, dims: number[], values: readonly string[]): TensorProto => ({
    name,
    dims,
    dataType: DataType.STRING,
    stringData: values.map(utf8),
  }),
};

/** A dimension: a number is fixed, a string is symbolic (the batch size, usually). */
export type Dim = number | string;

export function valueInfo(name: string, elemType: number, shape: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly domains = new Map<string, number>([['', OPSET_ONNX]]);
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, elemType: number, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  output(name: string, elemType: number, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** Imports at least this version of a domain (an operator newer than the default opset needs it). */
  requireOpset(domain: string, version: number): void {
    this.domains.set(domain, Math.max(version, this.domains.get(domain) ?? 0));
  }

  constant(t: TensorProto): string {
    const name = t.name ?? this.fresh('const');
    this.initializers.push({ ...t, name });
    return name;
  }

  /** Adds a node; returns its output names (fresh ones unless given). */
  node(
    opType: string,
    inputs: string[],
    attributes: AttributeProto[] = [],
    options: { domain?: string; outputs?: string[] | number } = {},
  ): string[] {
    const domain = options.domain ?? '';
    if (!this.domains.has(domain)) this.domains.set(domain, domain === ML_DOMAIN ? OPSET_ML : 1);
    const outs =
      typeof options.outputs === 'number' || options.outputs === undefined
        ? Array.from({ length: options.outputs ?? 1 }, () => this.fresh(opType))
        : options.outputs;
    this.nodes.push({
      input: inputs,
      output: outs,
      name: this.fresh(`${opType}_node`),
      opType,
      ...(domain ? { domain } : {}),
      attribute: attributes,
    });
    return outs;
  }

  /** A single-output node. */
  op(
    opType: string,
    inputs: string[],
    attributes: AttributeProto[] = [],
    domain?: string,
    output?: string,
  ): string {
    return this.node(opType, inputs, attributes, { domain, outputs: output ? [output] : 1 })[0];
  }

  build(): { graph: GraphProto; opsets: { domain: string; version: number }[] } {
    return {
      graph: {
        node: this.nodes,
        name: this.name,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
        valueInfo: [],
      },
      opsets: [...this.domains].map(([domain, version]) => ({ domain, version })),
    };
  }

  /** A name no other value in the graph has. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}

export function buildModel(
  builder: GraphBuilder,
  meta: { producerVersion: string; metadata: StringEntry[]; docString?: string },
): ModelProto {
  const { graph, opsets } = builder.build();
  return {
    irVersion: IR_VERSION,
    opsetImport: opsets,
    producerName: 'modelgate',
    producerVersion: meta.producerVersion,
    ...(meta.docString ? { docString: meta.docString } : {}),
    graph,
    metadataProps: meta.metadata,
  };
}
