// `modelgate package`: the Lambda function zip, the onnxruntime-node layer zip, and the folders a
// container image copies (the Lambda function unpacked, or `modelgate serve` with its runtime).

import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGED_MODEL_FILE, type PackagedModel } from '../adapters/model-file.js';
import {
  bundleFiles,
  onnxruntimeFiles,
  type PackageFile,
  type PackageSources,
  totalSize,
} from './contents.js';
import { PackageError } from './errors.js';
import type { LambdaArchitecture } from './platform.js';
import { writeZip, type ZipResult } from './zip.js';

/** Lambda's limits on a function deployed from a zip (code plus layers, unzipped). */
export const LAMBDA_LIMITS = { zippedBytes: 50 * 1024 * 1024, unzippedBytes: 250 * 1024 * 1024 };

/** The model a package carries: its bytes baked in, or a URI the function reads at init. */
export type ModelInPackage = { bytes: Uint8Array; sha256: string } | { uri: string; sha256: string };

export const BAKED_MODEL_NAME = 'model.onnx';

/** The model's files: model.onnx when baked in, and modelgate.json naming it (and its sha256). */
export function modelFiles(model: ModelInPackage | undefined): PackageFile[] {
  if (!model) return [];
  const record: PackagedModel =
    'bytes' in model
      ? { uri: BAKED_MODEL_NAME, sha256: model.sha256 }
      : { uri: model.uri, sha256: model.sha256 };
  const json = new TextEncoder().encode(`${JSON.stringify({ model: record }, null, 2)}\n`);
  const files: PackageFile[] = [{ name: PACKAGED_MODEL_FILE, bytes: json, size: json.length }];
  if ('bytes' in model) files.push({ name: BAKED_MODEL_NAME, bytes: model.bytes, size: model.bytes.length });
  return files.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export interface Progress {
  start(label: string, totalBytes: number): void;
  update(doneBytes: number): void;
  stop(): void;
}

const noProgress: Progress = { start() {}, update() {}, stop() {} };

export interface LambdaPackageOptions {
  outDir: string;
  arch: LambdaArchitecture;
  model?: ModelInPackage;
  /** Leave onnxruntime-node out of the function zip: the function gets it from the layer. */
  useLayer?: boolean;
  /** Also write the function's files to a folder (what a Lambda container image copies). */
  unpacked?: boolean;
  sources: PackageSources;
  progress?: Progress;
  /** Lambda's limits unless given (the tests give small ones). */
  limits?: typeof LAMBDA_LIMITS;
}

export interface LambdaPackage {
  function: ZipResult;
  layer: ZipResult;
  unpackedDir?: string;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The files written once to a folder under the system's temporary folder, named by a digest of what
 * they are (names, sizes, and where they come from and when that changed): the same files reuse the
 * folder, changed ones get a new one. For tools that want a folder to read, like CDK's assets.
 */
export function stagedFolder(label: string, files: readonly PackageFile[]): string {
  const digest = createHash('sha256');
  for (const f of files) {
    digest.update(`${f.name}\0${f.size}\0`);
    if ('bytes' in f) digest.update(f.bytes);
    else digest.update(`${f.source}\0${statSync(f.source).mtimeMs}\0`);
  }
  const dir = join(tmpdir(), `modelgate-${label}-${digest.digest('hex').slice(0, 20)}`);
  if (!existsSync(dir)) writeFolder(dir, files);
  return dir;
}

/** Makes the output folder, or says why it cannot be one. */
function outputFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new PackageError(`--out ${dir} is a file, not a folder`);
  mkdirSync(dir, { recursive: true });
}

/** Writes `files` to the folder `dir` (replacing it), readable by everyone; appears only once complete. */
export function writeFolder(dir: string, files: readonly PackageFile[]): void {
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  for (const file of files) {
    const path = join(partial, file.name);
    mkdirSync(dirname(path), { recursive: true });
    if ('bytes' in file) writeFileSync(path, file.bytes);
    else copyFileSync(file.source, path);
    chmodSync(path, 0o644);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
}

async function zipWithin(
  path: string,
  files: readonly PackageFile[],
  label: string,
  progress: Progress,
  limit: number,
): Promise<ZipResult> {
  progress.start(label, totalSize(files));
  let result: ZipResult;
  try {
    result = await writeZip(path, files, (done) => progress.update(done));
  } finally {
    progress.stop();
  }
  if (result.zippedBytes > limit) {
    rmSync(path, { force: true });
    throw new PackageError(
      `the ${label} would be ${megabytes(result.zippedBytes)}, over Lambda's ${megabytes(limit)} for a zip upload; keep the model in S3 (--model s3://...) or use a container image`,
    );
  }
  return result;
}

/** The function's files: the bundled handler, the model, and onnxruntime-node unless a layer brings it. */
export function functionFiles(
  sources: PackageSources,
  arch: LambdaArchitecture,
  model: ModelInPackage | undefined,
  useLayer = false,
): PackageFile[] {
  return [
    ...bundleFiles(sources, 'lambda'),
    ...modelFiles(model),
    ...(useLayer ? [] : onnxruntimeFiles(sources, arch, 'node_modules')),
  ];
}

/** The layer's files: onnxruntime-node where Lambda's NODE_PATH finds it (/opt/nodejs/node_modules). */
export function layerFiles(sources: PackageSources, arch: LambdaArchitecture): PackageFile[] {
  return onnxruntimeFiles(sources, arch, 'nodejs/node_modules');
}

export async function lambdaPackage(opts: LambdaPackageOptions): Promise<LambdaPackage> {
  const progress = opts.progress ?? noProgress;
  const limits = opts.limits ?? LAMBDA_LIMITS;
  const layer = layerFiles(opts.sources, opts.arch);
  const fnFiles = functionFiles(opts.sources, opts.arch, opts.model, opts.useLayer);
  // Lambda counts the function and its layers together, unzipped.
  const unzipped = totalSize(fnFiles) + (opts.useLayer ? totalSize(layer) : 0);
  if (unzipped > limits.unzippedBytes) {
    throw new PackageError(
      `the function would be ${megabytes(unzipped)} unzipped${opts.useLayer ? ' with its layer' : ''}, over Lambda's ${megabytes(limits.unzippedBytes)}; keep the model in S3 (--model s3://...) or use a container image`,
    );
  }
  outputFolder(opts.outDir);
  const zip = (name: string, files: PackageFile[], label: string) =>
    zipWithin(join(opts.outDir, `${name}-${opts.arch}.zip`), files, label, progress, limits.zippedBytes);
  const fnZip = await zip('function', fnFiles, 'function zip');
  const layerZip = await zip('layer', layer, 'layer zip');
  let unpackedDir: string | undefined;
  if (opts.unpacked) {
    unpackedDir = join(opts.outDir, `function-${opts.arch}`);
    writeFolder(unpackedDir, fnFiles);
  }
  return { function: fnZip, layer: layerZip, unpackedDir };
}

export interface ServerPackageOptions {
  outDir: string;
  arch: LambdaArchitecture;
  model?: ModelInPackage;
  sources: PackageSources;
}

/** `modelgate serve` as a folder for a container: modelgate.mjs, its chunks, onnxruntime-node, the model. */
export function serverPackage(opts: ServerPackageOptions): { dir: string; bytes: number; files: number } {
  const files = [
    ...bundleFiles(opts.sources, 'cli'),
    ...modelFiles(opts.model),
    ...onnxruntimeFiles(opts.sources, opts.arch, 'node_modules'),
  ];
  outputFolder(opts.outDir);
  const dir = join(opts.outDir, `server-${opts.arch}`);
  writeFolder(dir, files);
  return { dir, bytes: totalSize(files), files: files.length };
}
