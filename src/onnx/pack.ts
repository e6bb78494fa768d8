import {
  CARD_FORMAT,
  CARD_KEY,
  type ClassLabel,
  findCard,
  MAX_CLASSES,
  type ModelCard,
  type Task,
  validateCard,
  withCard,
} from './card.js';
import { distributionVerdict, producers, sourceOf } from './distribution.js';
import { ModelCardError, PackError } from './errors.js';
import { checkCardAgainstGraph, dims, LABEL_TYPES } from './graph-check.js';
import { packInputs } from './pack-inputs.js';
import { provenance } from './produce.js';
import {
  AttributeType,
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OperatorSetId,
  type ValueInfoProto,
} from './proto.js';
import { utf8Decode } from './wire.js';

export interface PackOptions {
  /** The model's name in its card; by default the card's own, else the file's base name. */
  name?: string;
  /** The file's base name, for the card. */
  source: string;
  features?: string[];
  classes?: ClassLabel[];
  task?: Task;
  /** Append a Softmax to a score output (a network that ends in logits). */
  softmax?: boolean;
}

export interface Packed {
  model: ModelProto;
  card: ModelCard;
  notes: string[];
  /** The model already had a modelgate card, which was kept. */
  kept: boolean;
}

const ML_DOMAIN = 'ai.onnx.ml';

export function packOnnx(model: ModelProto, options: PackOptions): Packed {
  if (!model.graph) throw new PackError('the file has no graph');
  return model.metadataProps.some((e) => e.key === CARD_KEY)
    ? repack(model, options)
    : packForeign(model, options);
}

/** A model modelgate wrote (or packed before): its card stands; options may rename, not contradict. */
function repack(model: ModelProto, options: PackOptions): Packed {
  let card: ModelCard;
  try {
    card = findCard(model.metadataProps);
  } catch (cause) {
    throw new PackError(
      `the model already has a modelgate model card, but ${(cause as Error).message}; pack the original ONNX file instead`,
      { cause },
    );
  }
  const notes = [`the model already has a modelgate model card (${card.provenance.source}); pack keeps it`];
  const names = card.features.map((f) => f.name);
  if (options.features && !sameList(options.features, names))
    throw new PackError(
      `--features ${preview(options.features)} contradicts the model's card, which names its features ${preview(names)}: leave out --features`,
    );
  if (options.task && options.task !== card.task)
    throw new PackError(`--task ${options.task} contradicts the model's card, which says ${card.task}`);
  if (options.classes && !(card.classes && sameList(options.classes.map(String), card.classes.map(String))))
    throw new PackError(
      `--classes ${preview(options.classes)} contradicts the model's card, which ${card.classes ? `names the classes ${preview(card.classes)}` : 'is a regressor'}: leave out --classes`,
    );
  let next: ModelCard = { ...card, name: options.name ?? card.name, io: { ...card.io } };
  let graph = model.graph;
  let opsetImport = model.opsetImport;
  // Cards written by an earlier pack could name scores as probabilities: judge those again.
  if (card.provenance.source === 'onnx' && next.io.probabilities !== undefined) {
    const verdict = distributionVerdict(next.io.probabilities, producers(graph));
    if (!verdict.distribution) {
      const { probabilities, ...io } = next.io;
      next = { ...next, io: { ...io, scores: probabilities } };
      notes.push(
        `the card named ${probabilities} as probabilities, but ${verdict.because}: served as scores now`,
      );
    }
  }
  if (options.softmax) {
    if (next.task !== 'classification')
      throw new PackError('--softmax is for a classifier; the model is a regressor');
    const scores = next.io.scores;
    if (scores === undefined)
      throw new PackError(
        next.io.probabilities !== undefined
          ? `--softmax: the output ${next.io.probabilities} already is probabilities; a second softmax would change them: leave out --softmax`
          : '--softmax needs a per-class score output, and the model has none',
      );
    const out = graph.output.find((o) => o.name === scores);
    if (!out) throw new PackError(`the card's scores output ${scores} is not an output of the graph`);
    const softmaxed = appendSoftmax(graph, opsetImport, out, next.classes?.length ?? 0);
    graph = softmaxed.graph;
    opsetImport = softmaxed.opsetImport;
    const { scores: _, ...io } = next.io;
    next = { ...next, io: { ...io, probabilities: softmaxed.output } };
    notes.push(`a Softmax over ${scores} gives the probabilities (${softmaxed.output})`);
  }
  return { ...finish({ ...model, graph, opsetImport }, next), notes, kept: true };
}

function packForeign(model: ModelProto, options: PackOptions): Packed {
  const graph = model.graph;
  const notes: string[] = [];
  const fed = packInputs(graph, options.features);
  notes.push(...fed.notes);
  // The plain card's one numeric input, or format 2's list of typed inputs.
  const inputIo: Pick<ModelCard['io'], 'input' | 'inputType' | 'inputs'> = fed.single
    ? { input: fed.single.name, inputType: fed.single.type }
    : { inputs: fed.inputs };

  const { nodes, outputs, zipped } = unzipMaps(graph, notes);
  const byOutput = producers({ ...graph, node: nodes });
  const role = (o: ValueInfoProto) => outputRole(o, byOutput, zipped);
  const label = outputs.find((o) => role(o) === 'label');
  const perClass = outputs.filter((o) => role(o) === 'perClass');
  const value = outputs.find((o) => role(o) === 'value');
  const anyDeclared = nodes.some((n) => classesOf(n) !== undefined);
  const task: Task =
    options.task ??
    (label || options.classes || zipped.size > 0 || anyDeclared || (perClass.length > 0 && !value)
      ? 'classification'
      : 'regression');
  let io: ModelCard['io'];
  let classes: ClassLabel[] | undefined;
  let packedGraph: GraphProto = { ...graph, node: nodes, output: outputs };
  let opsetImport = model.opsetImport;

  if (task === 'classification') {
    // Of several per-class outputs, the one known to be probabilities.
    const judged = perClass.map((o) => ({ o, verdict: distributionVerdict(o.name, byOutput) }));
    const chosen = judged.find((j) => j.verdict.distribution) ?? judged[0];
    if (!label && !chosen) {
      const lone = value ?? outputs.find((o) => role(o) === 'unshaped');
      throw new PackError(
        lone
          ? `the classifier has no label or per-class output ([rows, classes]); its output ${lone.name} is ${role(lone) === 'value' ? 'one number per row' : 'of undeclared shape'}`
          : 'the classifier has no label or per-class output',
      );
    }
    const declaredClasses =
      (chosen && (zipped.get(chosen.o.name) ?? classesOfSource(chosen.o.name, byOutput))) ??
      (label && classesOfSource(label.name, byOutput)) ??
      firstDeclared(nodes);
    if (
      options.classes &&
      declaredClasses &&
      !sameList(options.classes.map(String), declaredClasses.map(String))
    )
      throw new PackError(
        `--classes ${preview(options.classes)} contradicts the classes the graph declares (${preview(declaredClasses)}), which its outputs answer: leave out --classes`,
      );
    classes = declaredClasses ?? options.classes;
    if (!classes) throw new PackError('the model does not name its classes: give --classes');
    if (classes.length > MAX_CLASSES)
      throw new PackError(`the model has ${classes.length} classes; modelgate serves at most ${MAX_CLASSES}`);
    if (chosen) checkWidth(chosen.o, classes, declaredClasses === undefined, byOutput, zipped);
    if (label && labelType(label) === 'integer' && classes.some((c) => typeof c !== 'number'))
      throw new PackError(
        `the label output ${label.name} answers integers; --classes must be the integers it answers, not ${preview(classes)}`,
      );
    let probabilities: string | undefined;
    let scores: string | undefined;
    if (chosen?.verdict.distribution) {
      if (options.softmax)
        throw new PackError(
          `--softmax: the output ${chosen.o.name} already is a probability distribution (${chosen.verdict.because}); a second softmax would change its numbers: leave out --softmax`,
        );
      probabilities = chosen.o.name;
    } else if (chosen && options.softmax) {
      const softmaxed = appendSoftmax(packedGraph, opsetImport, chosen.o, classes.length);
      packedGraph = softmaxed.graph;
      opsetImport = softmaxed.opsetImport;
      probabilities = softmaxed.output;
      notes.push(`a Softmax over ${chosen.o.name} gives the probabilities (${probabilities})`);
    } else if (chosen) {
      scores = chosen.o.name;
      notes.push(
        `${chosen.o.name} is not known to be probabilities (${chosen.verdict.because}): served as scores, never as probability; give --softmax if they are logits`,
      );
    } else if (options.softmax)
      throw new PackError('--softmax needs a per-class score output, and the model has none');
    io = {
      ...inputIo,
      ...(label ? { label: label.name } : {}),
      ...(probabilities ? { probabilities } : {}),
      ...(scores ? { scores } : {}),
      labelIsArgmax: !label,
    };
  } else {
    if (options.softmax) throw new PackError('--softmax is for a classifier; the model is a regressor');
    if (options.classes)
      throw new PackError(
        '--classes is for a classifier; the model is a regressor (--task classification says otherwise)',
      );
    if (!value) {
      const wide = perClass[0] ?? outputs.find((o) => role(o) === 'unshaped');
      throw new PackError(
        wide
          ? `the regressor's output ${wide.name} is ${role(wide) === 'perClass' ? `[rows, ${dims(wide)?.[1] ?? '?'}]` : 'of undeclared shape'}; modelgate serves one value per row ([rows] or [rows, 1])`
          : 'the regressor has no numeric output',
      );
    }
    io = { ...inputIo, value: value.name };
  }
  const card: ModelCard = {
    format: CARD_FORMAT,
    name: options.name ?? (options.source.replace(/\.onnx$/i, '') || 'model'),
    task,
    features: fed.features,
    ...(classes ? { classes } : {}),
    missing: 'reject',
    io,
    provenance: provenance('onnx', {
      estimator: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'ONNX model',
      params: { file: options.source },
    }),
  };
  return { ...finish({ ...model, graph: packedGraph, opsetImport }, card), notes, kept: false };
}

/** The card checked as serve reads it and against the graph, then written into the model. */
function finish(model: ModelProto, card: ModelCard): { model: ModelProto; card: ModelCard } {
  let checked: ModelCard;
  try {
    checked = validateCard(card);
    checkCardAgainstGraph(checked, model.graph);
  } catch (cause) {
    if (cause instanceof ModelCardError) throw new PackError(cause.message, { cause });
    throw cause;
  }
  return { model: withCard(model, checked), card: checked };
}

/** ZipMap outputs become the probability (or score) tensors they read. */
function unzipMaps(
  graph: GraphProto,
  notes: string[],
): { nodes: NodeProto[]; outputs: ValueInfoProto[]; zipped: Map<string, ClassLabel[] | undefined> } {
  let nodes = [...graph.node];
  const outputs = [...graph.output];
  const zipped = new Map<string, ClassLabel[] | undefined>();
  for (const zipmap of graph.node.filter((n) => n.opType === 'ZipMap' && n.domain === ML_DOMAIN)) {
    const at = outputs.findIndex((o) => o.name === zipmap.output[0]);
    const source = zipmap.input[0];
    if (at < 0 || !source) continue;
    const classes = classesOf(zipmap);
    if (outputs.some((o) => o.name === source)) outputs.splice(at, 1);
    else
      outputs[at] = {
        name: source,
        type: {
          tensorType: {
            elemType: DataType.FLOAT,
            shape: [{ dimParam: 'N' }, classes ? { dimValue: classes.length } : { dimParam: 'classes' }],
          },
        },
      };
    nodes = nodes.filter((n) => n !== zipmap);
    zipped.set(source, classes);
    const named = zipmap.name ? `the ZipMap ${zipmap.name}` : 'the ZipMap';
    notes.push(`${named} (a sequence of maps) is replaced by the tensor ${source} it reads`);
  }
  return { nodes, outputs, zipped };
}

type Role = 'label' | 'perClass' | 'value' | 'unshaped' | 'other';

function outputRole(
  o: ValueInfoProto,
  byOutput: Map<string, NodeProto>,
  zipped: Map<string, ClassLabel[] | undefined>,
): Role {
  const t = o.type?.tensorType;
  if (!t) return 'other';
  const d = dims(o);
  const perRow = d !== undefined && (d.length === 1 || (d.length === 2 && d[1] === 1));
  if (t.elemType !== DataType.FLOAT && t.elemType !== DataType.DOUBLE)
    return LABEL_TYPES.has(t.elemType) && (d === undefined || perRow) ? 'label' : 'other';
  if (d === undefined)
    return zipped.has(o.name) || classesOfSource(o.name, byOutput) ? 'perClass' : 'unshaped';
  if (perRow) return 'value';
  return d.length === 2 ? 'perClass' : 'other';
}

function labelType(o: ValueInfoProto): 'integer' | 'other' {
  const t = o.type?.tensorType?.elemType;
  return t === DataType.INT64 || t === DataType.INT32 ? 'integer' : 'other';
}

/** A per-class output's width, from the graph, its ZipMap or its classifier: it must be the class count. */
function checkWidth(
  o: ValueInfoProto,
  classes: ClassLabel[],
  fromOption: boolean,
  byOutput: Map<string, NodeProto>,
  zipped: Map<string, ClassLabel[] | undefined>,
): void {
  const width = dims(o)?.[1] ?? zipped.get(o.name)?.length ?? classesOfSource(o.name, byOutput)?.length;
  if (width === undefined)
    throw new PackError(
      `the output ${o.name} does not declare how many columns it has, so modelgate cannot check them against the classes: export it with a fixed width`,
    );
  if (width > MAX_CLASSES)
    throw new PackError(
      `the output ${o.name} declares ${width} columns; modelgate serves at most ${MAX_CLASSES} classes`,
    );
  if (width !== classes.length)
    throw new PackError(
      `${fromOption ? '--classes names' : 'the graph declares'} ${classes.length} classes; the output ${o.name} has ${width} columns`,
    );
}

/** Class labels an operator declares (ZipMap, tree ensembles, linear and SVM classifiers). */
function classesOf(node: NodeProto): ClassLabel[] | undefined {
  for (const a of node.attribute) {
    if ((a.name === 'classlabels_int64s' || a.name === 'classlabels_ints') && a.ints?.length) return a.ints;
    if (a.name === 'classlabels_strings' && a.strings?.length) {
      try {
        return a.strings.map(utf8Decode);
      } catch (cause) {
        throw new PackError(`the class labels of ${node.opType} ${node.name ?? ''} are not UTF-8`, { cause });
      }
    }
  }
  return undefined;
}

/** The classes of the classifier operator that computes `name`, if one does. */
function classesOfSource(name: string, byOutput: Map<string, NodeProto>): ClassLabel[] | undefined {
  const source = sourceOf(name, byOutput);
  return source && source.node.domain === ML_DOMAIN ? classesOf(source.node) : undefined;
}

function firstDeclared(nodes: NodeProto[]): ClassLabel[] | undefined {
  for (const node of nodes) {
    const classes = classesOf(node);
    if (classes) return classes;
  }
  return undefined;
}

/** Appends Softmax(axis 1) over `scores` as a new graph output, of the scores' element type. */
function appendSoftmax(
  graph: GraphProto,
  opsetImport: OperatorSetId[],
  scores: ValueInfoProto,
  classes: number,
): { graph: GraphProto; opsetImport: OperatorSetId[]; output: string } {
  const taken = new Set<string>([
    ...graph.input.map((i) => i.name),
    ...graph.initializer.map((t) => t.name ?? ''),
    ...graph.node.flatMap((n) => [...n.output, n.name ?? '']),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const output = fresh('probabilities');
  const node: NodeProto = {
    input: [scores.name],
    output: [output],
    name: fresh('modelgate_softmax'),
    opType: 'Softmax',
    attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }],
  };
  const elemType = scores.type?.tensorType?.elemType ?? DataType.FLOAT;
  // Axis 1 of a [rows, classes] tensor means the same in every opset; a graph of ai.onnx.ml operators
  // alone may import no default-domain opset at all.
  const hasOnnx = opsetImport.some((o) => o.domain === '' || o.domain === 'ai.onnx');
  return {
    graph: {
      ...graph,
      node: [...graph.node, node],
      output: [
        ...graph.output.filter((o) => o.name !== scores.name),
        {
          name: output,
          type: { tensorType: { elemType, shape: [{ dimParam: 'N' }, { dimValue: classes }] } },
        },
      ],
    },
    opsetImport: hasOnnx ? opsetImport : [...opsetImport, { domain: '', version: 13 }],
    output,
  };
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function preview(list: readonly unknown[]): string {
  const shown = list.slice(0, 6).map(String).join(', ');
  return list.length > 6 ? `${shown}, ... (${list.length})` : shown;
}
