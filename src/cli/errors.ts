/** A wrong command line: the message says which argument and what it takes. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
