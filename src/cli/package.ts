// `modelgate package`: prints what it wrote and what the function or container needs to run it.
import { relative } from 'node:path';
import { readModelBytes, servableCard } from '../adapters/model.js';
import { sha256Hex } from '../adapters/model-file.js';
import { installedSources } from '../deploy/contents.js';
import {
  BAKED_MODEL_NAME,
  lambdaPackage,
  type ModelInPackage,
  megabytes,
  type Progress,
  serverPackage,
} from '../deploy/package.js';
import type { LambdaArchitecture } from '../deploy/platform.js';
import { isRemote } from '../store/uri.js';
import { UsageError } from './errors.js';
import { progressBar } from './progress.js';

export interface PackageCommandOptions {
  out: string;
  arch: LambdaArchitecture;
  model?: string;
  sha256?: string;
  useLayer?: boolean;
  unpacked?: boolean;
  server?: boolean;
  quiet?: boolean;
}

const MB = 1024 * 1024;

function barProgress(enabled: boolean): Progress {
  let bar = progressBar('', false);
  let total = 0;
  return {
    start(label, totalBytes) {
      total = Math.max(1, Math.round(totalBytes / MB));
      bar = progressBar(`writing ${label}`, enabled, process.stderr, 'MB');
    },
    update(done) {
      bar.update(Math.min(total, Math.round(done / MB)), total);
    },
    stop() {
      bar.stop();
    },
  };
}

/** The model to bake in (a file) or to record (an s3:// or https:// URI), checked to load. */
async function modelToPackage(
  uri: string,
  sha256: string | undefined,
): Promise<{ model: ModelInPackage; name: string }> {
  const { bytes } = await readModelBytes({ uri, sha256 });
  const { name } = await servableCard(bytes, uri, 'nothing was packaged');
  const digest = sha256Hex(bytes);
  return { model: isRemote(uri) ? { uri, sha256: digest } : { bytes, sha256: digest }, name };
}

export async function packageCommand(opts: PackageCommandOptions): Promise<void> {
  if (opts.server && (opts.useLayer || opts.unpacked))
    throw new UsageError(
      '--server writes a folder for `modelgate serve`; --use-layer and --unpacked are for Lambda',
    );
  if (opts.sha256 !== undefined && opts.model === undefined) throw new UsageError('--sha256 needs --model');
  const sources = installedSources();
  const packaged = opts.model === undefined ? undefined : await modelToPackage(opts.model, opts.sha256);
  const say = (line: string) => {
    if (!opts.quiet) process.stdout.write(`${line}\n`);
  };
  const shown = (path: string) => {
    const below = relative(process.cwd(), path);
    return below === '' || below.startsWith('..') ? path : below;
  };

  const modelLine = () => {
    if (!packaged) return 'model: none packaged; set MODEL_URI (and MODEL_SHA256) in the environment';
    const { model, name } = packaged;
    return 'bytes' in model
      ? `model: ${name}, baked in as ${BAKED_MODEL_NAME} (sha256 ${model.sha256})`
      : `model: ${name}, read from ${model.uri} at start (sha256 ${model.sha256} checked); MODEL_URI overrides it`;
  };

  if (opts.server) {
    const out = serverPackage({ outDir: opts.out, arch: opts.arch, model: packaged?.model, sources });
    say(
      `wrote ${shown(out.dir)}/: ${out.files} files, ${megabytes(out.bytes)} (modelgate serve for linux/${opts.arch})`,
    );
    say(`  run: node --max-semi-space-size=8 modelgate.mjs serve --host 0.0.0.0 --port 8080`);
    say(modelLine());
    return;
  }

  const out = await lambdaPackage({
    outDir: opts.out,
    arch: opts.arch,
    model: packaged?.model,
    useLayer: opts.useLayer,
    unpacked: opts.unpacked,
    sources,
    progress: barProgress(!opts.quiet),
  });
  const zipLine = (z: typeof out.function) =>
    `wrote ${shown(z.path)}: ${megabytes(z.zippedBytes)} zipped, ${megabytes(z.unzippedBytes)} unzipped, ${z.files} files, sha256 ${z.sha256}`;
  say(zipLine(out.function));
  say(
    `  function: handler index.handler, runtime nodejs22.x, architecture ${opts.arch}; ${
      !opts.useLayer
        ? 'onnxruntime-node included'
        : `onnxruntime-node NOT included: attach layer-${opts.arch}.zip`
    }`,
  );
  say(zipLine(out.layer));
  say(
    `  layer: onnxruntime-node alone for nodejs22.x on ${opts.arch} (for functions packaged with --use-layer)`,
  );
  if (out.unpackedDir) say(`wrote ${shown(out.unpackedDir)}/ (the function's files, for a container image)`);
  say(modelLine());
}
