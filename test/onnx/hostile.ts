// Small ONNX files that declare far more than they hold, as an attacker (or a broken exporter) writes
// them: what pack, the card reader and the decoder must refuse with a message, quickly and in bounded
// memory. Built here, not committed, so the tests say what each one is.
import { CARD_KEY } from '../../src/onnx/card.js';
import { DataType, encodeModel, type ModelProto } from '../../src/onnx/proto.js';
import { ProtoWriter } from '../../src/onnx/wire.js';

/** A ~100-byte model whose one input declares `width` features: x float[N, width] -> ReduceSum -> y[N, 1]. */
export function wideInputModel(width: number): Uint8Array {
  const model: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      node: [{ input: ['x'], output: ['y'], opType: 'ReduceSum', attribute: [] }],
      initializer: [],
      input: [
        {
          name: 'x',
          type: { tensorType: { elemType: DataType.FLOAT, shape: [{ dimParam: 'N' }, { dimValue: width }] } },
        },
      ],
      output: [
        {
          name: 'y',
          type: { tensorType: { elemType: DataType.FLOAT, shape: [{ dimParam: 'N' }, { dimValue: 1 }] } },
        },
      ],
      valueInfo: [],
    },
    metadataProps: [],
  };
  return encodeModel(model);
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function bytesOf(write: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  write(w);
  return w.finish();
}

/**
 * A model whose graph holds an If node whose then_branch holds an If node ... `depth` graphs deep.
 * Written front to back (sizes first, from the innermost graph out), so building it costs O(depth),
 * not the O(depth^2) of encoding each level around the next.
 */
export function nestedIfModel(depth: number): Uint8Array {
  // NodeProto fields before its attribute: input "c" (1), output "o" (2), op_type "If" (4).
  const nodeHead = bytesOf((w) => {
    w.string(1, 'c');
    w.string(2, 'o');
    w.string(4, 'If');
  });
  // AttributeProto fields before its graph: name "then_branch" (1), type GRAPH (20).
  const attrHead = bytesOf((w) => {
    w.string(1, 'then_branch');
    w.uint(20, 5);
  });
  // Sizes from the innermost (empty) graph out: graph[i] = node tag + len + node[i].
  const graphLen = new Array<number>(depth + 1);
  const nodeLen = new Array<number>(depth);
  const attrLen = new Array<number>(depth);
  graphLen[depth] = 0;
  for (let i = depth - 1; i >= 0; i--) {
    attrLen[i] = attrHead.length + 1 + varintLength(graphLen[i + 1]) + graphLen[i + 1];
    nodeLen[i] = nodeHead.length + 1 + varintLength(attrLen[i]) + attrLen[i];
    graphLen[i] = 1 + varintLength(nodeLen[i]) + nodeLen[i];
  }
  const w = new ProtoWriter();
  w.uint(1, 8); // ir_version
  w.bytes(
    8,
    bytesOf((o) => {
      o.string(1, '');
      o.uint(2, 17);
    }),
  );
  w.tag(7, 2); // graph
  w.varint(graphLen[0]);
  for (let i = 0; i < depth; i++) {
    w.tag(1, 2); // GraphProto.node
    w.varint(nodeLen[i]);
    w.raw(nodeHead);
    w.tag(5, 2); // NodeProto.attribute
    w.varint(attrLen[i]);
    w.raw(attrHead);
    w.tag(6, 2); // AttributeProto.g
    w.varint(graphLen[i + 1]);
  }
  return w.finish();
}

/** A model card nested `depth` arrays deep in provenance.params (valid JSON, a few hundred KB). */
export function deepCardJson(depth: number): string {
  return JSON.stringify({
    format: 1,
    name: 'deep',
    task: 'regression',
    features: [{ name: 'a', type: 'number' }],
    missing: 'reject',
    io: { input: 'x', inputType: 'float32', value: 'y' },
    provenance: { source: 'onnx', tool: 't', createdAt: 't', params: { deep: '@' } },
  }).replace('"@"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** The metadata entry that carries `json` as the card. */
export function cardEntryOf(json: string): { key: string; value: string } {
  return { key: CARD_KEY, value: json };
}
