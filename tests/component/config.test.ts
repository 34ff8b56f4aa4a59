import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../shared/config/schema.ts';
import { makeDataDir, runMain, testEnv } from '../helpers/embedded.ts';

// DESIGN §9 / STYLE 5: ROADPULSE_* validated at start-up; a wrong value stops the process with a
// message that names the variable and the rule; --help comes from the schema.
vi.setConfig({ testTimeout: 20_000 });

const dataDir = makeDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const env = (extra: Record<string, string>) => testEnv(dataDir, { ROADPULSE_LOG_LEVEL: 'info', ...extra });

describe('configuration from ROADPULSE_* variables (DESIGN §9)', () => {
  it.each([
    ['ROADPULSE_MQTT_PORT', 'abc', /number/i],
    ['ROADPULSE_HTTP_PORT', '70000', /65535/],
    ['ROADPULSE_PCU_WEIGHTS', 'plane=3', /plane/],
    ['ROADPULSE_PCU_WEIGHTS', 'car=-1', /car=-1/],
    ['ROADPULSE_LOG_LEVEL', 'loud', /fatal|info|debug/],
    ['ROADPULSE_MAX_READING_AGE_S', '0', />=\s*1|too small/i],
  ])('when %s=%s, then the process exits non-zero and stderr names the variable and the rule', async (name, value, rule) => {
    const result = await runMain(env({ [name]: value }));
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull(); // it exited by itself, it was not killed by the timeout
    const line = result.stderr.split('\n').find((l) => l.includes(name));
    expect(line, result.stderr).toBeDefined();
    expect(line).toContain(JSON.stringify(value));
    expect(line).toMatch(rule);
    // It stopped before listening: nothing logged as running.
    expect(result.stdout).not.toContain('roadpulse embedded pipeline running');
  });

  it('when several variables are wrong, then every one is reported at once', async () => {
    const result = await runMain(env({ ROADPULSE_MQTT_PORT: 'abc', ROADPULSE_PCU_WEIGHTS: 'plane=3' }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/ROADPULSE_MQTT_PORT="abc"/);
    expect(result.stderr).toMatch(/ROADPULSE_PCU_WEIGHTS="plane=3"/);
    expect(result.stderr).toMatch(/--help/);
  });

  it('when the network file does not exist, then start-up fails (non-zero exit) naming the file', async () => {
    const missing = join(dataDir, 'no-such-network.geojson');
    const result = await runMain(env({ ROADPULSE_NETWORK_FILE: missing }));
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stdout + result.stderr).toContain(missing);
    expect(result.stdout).not.toContain('roadpulse embedded pipeline running');
  });

  it('when run with --help, then it lists every variable with its description and exits 0', async () => {
    // Even with a bad value in the environment: --help must not need a valid configuration.
    const result = await runMain(env({ ROADPULSE_MQTT_PORT: 'abc' }), ['--help']);
    expect(result.code).toBe(0);
    for (const [name, field] of Object.entries(configSchema.shape)) {
      const line = result.stdout.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, `${name} missing from --help`).toBeDefined();
      expect(line).toContain((field as { description?: string }).description ?? '');
    }
    expect(result.stdout).toMatch(/^ROADPULSE_MQTT_PORT .*\[default: 1883\]$/m);
    expect(result.stdout).toMatch(/^ROADPULSE_HTTP_PORT .*\[default: 8080\]$/m);
  });

  it('when run with --help, then every default is readable (no "[object Object]")', async () => {
    const result = await runMain(env({}), ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('[object Object]');
    // The PCU weights default as one would write it in the variable (TCVN 4054:2005 values).
    const pcuLine = result.stdout.split('\n').find((l) => l.startsWith('ROADPULSE_PCU_WEIGHTS'));
    for (const pair of ['bicycle=0.2', 'motorbike=0.3', 'car=1', 'bus=2.5', 'truck=2.5', 'other=1']) expect(pcuLine).toContain(pair);
  });
});
