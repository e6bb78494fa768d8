// Wrapping a foreign ONNX model (skl2onnx, onnxmltools, PyTorch, ...) with modelgate's model card: find
// its one input and what its outputs mean, and where a classifier ends in a ZipMap (a sequence of maps,
// which onnxruntime cannot hand to Node), serve the probability tensor the ZipMap reads instead.
import { VERSION } from '../version.js';
import { type ClassLabel, type ModelCard, type Task, withCard } from './card.js';
import { PackError } from './errors.js';
import { AttributeType, DataType, type ModelProto, type NodeProto, type ValueInfoProto } from './proto.js';
import { utf8Decode } from './wire.js';

export interface PackOptions {
  name: string;
  /** Where the file came from, for the card. */
  source: string;
  features?: string[];
  classes?: ClassLabel[];
  task?: Task;
  /** Append a Softmax to the probability output (a network that ends in logits). */
  softmax?: boolean;
}

const ML_DOMAIN = 'ai.onnx.ml';

function dims(v: ValueInfoProto): (number | undefined)[] | undefined {
  return v.type?.tensorType?.shape?.map((d) => d.dimValue);
}

/** Class labels an operator of the graph declares (ZipMap, tree ensembles, linear and SVM classifiers). */
function declaredClasses(nodes: NodeProto[]): ClassLabel[] | undefined {
  for (const node of nodes)
    for (const a of node.attribute) {
      if ((a.name === 'classlabels_int64s' || a.name === 'classlabels_ints') && a.ints?.length) return a.ints;
      if (a.name === 'classlabels_strings' && a.strings?.length) return a.strings.map(utf8Decode);
    }
  return undefined;
}

const LABEL_TYPES = new Set<number>([DataType.INT64, DataType.INT32, DataType.STRING, DataType.BOOL]);

const TYPE_NAMES: Record<number, string> = {
  1: 'float',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'double',
};

export function packOnnx(
  model: ModelProto,
  options: PackOptions,
): { model: ModelProto; card: ModelCard; notes: string[] } {
  const graph = model.graph;
  if (!graph) throw new PackError('the file has no graph');
  const notes: string[] = [];
  const initialized = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initialized.has(i.name));
  if (inputs.length !== 1)
    throw new PackError(
      `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); modelgate feeds one [rows, features] tensor`,
    );
  const input = inputs[0] as ValueInfoProto;
  const elemType = input.type?.tensorType?.elemType;
  if (elemType !== DataType.FLOAT && elemType !== DataType.DOUBLE)
    throw new PackError(
      `the input ${input.name} is ${TYPE_NAMES[elemType ?? -1] ?? 'not a tensor'}; modelgate feeds float or double features`,
    );
  const inputDims = dims(input);
  if (inputDims && inputDims.length !== 2)
    throw new PackError(
      `the input ${input.name} has ${inputDims.length} dimensions; modelgate feeds [rows, features]`,
    );
  const width = inputDims?.[1] ?? options.features?.length;
  if (width === undefined)
    throw new PackError(`the input ${input.name} does not say how many features it takes: give --features`);
  if (options.features && options.features.length !== width)
    throw new PackError(
      `--features names ${options.features.length} features; the input ${input.name} takes ${width}`,
    );

  // ZipMap outputs become the probability tensors they read.
  let nodes = [...graph.node];
  let outputs = [...graph.output];
  let classes = options.classes;
  let probabilities: string | undefined;
  for (const zipmap of nodes.filter((n) => n.opType === 'ZipMap' && n.domain === ML_DOMAIN)) {
    const out = zipmap.output[0] as string;
    const at = outputs.findIndex((o) => o.name === out);
    if (at < 0) continue;
    const source = zipmap.input[0] as string;
    const zipClasses = declaredClasses([zipmap]);
    classes ??= zipClasses;
    outputs[at] = {
      name: source,
      type: {
        tensorType: {
          elemType: DataType.FLOAT,
          shape: [{ dimParam: 'N' }, { dimValue: zipClasses?.length ?? 0 }],
        },
      },
    };
    nodes = nodes.filter((n) => n !== zipmap);
    probabilities = source;
    const named = zipmap.name ? `the ZipMap ${zipmap.name}` : 'the ZipMap';
    notes.push(`${named} (a sequence of maps) is replaced by the tensor ${source} it reads`);
  }

  const kind = (o: ValueInfoProto): 'label' | 'scores' | 'value' | 'other' => {
    const t = o.type?.tensorType;
    if (!t) return 'other';
    const d = t.shape?.map((x) => x.dimValue);
    const isFloat = t.elemType === DataType.FLOAT || t.elemType === DataType.DOUBLE;
    if (!isFloat && LABEL_TYPES.has(t.elemType)) return 'label';
    if (!isFloat) return 'other';
    if (d && (d.length === 1 || (d.length === 2 && d[1] === 1))) return 'value';
    return 'scores';
  };
  const label = outputs.find((o) => kind(o) === 'label')?.name;
  probabilities ??= outputs.find((o) => kind(o) === 'scores')?.name;
  const value = outputs.find((o) => kind(o) === 'value')?.name;
  classes ??= declaredClasses(nodes);
  const task: Task =
    options.task ?? (label || classes || (probabilities && !value) ? 'classification' : 'regression');

  let io: ModelCard['io'];
  const inputType = elemType === DataType.DOUBLE ? 'float64' : 'float32';
  if (task === 'classification') {
    if (!classes) throw new PackError('the model does not name its classes: give --classes');
    if (!label && !probabilities) throw new PackError('the classifier has no label or probability output');
    if (options.softmax) {
      if (!probabilities) throw new PackError('--softmax needs a score output');
      const scores = probabilities;
      probabilities = 'probabilities';
      nodes.push({
        input: [scores],
        output: [probabilities],
        name: 'modelgate_softmax',
        opType: 'Softmax',
        attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }],
      });
      outputs = outputs.filter((o) => o.name !== scores);
      outputs.push({
        name: probabilities,
        type: {
          tensorType: { elemType: DataType.FLOAT, shape: [{ dimParam: 'N' }, { dimValue: classes.length }] },
        },
      });
    }
    io = {
      input: input.name,
      inputType,
      ...(label ? { label } : {}),
      ...(probabilities ? { probabilities } : {}),
      labelIsArgmax: !label,
    };
  } else {
    const out = value ?? probabilities;
    if (!out) throw new PackError('the regressor has no numeric output');
    io = { input: input.name, inputType, value: out };
  }
  const card: ModelCard = {
    format: 1,
    name: options.name,
    task,
    features: (options.features ?? Array.from({ length: width }, (_, i) => `x${i}`)).map((name) => ({
      name,
      type: 'number',
    })),
    ...(task === 'classification' ? { classes } : {}),
    missing: 'reject',
    io,
    provenance: {
      source: 'onnx',
      tool: `modelgate ${VERSION}`,
      createdAt: new Date().toISOString(),
      estimator: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'ONNX model',
      params: { file: options.source },
    },
  };
  const packed: ModelProto = { ...model, graph: { ...graph, node: nodes, output: outputs } };
  return { model: withCard(packed, card), card, notes };
}
