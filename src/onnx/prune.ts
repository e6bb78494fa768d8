// A model cut down to the outputs a runtime fetches. onnxruntime runs every node of a session whatever
// the run fetches: a trained classifier's label branch (ArgMax, Gather of the classes), which the
// Predictor never fetches since the label is the probabilities' argmax, costs about 0.8 of a warm
// single-row run's 10-11 µs here.
//
// It works on the bytes: the graph's nodes, outputs and value infos are read for their names only, and
// every field kept is copied as it is (a tree ensemble's attributes are most of a file). Decoding the
// whole model and encoding it again took 30 ms of a 135 KB model's cold load; this takes well under 1.
import { OnnxFormatError } from './errors.js';
import { decodeValueInfoBytes, type ValueInfoProto } from './proto.js';
import { ProtoReader, ProtoWriter, WIRE_LEN } from './wire.js';

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_GRAPHS = 11;
const VALUE_INFO_NAME = 1;

/** A field of a message: its bytes from tag to end, as read. */
interface Field {
  field: number;
  start: number;
  end: number;
  /** A length-delimited field's contents. */
  body?: ProtoReader;
}

function fields(r: ProtoReader): Field[] {
  const out: Field[] = [];
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (wire === WIRE_LEN) {
      const body = r.message();
      out.push({ field, start, end: r.pos, body });
    } else {
      r.skip(wire);
      out.push({ field, start, end: r.pos });
    }
  }
  return out;
}

function stringsOf(f: Field, which: number): string[] {
  const out: string[] = [];
  if (!f.body) return out;
  const r = new ProtoReader(f.body.buf, f.body.pos, f.body.end, f.body.depth);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === which && wire === WIRE_LEN) out.push(r.string());
    else r.skip(wire);
  }
  return out;
}

/** The operators of the standard domains that hold subgraphs. */
const SUBGRAPH_OPS = new Set(['If', 'Loop', 'Scan', 'SequenceMap']);
const STANDARD_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml']);

/**
 * Whether a node holds a subgraph, whose nodes may read any value of the enclosing graph by name: by
 * its operator in the standard domains (a tree ensemble's attributes hold 10^5 strings, not read
 * here), by its attributes in any other.
 */
function hasSubgraph(node: Field): boolean {
  const domain = stringsOf(node, NODE_DOMAIN)[0] ?? '';
  if (STANDARD_DOMAINS.has(domain)) return SUBGRAPH_OPS.has(stringsOf(node, NODE_OP_TYPE)[0] ?? '');
  const body = node.body as ProtoReader;
  for (const f of fields(new ProtoReader(body.buf, body.pos, body.end, body.depth))) {
    if (f.field !== NODE_ATTRIBUTE || !f.body) continue;
    if (fields(f.body).some((a) => a.field === ATTRIBUTE_GRAPH || a.field === ATTRIBUTE_GRAPHS)) return true;
  }
  return false;
}

/**
 * The model's bytes without the graph outputs outside `keep` and without the nodes only they needed,
 * and the outputs taken out (as the graph declares them); undefined when nothing would go, when no
 * output would be left, or when the graph has subgraphs (If, Loop, Scan), whose reads of outer values
 * the node's inputs do not list. Initializers stay (onnxruntime drops unused ones); value infos of
 * values no node produces any more go. An OnnxFormatError for bytes that are not a model.
 */
export function pruneOutputs(
  bytes: Uint8Array,
  keep: ReadonlySet<string>,
): { bytes: Uint8Array; removed: ValueInfoProto[] } | undefined {
  const top = fields(new ProtoReader(bytes));
  const graphField = top.find((f) => f.field === MODEL_GRAPH && f.body);
  if (!graphField?.body) throw new OnnxFormatError('not a valid ONNX model: it has no graph');
  const graph = fields(graphField.body);
  const outputs = graph.filter((f) => f.field === GRAPH_OUTPUT);
  const kept = outputs.filter((f) => keep.has(stringsOf(f, VALUE_INFO_NAME)[0] ?? ''));
  if (kept.length === outputs.length || kept.length === 0) return undefined;
  const nodes = graph.filter((f) => f.field === GRAPH_NODE);
  if (nodes.some(hasSubgraph)) return undefined;

  const nodeOutputs = nodes.map((n) => stringsOf(n, NODE_OUTPUT));
  const producer = new Map<string, number>();
  nodeOutputs.forEach((names, i) => {
    for (const o of names) if (o !== '') producer.set(o, i);
  });
  const needed = new Set<number>();
  const pending = kept.map((f) => stringsOf(f, VALUE_INFO_NAME)[0] as string);
  while (pending.length > 0) {
    const at = producer.get(pending.pop() as string);
    if (at === undefined || needed.has(at)) continue;
    needed.add(at);
    for (const input of stringsOf(nodes[at] as Field, NODE_INPUT)) if (input !== '') pending.push(input);
  }
  const gone = new Set<Field>(outputs.filter((f) => !kept.includes(f)));
  const goneValues = new Set<string>();
  nodes.forEach((n, i) => {
    if (needed.has(i)) return;
    gone.add(n);
    for (const o of nodeOutputs[i] as string[]) goneValues.add(o);
  });
  for (const f of graph) {
    if (f.field === GRAPH_VALUE_INFO && goneValues.has(stringsOf(f, VALUE_INFO_NAME)[0] ?? '')) gone.add(f);
  }

  const g = new ProtoWriter();
  for (const f of graph) if (!gone.has(f)) g.raw(bytes.subarray(f.start, f.end));
  const m = new ProtoWriter();
  for (const f of top) {
    if (f === graphField) m.bytes(MODEL_GRAPH, g.finish());
    else m.raw(bytes.subarray(f.start, f.end));
  }
  const removed = outputs
    .filter((f) => !kept.includes(f))
    .map((f) => {
      const body = f.body as ProtoReader;
      return decodeValueInfoBytes(body.buf.subarray(body.pos, body.end));
    });
  return { bytes: m.finish(), removed };
}
