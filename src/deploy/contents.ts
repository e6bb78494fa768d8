// What goes into a package: the bundled entry and its chunks, onnxruntime-node for one platform, and
// the model. Files are named by where they go in the archive and where they come from.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PackageError } from './errors.js';
import { type LambdaArchitecture, nodeArch } from './platform.js';

/** One file of a package: its path inside the archive, and its bytes or the file they come from. */
export type PackageFile = { name: string; size: number } & ({ source: string } | { bytes: Uint8Array });

/** Where the pieces of a package are read from. */
export interface PackageSources {
  /** dist/bundle: `lambda/` (index.mjs and chunks) and `cli/` (modelgate.mjs and chunks). */
  bundleDir: string;
  /** The installed onnxruntime-node package folder. */
  onnxruntimeDir: string;
  /** The installed onnxruntime-common package folder (onnxruntime-node's one run-time dependency). */
  onnxruntimeCommonDir: string;
}

/** The pieces of this installation of modelgate. */
export function installedSources(): PackageSources {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const require = createRequire(import.meta.url);
  // The folder holding the package's package.json, found from its main file (a package's `exports` may
  // not list package.json itself).
  const packageDir = (name: string, from: ReturnType<typeof createRequire>) => {
    let dir: string;
    try {
      dir = dirname(from.resolve(name));
    } catch (cause) {
      throw new PackageError(`${name} is not installed beside modelgate (run npm install)`, { cause });
    }
    while (!existsSync(join(dir, 'package.json')) || basename(dir) !== name) {
      if (dirname(dir) === dir) throw new PackageError(`cannot find the folder of ${name}`);
      dir = dirname(dir);
    }
    return dir;
  };
  const onnxruntimeDir = packageDir('onnxruntime-node', require);
  const fromOrt = createRequire(join(onnxruntimeDir, 'package.json'));
  return {
    // dist/deploy/contents.js -> dist/bundle
    bundleDir: join(here, '..', 'bundle'),
    onnxruntimeDir,
    onnxruntimeCommonDir: packageDir('onnxruntime-common', fromOrt),
  };
}

/** Every file under `dir` (sorted), named `prefix` + its path below `dir`, those `keep` accepts. */
export function filesUnder(
  dir: string,
  prefix: string,
  keep: (path: string) => boolean = () => true,
): PackageFile[] {
  if (!existsSync(dir)) throw new PackageError(`${dir} is missing`);
  const files: PackageFile[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const below = relative(dir, path).split(sep).join(posix.sep);
        if (keep(below))
          files.push({ name: posix.join(prefix, below), source: path, size: statSync(path).size });
      }
    }
  };
  walk(dir);
  return files;
}

/** A bundled entry and its chunks: `lambda` (index.mjs) or `cli` (modelgate.mjs), at the archive's root. */
export function bundleFiles(sources: PackageSources, entry: 'lambda' | 'cli'): PackageFile[] {
  const dir = join(sources.bundleDir, entry);
  if (!existsSync(dir)) throw new PackageError(`${dir} is missing: run npm run build first`);
  return filesUnder(dir, '');
}

const isCode = (path: string) => path.endsWith('.js') || path.endsWith('.json');

/**
 * onnxruntime-node as `require('onnxruntime-node')` finds it under `prefix` (node_modules or a layer's
 * nodejs/node_modules): its JavaScript, the native binding and library for Linux on `arch` and no other
 * platform, and onnxruntime-common. Source maps, type declarations and sources stay behind.
 */
export function onnxruntimeFiles(
  sources: PackageSources,
  arch: LambdaArchitecture,
  prefix: string,
): PackageFile[] {
  const platform = `bin/napi-v6/linux/${nodeArch(arch)}`;
  const binaries = join(sources.onnxruntimeDir, platform);
  if (!existsSync(binaries))
    throw new PackageError(
      `onnxruntime-node has no binaries for linux/${nodeArch(arch)} (looked in ${binaries})`,
    );
  const ort = posix.join(prefix, 'onnxruntime-node');
  const common = posix.join(prefix, 'onnxruntime-common');
  return [
    ...filesUnder(
      sources.onnxruntimeDir,
      ort,
      (p) => p === 'package.json' || (p.startsWith('dist/') && isCode(p)),
    ),
    ...filesUnder(binaries, posix.join(ort, platform)),
    ...filesUnder(
      sources.onnxruntimeCommonDir,
      common,
      (p) => p === 'package.json' || (p.startsWith('dist/cjs/') && isCode(p)),
    ),
  ];
}

/** The sum of the files' sizes: what the package takes once unzipped. */
export function totalSize(files: readonly PackageFile[]): number {
  return files.reduce((sum, f) => sum + f.size, 0);
}
