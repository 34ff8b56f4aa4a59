import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Connection settings of the real services integration tests run against (issue 3, item 5), from
 * the ROADPULSE_TEST_* variables or, when they are not set, from `bash scripts/services.sh env`.
 * A service that does not answer fails the test file with how to start it: never a silent skip
 * (with CI=true a missing service is a failure, and locally too).
 *
 *   const { brokers } = await requireService('kafka');   // at the top of a test file
 */
export interface ServiceSettings {
  kafka: { brokers: string[] };
  influxdb: { url: string; database: string; username: string; password: string };
  mosquitto: { url: string };
}
export type ServiceName = keyof ServiceSettings;

interface ServiceSpec<N extends ServiceName> {
  vars: string[];
  settings(env: (name: string) => string): ServiceSettings[N];
  /** host:port to probe. */
  address(settings: ServiceSettings[N]): string;
}

const SPECS: { [N in ServiceName]: ServiceSpec<N> } = {
  kafka: {
    vars: ['ROADPULSE_TEST_KAFKA_BROKERS'],
    settings: (env) => ({ brokers: env('ROADPULSE_TEST_KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean) }),
    address: (s) => s.brokers[0] ?? '',
  },
  influxdb: {
    vars: ['ROADPULSE_TEST_INFLUX_URL', 'ROADPULSE_TEST_INFLUX_DB', 'ROADPULSE_TEST_INFLUX_USER', 'ROADPULSE_TEST_INFLUX_PASSWORD'],
    settings: (env) => ({
      url: env('ROADPULSE_TEST_INFLUX_URL'),
      database: env('ROADPULSE_TEST_INFLUX_DB'),
      username: env('ROADPULSE_TEST_INFLUX_USER'),
      password: env('ROADPULSE_TEST_INFLUX_PASSWORD'),
    }),
    address: (s) => hostPort(s.url, 8086),
  },
  mosquitto: {
    vars: ['ROADPULSE_TEST_MQTT_URL'],
    settings: (env) => ({ url: env('ROADPULSE_TEST_MQTT_URL') }),
    address: (s) => hostPort(s.url, 1883),
  },
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROBE_TIMEOUT_MS = 3000;

export async function requireService<N extends ServiceName>(name: N): Promise<ServiceSettings[N]> {
  const spec = SPECS[name] as ServiceSpec<N>;
  const startHint = `start it with: bash scripts/services.sh start ${name}`;
  const fromScript = spec.vars.every((v) => process.env[v]) ? {} : scriptEnv(name, startHint);
  const source = (v: string) => (process.env[v] ? v : `${v} from scripts/services.sh env`);
  const settings = spec.settings((v) => {
    const value = process.env[v] || fromScript[v];
    if (!value) throw new Error(`${name}: ${v} is not set and scripts/services.sh env does not print it; ${startHint}`);
    return value;
  });
  const address = spec.address(settings);
  try {
    await probe(address);
  } catch (err) {
    const ci = process.env.CI === 'true' ? ' CI=true: a missing service is a failure, not a skip.' : '';
    throw new Error(
      `${name} is not reachable at ${address} (${source(spec.vars[0]!)}): ${(err as Error).message}; ${startHint}.${ci}`,
      { cause: err },
    );
  }
  return settings;
}

/** The `export NAME=value` lines of `bash scripts/services.sh env <name>` (values as printf %q wrote them). */
function scriptEnv(name: ServiceName, hint: string): Record<string, string> {
  let out: string;
  try {
    out = execFileSync('bash', ['scripts/services.sh', 'env', name], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  } catch (err) {
    throw new Error(`${name}: ROADPULSE_TEST_* variables not set and 'bash scripts/services.sh env ${name}' failed; ${hint}`, { cause: err });
  }
  const vars: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = unquote(m[2]!);
  }
  return vars;
}

function unquote(v: string): string {
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) return v.slice(1, -1);
  if (v.startsWith("$'") && v.endsWith("'")) return v.slice(2, -1).replace(/\\(.)/g, '$1');
  return v.replace(/\\(.)/g, '$1'); // printf %q escapes with backslashes
}

function hostPort(url: string, defaultPort: number): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || defaultPort}`;
}

function probe(address: string): Promise<void> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no TCP answer within ${PROBE_TIMEOUT_MS} ms`));
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}
