// `modelgate serve` started as a user starts it, for the tests: a real process on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
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
export function stopServers(): void {
  for (const c of children.splice(0)) c.kill('SIGKILL');
}

/** Starts `modelgate serve` on a free port and resolves once it reports ready (or exits). */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  return serveCommand([process.execPath, BIN, 'serve', ...args, '--port', '0'], { ...process.env, ...env });
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
