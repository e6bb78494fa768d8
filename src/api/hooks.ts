// Hooks around every request the core answers: where metrics, logs and CORS attach, without the
// protocols knowing of them. Each runs synchronously on the request's path, so a hook is cheap or it
// defers its work (the JSON log batches its lines per turn of the event loop).
import type { CoreResponse, Exchange } from './protocol.js';

export interface Hooks {
  /** Before routing; a response returned here is the answer (a CORS preflight, say). */
  before?(exchange: Exchange): CoreResponse | undefined;
  /** Once the answer is made, error answers included; it may add headers to it (they are this request's own). */
  after?(exchange: Exchange, response: CoreResponse): void;
  /**
   * Set when `after` only reads the answer (metrics, logs): where every hook says so, the core hands
   * them the route's response as it is instead of a copy of it and its headers for each request.
   */
  readonly readsOnly?: boolean;
  /** When the answer is an error: `error` is the ApiError, or the fault behind a 500. */
  onError?(exchange: Exchange, error: unknown): void;
}
