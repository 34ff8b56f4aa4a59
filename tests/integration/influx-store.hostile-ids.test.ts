import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { InfluxStore } from '../../shared/adapters/influx-store.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { hostileIdsContract } from '../contract/store-hostile-ids.ts';
import { requireService } from '../helpers/real-services.ts';

// The InfluxDB point writer against a real InfluxDB: line protocol only from valid ids (a hostile
// one is refused as a bad request), InfluxQL only from validated ids. A fresh database per property,
// so the census counts every point and series there is.
const influx = await requireService('influxdb');
const log = createLogger({ level: 'silent' });
const prefix = `roadpulse_hostile_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
const databases: string[] = [];

async function influxql(q: string, db?: string): Promise<{ series?: { values?: unknown[][] }[] }> {
  const params = new URLSearchParams({ epoch: 'ms' });
  if (db) params.set('db', db);
  const res = await fetch(`${influx.url.replace(/\/+$/, '')}/query?${params}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${influx.username}:${influx.password}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ q }),
  });
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: { values?: unknown[][] }[] }[] };
  const error = body.error ?? body.results?.[0]?.error;
  if (!res.ok || error) throw new Error(`InfluxQL ${q}: HTTP ${res.status} ${error ?? ''}`);
  return body.results?.[0] ?? {};
}

afterAll(async () => {
  for (const db of databases) await influxql(`DROP DATABASE "${db}"`);
});

hostileIdsContract(
  'InfluxStore (real InfluxDB)',
  async () => {
    const database = `${prefix}_${databases.length}`;
    databases.push(database);
    await influxql(`CREATE DATABASE "${database}"`);
    const store = new InfluxStore({ url: influx.url, database, username: influx.username, password: influx.password, log });
    return {
      store,
      async census() {
        const points = await influxql('SELECT count("interval_s") FROM "traffic_reading"', database);
        const series = await influxql('SHOW SERIES FROM "traffic_reading"', database);
        return { points: Number(points.series?.[0]?.values?.[0]?.[1] ?? 0), series: series.series?.[0]?.values?.length ?? 0 };
      },
      cleanup: () => store.close(),
    };
  },
  40,
);
