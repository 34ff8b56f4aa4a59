import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** pino JSON to stdout; one root logger per process, components take `log.child({ component })`. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.name ?? 'roadpulse' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(opts);
}
