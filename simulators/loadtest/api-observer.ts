import type { DeliveryObserver } from './delivery-observer.ts';
import { metricValue } from './delivery-observer.ts';
import { reconcileCounts, type Reconciliation, type SequenceLedger } from './sequence-ledger.ts';

interface SensorView {
  sensorId: string;
  accepted: number;
}

/**
 * The pipeline seen through its HTTP API (DESIGN §8): readings are visible once stored. Polls
 * `roadpulse_readings_stored_total` in /metrics when the process serving the API has it (embedded),
 * else the per-sensor accepted counts of GET /api/v1/sensors. Loss is counted per sensor from the
 * sensor view: accepted there = distinct readings in the store.
 */
export class ApiObserver implements DeliveryObserver {
  readonly pollMs: number;
  readonly label: string;
  private constructor(
    private readonly base: string,
    private readonly metricsBase: string,
    private readonly headers: Record<string, string>,
    private readonly idPrefix: string,
    private readonly storedBaseline: number | null,
  ) {
    this.label = storedBaseline === null ? 'api /api/v1/sensors' : 'api /metrics';
    this.pollMs = storedBaseline === null ? 500 : 100;
  }

  /**
   * `metricsBase`: the process whose /metrics counts stored readings — the API itself when embedded,
   * the writer's ops endpoint in the distributed deployment (the API process stores nothing).
   */
  static async open(apiBase: string, idPrefix: string, apiKey?: string, metricsBase: string = apiBase): Promise<ApiObserver> {
    const base = apiBase.replace(/\/+$/, '');
    const metrics = metricsBase.replace(/\/+$/, '');
    const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    const res = await fetch(`${metrics}/metrics`, { headers });
    const stored = res.ok ? metricValue(await res.text(), 'roadpulse_readings_stored_total') : null;
    return new ApiObserver(base, metrics, headers, idPrefix, stored);
  }

  async visible(): Promise<number> {
    if (this.storedBaseline !== null) {
      const text = await (await fetch(`${this.metricsBase}/metrics`, { headers: this.headers })).text();
      return (metricValue(text, 'roadpulse_readings_stored_total') ?? 0) - this.storedBaseline;
    }
    let n = 0;
    for (const s of await this.sensors()) n += s.accepted;
    return n;
  }

  async reconcile(ledger: SequenceLedger): Promise<Reconciliation> {
    const reported = new Map((await this.sensors()).map((s) => [s.sensorId, s.accepted]));
    return reconcileCounts(ledger, reported);
  }

  async close(): Promise<void> {}

  private async sensors(): Promise<SensorView[]> {
    const res = await fetch(`${this.base}/api/v1/sensors`, { headers: this.headers });
    if (!res.ok) throw new Error(`GET /api/v1/sensors → ${res.status}`);
    const body = (await res.json()) as { sensors: SensorView[] };
    return body.sensors.filter((s) => s.sensorId.startsWith(this.idPrefix));
  }
}
