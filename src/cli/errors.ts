/** A wrong command line: the message says which argument and what it takes. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * An option's value is out of the range its room accepts (a hyper-parameter, say): the message, from
 * that room's RangeError, names the option. Exit code 1, as before the rooms' checks were run early.
 */
export class InvalidOptionError extends Error {
  override name = 'InvalidOptionError';
}
