import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { KafkaBus } from '../../shared/adapters/kafka-bus.ts';
import { busContract } from '../contract/bus-contract.ts';
import { requireService } from '../helpers/real-services.ts';

// Real Kafka (bash scripts/services.sh start kafka); unreachable → this file fails, it is never skipped.
const { brokers } = await requireService('kafka');
const log = pino({ level: process.env.ROADPULSE_TEST_LOG_LEVEL ?? 'silent' });

busContract('KafkaBus (real Kafka)', async (topics) => {
  const clientId = `rp-contract-${randomBytes(3).toString('hex')}`;
  const open = () =>
    new KafkaBus({
      brokers,
      clientId,
      log,
      // Several partitions, so "in order per key" and "one topic-partition per batch" mean something.
      topics: { partitions: 3, replicationFactor: 1 },
      createTopics: false,
      consumer: { maxWaitTimeMs: 250 },
    });
  const first = open();
  await first.connect();
  await first.ensureTopics(topics);
  const buses = [first];
  return {
    bus: first,
    reopen: async () => {
      const bus = open();
      buses.push(bus);
      await bus.connect();
      return bus;
    },
    cleanup: async () => {
      await Promise.allSettled(buses.map((b) => b.close()));
      const admin = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics }).catch(() => {});
      await admin.disconnect();
    },
  };
});
