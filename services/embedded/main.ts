import closeWithGrace from 'close-with-grace';
import { ConfigError, describeConfig, loadConfig } from '../../shared/config/load-config.ts';
import { configSchema } from '../../shared/config/schema.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { startEmbeddedPipeline } from './embedded-pipeline.ts';

// Composition root of `npm start`: config → logger → adapters → services → graceful shutdown.
if (process.argv.includes('--help')) {
  process.stdout.write(`roadpulse (embedded): environment variables\n\n${describeConfig(configSchema).join('\n')}\n`);
  process.exit(0);
}

let config;
try {
  config = loadConfig(configSchema);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`roadpulse: ${err.message}\nRun with --help to list the variables.\n`);
  process.exit(2);
}

const log = createLogger({ level: config.ROADPULSE_LOG_LEVEL });
try {
  const pipeline = await startEmbeddedPipeline(config, log);
  closeWithGrace({ delay: 10_000, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    await pipeline.close();
  });
} catch (err) {
  log.fatal({ err }, 'start-up failed');
  process.exit(1);
}
