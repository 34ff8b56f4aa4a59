import { AppError } from '../errors/app-error.ts';

interface KafkaJsErrorLike {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  originalError?: unknown;
  cause?: unknown;
}

/** The innermost error kafkajs wrapped (KafkaJSNumberOfRetriesExceeded → the protocol/connection error). */
export function rootCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 10; depth++) {
    const e = current as KafkaJsErrorLike | null;
    const inner = e?.originalError ?? e?.cause;
    if (inner === undefined || inner === null || inner === current) break;
    current = inner;
  }
  return current;
}

/**
 * Translates a kafkajs error at the adapter boundary (STYLE habit 4). Retriable unless Kafka said the
 * request itself is wrong (a protocol error kafkajs marks non-retriable: too large, unknown topic
 * after retries, not authorised …); connection failures and exhausted retries are retriable: the same
 * call may succeed once the broker is back.
 */
export function toBusError(err: unknown, message: string): AppError {
  if (err instanceof AppError) return err;
  const root = rootCause(err) as KafkaJsErrorLike | null;
  const detail = root?.message ?? (err as KafkaJsErrorLike | null)?.message ?? String(err);
  const nonRetriable = root?.name === 'KafkaJSProtocolError' && root.retriable === false;
  const nonRetriableWrapper = (err as KafkaJsErrorLike | null)?.name === 'KafkaJSNonRetriableError' && root === err;
  return new AppError('bus_unavailable', `${message}: ${detail}`, {
    cause: err,
    retriable: !(nonRetriable || nonRetriableWrapper),
  });
}
