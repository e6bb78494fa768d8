// Parsers for numeric command-line options: strict, and the error names the option.
import { InvalidArgumentError } from 'commander';
import { type LogLevel, parseLogLevel, parseRequestSampling } from '../adapters/log.js';

export function integerOption(value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim()))
    throw new InvalidArgumentError(`expected an integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function numberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A sha256 in hex, as `sha256sum` prints it: 64 hex digits. */
export function sha256Option(value: string): string {
  const hex = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new InvalidArgumentError(`expected a sha256: 64 hex digits, got ${JSON.stringify(value)}`);
  return hex;
}

export function listOption(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** `--log-level`: debug, info, warn, error or off. */
export function logLevelOption(value: string): LogLevel {
  try {
    return parseLogLevel(value, '--log-level');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** `--log-requests`: on, off, or the share of request lines written (0 to 1). */
export function logRequestsOption(value: string): number {
  try {
    return parseRequestSampling(value, '--log-requests');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
