// What a kernel factory sees of its node at compile time: attributes (each one it does not read makes
// the node Unsupported, so an attribute that would change the arithmetic is never ignored), the opset,
// and the inputs that are constants.
import { type AttributeProto, AttributeType, type NodeProto } from '../../onnx/proto.js';
import { fromProto, type Tensor } from './tensor.js';
import { Unsupported } from './unsupported.js';

/** A node's computation: its inputs (undefined for an omitted optional one) to its outputs. */
export type Kernel = (inputs: readonly (Tensor | undefined)[]) => Tensor[];

const decoder = new TextDecoder('utf-8', { fatal: true });

export class NodeContext {
  readonly node: NodeProto;
  readonly opset: number;
  /** The node as messages name it: its operator and name. */
  readonly what: string;
  private readonly byName: Map<string, AttributeProto>;
  private readonly read = new Set<string>();
  private readonly constants: (Tensor | undefined)[];

  constructor(node: NodeProto, opset: number, constants: (Tensor | undefined)[]) {
    this.node = node;
    this.opset = opset;
    this.constants = constants;
    this.what = `${node.opType} node ${JSON.stringify(node.name ?? '')}`;
    this.byName = new Map(node.attribute.map((a) => [a.name, a]));
    for (const a of node.attribute)
      if (a.extra && a.extra.length > 0)
        throw new Unsupported(`${this.what}: attribute ${a.name} has fields the evaluator does not read`);
  }

  /** The constant value of input i, when it is an initializer or a Constant's output. */
  constant(i: number): Tensor | undefined {
    return this.constants[i];
  }

  /** Input i must be a constant (an axes or shape input this evaluator only takes as one). */
  needConstant(i: number, what: string): Tensor {
    const c = this.constants[i];
    if (!c) throw new Unsupported(`${this.what}: its ${what} is not a constant`);
    return c;
  }

  /** Whether input i is given (an omitted optional input is an empty name). */
  has(i: number): boolean {
    return (this.node.input[i] ?? '') !== '';
  }

  private take(name: string, type: number): AttributeProto | undefined {
    this.read.add(name);
    const a = this.byName.get(name);
    if (a && a.type !== type) throw new Unsupported(`${this.what}: attribute ${name} has type ${a.type}`);
    return a;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    return this.take(name, AttributeType.INT)?.i ?? fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    return this.take(name, AttributeType.FLOAT)?.f ?? fallback;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const s = this.take(name, AttributeType.STRING)?.s;
    return s === undefined ? fallback : decoder.decode(s);
  }

  ints(name: string): number[] | undefined {
    return this.take(name, AttributeType.INTS)?.ints;
  }

  floats(name: string): number[] | undefined {
    return this.take(name, AttributeType.FLOATS)?.floats;
  }

  strings(name: string): string[] | undefined {
    return this.take(name, AttributeType.STRINGS)?.strings?.map((s) => decoder.decode(s));
  }

  tensor(name: string): Tensor | undefined {
    const t = this.take(name, AttributeType.TENSOR)?.t;
    return t ? fromProto(t, `${this.what}'s attribute ${name}`) : undefined;
  }

  /** Every attribute of the node must have been read by its factory. */
  checkAllRead(): void {
    for (const name of this.byName.keys())
      if (!this.read.has(name)) throw new Unsupported(`${this.what}: attribute ${name} is not implemented`);
  }
}
