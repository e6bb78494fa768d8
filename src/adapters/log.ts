// Structured logs: one JSON object a line. Lines are gathered and written together (every 50 ms, or
// sooner when many wait), since a write per request costs a busy server more than the prediction.
// Errors and lifecycle lines are written at once.

export type LogLine = Record<string, unknown>;

export class JsonLog {
  private pending: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: { write(chunk: string): unknown } = process.stdout,
    private readonly flushMs = 50,
  ) {}

  /** Queues a request line. */
  line(entry: LogLine): void {
    this.pending.push(JSON.stringify({ time: new Date().toISOString(), ...entry }));
    if (this.pending.length >= 512) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes a line now, after any queued ones. */
  now(entry: LogLine): void {
    this.line(entry);
    this.flush();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.out.write(text);
  }
}
