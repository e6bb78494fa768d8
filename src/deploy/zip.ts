// Zip archives for Lambda: deflated, files readable by everyone (Lambda runs code as another user than
// the one that built it), and reproducible: the same files give the same bytes and the same sha256,
// so infrastructure tools see no change when there is none.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Zip, ZipDeflate } from 'fflate';
import { sha256Hex } from '../adapters/model-file.js';
import type { PackageFile } from './contents.js';

/** Unix regular file, rw-r--r--, in the high half of a zip entry's external attributes. */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const UNIX = 3;
/** Every entry's time: the first a zip file can say (DOS time), in local time as zip stores it. */
const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);

export interface ZipResult {
  path: string;
  /** The archive's size in bytes. */
  zippedBytes: number;
  /** The files' total size once unpacked. */
  unzippedBytes: number;
  sha256: string;
  files: number;
}

export function fileBytes(file: PackageFile): Uint8Array {
  return 'bytes' in file ? file.bytes : readFileSync(file.source);
}

/** Deflated this much at a time, the event loop gets a turn in between (a progress bar redraws). */
const SLICE_BYTES = 4 * 1024 * 1024;

/**
 * Writes `files` (in the order given) to a zip archive at `path`, reporting the bytes read so far.
 * The archive appears only once it is complete.
 */
export async function writeZip(
  path: string,
  files: readonly PackageFile[],
  onProgress: (doneBytes: number) => void = () => {},
): Promise<ZipResult> {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else chunks.push(chunk);
  });
  let done = 0;
  for (const file of files) {
    const entry = new ZipDeflate(file.name, { level: 6 });
    entry.os = UNIX;
    entry.attrs = FILE_ATTRIBUTES;
    entry.mtime = FIXED_TIME;
    zip.add(entry);
    const bytes = fileBytes(file);
    for (let at = 0; at < bytes.length || at === 0; at += SLICE_BYTES) {
      const end = Math.min(bytes.length, at + SLICE_BYTES);
      entry.push(bytes.subarray(at, end), end === bytes.length);
      onProgress(done + end);
      await new Promise((resolve) => setImmediate(resolve));
    }
    done += bytes.length;
  }
  zip.end();
  if (failure) throw failure;
  const archive = Buffer.concat(chunks);
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, archive);
    renameSync(partial, path);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  return {
    path,
    zippedBytes: archive.length,
    unzippedBytes: done,
    sha256: sha256Hex(archive),
    files: files.length,
  };
}
