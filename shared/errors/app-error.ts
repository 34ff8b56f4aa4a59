/** Error codes that cross a boundary (adapters translate driver errors into these). */
export type ErrorCode =
  | 'config_invalid'
  | 'bus_unavailable'
  | 'store_unavailable'
  | 'bad_request'
  | 'not_found'
  | 'too_many_points'
  | 'unauthorized';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
