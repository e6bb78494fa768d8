// Reading the zips `modelgate package` writes: unpacked with fflate, and listed and CRC-checked by
// Python's zipfile, a second implementation that did not write them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';

export interface ZipListing {
  /** Python's zipfile.testzip(): null when every entry's CRC matches. */
  badEntry: string | null;
  entries: { name: string; mode: number; size: number; compressed: number; date: number[] }[];
}

export function listZip(path: string): ZipListing {
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps({"badEntry": z.testzip(), "entries": [
        {"name": i.filename, "mode": i.external_attr >> 16, "size": i.file_size,
         "compressed": i.compress_size, "date": list(i.date_time)} for i in z.infolist()]}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as ZipListing;
}

/** Unpacks the zip at `path` into `dir`, as Lambda unpacks a function or layer. */
export function unzipTo(path: string, dir: string): string {
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(path)))) {
    if (name.endsWith('/')) continue;
    const target = join(dir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return dir;
}
