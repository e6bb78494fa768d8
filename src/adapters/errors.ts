// Errors of the adapters: what a transport handed over could not be translated into a core request.
import { BadRequestError } from '../api/errors.js';

/**
 * 400: a Lambda event with a field of the wrong type (`"httpMethod": {...}`, a number for `body`) or
 * nested too deeply to be a request. The message names the field and what it holds.
 */
export class InvalidEventError extends BadRequestError {
  override name = 'InvalidEventError';
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_event', message, details);
  }
}
