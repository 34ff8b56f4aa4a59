import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../../shared/config/load-config.ts';
import { configSchema } from '../../../shared/config/schema.ts';
import { DEFAULT_PCU_WEIGHTS } from '../../../shared/traffic/pcu.ts';

/** Runs loadConfig and returns the ConfigError it must throw. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(configSchema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  return expect.fail('expected loadConfig to throw a ConfigError');
}

describe('loadConfig: defaults (DESIGN §9)', () => {
  it('when no ROADPULSE_* variable is set, then the defaults give the embedded deployment', () => {
    const config = loadConfig(configSchema, {});
    expect(config.ROADPULSE_MQTT_PORT).toBe(1883);
    expect(config.ROADPULSE_HTTP_PORT).toBe(8080);
    expect(config.ROADPULSE_DATA_DIR).toBe('./data');
    expect(config.ROADPULSE_NETWORK_FILE).toBeUndefined();
    expect(config.ROADPULSE_API_KEYS).toEqual([]);
    expect(config.ROADPULSE_MAX_READING_AGE_S).toBe(7 * 24 * 3600);
    expect(config.ROADPULSE_MAX_FUTURE_S).toBe(300);
    expect(config.ROADPULSE_PCU_WEIGHTS).toEqual(DEFAULT_PCU_WEIGHTS);
    expect(config.ROADPULSE_LOG_LEVEL).toBe('info');
  });

  it('when a variable is set to an empty string, then its default applies', () => {
    const config = loadConfig(configSchema, { ROADPULSE_MQTT_PORT: '', ROADPULSE_DATA_DIR: '' });
    expect(config.ROADPULSE_MQTT_PORT).toBe(1883);
    expect(config.ROADPULSE_DATA_DIR).toBe('./data');
  });

  it('when variables other than ROADPULSE_* are in the environment, then they are ignored', () => {
    const config = loadConfig(configSchema, { PATH: '/usr/bin', HTTP_PORT: 'nonsense', ROADPULSE_UNKNOWN: 'x' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('ROADPULSE_UNKNOWN');
    expect(config.ROADPULSE_HTTP_PORT).toBe(8080);
  });

  it('when good values are given as strings, then they are coerced to their types', () => {
    const config = loadConfig(configSchema, {
      ROADPULSE_MQTT_PORT: '0',
      ROADPULSE_HTTP_PORT: '3000',
      ROADPULSE_API_KEYS: 'k1, k2,,k3',
      ROADPULSE_LOG_LEVEL: 'debug',
    });
    expect(config.ROADPULSE_MQTT_PORT).toBe(0);
    expect(config.ROADPULSE_HTTP_PORT).toBe(3000);
    expect(config.ROADPULSE_API_KEYS).toEqual(['k1', 'k2', 'k3']);
    expect(config.ROADPULSE_LOG_LEVEL).toBe('debug');
  });
});

describe('loadConfig: bad values (DESIGN §9: name the variable and the rule)', () => {
  it('when a port is not a number, then the problem names the variable, its value and the rule', () => {
    const err = configError({ ROADPULSE_MQTT_PORT: 'abc' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toContain('ROADPULSE_MQTT_PORT');
    expect(err.problems[0]).toContain('"abc"');
    expect(err.problems[0]).toMatch(/expected number/);
    expect(err.message).toContain('ROADPULSE_MQTT_PORT');
  });

  it('when a port is above 65535, then the problem names the variable and the upper bound', () => {
    const err = configError({ ROADPULSE_HTTP_PORT: '70000' });
    expect(err.problems).toEqual([expect.stringContaining('ROADPULSE_HTTP_PORT')]);
    expect(err.problems[0]).toContain('65535');
  });

  it('when a port is fractional, then it is reported as not an integer', () => {
    const err = configError({ ROADPULSE_HTTP_PORT: '80.5' });
    expect(err.problems[0]).toContain('ROADPULSE_HTTP_PORT');
    expect(err.problems[0]).toMatch(/int/i);
  });

  it('when the log level is not one of the pino levels, then the problem lists the allowed levels', () => {
    const err = configError({ ROADPULSE_LOG_LEVEL: 'loud' });
    expect(err.problems[0]).toContain('ROADPULSE_LOG_LEVEL');
    expect(err.problems[0]).toContain('"info"');
  });

  it('when the max reading age is 0, then the problem names the variable and the lower bound', () => {
    const err = configError({ ROADPULSE_MAX_READING_AGE_S: '0' });
    expect(err.problems[0]).toContain('ROADPULSE_MAX_READING_AGE_S');
    expect(err.problems[0]).toContain('>=1');
  });

  it('when several values are bad, then all of them are reported at once', () => {
    const err = configError({
      ROADPULSE_MQTT_PORT: 'abc',
      ROADPULSE_HTTP_PORT: '-1',
      ROADPULSE_LOG_LEVEL: 'loud',
      ROADPULSE_MAX_FUTURE_S: 'soon',
      ROADPULSE_PCU_WEIGHTS: 'tuktuk=1',
    });
    expect(err.problems).toHaveLength(5);
    for (const name of [
      'ROADPULSE_MQTT_PORT',
      'ROADPULSE_HTTP_PORT',
      'ROADPULSE_LOG_LEVEL',
      'ROADPULSE_MAX_FUTURE_S',
      'ROADPULSE_PCU_WEIGHTS',
    ]) {
      expect(err.problems.some((p) => p.startsWith(`${name}=`)), name).toBe(true);
      expect(err.message).toContain(name);
    }
  });
});

describe('loadConfig: ROADPULSE_PCU_WEIGHTS (DESIGN §5: configurable PCU weights)', () => {
  it('when overrides "motorbike=0.25,bus=3" are given, then those classes change and the others keep the TCVN defaults', () => {
    const config = loadConfig(configSchema, { ROADPULSE_PCU_WEIGHTS: 'motorbike=0.25,bus=3' });
    expect(config.ROADPULSE_PCU_WEIGHTS).toEqual({ bicycle: 0.2, motorbike: 0.25, car: 1.0, bus: 3, truck: 2.5, other: 1.0 });
  });

  it('when overrides have spaces around names and values, then they still parse', () => {
    const config = loadConfig(configSchema, { ROADPULSE_PCU_WEIGHTS: ' truck = 3.5 , bicycle=0 ' });
    expect(config.ROADPULSE_PCU_WEIGHTS).toMatchObject({ truck: 3.5, bicycle: 0 });
  });

  it('when overrides are given, then the shared defaults are not changed', () => {
    loadConfig(configSchema, { ROADPULSE_PCU_WEIGHTS: 'car=2' });
    expect(DEFAULT_PCU_WEIGHTS.car).toBe(1.0);
  });

  it('when an override names an unknown class, then it is an error naming the variable, the pair and the classes', () => {
    const err = configError({ ROADPULSE_PCU_WEIGHTS: 'motorbike=0.25,tuktuk=1' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toContain('ROADPULSE_PCU_WEIGHTS');
    expect(err.problems[0]).toContain('"tuktuk=1"');
    expect(err.problems[0]).toContain('motorbike|car|bus|truck|bicycle|other');
  });

  it.each([
    ['a negative weight', 'car=-1'],
    ['a weight that is not a number', 'car=heavy'],
    ['a pair without "="', 'car'],
  ])('when an override has %s, then it is an error', (_name, value) => {
    expect(configError({ ROADPULSE_PCU_WEIGHTS: value }).problems[0]).toContain('ROADPULSE_PCU_WEIGHTS');
  });

  it.each([
    // BUG shared/config/schema.ts:14 — Number('') is 0, so "car=" silently sets the car weight to 0.
    ['an empty weight ("car=")', 'car='],
    // BUG shared/config/schema.ts:15 — `weight >= 0` lets Infinity through; PCU flow and density become
    // Infinity, and JSON turns the weight into null.
    ['an infinite weight ("car=Infinity")', 'car=Infinity'],
  ])('when an override has %s, then it is an error (not a silently accepted weight)', (_name, value) => {
    expect(() => loadConfig(configSchema, { ROADPULSE_PCU_WEIGHTS: value })).toThrow(ConfigError);
  });
});

describe('loadConfig: the returned value', () => {
  it('when the config is returned, then it is frozen', () => {
    const config = loadConfig(configSchema, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { ROADPULSE_HTTP_PORT: number }).ROADPULSE_HTTP_PORT = 1;
    }).toThrow(TypeError); // ESM modules run in strict mode
    expect(config.ROADPULSE_HTTP_PORT).toBe(8080);
  });

  it('when the config is returned, then its nested values (PCU weights, API keys) cannot be changed either', () => {
    // BUG shared/config/load-config.ts:29 — Object.freeze is shallow: a service can change
    // config.ROADPULSE_PCU_WEIGHTS.bus or push to ROADPULSE_API_KEYS, and every other holder of the
    // config sees it. "Config once, passed as a value" needs a deep freeze.
    const config = loadConfig(configSchema, { ROADPULSE_API_KEYS: 'k1' });
    expect(Object.isFrozen(config.ROADPULSE_PCU_WEIGHTS)).toBe(true);
    expect(Object.isFrozen(config.ROADPULSE_API_KEYS)).toBe(true);
  });
});

describe('describeConfig (STYLE 5: --help and the README table come from the schema)', () => {
  const lines = describeConfig(configSchema);
  const variables = Object.keys(configSchema.shape);

  it('when describing the schema, then there is one line per variable, in schema order', () => {
    expect(variables.length).toBeGreaterThan(0);
    expect(lines).toHaveLength(variables.length);
    lines.forEach((line, i) => expect(line.startsWith(`${variables[i]} `)).toBe(true));
  });

  it('when describing the schema, then every variable has a non-empty description and it is in its line', () => {
    for (const [name, field] of Object.entries(configSchema.shape)) {
      expect(field.description, name).toBeTruthy();
      const line = lines.find((l) => l.startsWith(`${name} `));
      expect(line, name).toContain(field.description!);
    }
  });

  it('when a variable has a default, then its line shows it', () => {
    const line = (name: string) => lines.find((l) => l.startsWith(`${name} `));
    expect(line('ROADPULSE_MQTT_PORT')).toContain('[default: 1883]');
    expect(line('ROADPULSE_HTTP_PORT')).toContain('[default: 8080]');
    expect(line('ROADPULSE_DATA_DIR')).toContain('[default: ./data]');
    expect(line('ROADPULSE_NETWORK_FILE')).toContain('[default: (none)]');
  });

  it('when a default is an object (the PCU weights), then it is shown readably, not as [object Object]', () => {
    // BUG shared/config/load-config.ts:37 — String({...}) gives "[object Object]" in --help and the README table.
    const line = lines.find((l) => l.startsWith('ROADPULSE_PCU_WEIGHTS '));
    expect(line).not.toContain('[object Object]');
    expect(line).toMatch(/motorbike.{0,3}0\.3/);
  });
});
