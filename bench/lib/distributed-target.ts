import { execFileSync } from 'node:child_process';
import { processCpuMicros } from '../../simulators/loadtest/stats.ts';
import { startServiceProcess, type PipelineProcess } from './pipeline-process.ts';

export interface DistributedTarget {
  mqttUrl: string;
  apiUrl: string;
  writerOpsUrl: string;
  ingestPid: number | null;
  /** CPU cores used by each process since the target started (ingest, writer, api, kafka, influxd). */
  cpuReport(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * roadpulse distributed on this machine: Kafka and InfluxDB from scripts/services.sh, a fresh
 * InfluxDB database, and ingest (embedded aedes), writer and API each as its own process.
 */
export async function distributedTarget(servicesScript: string): Promise<DistributedTarget> {
  execFileSync('bash', [servicesScript, 'start', 'kafka', 'influxdb'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const env = Object.fromEntries(
    [...execFileSync('bash', [servicesScript, 'env'], { encoding: 'utf8' }).matchAll(/export (\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]),
  );
  const database = `bench_${Date.now()}`;
  const influx = async (q: string): Promise<void> => {
    const auth = Buffer.from(`${env.ROADPULSE_TEST_INFLUX_USER}:${env.ROADPULSE_TEST_INFLUX_PASSWORD}`).toString('base64');
    const res = await fetch(`${env.ROADPULSE_TEST_INFLUX_URL}/query?q=${encodeURIComponent(q)}`, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}` },
    });
    if (!res.ok) throw new Error(`InfluxDB ${q}: ${res.status} ${await res.text()}`);
  };
  await influx(`CREATE DATABASE "${database}"`);
  const common = {
    ROADPULSE_BUS: 'kafka',
    ROADPULSE_STORE: 'influx',
    ROADPULSE_KAFKA_BROKERS: env.ROADPULSE_TEST_KAFKA_BROKERS ?? '',
    ROADPULSE_INFLUX_URL: env.ROADPULSE_TEST_INFLUX_URL ?? '',
    ROADPULSE_INFLUX_DATABASE: database,
    ROADPULSE_INFLUX_USERNAME: env.ROADPULSE_TEST_INFLUX_USER ?? '',
    ROADPULSE_INFLUX_PASSWORD: env.ROADPULSE_TEST_INFLUX_PASSWORD ?? '',
  };
  const started: PipelineProcess[] = [];
  const start = async (entry: string) => {
    const p = await startServiceProcess(entry, common);
    started.push(p);
    return p;
  };
  const pidOf = (name: string): number | null => {
    try {
      return Number(execFileSync('pgrep', ['-f', '-o', name], { encoding: 'utf8' }).trim()) || null;
    } catch {
      return null;
    }
  };
  try {
    const writer = await start('services/writer/main.ts');
    const api = await start('services/api/main.ts');
    const ingest = await start('services/ingest/main.ts');
    const watched: [string, number | null][] = [
      ['ingest', ingest.child.pid ?? null],
      ['writer', writer.child.pid ?? null],
      ['api', api.child.pid ?? null],
      ['kafka', pidOf('kafka.Kafka')],
      ['influxd', pidOf('influxd')],
    ];
    const cpuAt = async () => Promise.all(watched.map(async ([, pid]) => (pid === null ? 0 : processCpuMicros(pid).catch(() => 0))));
    const since = Date.now();
    const before = await cpuAt();
    return {
      mqttUrl: `mqtt://127.0.0.1:${ingest.mqttPort}`,
      apiUrl: `http://127.0.0.1:${api.httpPort}`,
      writerOpsUrl: `http://127.0.0.1:${writer.httpPort}`,
      ingestPid: ingest.child.pid ?? null,
      async cpuReport() {
        const after = await cpuAt();
        const seconds = (Date.now() - since) / 1000;
        return watched.map(([name], i) => `${name} ${((after[i]! - before[i]!) / 1e6 / seconds).toFixed(2)}`).join(', ');
      },
      async stop() {
        await Promise.all(started.map((p) => p.stop()));
        await influx(`DROP DATABASE "${database}"`);
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    throw err;
  }
}
