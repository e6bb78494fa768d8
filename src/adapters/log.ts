// Structured logs: one JSON object a line. The lines of one turn of the event loop are written
// together when it ends, since a write per request costs a busy server more than the prediction; they
// are not held longer, as lines kept across garbage collections would be moved to the old heap and
// grow it. Errors and lifecycle lines are written at once.

export type LogLine = Record<string, unknown>;

export class JsonLog {
  private pending: string[] = [];
  private scheduled?: NodeJS.Immediate;
  private lastMs = 0;
  private lastTime = '';

  constructor(private readonly out: { write(chunk: string): unknown } = process.stdout) {}

  /** Queues a request line. */
  line(entry: LogLine): void {
    this.pending.push(JSON.stringify({ time: this.time(), ...entry }));
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
