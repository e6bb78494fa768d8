// `modelgate serve` started as a user starts it, for the tests: a real process on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { BIN } from './cli.js';

export interface Served {
  child: ChildProcess;
  url: string;
  /** Its JSON log lines so far. */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

/** Kills every server the tests started (an afterEach). */
/**
 * The first log line for which `match` holds, waiting for it a while: the server writes its lines a turn
 * after answering, and they cross a pipe, so a line can arrive after the client has its answer.
 */
export async function logLine(
  s: Served,
  match: (line: Record<string, unknown>) => boolean,
  waitMs = 5_000,
): Promise<Record<string, unknown> | undefined> {
  const until = performance.now() + waitMs;
  for (;;) {
    const line = s.lines.find(match);
    if (line || performance.now() > until) return line;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function stopServers(): void {
  for (const c of children.splice(0)) c.kill('SIGKILL');
}

/**
 * Starts `modelgate serve` on a free port and resolves once it reports ready (or exits). One process
 * (`--workers 1`) unless the arguments say otherwise: the tests that read a server's memory, pid or
 * lifecycle mean that process (test/serve/workers.test.ts tests several).
 */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const workers = args.includes('--workers') ? [] : ['--workers', '1'];
  return serveCommand([process.execPath, BIN, 'serve', ...args, ...workers, '--port', '0'], {
    ...process.env,
    ...env,
  });
}

/**
 * Starts a command that runs `modelgate serve` (`argv` ends with its arguments) with exactly `env`, and
 * resolves once it reports ready (or exits).
 */
export function serveCommand(argv: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Served> {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    let url = '';
    let buffered = '';
    child.stdout?.on('data', (d) => {
      buffered += d;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        if (line.msg === 'listening') url = String(line.url);
        if (line.msg === 'model loaded; ready') resolve({ child, url, lines, exited });
        nl = buffered.indexOf('\n');
      }
    });
    void exited.then((code) => resolve({ child, url, lines, exited: Promise.resolve(code) }));
    setTimeout(() => reject(new Error('serve did not become ready')), 20_000);
  });
}

/** A process's resident memory now and at its peak so far, in MiB (from /proc: Linux only). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** The complete HTTP/1.1 responses at the start of `text` (bodies by Content-Length; 1xx have none). */
export function parseResponses(text: string): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return out;
    const [statusLine, ...lines] = text.slice(at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (text.length < end + 4 + length) return out;
    out.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: text.slice(end + 4, end + 4 + length),
    });
    at = end + 4 + length;
  }
}

/** A raw TCP connection (Nagle off) to a server, for what no HTTP client sends. */
export interface RawConnection {
  socket: Socket;
  /** Everything the server has sent so far. */
  text(): string;
  /** Resolves when the connection closes (either side), with the socket error if any. */
  closed: Promise<string | undefined>;
  /** Waits (up to `timeoutMs`) until the server has sent `count` complete responses, or closed. */
  responses(count?: number, timeoutMs?: number): Promise<RawResponse[]>;
  /** Writes, resolving once the socket takes more (false when the connection is gone). */
  write(data: string | Buffer): Promise<boolean>;
}

export async function connectRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let error: string | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
  });
  const closed = new Promise<string | undefined>((resolve) => socket.on('close', () => resolve(error)));
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  return {
    socket,
    text: () => text,
    closed,
    async responses(count = 1, timeoutMs = 10_000) {
      const until = performance.now() + timeoutMs;
      while (parseResponses(text).length < count && !isClosed && performance.now() < until)
        await new Promise((r) => setTimeout(r, 10));
      return parseResponses(text);
    },
    write(data) {
      if (socket.destroyed || !socket.writable) return Promise.resolve(false);
      if (socket.write(data)) return Promise.resolve(true);
      // Whichever comes first settles the write; the other listener goes with it, so that a long
      // upload under backpressure does not pile up listeners on the socket.
      return new Promise((resolve) => {
        const drained = () => {
          socket.off('close', closed);
          resolve(true);
        };
        const closed = () => {
          socket.off('drain', drained);
          resolve(false);
        };
        socket.once('drain', drained);
        socket.once('close', closed);
      });
    },
  };
}
