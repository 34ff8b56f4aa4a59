import { parseArgs } from 'node:util';
import type { LoadShape } from './load-generator.ts';

export const LOADTEST_HELP = `npm run loadtest -- --url mqtt://HOST:PORT [options]

Publishes readings at a target rate over many MQTT connections and measures the whole path.

  --url URL                   broker (plain mqtt://; default mqtt://127.0.0.1:1883)
  --api URL                   the pipeline's HTTP API: measures publish→queryable and loss per sensor
                              (without it: PUBACK only, e.g. against any MQTT broker)
  --api-key KEY               Bearer key for the API, if configured
  --metrics URL               the process that stores readings, for publish→queryable (default: --api;
                              in the distributed deployment the writer's ops endpoint)
  --connections N             MQTT connections (default 8); each a gateway of its sensors
  --sensors-per-connection N  (default 50)
  --rate R                    target readings/s over all connections (default 0 = as fast as acknowledged)
  --duration S                seconds of publishing (default 30)
  --warmup S                  seconds of the same load first, left out of the latencies but not of
                              the loss count (default 0; a freshly started pipeline is slow at first)
  --qos 0|1                   (default 1)
  --batch N                   readings per message, 1–500 (default 1)
  --payload-bytes N           pad each message with JSON whitespace to N bytes (default 0 = no padding)
  --window N                  QoS 1 messages awaiting PUBACK per connection (default 64)
  --pid PID                   sample the CPU of this process and its children (the pipeline)
  --drain-timeout S           wait at most S for the last PUBACKs and again for the far end (default 60)
  --out PREFIX                write PREFIX.json and PREFIX.md
  --json                      print the JSON report instead of Markdown

A live progress line goes to stderr. Exit code 1 if a reading was lost or not acknowledged.
`;

export interface LoadtestCli extends LoadShape {
  url: string;
  api: string | null;
  apiKey: string | undefined;
  metrics: string | null;
  connections: number;
  sensorsPerConnection: number;
  pid: number | null;
  drainTimeoutS: number;
  out: string | null;
  json: boolean;
}

export function parseLoadtestArgs(argv: string[]): LoadtestCli | 'help' {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      api: { type: 'string' },
      'api-key': { type: 'string' },
      metrics: { type: 'string' },
      connections: { type: 'string', default: '8' },
      'sensors-per-connection': { type: 'string', default: '50' },
      rate: { type: 'string', default: '0' },
      duration: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '0' },
      qos: { type: 'string', default: '1' },
      batch: { type: 'string', default: '1' },
      'payload-bytes': { type: 'string', default: '0' },
      // 64: a bigger window only makes the messages queue in the broker (the embedded pipeline did
      // 40k readings/s at 256 and 47–57k at 64, its scavenges taking 2–4× as long: bench/RESULTS.md).
      window: { type: 'string', default: '64' },
      pid: { type: 'string' },
      'drain-timeout': { type: 'string', default: '60' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help) return 'help';
  const int = (name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const x = Number(text);
    if (!Number.isInteger(x) || x < min || x > max) throw new Error(`--${name}: "${text}" must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
    return x;
  };
  const duration = Number(v.duration);
  if (!(duration > 0)) throw new Error(`--duration: "${v.duration}" must be a number of seconds > 0`);
  const warmup = Number(v.warmup);
  if (!(warmup >= 0)) throw new Error(`--warmup: "${v.warmup}" must be a number of seconds ≥ 0`);
  return {
    url: v.url,
    api: v.api ?? null,
    apiKey: v['api-key'],
    metrics: v.metrics ?? null,
    connections: int('connections', v.connections, 1, 10_000),
    sensorsPerConnection: int('sensors-per-connection', v['sensors-per-connection'], 1),
    rate: int('rate', v.rate, 0),
    durationS: duration,
    warmupS: warmup,
    qos: int('qos', v.qos, 0, 1) as 0 | 1,
    batch: int('batch', v.batch, 1, 500),
    payloadBytes: int('payload-bytes', v['payload-bytes'], 0, 64 * 1024),
    window: int('window', v.window, 1, 65_535),
    pid: v.pid === undefined ? null : int('pid', v.pid, 1),
    drainTimeoutS: int('drain-timeout', v['drain-timeout'], 1),
    out: v.out ?? null,
    json: v.json,
  };
}
