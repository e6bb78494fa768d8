// `modelgate pack <model.onnx>`: a foreign ONNX model with modelgate's card, checked to serve.
import { basename } from 'node:path';
import { servableCard } from '../adapters/model.js';
import { writeModel } from '../adapters/model-file.js';
import { type ClassLabel, graphInputs, type Task } from '../onnx/card.js';
import { OnnxFormatError, PackError } from '../onnx/errors.js';
import { type Packed, packOnnx } from '../onnx/pack.js';
import { decodeModel, encodeModel } from '../onnx/proto.js';
import { readUri } from '../store/uri.js';

export interface PackCommandOptions {
  out: string;
  name?: string;
  features?: string[];
  classes?: string[];
  task?: Task;
  softmax?: boolean;
  quiet?: boolean;
}

/** Class names as the model's labels are: integers when every one is an integer, else strings. */
function classLabels(names: string[] | undefined): ClassLabel[] | undefined {
  if (!names) return undefined;
  return names.every((c) => /^-?\d+$/.test(c)) ? names.map(Number) : names;
}

export async function packCommand(file: string, opts: PackCommandOptions): Promise<void> {
  const bytes = await readUri(file);
  let packed: Packed;
  try {
    packed = packOnnx(decodeModel(bytes), {
      name: opts.name,
      source: basename(file),
      features: opts.features,
      classes: classLabels(opts.classes),
      task: opts.task,
      softmax: opts.softmax,
    });
  } catch (err) {
    if (err instanceof OnnxFormatError)
      throw new Error(
        `${file} is not an ONNX model: ${err.message.replace(/^not a valid ONNX model: /, '')}`,
        {
          cause: err,
        },
      );
    if (err instanceof PackError) throw new Error(`cannot pack ${file}: ${err.message}`, { cause: err });
    throw err;
  }
  const out = encodeModel(packed.model);
  await servableCard(out, file, 'nothing was written');
  const sha256 = await writeModel(opts.out, out);
  if (opts.quiet) return;
  const { card } = packed;
  const lines = [
    `packed ${card.provenance.estimator ?? card.name} from ${file}`,
    ...packed.notes.map((n) => `  note: ${n}`),
    `  task              ${card.task}${card.classes ? ` (classes ${card.classes.slice(0, 10).map(String).join(', ')}${card.classes.length > 10 ? ', ...' : ''})` : ''}`,
    `  features          ${card.features.length} (${card.features
      .slice(0, 6)
      .map((f) => f.name)
      .join(', ')}${card.features.length > 6 ? ', ...' : ''})`,
    `  input${graphInputs(card).length > 1 ? 's ' : '  '}           ${graphInputs(card)
      .map((i) => `${i.name} (${i.type})`)
      .join(', ')}`,
    `  outputs           ${outputsLine(card)}`,
    `  wrote             ${opts.out} (${out.length} bytes, sha256 ${sha256})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function outputsLine(card: Packed['card']): string {
  const { io } = card;
  if (card.task === 'regression') return `value ${io.value}`;
  return [
    io.label
      ? `label ${io.label}`
      : `label: the class of highest ${io.probabilities ? 'probability' : 'score'}`,
    io.probabilities ? `probabilities ${io.probabilities}` : undefined,
    io.scores ? `scores ${io.scores} (not probabilities)` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
