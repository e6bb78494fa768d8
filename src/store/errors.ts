/** A model or data object could not be read from (or written to) its URI. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly uri: string;
  /** What went wrong, without the URI. */
  readonly reason: string;

  constructor(uri: string, reason: string, options?: { cause?: unknown }) {
    super(`${uri}: ${reason}`, options);
    this.uri = uri;
    this.reason = reason;
  }
}
