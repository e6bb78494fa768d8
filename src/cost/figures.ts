// A model's figures for the cost page: measured by `modelgate serve` or `modelgate cost`, or read from
// the benchmark's docs/benchmarks.json (its top-level `costFigures`).

export interface ModelFigures {
  model: string;
  /** Median duration of a warm single-row prediction, in ms (Lambda bills it rounded up to 1 ms). */
  durationMs: number;
  /** The process's peak resident memory, in MB (MiB, as Lambda counts them). */
  peakMemoryMb: number;
  /** The smallest Lambda memory size at least the peak (128 MB at least). */
  lambdaMemoryMb: number;
}

/**
 * The `costFigures` of a benchmark results document: none when it has none; a TypeError that names the
 * entry and the field when it has them in another shape.
 */
export function costFiguresOf(document: unknown): ModelFigures[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new TypeError('the benchmark results are not a JSON object');
  }
  const list = (document as Record<string, unknown>).costFigures;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError('costFigures is not an array');
  return list.map((entry: unknown, i): ModelFigures => {
    const where = `costFigures[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new TypeError(`${where} is not an object`);
    }
    const e = entry as Record<string, unknown>;
    if (typeof e.model !== 'string' || e.model === '') throw new TypeError(`${where}.model is not a name`);
    for (const field of ['durationMs', 'peakMemoryMb', 'lambdaMemoryMb'] as const) {
      const v = e[field];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new TypeError(`${where}.${field} is not a number of 0 or more: ${JSON.stringify(v)}`);
      }
    }
    if (
      !Number.isInteger(e.lambdaMemoryMb) ||
      (e.lambdaMemoryMb as number) < 128 ||
      (e.lambdaMemoryMb as number) > 10240
    ) {
      throw new TypeError(
        `${where}.lambdaMemoryMb is not a Lambda memory size (128-10240 MB): ${e.lambdaMemoryMb}`,
      );
    }
    if ((e.durationMs as number) === 0) throw new TypeError(`${where}.durationMs is 0`);
    return {
      model: e.model,
      durationMs: e.durationMs as number,
      peakMemoryMb: e.peakMemoryMb as number,
      lambdaMemoryMb: e.lambdaMemoryMb as number,
    };
  });
}
