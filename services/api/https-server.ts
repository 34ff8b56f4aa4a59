import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { readTlsFiles, TlsFilesError, watchTlsFiles, type TlsFiles } from '../../shared/runtime/tls-files.ts';

/** The API's TLS files from ROADPULSE_HTTP_TLS_*; null when HTTPS is off. One without the other stops start-up. */
export function httpsFilesFromConfig(config: Config): TlsFiles | null {
  const cert = config.ROADPULSE_HTTP_TLS_CERT_FILE;
  const key = config.ROADPULSE_HTTP_TLS_KEY_FILE;
  if (!cert && !key) return null;
  if (!cert || !key) throw new TlsFilesError('ROADPULSE_HTTP_TLS_CERT_FILE and ROADPULSE_HTTP_TLS_KEY_FILE go together: set both or neither');
  return { cert: { file: cert, variable: 'ROADPULSE_HTTP_TLS_CERT_FILE' }, key: { file: key, variable: 'ROADPULSE_HTTP_TLS_KEY_FILE' } };
}

/**
 * A fastify server factory for HTTPS: the files are checked now (a bad one stops start-up naming
 * its variable) and reloaded when they change, like the MQTT TLS listener's.
 */
export function httpsServerFactory(files: TlsFiles, deps: { log: Logger; metrics: Metrics }): FastifyServerFactory {
  const options = readTlsFiles(files);
  return (handler) => {
    const server = createHttpsServer(options, handler);
    const stop = watchTlsFiles(server, files, {
      log: deps.log,
      listener: 'http',
      onReload: (result) => deps.metrics.mqttTlsReloads.inc({ listener: 'http', result }),
    });
    server.once('close', stop);
    deps.log.info({ cert: files.cert.file }, 'HTTPS enabled for the API');
    // fastify drives an https.Server through the same listen/close/request API as an http.Server.
    return server as unknown as HttpServer;
  };
}
