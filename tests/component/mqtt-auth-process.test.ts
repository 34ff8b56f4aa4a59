import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCredentialsCli } from '../../services/ingest/credentials-cli.ts';
import { makeDataDir, runMain, startChild, testEnv } from '../helpers/embedded.ts';
import { connect } from '../helpers/mqtt.ts';
import { waitFor } from '../helpers/wait.ts';

// README "MQTT security": the credentials file at start-up and on reload, SIGHUP, the warning
// about anonymous access off loopback — through the real process (services/embedded/main.ts).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const dir = makeDataDir('roadpulse-cred-proc-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logged = (logs: Record<string, unknown>[], msg: string) => logs.filter((l) => l.msg === msg);

describe('the credentials file in the running process', () => {
  it('when the file is broken at start-up, then the process stops with a message naming the variable', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version":1,"credentials":[{"id":"bad id"}]}');
    const result = await runMain(testEnv(join(dir, 'data-broken'), { ROADPULSE_LOG_LEVEL: 'info', ROADPULSE_MQTT_CREDENTIALS_FILE: file }));
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stdout + result.stderr).toMatch(/ROADPULSE_MQTT_CREDENTIALS_FILE: .*broken\.json/);
    expect(result.stdout).not.toContain('roadpulse embedded pipeline running');
  });

  it('when SIGHUP comes, then the file is re-read (a broken one is logged and the old accounts stay) and the process keeps running', async () => {
    // Mixed mode on 0.0.0.0 also shows the warning about anonymous access off loopback.
    const file = join(dir, 'live.json');
    await runCredentialsCli(['add', 'hup-s1', '--role', 'sensor', '--password', 'hup-sensor-pw', '--file', file]);
    const child = await startChild({ dataDir: join(dir, 'data-live'), env: { ROADPULSE_MQTT_CREDENTIALS_FILE: file, ROADPULSE_MQTT_HOST: '0.0.0.0', ROADPULSE_MQTT_ALLOW_ANONYMOUS: 'true' } });
    try {
      const warning = child.logs.find((l) => String(l.msg).startsWith('MQTT ACCEPTS ANONYMOUS CLIENTS ON A NON-LOOPBACK ADDRESS'));
      expect(warning).toMatchObject({ level: 40, host: '0.0.0.0', accounts: 1 });
      const good = readFileSync(file, 'utf8');
      // Not atomic, on purpose: a half-written file must not replace the accounts in force.
      writeFileSync(file, good.slice(0, good.length / 2));
      child.child.kill('SIGHUP');
      const invalid = await waitFor(() => logged(child.logs, 'MQTT credentials file is invalid; keeping the previous credentials').find((l) => l.cause === 'SIGHUP'), {
        what: 'the broken file logged on SIGHUP',
      });
      expect(invalid.level).toBe(50); // pino "error"
      const s1 = await connect(child.mqttUrl, { username: 'hup-s1', password: 'hup-sensor-pw', clientId: 'hup-s1' });
      await s1.endAsync();

      writeFileSync(file, good);
      await runCredentialsCli(['add', 'hup-s2', '--role', 'sensor', '--password', 'hup-sensor-pw2', '--file', file]);
      child.child.kill('SIGHUP');
      await waitFor(() => logged(child.logs, 'MQTT credentials reloaded').find((l) => l.cause === 'SIGHUP' && l.accounts === 2), {
        what: 'reload on SIGHUP with both accounts',
      });
      const s2 = await connect(child.mqttUrl, { username: 'hup-s2', password: 'hup-sensor-pw2', clientId: 'hup-s2' });
      await s2.endAsync();
      expect(child.child.exitCode).toBeNull();
    } finally {
      expect(await child.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
