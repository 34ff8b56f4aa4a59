import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../shared/config/load-config.ts';
import { configSchema } from '../../shared/config/schema.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { startEmbeddedPipeline } from '../../services/embedded/embedded-pipeline.ts';

/** Root of the repository (where package.json is), the working directory of spawned processes. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'services/embedded/main.ts';

export interface PipelineUrls {
  mqttPort: number;
  httpPort: number;
  /** mqtt://127.0.0.1:port */
  mqttUrl: string;
  /** http://127.0.0.1:port (no trailing slash) */
  baseUrl: string;
}

export interface InProcessPipeline extends PipelineUrls {
  dataDir: string;
  /** Graceful stop; removes the data dir unless keepDataDir. Safe to call twice. */
  close(options?: { keepDataDir?: boolean }): Promise<void>;
}

/** A fresh empty directory under the OS temp dir. */
export function makeDataDir(prefix = 'roadpulse-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every ROADPULSE_* variable for a test run: loopback, free ports, a given data dir. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ROADPULSE_MQTT_HOST: '127.0.0.1',
    ROADPULSE_MQTT_PORT: '0',
    ROADPULSE_HTTP_HOST: '127.0.0.1',
    ROADPULSE_HTTP_PORT: '0',
    ROADPULSE_DATA_DIR: dataDir,
    ROADPULSE_LOG_LEVEL: 'silent',
    ...extra,
  };
}

function urls(mqttPort: number, httpPort: number): PipelineUrls {
  return { mqttPort, httpPort, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, baseUrl: `http://127.0.0.1:${httpPort}` };
}

/**
 * Starts the embedded pipeline in this process on free ports with a temp data dir (or `dataDir`),
 * configured exactly as `npm start` would be from the same ROADPULSE_* variables.
 */
export async function startInProcess(
  options: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<InProcessPipeline> {
  const dataDir = options.dataDir ?? makeDataDir();
  const config = loadConfig(configSchema, testEnv(dataDir, options.env));
  const log = createLogger({ level: config.ROADPULSE_LOG_LEVEL });
  const running = await startEmbeddedPipeline(config, log);
  let closed = false;
  return {
    ...urls(running.mqttPort, running.httpPort),
    dataDir,
    async close({ keepDataDir = false } = {}) {
      if (!closed) {
        closed = true;
        await running.close();
      }
      if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildPipeline extends PipelineUrls {
  child: ChildProcess;
  dataDir: string;
  /** Parsed JSON log lines (stdout) so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<ExitStatus>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ExitStatus>;
}

export interface RunResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** The environment of a child: ours without any ROADPULSE_* variable, plus the given ones. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ROADPULSE_')) base[k] = v;
  return { ...base, ...env };
}

/** `npm start` without npm in between: signals reach the pipeline process itself. */
function spawnMain(env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exitOf(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Spawns the embedded pipeline (services/embedded/main.ts) as a child process and waits until it
 * logs 'roadpulse embedded pipeline running'; the ports come from its JSON log lines.
 */
export async function startChild(
  options: { dataDir: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<ChildPipeline> {
  const child = spawnMain(testEnv(options.dataDir, { ROADPULSE_LOG_LEVEL: 'info', ...options.env }));
  const exited = exitOf(child);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  let mqttPort: number | null = null;
  let httpPort: number | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        const msg = String(entry.msg ?? '');
        if (entry.component === 'mqtt-broker' && msg === 'MQTT listening') mqttPort = Number(entry.port);
        const listening = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/.exec(msg);
        if (listening) httpPort = Number(listening[1]);
        if (msg === 'roadpulse embedded pipeline running') {
          if (mqttPort === null || httpPort === null) reject(new Error(`running, but ports not logged: ${JSON.stringify(logs)}`));
          else resolve();
        }
      }
    });
    void exited.then((s) =>
      reject(new Error(`pipeline exited before it was running (${JSON.stringify(s)}):\n${stderr}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)),
    );
  });

  const timeoutMs = options.timeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pipeline not running after ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }

  return {
    ...urls(mqttPort!, httpPort!),
    child,
    dataDir: options.dataDir,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs main.ts to its exit (for config errors and --help). */
export async function runMain(env: Record<string, string>, args: string[] = [], timeoutMs = 20_000): Promise<RunResult> {
  const child = spawnMain(env, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close' comes after 'exit' and after both pipes are drained.
  const status = await new Promise<ExitStatus>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  clearTimeout(timer);
  return { ...status, stdout, stderr };
}
