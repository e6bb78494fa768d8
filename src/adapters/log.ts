// Structured logs: one JSON object a line. The lines of one turn of the event loop are written
// together when it ends, since a write per request costs a busy server more than the prediction; they
// are not held longer, as lines kept across garbage collections would be moved to the old heap and
// grow it. Errors and lifecycle lines are written at once.

export type LogLine = Record<string, unknown>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

/** What both adapters log through: JSON lines with a `level`; the HTTP server's and Lambda's alike. */
export interface Logger {
  /** A line that may wait for the end of this turn of the event loop (a request's). */
  line(entry: LogLine): void;
  /** A line written at once, after any waiting ones (errors, lifecycle). */
  now(entry: LogLine): void;
  /** Whether this request's line is to be written: per-request lines may be off or sampled. */
  sampleRequest(): boolean;
  flush(): void;
}

export interface LogOptions {
  /** Lines below this level are dropped (default info; `off` drops all). */
  level?: LogLevel;
  /** The share of request lines written, 0 to 1 (default 1; 0 turns them off). Errors always are. */
  requests?: number;
  /** Fields every line carries (Lambda: the function's version), after `time` and before the line's own. */
  fields?: LogLine;
}

/** A log level from its name (LOG_LEVEL, --log-level), or a message naming the ones there are. */
export function parseLogLevel(raw: string, name = 'LOG_LEVEL'): LogLevel {
  const v = raw.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new RangeError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
}

/** The share of request lines to write: "on", "off", or a number from 0 to 1. */
export function parseRequestSampling(raw: string, name = 'LOG_REQUESTS'): number {
  const v = raw.trim().toLowerCase();
  if (v === 'on' || v === 'true' || v === '1') return 1;
  if (v === 'off' || v === 'false' || v === '0') return 0;
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new RangeError(`${name} must be on, off or a share from 0 to 1, got ${JSON.stringify(raw)}`);
  return n;
}

export class JsonLog implements Logger {
  private pending: string[] = [];
  private scheduled?: NodeJS.Immediate;
  private lastMs = 0;
  private lastTime = '';
  private readonly minRank: number;
  private readonly requests: number;
  private readonly fields: LogLine | undefined;

  constructor(
    private readonly out: { write(chunk: string): unknown } = process.stdout,
    options: LogOptions = {},
  ) {
    this.minRank = RANK[options.level ?? 'info'] as number;
    this.requests = options.requests ?? 1;
    this.fields = options.fields && Object.keys(options.fields).length > 0 ? options.fields : undefined;
  }

  sampleRequest(): boolean {
    return this.requests >= 1 || (this.requests > 0 && Math.random() < this.requests);
  }

  /** Queues a line. */
  line(entry: LogLine): void {
    const level = entry.level;
    if (typeof level === 'string' ? (RANK[level] ?? 1) < this.minRank : this.minRank > 1) return;
    const time = this.time();
    this.pending.push(JSON.stringify(this.fields ? { time, ...this.fields, ...entry } : { time, ...entry }));
    if (this.pending.length >= 512) this.flush();
    else if (!this.scheduled) {
      this.scheduled = setImmediate(() => this.flush());
      this.scheduled.unref();
    }
  }

  /** The ISO time, formatted once a millisecond however many lines share it. */
  private time(): string {
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTime = new Date(ms).toISOString();
    }
    return this.lastTime;
  }

  /** Writes a line now, after any queued ones. */
  now(entry: LogLine): void {
    this.line(entry);
    this.flush();
  }

  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.out.write(text);
  }
}
