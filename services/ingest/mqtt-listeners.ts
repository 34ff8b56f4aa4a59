import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { readTlsFiles, TlsFilesError, watchTlsFiles, type TlsFiles } from '../../shared/runtime/tls-files.ts';
import type { BrokerAdmission } from './broker-limits.ts';

/** Path and subprotocol of MQTT over WebSocket (MQTT 3.1.1 §6: "mqtt"; "mqttv3.1" for MQTT 3.1 clients). */
export const MQTT_WS_PATH = '/mqtt';
const WS_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { port: number; files: TlsFiles; requireClientCert: boolean };
  ws?: { port: number };
  /** TLS handshake and WebSocket upgrade must be done within this (then aedes' CONNECT timeout runs). */
  setupTimeoutMs: number;
  maxPacketBytes: number;
}

export interface MqttListeners {
  tcpPort: number;
  tlsPort: number | null;
  wsPort: number | null;
  /**
   * Stops accepting, lets `closeClients` (aedes) close the clients, then closes what is left
   * (sockets that never sent CONNECT are no aedes clients yet) and resolves once every listener closed.
   */
  close(closeClients: () => Promise<void>): Promise<void>;
}

/** The listener options from ROADPULSE_MQTT_*; a TLS port without certificate and key stops start-up naming them. */
export function listenerOptionsFromConfig(config: Config): ListenerOptions {
  const options: ListenerOptions = {
    host: config.ROADPULSE_MQTT_HOST,
    port: config.ROADPULSE_MQTT_PORT,
    setupTimeoutMs: config.ROADPULSE_MQTT_CONNECT_TIMEOUT_S * 1000,
    maxPacketBytes: config.ROADPULSE_MQTT_MAX_PACKET_BYTES,
  };
  if (config.ROADPULSE_MQTT_TLS_PORT !== undefined) {
    const cert = config.ROADPULSE_MQTT_TLS_CERT_FILE;
    const key = config.ROADPULSE_MQTT_TLS_KEY_FILE;
    if (!cert || !key) throw new TlsFilesError('ROADPULSE_MQTT_TLS_PORT is set: ROADPULSE_MQTT_TLS_CERT_FILE and ROADPULSE_MQTT_TLS_KEY_FILE are required');
    const ca = config.ROADPULSE_MQTT_TLS_CA_FILE;
    options.tls = {
      port: config.ROADPULSE_MQTT_TLS_PORT,
      requireClientCert: config.ROADPULSE_MQTT_TLS_REQUIRE_CLIENT_CERT,
      files: {
        cert: { file: cert, variable: 'ROADPULSE_MQTT_TLS_CERT_FILE' },
        key: { file: key, variable: 'ROADPULSE_MQTT_TLS_KEY_FILE' },
        ...(ca ? { ca: { file: ca, variable: 'ROADPULSE_MQTT_TLS_CA_FILE' } } : {}),
      },
    };
  }
  if (config.ROADPULSE_MQTT_WS_PORT !== undefined) options.ws = { port: config.ROADPULSE_MQTT_WS_PORT };
  return options;
}

/**
 * The broker's listeners: TCP always, TLS and WebSocket when configured. Every accepted TCP
 * connection first takes a place in the connection limits (refused ones are closed at once), and
 * aedes reads each connection through the packet-size and in-flight guard.
 */
export async function startMqttListeners(
  broker: Aedes,
  admission: BrokerAdmission,
  options: ListenerOptions,
  deps: { log: Logger; metrics: Metrics },
): Promise<MqttListeners> {
  const { log } = deps;
  const closers: (() => Promise<void>)[] = [];
  const open = new Set<Socket>();
  const admit = (socket: Socket): boolean => {
    if (!admission.admit(socket)) return false;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    return true;
  };
  const closeAll = async (closeClients: () => Promise<void>): Promise<void> => {
    const closed = Promise.all(closers.map((close) => close()));
    await closeClients();
    for (const socket of open) socket.destroy();
    await closed;
  };
  try {
    const tcp: TcpServer = createTcpServer((socket) => {
      if (!admit(socket)) return;
      admission.guard(socket);
      broker.handle(socket);
    });
    const tcpPort = await listen(tcp, options.port, options.host);
    closers.push(() => closeServer(tcp));
    log.info({ host: options.host, port: tcpPort }, 'MQTT listening');

    let tlsPort: number | null = null;
    if (options.tls) {
      const { files, requireClientCert } = options.tls;
      const tls: TlsServer = createTlsServer(
        {
          ...readTlsFiles(files),
          // With a CA, ask for a client certificate; whether it verified is on socket.authorized.
          requestCert: files.ca !== undefined,
          rejectUnauthorized: files.ca !== undefined && requireClientCert,
          handshakeTimeout: options.setupTimeoutMs,
        },
        (socket: TLSSocket) => {
          admission.guard(socket);
          broker.handle(socket);
        },
      );
      // 'connection' is the TCP socket before the handshake: limits count it from the accept.
      tls.on('connection', (socket: Socket) => admit(socket));
      tls.on('tlsClientError', (err, socket) => log.debug({ err: err.message, address: socket.remoteAddress }, 'TLS handshake failed'));
      tlsPort = await listen(tls, options.tls.port, options.host);
      const stopWatching = watchTlsFiles(tls, files, {
        log,
        listener: 'mqtt',
        onReload: (result) => deps.metrics.mqttTlsReloads.inc({ listener: 'mqtt', result }),
      });
      closers.push(() => {
        stopWatching();
        return closeServer(tls);
      });
      log.info({ host: options.host, port: tlsPort, clientCertificates: files.ca ? (requireClientCert ? 'required' : 'optional') : 'none' }, 'MQTT TLS listening');
    }

    let wsPort: number | null = null;
    if (options.ws) {
      const http: HttpServer = createHttpServer((_req, res) => {
        res.writeHead(426, { Upgrade: 'websocket', 'Content-Type': 'text/plain' }).end(`MQTT over WebSocket: ${MQTT_WS_PATH}\n`);
      });
      // A socket that never completes the upgrade is closed like one that never sends CONNECT.
      http.headersTimeout = options.setupTimeoutMs;
      http.requestTimeout = options.setupTimeoutMs;
      http.on('connection', (socket: Socket) => admit(socket));
      const wss = new WebSocketServer({
        server: http,
        path: MQTT_WS_PATH,
        // One MQTT packet per WebSocket message (mqtt.js, Paho JS); ws refuses a bigger frame from its header.
        maxPayload: options.maxPacketBytes + 1024,
        handleProtocols: (offered) => WS_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
      });
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        admission.guard(stream);
        broker.handle(stream, req);
      });
      wss.on('error', (err) => log.warn({ err: err.message }, 'WebSocket server error'));
      wsPort = await listen(http, options.ws.port, options.host);
      closers.push(async () => {
        wss.close();
        await closeServer(http);
      });
      log.info({ host: options.host, port: wsPort, path: MQTT_WS_PATH }, 'MQTT WebSocket listening');
    }

    return { tcpPort, tlsPort, wsPort, close: closeAll };
  } catch (err) {
    await closeAll(async () => {});
    throw err;
  }
}

function listen(server: TcpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** server.close() resolves when its last connection is gone (aedes closes them). */
function closeServer(server: TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
