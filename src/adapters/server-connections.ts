// The HTTP server's open connections, for a graceful stop: which ones are answering a request, which
// are idle, and closing each at the right moment.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Connection {
  readonly socket: Socket;
  readonly owner: Connections;
  /** Requests received on it whose response has not finished (more than one when pipelined). */
  busy: number;
  /** The latest request's response, and its id for the log. */
  response?: ServerResponse;
  requestId?: string;
  /** When it last finished a response, or was accepted, and `socket.bytesRead` then. */
  idleSince: number;
  bytesAtIdle: number;
  /** The transport answered it (a timeout, a malformed request): the request's own path logs nothing. */
  answered?: boolean;
  closeTimer?: NodeJS.Timeout;
}

/**
 * How long an idle keep-alive connection is kept once the server is draining. A client that has just
 * read a response may already have sent its next request, still in the network or the kernel's
 * buffer; closing the connection under it would drop that request, so a connection is closed only
 * once it has been idle this long (a request that arrives in the meantime is answered, with
 * `connection: close`).
 */
export const IDLE_GRACE_MS = 1_000;

const TRACKED = Symbol('modelgate.connection');
type Tracked = ServerResponse & { [TRACKED]?: Connection };

function responseClosed(this: Tracked): void {
  const c = this[TRACKED];
  if (c) c.owner.ended(c);
}

export class Connections {
  private readonly open = new Map<Socket, Connection>();
  private stopping?: Promise<number>;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.open.set(socket, { socket, owner: this, busy: 0, idleSince: performance.now(), bytesAtIdle: 0 });
      socket.once('close', () => {
        clearTimeout(this.open.get(socket)?.closeTimer);
        this.open.delete(socket);
      });
    });
  }

  /** True once `drain` was called: every response from then on says `connection: close`. */
  get draining(): boolean {
    return this.stopping !== undefined;
  }

  /** Notes a request received on `socket`, until its response closes. */
  started(socket: Socket, response: ServerResponse, requestId: string): void {
    const c = this.open.get(socket);
    if (!c) return;
    c.busy++;
    c.response = response;
    c.requestId = requestId;
    // One shared listener, the connection on the response: no closure per request.
    (response as Tracked)[TRACKED] = c;
    response.once('close', responseClosed);
  }

  /** A response on `socket` closed. */
  ended(c: Connection): void {
    const { socket } = c;
    c.busy--;
    c.idleSince = performance.now();
    c.bytesAtIdle = socket.bytesRead;
    if (this.draining && c.busy === 0 && !socket.destroyed) this.closeWhenIdle(socket, c);
  }

  /** The request in progress on `socket` (for an error the transport answers), if any. */
  current(socket: Socket): { requestId?: string; responseStarted: boolean } | undefined {
    const c = this.open.get(socket);
    if (!c || c.busy === 0) return undefined;
    return { requestId: c.requestId, responseStarted: c.response?.headersSent ?? false };
  }

  /** Marks the request on `socket` as answered by the transport (its own path then logs nothing). */
  markAnswered(socket: Socket): void {
    const c = this.open.get(socket);
    if (c) c.answered = true;
  }

  answered(socket: Socket): boolean {
    return this.open.get(socket)?.answered ?? false;
  }

  /**
   * Stops accepting connections, lets every request received finish (their responses close their
   * connections), closes idle connections after `IDLE_GRACE_MS`, and resolves once none is left, or
   * after `timeoutMs` with the connections still open destroyed; resolves to how many were.
   */
  drain(timeoutMs: number): Promise<number> {
    this.stopping ??= new Promise<number>((resolve) => {
      let cut = 0;
      const deadline = setTimeout(() => {
        cut = this.open.size;
        for (const socket of this.open.keys()) socket.destroy();
      }, timeoutMs);
      // http.Server.close() would also destroy every connection between requests at once, including
      // one whose next request is already in the kernel's buffer; closeWhenIdle does that after a grace.
      const server = this.server;
      server.closeIdleConnections = () => {};
      server.close(() => {
        clearTimeout(deadline);
        resolve(cut);
      });
      Reflect.deleteProperty(server, 'closeIdleConnections');
      for (const [socket, c] of this.open) if (c.busy === 0) this.closeWhenIdle(socket, c);
    });
    return this.stopping;
  }

  private closeWhenIdle(socket: Socket, c: Connection): void {
    clearTimeout(c.closeTimer);
    c.closeTimer = setTimeout(
      () => {
        if (c.busy > 0 || socket.destroyed) return;
        if (socket.bytesRead !== c.bytesAtIdle) {
          // Part of a request has arrived (its headers are not complete yet): give it time.
          c.idleSince = performance.now();
          c.bytesAtIdle = socket.bytesRead;
          this.closeWhenIdle(socket, c);
          return;
        }
        socket.destroy();
      },
      Math.max(0, c.idleSince + IDLE_GRACE_MS - performance.now()),
    );
  }
}
