// Errors with an HTTP status that serialize themselves as protocol.md's error body.

export interface ErrorBody {
  error: { type: string; message: string; details?: Record<string, unknown> };
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly type: string;
  readonly details?: Record<string, unknown>;

  constructor(
    status: number,
    type: string,
    message: string,
    details?: Record<string, unknown>,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.type = type;
    this.details = details;
  }

  toJSON(): ErrorBody {
    return {
      error: { type: this.type, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

/** 400: the body is not JSON, has the wrong shape or types, or rows that do not fit the model. */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
  constructor(type: string, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(400, type, message, details, cause);
  }
}

export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
  constructor(message: string, details?: Record<string, unknown>) {
    super(404, 'not_found', message, details);
  }
}

export class MethodNotAllowedError extends ApiError {
  override name = 'MethodNotAllowedError';
  readonly allow: string[];
  constructor(method: string, path: string, allow: string[]) {
    super(405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${allow.join(' or ')}`, {
      allow,
    });
    this.allow = allow;
  }
}

/** 413: the body is over the size limit, or has more rows (or values) than the limits allow. */
export class PayloadTooLargeError extends ApiError {
  override name = 'PayloadTooLargeError';
  constructor(
    type: 'body_too_large' | 'too_many_rows' | 'too_many_values',
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(413, type, message, details);
  }
}

/** 413 for a body over `limit` bytes; `size` when the whole size is known (a stream is cut off before). */
export function bodyTooLargeError(limit: number, size?: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    'body_too_large',
    `the body is ${size === undefined ? '' : `${size} bytes, `}over the limit of ${limit} bytes; split the rows into smaller requests`,
    size === undefined ? { limit } : { limit, size },
  );
}

export class UnsupportedMediaTypeError extends ApiError {
  override name = 'UnsupportedMediaTypeError';
  constructor(contentType: string) {
    super(
      415,
      'unsupported_media_type',
      `content type ${JSON.stringify(contentType)} is not supported; send application/json`,
      {
        contentType,
      },
    );
  }
}

/** 503: the model is still loading or failed to load. */
export class ModelNotReadyError extends ApiError {
  override name = 'ModelNotReadyError';
  constructor(message: string) {
    super(503, 'model_not_ready', message);
  }
}

/** 500: a fault inside modelgate, never bad input. */
export class InternalError extends ApiError {
  override name = 'InternalError';
  constructor(message: string, cause?: unknown) {
    super(500, 'internal_error', message, undefined, cause);
  }
}

/**
 * 500 of its own type: the model produced NaN or an infinity. The answer is withheld (JSON would carry
 * it as null) and the fault is logged; the input was valid, so it is not a 4xx.
 */
export class ModelOutputError extends ApiError {
  override name = 'ModelOutputError';
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(500, 'non_finite_output', message, details, cause);
  }
}
