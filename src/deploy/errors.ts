/** A package cannot be built as asked: the message says what is missing or too large. */
export class PackageError extends Error {
  override name = 'PackageError';
}
