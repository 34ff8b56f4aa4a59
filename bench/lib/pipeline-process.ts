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
export async function startPipelineProcess(env: Record<string, string>): Promise<PipelineProcess> {
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'services/embedded/main.ts'], {
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
    if (child.exitCode !== null) throw new Error(`pipeline exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('pipeline did not become ready in 30 s');
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
