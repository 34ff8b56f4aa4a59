import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../logging/create-logger.ts';

/** The kafkajs level that lets through what the pino logger would print (KAFKAJS_LOG_LEVEL still overrides it). */
export function kafkaLogLevel(log: Logger): logLevel {
  switch (log.level) {
    case 'silent':
      return logLevel.NOTHING;
    case 'fatal':
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    default:
      return logLevel.DEBUG; // debug, trace
  }
}

/**
 * kafkajs warns whenever an idempotent producer gets a finite retry budget. The bus bounds it on
 * purpose (a publish must fail, not hang, while Kafka is down) and replaces the producer after a
 * failed send, which is what keeps the guarantee (kafka-publisher.ts); the warning would be noise.
 */
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer';

/**
 * Routes kafkajs's log into pino (STYLE "Logging"): one child logger `{ component: 'kafkajs' }`,
 * kafkajs's namespace (Connection, ConsumerGroup, Runner …) as a field, its extra fields kept.
 */
export function kafkaLogCreator(log: Logger): logCreator {
  const child = log.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      // `timestamp` and `logger` duplicate what pino adds itself.
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry;
      const fields = { namespace, ...extra };
      switch (message.startsWith(BOUNDED_RETRIES_WARNING) ? logLevel.DEBUG : level) {
        case logLevel.ERROR:
          child.error(fields, message);
          break;
        case logLevel.WARN:
          child.warn(fields, message);
          break;
        case logLevel.INFO:
          child.info(fields, message);
          break;
        default:
          child.debug(fields, message);
      }
    };
}
