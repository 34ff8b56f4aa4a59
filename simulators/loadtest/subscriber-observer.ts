import mqtt, { type MqttClient } from 'mqtt';
import { extractSeqs, type DeliveryObserver } from './delivery-observer.ts';
import { reconcileSequences, type Reconciliation, type SequenceLedger } from './sequence-ledger.ts';

/**
 * A plain MQTT subscriber on traffic/v1/+/telemetry (QoS 1): the peer baseline for a broker alone.
 * Readings are visible when received; loss and duplicates come from the (sensorId, seq) received.
 */
export class SubscriberObserver implements DeliveryObserver {
  readonly label = 'subscriber';
  readonly pollMs = 20;
  private readonly received: [string, number][] = [];

  private constructor(private readonly client: MqttClient) {}

  static async open(url: string, idPrefix: string): Promise<SubscriberObserver> {
    const client = await mqtt.connectAsync(url, { clientId: `${idPrefix}-sub`.slice(0, 23), clean: true, reconnectPeriod: 0 });
    const observer = new SubscriberObserver(client);
    client.on('message', (_topic, payload) => {
      for (const pair of extractSeqs(payload.toString('utf8'), idPrefix)) observer.received.push(pair);
    });
    await client.subscribeAsync('traffic/v1/+/telemetry', { qos: 1 });
    return observer;
  }

  async visible(): Promise<number> {
    return this.received.length;
  }

  async reconcile(ledger: SequenceLedger): Promise<Reconciliation> {
    return reconcileSequences(ledger, this.received);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
