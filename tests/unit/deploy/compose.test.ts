import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../shared/config/load-config.ts';
import { configSchema } from '../../../shared/config/schema.ts';

// docker-compose.yml, Dockerfile and .dockerignore checked without a Docker engine (issue 3, item 6):
// the file is parsed and interpolated the way `docker compose` does, then held against the repository
// and against the services' own configuration schema.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ROADPULSE_SERVICES = ['ingest', 'writer', 'aggregator', 'api'] as const;
const STORE_USERS = ['writer', 'aggregator', 'api'] as const;

type Env = Record<string, string | undefined>;
type Ports = (string | number | { target?: number | string; published?: number | string })[];
type Volumes = (string | { type?: string; source?: string; target?: string })[];

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: Ports;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: Volumes;
  restart?: string;
  deploy?: { resources?: { limits?: { cpus?: string | number; memory?: string | number } } };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown> | null;
}

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/**
 * Compose interpolation of one string: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, ${VAR+alt}. A variable that is unset and has no
 * default is an error here: `docker compose up` must work without a .env file.
 */
function interpolate(text: string, env: Env): string {
  const re = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  return text.replace(re, (_m, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    const isSet = value !== undefined;
    const nonEmpty = isSet && value !== '';
    switch (op) {
      case ':-':
        return nonEmpty ? value : (arg ?? '');
      case '-':
        return isSet ? value : (arg ?? '');
      case ':+':
        return nonEmpty ? (arg ?? '') : '';
      case '+':
        return isSet ? (arg ?? '') : '';
      case ':?':
      case '?':
        if (op === ':?' ? !nonEmpty : !isSet) throw new Error(`variable ${name} is required: ${arg ?? ''}`);
        return value!;
      default:
        if (!isSet) throw new Error(`\${${name}} has no default: docker compose up would need it set`);
        return value;
    }
  });
}

function interpolateDeep(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

/** docker-compose.yml as `docker compose config` would see it with the given shell/.env variables. */
function loadCompose(env: Env = {}): ComposeFile {
  const raw: unknown = parse(read('docker-compose.yml'), { merge: true });
  return interpolateDeep(raw, env) as ComposeFile;
}

function service(compose: ComposeFile, name: string): ComposeService {
  const svc = compose.services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service "${name}"`);
  return svc;
}

/** A service's environment as the container sees it (map or KEY=VALUE list; null/unset → absent). */
function environmentOf(svc: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  const entries: [string, unknown][] = Array.isArray(svc.environment)
    ? svc.environment.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, null] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(svc.environment ?? {});
  for (const [key, value] of entries) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`environment ${key}: ${JSON.stringify(value)} is not a string or number (compose rejects it)`);
    }
    env[key] = String(value);
  }
  return env;
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

function publishedPorts(svc: ComposeService): { published: number; target: number }[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p === 'object') return { published: Number(p.published), target: Number(p.target) };
    const parts = String(p).split('/')[0]!.split(':');
    return { published: parts.length >= 2 ? Number(parts.at(-2)) : Number.NaN, target: Number(parts.at(-1)) };
  });
}

/** Volumes of a service as { named | bind, source, target }. */
function mountsOf(svc: ComposeService): { kind: 'named' | 'bind' | 'other'; source: string; target: string }[] {
  return (svc.volumes ?? []).map((v) => {
    if (typeof v === 'object') {
      const kind = v.type === 'volume' ? 'named' : v.type === 'bind' ? 'bind' : 'other';
      return { kind, source: v.source ?? '', target: v.target ?? '' };
    }
    const [source = '', target = ''] = v.split(':');
    if (target === '') return { kind: 'other', source: '', target: source }; // anonymous volume
    return { kind: /^[./~]/.test(source) ? 'bind' : 'named', source, target };
  });
}

function kafkaServiceName(compose: ComposeFile): string {
  const name = Object.keys(compose.services).find((n) => compose.services[n]!.image?.startsWith('apache/kafka'));
  if (!name) throw new Error('no service runs the apache/kafka image');
  return name;
}

function influxServiceName(compose: ComposeFile): string {
  const name = Object.keys(compose.services).find((n) => /^influxdb:2\./.test(compose.services[n]!.image ?? ''));
  if (!name) throw new Error('no service runs an influxdb:2.x image');
  return name;
}

// ---- Dockerfile -----------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

function dockerfileInstructions(): Instruction[] {
  return read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\w+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`Dockerfile: cannot read "${l}"`);
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

/** The instructions of the last stage (the image that runs). */
function finalStage(): Instruction[] {
  const all = dockerfileInstructions();
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

function execForm(stage: Instruction[], op: 'CMD' | 'ENTRYPOINT'): string[] {
  const instruction = stage.filter((i) => i.op === op).at(-1);
  if (!instruction) return [];
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${op} is not a JSON array of strings`);
  return parsed;
}

/** Which repository file a path in the image (absolute, or relative to WORKDIR) comes from, via the final stage's COPYs. */
function repoFileInImage(stage: Instruction[], imagePath: string): string | null {
  const workdir = stage.filter((i) => i.op === 'WORKDIR').at(-1)?.args ?? '/';
  const abs = (p: string) => posix.normalize(p.startsWith('/') ? p : posix.join(workdir, p));
  const wanted = abs(imagePath);
  for (const copy of stage.filter((i) => i.op === 'COPY')) {
    const tokens = copy.args.split(/\s+/);
    if (tokens.some((t) => t.startsWith('--from'))) continue;
    const words = tokens.filter((t) => !t.startsWith('--'));
    const dest = words.at(-1)!;
    const sources = words.slice(0, -1);
    const destIsDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
    for (const src of sources) {
      const srcPath = join(ROOT, src);
      if (!existsSync(srcPath)) continue;
      if (statSync(srcPath).isDirectory()) {
        const base = abs(dest);
        if (wanted.startsWith(`${base}/`)) {
          const candidate = posix.join(src, wanted.slice(base.length + 1));
          if (existsSync(join(ROOT, candidate))) return candidate;
        }
      } else if ((destIsDir ? abs(posix.join(dest, basename(src))) : abs(dest)) === wanted) {
        return src;
      }
    }
  }
  return null;
}

/** .dockerignore semantics: a pattern matches the path or one of its parent directories; the last match wins. */
function dockerignored(path: string): boolean {
  if (!existsSync(join(ROOT, '.dockerignore'))) return false;
  const patterns = read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const segments = path.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = posix.normalize(negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const source = pattern
      .split('**')
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('.*')
      .replace(/\.\*\//g, '(?:.*/)?');
    const re = new RegExp(`^${source}$`);
    if (candidates.some((c) => re.test(c))) excluded = !negate;
  }
  return excluded;
}

// ---- tests ----------------------------------------------------------------------------------------

describe('docker-compose.yml: structure', () => {
  it('when the file is parsed and interpolated with no variables set, then it yields services and every ${…} has a default', () => {
    const compose = loadCompose();
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([...ROADPULSE_SERVICES]));
    expect(kafkaServiceName(compose)).toBeTruthy();
    expect(influxServiceName(compose)).toBeTruthy();
  });

  it('when any service is looked at, then it has an image or a build', () => {
    for (const [name, svc] of Object.entries(loadCompose().services)) {
      expect(svc.image !== undefined || svc.build !== undefined, `service ${name}`).toBe(true);
    }
  });

  it('when any service is looked at, then it has an enabled healthcheck', () => {
    for (const [name, svc] of Object.entries(loadCompose().services)) {
      const test = svc.healthcheck?.test;
      expect(svc.healthcheck?.disable, `service ${name}`).not.toBe(true);
      expect(asList(test).length, `service ${name} healthcheck.test`).toBeGreaterThan(0);
      if (Array.isArray(test)) expect(['CMD', 'CMD-SHELL'], `service ${name}`).toContain(test[0]);
    }
  });

  it('when any service is looked at, then it restarts unless stopped and has cpu and memory limits', () => {
    for (const [name, svc] of Object.entries(loadCompose().services)) {
      expect(svc.restart, `service ${name}`).toBe('unless-stopped');
      const limits = svc.deploy?.resources?.limits;
      expect(Number(limits?.cpus), `service ${name} cpus`).toBeGreaterThan(0);
      expect(String(limits?.memory ?? ''), `service ${name} memory`).toMatch(/^\d+(\.\d+)?[kmg]?b?$/i);
    }
  });

  it('when the four roadpulse services are looked at, then they use one and the same build of this repository', () => {
    const compose = loadCompose();
    const builds = ROADPULSE_SERVICES.map((n) => service(compose, n).build);
    for (const b of builds) expect(b).toEqual(builds[0]);
    const images = ROADPULSE_SERVICES.map((n) => service(compose, n).image);
    for (const i of images) expect(i).toEqual(images[0]);
    const build = builds[0];
    const context = typeof build === 'string' ? build : (build?.context ?? '.');
    const dockerfile = typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
    expect(posix.normalize(context)).toBe('.');
    expect(existsSync(join(ROOT, context, dockerfile))).toBe(true);
  });

  it('when a roadpulse service starts, then its command is its own services/<name>/main.ts', () => {
    const compose = loadCompose();
    for (const name of ROADPULSE_SERVICES) {
      expect(asList(service(compose, name).command)).toEqual([`services/${name}/main.ts`]);
    }
  });

  it('when the ports are looked at, then ingest publishes MQTT 1883 and the api HTTP 8080 on the ports they listen on', () => {
    const compose = loadCompose();
    const ingest = loadConfig(configSchema, environmentOf(service(compose, 'ingest')));
    const api = loadConfig(configSchema, environmentOf(service(compose, 'api')));
    expect(publishedPorts(service(compose, 'ingest'))).toContainEqual({ published: 1883, target: ingest.ROADPULSE_MQTT_PORT });
    expect(publishedPorts(service(compose, 'api'))).toContainEqual({ published: 8080, target: api.ROADPULSE_HTTP_PORT });
  });

  it('when a service depends on another, then it waits for it to be healthy (and that one has a healthcheck)', () => {
    const compose = loadCompose();
    for (const [name, svc] of Object.entries(compose.services)) {
      const deps = svc.depends_on ?? {};
      expect(Array.isArray(deps), `service ${name}: short depends_on does not wait for health`).toBe(false);
      for (const [dep, spec] of Object.entries(deps as Record<string, { condition?: string }>)) {
        expect(spec.condition, `${name} → ${dep}`).toBe('service_healthy');
        expect(compose.services[dep]?.healthcheck, `${name} → ${dep}`).toBeDefined();
      }
    }
    const kafka = kafkaServiceName(compose);
    const influx = influxServiceName(compose);
    for (const name of ROADPULSE_SERVICES) expect(Object.keys(service(compose, name).depends_on ?? {})).toContain(kafka);
    for (const name of STORE_USERS) expect(Object.keys(service(compose, name).depends_on ?? {})).toContain(influx);
  });

  it('when a roadpulse service is health-checked, then the check asks its /readyz with a script the image contains', () => {
    const compose = loadCompose();
    const stage = finalStage();
    for (const name of ROADPULSE_SERVICES) {
      const test = asList(service(compose, name).healthcheck?.test);
      expect(test.join(' '), `service ${name}`).toContain('/readyz');
      for (const arg of test.filter((a) => /\.(m?js|ts)$/.test(a))) {
        expect(repoFileInImage(stage, arg), `service ${name}: ${arg}`).not.toBeNull();
      }
    }
  });

  it('when volumes are mounted, then named ones are declared and bind-mounted paths exist in the repository', () => {
    const compose = loadCompose();
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const mount of mountsOf(svc)) {
        if (mount.kind === 'named') expect(declared, `service ${name}: volume ${mount.source}`).toContain(mount.source);
        if (mount.kind === 'bind') expect(existsSync(join(ROOT, mount.source)), `service ${name}: ${mount.source}`).toBe(true);
      }
    }
  });

  it('when Kafka and InfluxDB store data, then it is on named volumes (Kafka: on its log dir)', () => {
    const compose = loadCompose();
    const kafka = service(compose, kafkaServiceName(compose));
    const kafkaNamed = mountsOf(kafka).filter((m) => m.kind === 'named');
    expect(kafkaNamed.map((m) => m.target)).toContain(environmentOf(kafka).KAFKA_LOG_DIRS);
    const influx = service(compose, influxServiceName(compose));
    expect(mountsOf(influx).filter((m) => m.kind === 'named').map((m) => m.target)).toContain('/var/lib/influxdb2');
  });
});

describe('docker-compose.yml: environment of the roadpulse services', () => {
  const schemaKeys = Object.keys(configSchema.shape);

  it('when any service sets or interpolates a ROADPULSE_* variable, then it is a key of configSchema', () => {
    const compose = loadCompose();
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const key of Object.keys(environmentOf(svc)).filter((k) => k.startsWith('ROADPULSE_'))) {
        expect(schemaKeys, `service ${name}: ${key}`).toContain(key);
      }
    }
    const referenced = [...read('docker-compose.yml').matchAll(/\$\{?(ROADPULSE_[A-Z0-9_]+)/g)].map((m) => m[1]!);
    for (const key of referenced) expect(schemaKeys, `\${${key}}`).toContain(key);
  });

  it('when each roadpulse service loads its environment, then loadConfig accepts it: Kafka bus, InfluxDB store', () => {
    const compose = loadCompose();
    for (const name of ROADPULSE_SERVICES) {
      const env = environmentOf(service(compose, name));
      const config = loadConfig(configSchema, env);
      expect(config.ROADPULSE_BUS, name).toBe('kafka');
      expect(config.ROADPULSE_STORE, name).toBe('influx');
      expect(config.ROADPULSE_INFLUX_TOKEN, name).toBeTruthy();
      expect(config.ROADPULSE_HTTP_PORT, name).toBeGreaterThan(0);
    }
  });

  it('when the variables a user may set are set (shell or .env), then every roadpulse environment still loads', () => {
    const compose = loadCompose({
      ROADPULSE_LOG_LEVEL: 'debug',
      ROADPULSE_API_KEYS: 'k1,k2',
      ROADPULSE_PCU_WEIGHTS: 'motorbike=0.25,bus=3',
      ROADPULSE_SENSOR_KNOWN_H: '12',
      ROADPULSE_INFLUX_TOKEN: 'from-the-shell',
    });
    for (const name of ROADPULSE_SERVICES) {
      const config = loadConfig(configSchema, environmentOf(service(compose, name)));
      expect(config.ROADPULSE_LOG_LEVEL, name).toBe('debug');
      expect(config.ROADPULSE_PCU_WEIGHTS.motorbike, name).toBe(0.25);
      expect(config.ROADPULSE_SENSOR_KNOWN_H, name).toBe(12);
    }
    expect(loadConfig(configSchema, environmentOf(service(compose, 'api'))).ROADPULSE_API_KEYS).toEqual(['k1', 'k2']);
  });

  it('when the services connect to Kafka, then their brokers are the Kafka service at the address it advertises', () => {
    const compose = loadCompose();
    const kafkaName = kafkaServiceName(compose);
    const advertised = environmentOf(service(compose, kafkaName)).KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const name of ROADPULSE_SERVICES) {
      const brokers = loadConfig(configSchema, environmentOf(service(compose, name))).ROADPULSE_KAFKA_BROKERS;
      for (const broker of brokers) {
        expect(broker.split(':')[0], name).toBe(kafkaName);
        expect(advertised, name).toContain(`://${broker}`);
      }
    }
  });

  it('when the services connect to InfluxDB, then the URL names the InfluxDB service and the database is the DBRP-mapped one', () => {
    const compose = loadCompose();
    const influxName = influxServiceName(compose);
    const influxEnv = environmentOf(service(compose, influxName));
    for (const name of STORE_USERS) {
      const config = loadConfig(configSchema, environmentOf(service(compose, name)));
      const url = new URL(config.ROADPULSE_INFLUX_URL);
      expect(url.hostname, name).toBe(influxName);
      expect(url.port, name).toBe('8086');
      expect(config.ROADPULSE_INFLUX_DATABASE, name).toBe(influxEnv.INFLUXDB_DBRP_DATABASE);
    }
    expect(influxEnv.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    expect(influxEnv.DOCKER_INFLUXDB_INIT_BUCKET).toBeTruthy();
    expect(influxEnv.DOCKER_INFLUXDB_INIT_ORG).toBeTruthy();
    expect((influxEnv.DOCKER_INFLUXDB_INIT_PASSWORD ?? '').length).toBeGreaterThanOrEqual(8);
  });

  it.each([
    ['no variable is set (the development default)', {}],
    ['ROADPULSE_INFLUX_TOKEN is set', { ROADPULSE_INFLUX_TOKEN: 'a-token-from-the-shell' }],
  ] as [string, Env][])('when %s, then the token the services send is the one InfluxDB is initialised with', (_case, env) => {
    const compose = loadCompose(env);
    const initToken = environmentOf(service(compose, influxServiceName(compose))).DOCKER_INFLUXDB_INIT_ADMIN_TOKEN;
    expect(initToken).toBeTruthy();
    if (env.ROADPULSE_INFLUX_TOKEN) expect(initToken).toBe(env.ROADPULSE_INFLUX_TOKEN);
    for (const name of ROADPULSE_SERVICES) {
      expect(environmentOf(service(compose, name)).ROADPULSE_INFLUX_TOKEN, name).toBe(initToken);
    }
  });
});

describe('InfluxDB initialisation (deploy/influxdb)', () => {
  it('when InfluxDB initialises, then the DBRP script is mounted into /docker-entrypoint-initdb.d and is an executable .sh', () => {
    const compose = loadCompose();
    const mount = mountsOf(service(compose, influxServiceName(compose))).find((m) => m.target === '/docker-entrypoint-initdb.d');
    expect(mount?.kind).toBe('bind');
    const script = join(ROOT, mount!.source, '10-roadpulse-dbrp.sh');
    // run-parts, which the entrypoint uses, silently skips files that are not executable
    expect(() => accessSync(script, constants.X_OK)).not.toThrow();
    const text = readFileSync(script, 'utf8');
    expect(text.startsWith('#!/bin/bash')).toBe(true);
    expect(text).toMatch(/influx v1 dbrp create\b.*--db "\$\{db\}".*--bucket-id "\$\{bucket_id\}".*--default/);
  });
});

describe('Dockerfile and build context', () => {
  it('when the image starts, then the entry point is node with tsx, and tsx is a runtime dependency (npm ci --omit=dev keeps it)', () => {
    expect(execForm(finalStage(), 'ENTRYPOINT')).toEqual(['node', '--max-semi-space-size=32', '--import', 'tsx']);
    const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toContain('tsx');
  });

  it('when the Dockerfile CMD and the compose commands name files, then they exist in the repository and are copied into the image', () => {
    const stage = finalStage();
    const compose = loadCompose();
    const files = [
      ...execForm(stage, 'CMD'),
      ...execForm(stage, 'ENTRYPOINT'),
      ...ROADPULSE_SERVICES.flatMap((n) => asList(service(compose, n).command)),
    ].filter((arg) => /\.(m?[jt]s)$/.test(arg));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const source = repoFileInImage(stage, file);
      expect(source, `${file} is not COPYed into the image`).not.toBeNull();
      expect(existsSync(join(ROOT, source!)), file).toBe(true);
    }
  });

  it('when the build context is sent, then .dockerignore keeps what the image needs and leaves node_modules, .git and .env out', () => {
    const stage = finalStage();
    const needed = ['package.json', 'package-lock.json', 'shared/config/schema.ts', 'shared/network/binh-duong.geojson'];
    const entries = [...execForm(stage, 'CMD'), ...ROADPULSE_SERVICES.map((n) => `services/${n}/main.ts`), '/app/deploy/healthcheck.mjs'];
    for (const entry of entries) {
      const source = repoFileInImage(stage, entry);
      if (source) needed.push(source);
    }
    for (const path of needed) expect(dockerignored(path), path).toBe(false);
    for (const path of ['node_modules/tsx/package.json', '.git/HEAD', '.env', 'data/bus.sqlite', '.services/kafka/cluster.id']) {
      expect(dockerignored(path), path).toBe(true);
    }
  });

  it('when the Kafka image is pinned, then it is the Kafka release the tests run against (scripts/kafka/pom.xml)', () => {
    const compose = loadCompose();
    const image = service(compose, kafkaServiceName(compose)).image ?? '';
    const pomVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('scripts/kafka/pom.xml'))?.[1];
    expect(pomVersion).toBeTruthy();
    expect(image).toBe(`apache/kafka:${pomVersion}`);
  });
});
