// A progress bar for long work, on a terminal only: piped or redirected output stays clean.
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

export function progressBar(
  label: string,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
  unit = 'stages',
): Progress {
  if (!enabled || !stream.isTTY) return silent;
  const bar = new SingleBar({
    stream,
    format: `${label} |{bar}| {value}/{total} {unit} | {duration_formatted} elapsed, ETA {eta_formatted}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 20,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0, { unit });
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
