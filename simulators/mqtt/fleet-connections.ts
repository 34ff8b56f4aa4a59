import mqtt, { type MqttClient } from 'mqtt';
import { mqttStatusTopic } from '../../shared/contract/topics.ts';

/** DESIGN §2: the last-will every sensor and gateway registers on its status topic. */
export const OFFLINE = JSON.stringify({ state: 'offline' });
const ONLINE = JSON.stringify({ state: 'online', source: 'roadpulse-simulator' });

export interface ConnectionOptions {
  url: string;
  /** Prepended to the gateway/sensor id to make the MQTT client id. */
  clientPrefix: string;
  /** Connections opened at the same time. */
  concurrency: number;
}

/**
 * One mqtt.js (v5) connection per publishing id (a batching gateway or a lone detector), each with
 * a retained last-will {"state":"offline"} on traffic/v1/{id}/status and a retained
 * {"state":"online"} once connected. Closing publishes "offline" first: a clean disconnect does not
 * fire the will [MQTT-3.1.2-8].
 */
export class FleetConnections {
  private constructor(private readonly clients: Map<string, MqttClient>) {}

  static async open(ids: readonly string[], options: ConnectionOptions): Promise<FleetConnections> {
    const clients = new Map<string, MqttClient>();
    try {
      for (let i = 0; i < ids.length; i += options.concurrency) {
        const slice = ids.slice(i, i + options.concurrency);
        const opened = await Promise.all(slice.map((id) => connectOne(id, options)));
        slice.forEach((id, k) => clients.set(id, opened[k]!));
      }
    } catch (err) {
      await Promise.allSettled([...clients.values()].map((c) => c.endAsync(true)));
      throw err;
    }
    return new FleetConnections(clients);
  }

  get size(): number {
    return this.clients.size;
  }

  /** QoS 1 publish; resolves on PUBACK. mqtt.js re-sends after a reconnect. */
  async publish(id: string, topic: string, payload: string): Promise<void> {
    const client = this.clients.get(id);
    if (!client) throw new Error(`no connection for ${id}`);
    await client.publishAsync(topic, payload, { qos: 1 });
  }

  /** Says "offline" on every status topic (unless `sayOffline` is false), then disconnects. */
  async close({ sayOffline = true }: { sayOffline?: boolean } = {}): Promise<void> {
    await Promise.allSettled(
      [...this.clients].map(async ([id, client]) => {
        if (sayOffline && client.connected) await client.publishAsync(mqttStatusTopic(id), OFFLINE, { qos: 1, retain: true });
        await client.endAsync();
      }),
    );
    this.clients.clear();
  }
}

async function connectOne(id: string, options: ConnectionOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(options.url, {
    clientId: `${options.clientPrefix}${id}`,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    will: { topic: mqttStatusTopic(id), payload: Buffer.from(OFFLINE), qos: 1, retain: true },
  });
  client.on('error', () => undefined); // reconnects by itself; failures show as missing PUBACKs
  await client.publishAsync(mqttStatusTopic(id), ONLINE, { qos: 1, retain: true });
  return client;
}
