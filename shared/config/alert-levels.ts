import { z } from 'zod';
import { LOS_LEVELS, type Los } from '../contract/congestion-record.ts';

export interface AlertLevels {
  /** At or worse than this LOS (for the raise time) raises an alert. */
  raise: Los;
  /** Better than this LOS (for the clear time) clears it. */
  clear: Los;
}

/**
 * `ROADPULSE_ALERT_<KIND>_LOS`: "raise=E,clear=C" (either part may be left out: its default stays).
 * The clear level may not be worse than the raise level, or one LOS would both raise and clear.
 */
export function alertLevels(defaults: AlertLevels) {
  return z
    .string()
    .optional()
    .transform((text, ctx): AlertLevels => {
      const levels: AlertLevels = { ...defaults };
      for (const pair of (text ?? '').split(',').filter((p) => p.trim() !== '')) {
        const [name, value, extra] = pair.split('=').map((s) => s.trim().toUpperCase());
        if ((name !== 'RAISE' && name !== 'CLEAR') || extra !== undefined || !LOS_LEVELS.includes(value as Los)) {
          ctx.addIssue({ code: 'custom', message: `expected raise=<A-F>,clear=<A-F>, got "${pair}"` });
          return z.NEVER;
        }
        levels[name === 'RAISE' ? 'raise' : 'clear'] = value as Los;
      }
      if (LOS_LEVELS.indexOf(levels.clear) > LOS_LEVELS.indexOf(levels.raise)) {
        ctx.addIssue({ code: 'custom', message: `clear level ${levels.clear} is worse than raise level ${levels.raise}` });
        return z.NEVER;
      }
      return levels;
    });
}
