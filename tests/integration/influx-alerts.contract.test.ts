import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxStore } from '../../shared/adapters/influx-store.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { alertStoreContract, alert } from '../contract/alert-store-contract.ts';
import { requireService } from '../helpers/real-services.ts';

/** The alert part of the Store contract on a real InfluxDB, one fresh database for the file. */
// Fails this file (never skips) when InfluxDB is not running.
const influx = await requireService('influxdb');
const database = `roadpulse_alerts_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const log = createLogger({ level: 'silent' });
const options = { url: influx.url, database, username: influx.username, password: influx.password, log };

async function influxql(q: string, db?: string): Promise<{ series?: { columns: string[]; values: unknown[][] }[] }> {
  const params = new URLSearchParams({ epoch: 'ms', q });
  if (db) params.set('db', db);
  const res = await fetch(`${influx.url.replace(/\/+$/, '')}/query`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${influx.username}:${influx.password}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: params,
  });
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[] };
  const error = body.error ?? body.results?.[0]?.error;
  if (!res.ok || error) throw new Error(`InfluxQL ${q}: HTTP ${res.status} ${error ?? ''}`);
  return body.results?.[0] ?? {};
}

beforeAll(async () => {
  await influxql(`CREATE DATABASE "${database}"`);
});
afterAll(async () => {
  await influxql(`DROP DATABASE "${database}"`);
});

alertStoreContract('InfluxStore (real InfluxDB)', async () => {
  const store = new InfluxStore(options);
  return { store, cleanup: () => store.close() };
});

describe('InfluxStore alerts on a real InfluxDB', () => {
  it('when an alert is stored, then it is one traffic_alert point at raisedAt in the segment series, with the acknowledgement in its own fields', async () => {
    const store = new InfluxStore(options);
    const segmentId = `QL-13.nb_${randomUUID().slice(0, 6)}`;
    const raisedAt = Date.UTC(2026, 0, 1, 2, 0, 0);
    const a = alert(segmentId, raisedAt);
    await store.writeAlerts([a]);
    await store.writeAlerts([{ ...a, lastLos: 'F' }]);
    await store.acknowledgeAlert(a.id, 'op "x", y=z\nnext', raisedAt + 1_000);
    const got = await influxql(
      `SELECT "id", "state", "acknowledged_by", "acknowledged_at_ms" FROM "traffic_alert" WHERE "segment_id" = '${segmentId}'`,
      database,
    );
    expect(got.series?.[0]?.values).toEqual([[raisedAt, a.id, 'active', 'op "x", y=z\nnext', raisedAt + 1_000]]);
  });
});
