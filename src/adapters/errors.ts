// Errors of the adapters: what a transport handed over could not be translated into a core request
// (a malformed Lambda event), or, for the HTTP transport, a request that does not arrive in time or in a
// shape the server takes (Node's parser refuses it, its body comes in crumbs): there is no whole request
// to give the core, so the server answers those itself, in the core's error body.
import { ApiError, BadRequestError } from '../api/errors.js';

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

/** 408: the request's headers, or its whole body, did not arrive within the server's time limit. */
export class RequestTimeoutError extends ApiError {
  override name = 'RequestTimeoutError';
  constructor(part: 'headers' | 'request', limitMs: number) {
    super(
      408,
      'request_timeout',
      part === 'headers'
        ? `the request's headers did not arrive within ${limitMs} ms`
        : `the request did not arrive whole within ${limitMs} ms`,
      { limitMs },
    );
  }
}

/** 431: the request line and headers are over Node's header size limit. */
export class HeadersTooLargeError extends ApiError {
  override name = 'HeadersTooLargeError';
  constructor(limitBytes: number) {
    super(
      431,
      'headers_too_large',
      `the request line and headers are over the limit of ${limitBytes} bytes`,
      { limitBytes },
    );
  }
}

/** 400: bytes that are not an HTTP/1.1 request (Node's parser names what is wrong). */
export class MalformedRequestError extends ApiError {
  override name = 'MalformedRequestError';
  constructor(reason: string) {
    super(400, 'malformed_request', `the request is not valid HTTP/1.1: ${reason}`);
  }
}

/** How small the pieces of a body may be: past `pieces` of them, they must average `minAverageBytes`. */
export interface FragmentationRule {
  pieces: number;
  minAverageBytes: number;
}

/**
 * 400: a body that arrives in thousands of pieces of a few bytes each (one-byte chunks of a chunked
 * body, or one-byte writes): each piece costs the server a callback whatever its size, so such a body
 * costs hundreds of times the work of the same bytes sent in whole pieces.
 */
export class FragmentedBodyError extends ApiError {
  override name = 'FragmentedBodyError';
  constructor(pieces: number, bytes: number, rule: FragmentationRule) {
    super(
      400,
      'body_too_fragmented',
      `the body arrived in ${pieces} pieces of ${(bytes / pieces).toFixed(1)} bytes on average; send it in larger pieces (a body of more than ${rule.pieces} pieces must average ${rule.minAverageBytes} bytes or more)`,
      { pieces, bytes, rule },
    );
  }
}
