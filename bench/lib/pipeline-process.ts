import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface PipelineProcess {
  child: ChildProcess;
  mqttPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

/** Starts `npm start`'s entry point as a child process on free ports and waits for /readyz. */
export function startPipelineProcess(env: Record<string, string>): Promise<PipelineProcess> {
  return startServiceProcess('services/embedded/main.ts', env);
}

/** Starts a roadpulse entry point (services/<name>/main.ts) on free ports and waits for its /readyz. */
export async function startServiceProcess(entry: string, env: Record<string, string>): Promise<PipelineProcess> {
  const mqttPort = await freePort();
  const httpPort = await freePort();
  // The same V8 flag as `npm start`: a larger young generation halves the time spent in GC at high message rates.
  const nodeArgs = ['--max-semi-space-size=32', ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env: {
      ...process.env,
      ROADPULSE_LOG_LEVEL: 'warn',
      ROADPULSE_MQTT_HOST: '127.0.0.1',
      ROADPULSE_HTTP_HOST: '127.0.0.1',
      ROADPULSE_MQTT_PORT: String(mqttPort),
      ROADPULSE_HTTP_PORT: String(httpPort),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${entry} did not become ready in 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    mqttPort,
    httpPort,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
