// Hot reload's triggers for `serve`: a local model file is watched (fs.watch on its folder, which sees a
// file replaced by a rename too, and a stat poll for file systems where fs.watch says nothing), an
// s3:// object's ETag is polled, an https:// model is read again at an interval. Each trigger is
// debounced and asks the registry to reload that model, which swaps it only once the new one has loaded
// and passed its checks (ModelSet.reload).
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { contentTag, localTag } from '../store/list.js';
import { isRemote, isS3 } from '../store/uri.js';
import type { Logger } from './log.js';
import type { ModelSet } from './models.js';

export interface WatchOptions {
  /** How often s3:// objects' ETags are checked, ms; 0 turns it off. */
  s3IntervalMs: number;
  /** How often https:// models are read again (a reload only when their bytes changed), ms; 0 turns it off. */
  httpsIntervalMs: number;
  /** How often local files are stat'ed, besides fs.watch, ms; 0 turns it off. */
  filePollMs: number;
  /** A change is acted on once no other came for this long, ms (a file being written fires many events). */
  debounceMs: number;
  /** Bounds a HEAD of an S3 object. */
  timeoutMs: number;
  log?: Logger;
}

export const WATCH_DEFAULTS = {
  s3IntervalMs: 30_000,
  httpsIntervalMs: 0,
  filePollMs: 2_000,
  debounceMs: 300,
  timeoutMs: 10_000,
} as const;

export interface ModelWatch {
  close(): void;
}

export function watchModels(models: ModelSet, given: Partial<WatchOptions> = {}): ModelWatch {
  const options: WatchOptions = { ...WATCH_DEFAULTS, ...given };
  const timers = new Set<NodeJS.Timeout>();
  const watchers: FSWatcher[] = [];
  const debounced = new Map<string, NodeJS.Timeout>();
  /** Each polled source's tag when last seen: a poll reloads a model whose tag then changes. */
  const tags = new Map<string, string | undefined>();
  let closed = false;

  /** The model's reload, once no other trigger for it came within debounceMs. */
  const soon = (uri: string, why: string): void => {
    const previous = debounced.get(uri);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      debounced.delete(uri);
      // What is about to be read: a poll that sees this tag again has nothing new to report.
      if (!isRemote(uri)) tags.set(uri, localTag(uri));
      const entry = models.list().find((e) => models.fileOf(e).uri === uri);
      if (entry && !closed) void models.reload(entry, why);
    }, options.debounceMs);
    timer.unref();
    debounced.set(uri, timer);
  };
  const every = (ms: number, run: () => Promise<void>): void => {
    if (ms <= 0) return;
    let busy = false;
    const timer = setInterval(() => {
      if (busy || closed) return;
      busy = true;
      run()
        .catch((err: unknown) =>
          options.log?.line({
            level: 'warn',
            msg: 'model source check failed',
            error: (err as Error).message,
          }),
        )
        .finally(() => {
          busy = false;
        });
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  const local: string[] = [];
  const s3: string[] = [];
  const https: string[] = [];
  for (const entry of models.list()) {
    const { uri } = models.fileOf(entry);
    if (isS3(uri)) s3.push(uri);
    else if (isRemote(uri)) https.push(uri);
    else local.push(uri);
  }

  // One fs.watch per folder: watching the file itself loses it when it is replaced by a rename.
  const byFolder = new Map<string, Map<string, string>>();
  for (const uri of local) {
    const path = resolve(uri);
    const names = byFolder.get(dirname(path)) ?? new Map<string, string>();
    names.set(basename(path), uri);
    byFolder.set(dirname(path), names);
  }
  for (const [folder, names] of byFolder) {
    try {
      const watcher = watch(folder, { persistent: false }, (_event, filename) => {
        const uri = filename === null ? undefined : names.get(filename.toString());
        if (uri !== undefined) soon(uri, 'file changed');
      });
      watcher.on('error', (err) => {
        watcher.close();
        options.log?.now({
          level: 'warn',
          msg: 'stopped watching a model folder; polling it instead',
          folder,
          error: err.message,
        });
      });
      watchers.push(watcher);
    } catch (err) {
      options.log?.now({
        level: 'warn',
        msg: 'cannot watch a model folder; polling it instead',
        folder,
        error: (err as Error).message,
      });
    }
  }

  const polled = async (uris: readonly string[], why: string) => {
    for (const uri of uris) {
      const tag = await contentTag(uri, options.timeoutMs);
      if (tag === undefined || closed) continue;
      if (tags.has(uri) && tags.get(uri) !== tag) soon(uri, why);
      tags.set(uri, tag);
    }
  };
  // Local files' tags when they were read (else now): a change since is seen by the first poll.
  for (const entry of models.list()) {
    const { uri } = models.fileOf(entry);
    if (!isRemote(uri)) tags.set(uri, models.tagOf(entry) ?? localTag(uri));
  }
  void polled(s3, 'start');
  every(options.filePollMs, () => polled(local, 'file changed'));
  every(options.s3IntervalMs, () => polled(s3, 's3 object changed'));
  every(options.httpsIntervalMs, async () => {
    for (const uri of https) soon(uri, 'poll');
  });

  return {
    close() {
      closed = true;
      for (const t of timers) clearInterval(t);
      for (const t of debounced.values()) clearTimeout(t);
      for (const w of watchers) w.close();
    },
  };
}
