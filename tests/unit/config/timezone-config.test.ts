import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/load-config.ts';
import { configSchema } from '../../../shared/config/schema.ts';

// Issue 12 item 5: the dashboard shows times in the city's time zone, ROADPULSE_TIMEZONE.
describe('loadConfig: ROADPULSE_TIMEZONE', () => {
  it('when it is not set (or empty), then it is Asia/Ho_Chi_Minh', () => {
    expect(loadConfig(configSchema, {}).ROADPULSE_TIMEZONE).toBe('Asia/Ho_Chi_Minh');
    expect(loadConfig(configSchema, { ROADPULSE_TIMEZONE: '' }).ROADPULSE_TIMEZONE).toBe('Asia/Ho_Chi_Minh');
  });

  it.each(['Asia/Bangkok', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT-7'])(
    'when it is the IANA zone %s, then it is taken as given',
    (zone) => {
      expect(loadConfig(configSchema, { ROADPULSE_TIMEZONE: zone }).ROADPULSE_TIMEZONE).toBe(zone);
    },
  );

  it.each(['Mars/Olympus_Mons', 'Asia/Hanoi City', '+07:00', 'GMT+7 ', 'ICT7', '../etc/passwd'])(
    'when it is %j, then start-up fails naming the variable and the rule',
    (value) => {
      let error: unknown;
      try {
        loadConfig(configSchema, { ROADPULSE_TIMEZONE: value });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toMatch(/ROADPULSE_TIMEZONE[\s\S]*IANA time zone/);
    },
  );
});
