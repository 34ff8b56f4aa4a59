import { join } from 'node:path';
import { InfluxStore } from '../adapters/influx-store.ts';
import { KafkaBus } from '../adapters/kafka-bus.ts';
import { SqliteBus } from '../adapters/sqlite-bus.ts';
import { SqliteStore } from '../adapters/sqlite-store.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { Bus } from '../ports/bus.ts';
import type { Store } from '../ports/store.ts';

/** The bus a service run alone uses: ROADPULSE_BUS=kafka, or the embedded file log under the data dir. */
export async function createBus(config: Config, log: Logger): Promise<Bus> {
  if (config.ROADPULSE_BUS === 'embedded') return new SqliteBus({
    file: join(config.ROADPULSE_DATA_DIR, 'bus.sqlite'),
    log,
    retentionMs: config.ROADPULSE_BUS_RETENTION_H * 3600_000,
  });
  const bus = new KafkaBus({
    brokers: config.ROADPULSE_KAFKA_BROKERS,
    clientId: config.ROADPULSE_KAFKA_CLIENT_ID,
    log,
    topics: { partitions: config.ROADPULSE_KAFKA_PARTITIONS, replicationFactor: config.ROADPULSE_KAFKA_REPLICATION },
  });
  await bus.connect();
  return bus;
}

/** The store a service run alone uses: ROADPULSE_STORE=influx, or the embedded SQLite file. */
export async function createStore(config: Config, log: Logger): Promise<Store> {
  if (config.ROADPULSE_STORE === 'embedded') return new SqliteStore(join(config.ROADPULSE_DATA_DIR, 'store.sqlite'));
  const store = new InfluxStore({
    url: config.ROADPULSE_INFLUX_URL,
    database: config.ROADPULSE_INFLUX_DATABASE,
    token: config.ROADPULSE_INFLUX_TOKEN,
    username: config.ROADPULSE_INFLUX_USERNAME,
    password: config.ROADPULSE_INFLUX_PASSWORD,
    log,
  });
  await store.ping();
  return store;
}
