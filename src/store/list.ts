// Listing the objects of a "folder" by URI: a local directory's files, or the objects directly under an
// s3:// prefix; and a cheap tag of one object's content (a file's size and modification time, an S3
// object's ETag) to see whether it changed without reading it.
import { type Stats, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StoreError } from './errors.js';
import { isRemote, isS3, isUrl } from './uri.js';

export interface ListedObject {
  /** A path or s3:// URI, as readUri takes it. */
  uri: string;
  /** Its last path segment (the file name). */
  name: string;
  size: number;
}

export interface ListUriOptions {
  /** Refuse a listing of more than this many matching objects (a StoreError saying so). */
  maxObjects: number;
  /** Only names ending with this, case-insensitive ('.onnx'). */
  suffix: string;
  timeoutMs: number;
}

/** A URI that names a folder or prefix to list: one that ends with '/' (and a local directory). */
export function isFolderUri(uri: string): boolean {
  return uri.endsWith('/');
}

/**
 * The matching objects in a local directory (its regular files, not those in subdirectories) or
 * directly under an s3:// prefix, sorted by name.
 */
export async function listUri(uri: string, options: ListUriOptions): Promise<ListedObject[]> {
  if (isS3(uri)) {
    const { listS3 } = await import('./s3.js');
    const objects = await listS3(uri, options);
    return objects.map((o) => ({ uri: o.uri, name: o.key.slice(o.key.lastIndexOf('/') + 1), size: o.size }));
  }
  if (isUrl(uri)) throw new StoreError(uri, 'an http(s) URL cannot be listed; name each model file');
  if (isRemote(uri)) throw new StoreError(uri, 'unsupported URI scheme; use a local folder or s3://');
  let names: string[];
  try {
    names = await readdir(uri);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such folder'
        : code === 'ENOTDIR'
          ? 'not a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : (cause as Error).message;
    throw new StoreError(uri, `cannot list: ${why}`, { cause });
  }
  const suffix = options.suffix.toLowerCase();
  const found: ListedObject[] = [];
  for (const name of names.sort()) {
    if (!name.toLowerCase().endsWith(suffix) || name.startsWith('.')) continue;
    const path = join(uri, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    found.push({ uri: path, name: basename(path), size: st.size });
    if (found.length > options.maxObjects)
      throw new StoreError(
        uri,
        `more than ${options.maxObjects} ${options.suffix} files in this folder; the limit is ${options.maxObjects}`,
      );
  }
  return found;
}

/**
 * A tag that changes when the object's content may have: a local file's inode, size and modification
 * time; an S3 object's ETag. undefined when the object is not there (or cannot be checked now).
 */
export async function contentTag(uri: string, timeoutMs: number): Promise<string | undefined> {
  if (isS3(uri)) {
    const { headS3 } = await import('./s3.js');
    const head = await headS3(uri, { timeoutMs }).catch(() => undefined);
    return head?.etag ?? (head ? `size:${head.size}` : undefined);
  }
  if (isRemote(uri)) return undefined;
  return localTag(uri);
}

/** A local file's tag (contentTag), at once. */
export function localTag(path: string): string | undefined {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  return st.isFile() ? `${st.ino}:${st.size}:${st.mtimeMs}` : undefined;
}
