import type { Config } from '../../shared/config/schema.ts';
import type { AlertRules } from '../../shared/traffic/alert-rules.ts';

/** The alert rules from ROADPULSE_ALERT_* (validated by the config schema). */
export function alertRulesFrom(config: Config): AlertRules {
  const hold = { raiseHoldMs: config.ROADPULSE_ALERT_RAISE_S * 1000, clearHoldMs: config.ROADPULSE_ALERT_CLEAR_S * 1000 };
  return {
    window: config.ROADPULSE_ALERT_WINDOW,
    urban: { raiseLos: config.ROADPULSE_ALERT_URBAN_LOS.raise, clearLos: config.ROADPULSE_ALERT_URBAN_LOS.clear, ...hold },
    highway: { raiseLos: config.ROADPULSE_ALERT_HIGHWAY_LOS.raise, clearLos: config.ROADPULSE_ALERT_HIGHWAY_LOS.clear, ...hold },
  };
}
