/**
 * A wrong command line: an option's value out of its range, options that do not go together. The
 * message says which option and what it takes. Exit code 2, as for commander's own usage errors.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
