import closeWithGrace from 'close-with-grace';
import { ConfigError, describeConfig, loadConfig } from '../config/load-config.ts';
import { configSchema, type Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../logging/create-logger.ts';

export interface RunningService {
  close(): Promise<void>;
}

/**
 * The life of every roadpulse process: `--help`, config (a bad value exits 2 naming the variable),
 * logger, start, then a graceful close on SIGINT/SIGTERM (or a fatal error).
 */
export async function runService(name: string, start: (config: Config, log: Logger) => Promise<RunningService>): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${name}: environment variables\n\n${describeConfig(configSchema).join('\n')}\n`);
    process.exit(0);
  }
  let config: Config;
  try {
    config = loadConfig(configSchema);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${name}: ${err.message}\nRun with --help to list the variables.\n`);
    process.exit(2);
  }
  const log = createLogger({ level: config.ROADPULSE_LOG_LEVEL, name });
  try {
    const service = await start(config, log);
    // SIGHUP reloads what can be reloaded (the MQTT credentials file), as mosquitto and nginx do; it does not stop the process.
    process.on('SIGHUP', () => log.info({ signal: 'SIGHUP' }, 'SIGHUP: reloading'));
    closeWithGrace({ delay: 10_000, logger: log, skip: ['SIGHUP'] }, async ({ signal, err }) => {
      if (err) log.error({ err }, 'shutting down after an error');
      else log.info({ signal }, 'shutting down');
      await service.close();
    });
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
}
