// The compiled evaluator: a model's graph, cut to the outputs a run fetches, turned into a list of
// JavaScript kernels over typed arrays. A graph compiles only when every node it runs is one the
// evaluator implements (operator, opset, attributes, element types); anything else is Unsupported
// and runs on onnxruntime. A CompiledSession answers `run` as onnxruntime-node's native session does:
// feeds by name to outputs by name, with onnxruntime's element arrays (int64 as BigInt64Array).
import { DataType, type GraphProto, type ModelProto, type ValueInfoProto } from '../../onnx/proto.js';
import { declaredValues, type GraphValue, TYPE_NAMES } from '../../onnx/signature.js';
import { ML_OPS } from './ml.js';
import { type Kernel, NodeContext } from './node.js';
import { type Factory, STANDARD_OPS } from './ops.js';
import { fromProto, SUPPORTED_TYPES, type Tensor } from './tensor.js';
import { CompiledRunError, Unsupported } from './unsupported.js';

/** The opset range each domain's operators are implemented for. */
const OPSETS: Record<string, [number, number]> = { '': [9, 21], 'ai.onnx.ml': [1, 5] };

const DOMAINS: Record<string, Record<string, Factory>> = { '': STANDARD_OPS, 'ai.onnx.ml': ML_OPS };

interface Step {
  kernel: Kernel;
  inputs: number[];
  outputs: number[];
  what: string;
}

/** A fed tensor as onnxruntime-node's Tensor has it. */
export interface FedTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** An output as onnxruntime-node gives it. */
export interface RunOutput {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | string[];
}

const FEED_TYPES: Record<string, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  string: DataType.STRING,
};

function valueType(v: ValueInfoProto, what: string): number {
  const t = v.type?.tensorType?.elemType;
  if (t === undefined || !SUPPORTED_TYPES.has(t))
    throw new Unsupported(`${what} ${JSON.stringify(v.name)} is not a tensor of a supported type`);
  return t;
}

export class CompiledSession {
  readonly inputMetadata: GraphValue[];
  readonly outputMetadata: GraphValue[];
  private readonly steps: Step[];
  private readonly slots: number;
  private readonly constants: [number, Tensor][];
  private readonly feeds: { name: string; slot: number; type: number }[];
  private readonly results: { name: string; slot: number; type: number }[];

  private constructor(
    steps: Step[],
    slots: number,
    constants: [number, Tensor][],
    feeds: CompiledSession['feeds'],
    results: CompiledSession['results'],
    inputs: GraphValue[],
    outputs: GraphValue[],
  ) {
    this.steps = steps;
    this.slots = slots;
    this.constants = constants;
    this.feeds = feeds;
    this.results = results;
    this.inputMetadata = inputs;
    this.outputMetadata = outputs;
  }

  /**
   * Compiles the graph for the outputs named in `fetch` (all of them when omitted). Throws Unsupported
   * naming the first thing the evaluator does not implement.
   */
  static compile(model: ModelProto, fetch?: readonly string[]): CompiledSession {
    const opsets = new Map<string, number>();
    for (const o of model.opsetImport) opsets.set(o.domain === 'ai.onnx' ? '' : o.domain, o.version);
    const graph: GraphProto = model.graph;
    const initializers = new Set(graph.initializer.map((t) => t.name ?? ''));
    const graphInputs = graph.input.filter((v) => !initializers.has(v.name));
    const wanted = fetch ?? graph.output.map((o) => o.name);
    const declared = declaredValues(graph);
    const outputs = wanted.map((name) => {
      const v = graph.output.find((o) => o.name === name);
      if (!v) throw new Unsupported(`the graph has no output ${JSON.stringify(name)}`);
      return v;
    });

    // The nodes the fetched outputs need, in graph order (ONNX requires topological order).
    const producer = new Map<string, number>();
    graph.node.forEach((n, i) => {
      for (const o of n.output) if (o !== '') producer.set(o, i);
    });
    const needed = new Set<number>();
    const pending = [...wanted];
    while (pending.length > 0) {
      const name = pending.pop() as string;
      const i = producer.get(name);
      if (i === undefined || needed.has(i)) continue;
      needed.add(i);
      for (const inp of graph.node[i]?.input ?? []) if (inp !== '') pending.push(inp);
    }

    const slotOf = new Map<string, number>();
    const slot = (name: string) => {
      let s = slotOf.get(name);
      if (s === undefined) {
        s = slotOf.size;
        slotOf.set(name, s);
      }
      return s;
    };
    const known = new Map<string, Tensor>();
    for (const t of graph.initializer)
      known.set(t.name ?? '', fromProto(t, `the initializer ${JSON.stringify(t.name)}`));
    const feeds = graphInputs.map((v) => ({
      name: v.name,
      slot: slot(v.name),
      type: valueType(v, 'the input'),
    }));
    for (const f of feeds) known.delete(f.name);

    const steps: Step[] = [];
    for (let i = 0; i < graph.node.length; i++) {
      if (!needed.has(i)) continue;
      const node = graph.node[i] as (typeof graph.node)[number];
      const domain = node.domain === 'ai.onnx' ? '' : (node.domain ?? '');
      const ops = DOMAINS[domain];
      const opset = opsets.get(domain);
      const range = OPSETS[domain];
      const what = `${node.opType} node ${JSON.stringify(node.name ?? '')}`;
      if (!ops || opset === undefined || !range)
        throw new Unsupported(`${what} of domain ${JSON.stringify(domain)}`);
      if (opset < range[0] || opset > range[1])
        throw new Unsupported(`${what}: opset ${opset} of ${JSON.stringify(domain)}`);
      if (node.extra && node.extra.length > 0)
        throw new Unsupported(`${what} has fields the evaluator does not read`);
      if (node.opType === 'Constant') {
        const ctx = new NodeContext(node, opset, []);
        const value = ctx.tensor('value');
        ctx.checkAllRead();
        if (!value) throw new Unsupported(`${what} holds no tensor value`);
        known.set(node.output[0] ?? '', value);
        continue;
      }
      const factory = Object.hasOwn(ops, node.opType) ? ops[node.opType] : undefined;
      if (!factory)
        throw new Unsupported(`${what} (${domain || 'ai.onnx'} opset ${opset}) is not implemented`);
      const ctx = new NodeContext(
        node,
        opset,
        node.input.map((n) => known.get(n)),
      );
      const kernel = factory(ctx);
      ctx.checkAllRead();
      steps.push({
        kernel,
        inputs: node.input.map((n) => (n === '' ? -1 : slot(n))),
        outputs: node.output.map((n) => (n === '' ? -1 : slot(n))),
        what,
      });
    }
    const constants: [number, Tensor][] = [];
    for (const [name, t] of known) if (slotOf.has(name)) constants.push([slotOf.get(name) as number, t]);
    // Every value a step reads, and every output, is computed, constant or fed.
    const available = new Set([
      ...steps.flatMap((s) => s.outputs),
      ...constants.map(([c]) => c),
      ...feeds.map((f) => f.slot),
    ]);
    const results = outputs.map((v) => {
      const s = slotOf.get(v.name);
      if (s === undefined || !available.has(s))
        throw new Unsupported(`the output ${JSON.stringify(v.name)} is not computed by the graph`);
      return { name: v.name, slot: s, type: valueType(v, 'the output') };
    });
    for (const step of steps)
      for (const s of step.inputs)
        if (s >= 0 && !available.has(s)) throw new Unsupported(`${step.what} reads a value nothing computes`);
    return new CompiledSession(
      steps,
      slotOf.size,
      constants,
      feeds,
      results,
      declared.inputs,
      declared.outputs.filter((o) => wanted.includes(o.name)),
    );
  }

  /** One run: the feeds by input name (onnxruntime-node's tensor shape of them), the fetched outputs by name. */
  run(feeds: Record<string, FedTensor>): Record<string, RunOutput> {
    const values: (Tensor | undefined)[] = new Array(this.slots);
    for (const [s, t] of this.constants) values[s] = t;
    for (const f of this.feeds) {
      const fed = feeds[f.name];
      if (!fed) throw new CompiledRunError(`no feed for the input ${JSON.stringify(f.name)}`);
      if (FEED_TYPES[fed.type] !== f.type)
        throw new CompiledRunError(
          `the input ${JSON.stringify(f.name)} is fed ${fed.type}, not type ${f.type}`,
        );
      values[f.slot] = { type: f.type, dims: fed.dims, data: fed.data as Tensor['data'] };
    }
    for (const step of this.steps) {
      const out = step.kernel(step.inputs.map((s) => (s < 0 ? undefined : values[s])));
      step.outputs.forEach((s, i) => {
        if (s >= 0) values[s] = out[i];
      });
    }
    const result: Record<string, RunOutput> = {};
    for (const r of this.results) {
      const t = values[r.slot];
      if (!t) throw new CompiledRunError(`the output ${JSON.stringify(r.name)} was not computed`);
      if (t.type !== r.type)
        throw new CompiledRunError(
          `the output ${JSON.stringify(r.name)} came out of type ${t.type}, declared ${r.type}`,
        );
      result[r.name] = asOutput(t);
    }
    return result;
  }

  dispose(): void {}
}

/** A tensor in onnxruntime-node's arrays: int64 as BigInt64Array, int32 as Int32Array. */
function asOutput(t: Tensor): RunOutput {
  const type = TYPE_NAMES[t.type] as string;
  if (t.type === DataType.INT64) {
    const src = t.data as Float64Array;
    const out = new BigInt64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i] as number);
    return { type, dims: t.dims, data: out };
  }
  if (t.type === DataType.INT32) return { type, dims: t.dims, data: Int32Array.from(t.data as Float64Array) };
  return { type, dims: t.dims, data: t.data as RunOutput['data'] };
}
