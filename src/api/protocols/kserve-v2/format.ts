// What a model is in the Open Inference Protocol: its input tensors (one [N, F] tensor, or one per
// feature) and output tensors by what it answers, and a prediction as those output tensors. The numbers
// are the modelgate protocol's: a float32 answer is given as the shortest decimal that reads back as the
// same float32 (float32Json), in JSON and in binary FP64 alike, so every protocol answers the same values.
import type { ClassLabel, ModelCard } from '../../../onnx/card.js';
import type { Matrix, Prediction } from '../../../runtime/prediction.js';
import type { Predictor } from '../../../runtime/predictor.js';
import { float32Json, labelList, numberList } from '../../response.js';
import type { Datatype } from './tensors.js';

export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

/** The datatype a card's class labels are answered in. */
export function labelDatatype(classes: readonly ClassLabel[]): Datatype {
  if (classes.length > 0 && classes.every((c) => typeof c === 'boolean')) return 'BOOL';
  if (classes.length > 0 && classes.every((c) => typeof c === 'number' && Number.isSafeInteger(c)))
    return 'INT64';
  if (classes.length > 0 && classes.every((c) => typeof c === 'number')) return 'FP64';
  return 'BYTES';
}

const outputLists = new WeakMap<ModelCard, Map<Predictor['kind'], readonly TensorMetadata[]>>();

/**
 * The output tensors a model answers, in the order they are answered when none is asked for: made once
 * per card (the list and its entries are shared; callers copy before changing one).
 */
export function outputsOf(card: ModelCard, kind: Predictor['kind']): readonly TensorMetadata[] {
  let byKind = outputLists.get(card);
  if (!byKind) {
    byKind = new Map();
    outputLists.set(card, byKind);
  }
  let list = byKind.get(kind);
  if (!list) {
    list = outputsMade(card, kind);
    byKind.set(kind, list);
  }
  return list;
}

function outputsMade(card: ModelCard, kind: Predictor['kind']): TensorMetadata[] {
  const k = card.classes?.length ?? 0;
  const label = { name: 'label', datatype: labelDatatype(card.classes ?? []), shape: [-1] };
  switch (kind) {
    case 'probabilities':
      return [label, { name: 'probabilities', datatype: 'FP64', shape: [-1, k] }];
    case 'scores':
      return [label, { name: 'scores', datatype: 'FP64', shape: [-1, k] }];
    case 'labels':
      return [label];
    case 'values':
      return [
        {
          name: 'value',
          datatype: 'FP64',
          shape: card.targets ? [-1, card.targets.length] : [-1],
        },
      ];
    case 'clusters': {
      const c = card.clusters ?? 0;
      return [
        { name: 'cluster', datatype: 'INT64', shape: [-1] },
        ...(card.io.distances !== undefined
          ? [{ name: 'distances', datatype: 'FP64' as const, shape: [-1, c] }]
          : []),
        ...(card.io.probabilities !== undefined
          ? [{ name: 'probabilities', datatype: 'FP64' as const, shape: [-1, c] }]
          : []),
      ];
    }
    case 'outliers':
      return [
        { name: 'outlier', datatype: 'BOOL', shape: [-1] },
        { name: 'score', datatype: 'FP64', shape: [-1] },
      ];
  }
}

/** The V2 datatype of a feature sent alone: what its values are. */
function featureDatatype(card: ModelCard, type: ModelCard['features'][number]['type']): Datatype {
  if (type === 'boolean') return 'BOOL';
  if (type === 'category' || type === 'text') return 'BYTES';
  return card.io.inputType === 'float64' ? 'FP64' : 'FP32';
}

/**
 * The input tensors a model takes, as its metadata lists them: a card of numbers in one graph input
 * takes one [N, F] tensor named as that input (any name is taken); any card takes one tensor per
 * feature, [N] (or [N, 1]), named as the feature, which is what a typed card lists.
 */
export function inputsOf(card: ModelCard): TensorMetadata[] {
  const plain = card.io.inputs === undefined && card.features.every((f) => f.type === 'number');
  if (plain)
    return [
      {
        name: card.io.input ?? 'input',
        datatype: card.io.inputType === 'float64' ? 'FP64' : 'FP32',
        shape: [-1, card.features.length],
      },
    ];
  return card.features.map((f) => ({ name: f.name, datatype: featureDatatype(card, f.type), shape: [-1] }));
}

/** An output tensor of an answer: its elements row-major, ready for JSON or binary. */
export interface OutputTensor extends TensorMetadata {
  data: (number | string | boolean)[];
}

const same = (v: number): number => v;

function numbers(m: Matrix): number[] {
  const clean = m instanceof Float32Array ? float32Json : same;
  return Array.from(m, clean);
}

function labels(list: readonly ClassLabel[], datatype: Datatype): (number | string | boolean)[] {
  return datatype === 'BYTES' ? list.map(String) : (list as (number | boolean)[]);
}

/** What an output tensor's elements are made from: the prediction's labels or one of its arrays. */
type OutputSource =
  | { of: 'labels'; labels: readonly ClassLabel[] }
  | { of: 'numbers'; matrix: Matrix }
  | { of: 'ints'; ints: Int32Array }
  | { of: 'flags'; flags: readonly boolean[] };

function sourceOf(p: Prediction, name: string): OutputSource {
  switch (name) {
    case 'label':
      return { of: 'labels', labels: (p as { labels: ClassLabel[] }).labels };
    case 'probabilities':
      return { of: 'numbers', matrix: p.probabilities as Matrix };
    case 'scores':
    case 'score':
      return { of: 'numbers', matrix: p.scores as Matrix };
    case 'value':
      return { of: 'numbers', matrix: p.values as Matrix };
    case 'distances':
      return { of: 'numbers', matrix: (p as { distances: Matrix }).distances };
    case 'cluster':
      return { of: 'ints', ints: (p as { clusters: Int32Array }).clusters };
    case 'outlier':
      return { of: 'flags', flags: (p as { outliers: boolean[] }).outliers };
    default:
      throw new RangeError(`no output ${name}`);
  }
}

/** A prediction's output tensors, by name (all of them; the caller picks those asked for). */
export function outputTensors(p: Prediction, card: ModelCard): Map<string, OutputTensor> {
  const out = new Map<string, OutputTensor>();
  const n = p.rows;
  for (const meta of outputsOf(card, p.kind)) {
    const shape = meta.shape.map((d) => (d === -1 ? n : d));
    const source = sourceOf(p, meta.name);
    let data: (number | string | boolean)[];
    if (source.of === 'labels') data = labels(source.labels, meta.datatype);
    else if (source.of === 'numbers') data = numbers(source.matrix);
    else if (source.of === 'ints') data = Array.from(source.ints);
    else data = [...source.flags];
    out.set(meta.name, { ...meta, shape, data });
  }
  return out;
}

/**
 * An output tensor of an answer as JSON, `{"name", "datatype", "shape", "data"}`: what JSON.stringify of
 * outputTensors' entry writes, byte for byte (test/protocol/v2-json.test.ts), written from the
 * prediction's arrays without an array of elements in between.
 */
export function outputJson(p: Prediction, card: ModelCard, name: string): string {
  let meta: TensorMetadata | undefined;
  for (const m of outputsOf(card, p.kind)) if (m.name === name) meta = m;
  if (!meta) throw new RangeError(`no output ${name}`);
  let shape = '';
  for (const d of meta.shape) shape += (shape === '' ? '' : ',') + (d === -1 ? p.rows : d);
  const source = sourceOf(p, name);
  let data: string;
  if (source.of === 'labels') data = labelList(source.labels, card, meta.datatype === 'BYTES');
  else if (source.of === 'numbers') data = numberList(source.matrix);
  else if (source.of === 'ints') data = `[${source.ints.join(',')}]`;
  else data = JSON.stringify(source.flags);
  return `{"name":${JSON.stringify(name)},"datatype":"${meta.datatype}","shape":[${shape}],"data":${data}}`;
}
