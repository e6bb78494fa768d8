/** A model or data object could not be read from (or written to) its URI. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly uri: string;

  constructor(uri: string, message: string, options?: { cause?: unknown }) {
    super(`${uri}: ${message}`, options);
    this.uri = uri;
  }
}
