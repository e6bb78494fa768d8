// Errors of the HTTP transport itself: a request that does not arrive in time or in a shape the server
// takes (Node's parser refuses it, its body comes in crumbs). There is no whole request to give the
// core, so the server answers them itself, in the core's error body.
import { ApiError } from '../api/errors.js';

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
