// @ts-check
// Times as the city reads them: every time on the dashboard is shown in the configured IANA time
// zone (ROADPULSE_TIMEZONE, default Asia/Ho_Chi_Minh), whatever the zone of the screen's computer.
// Pure: Intl only.

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/**
 * True when this runtime's Intl knows the zone name.
 * @param {unknown} name
 * @returns {name is string}
 */
export function isTimeZone(name) {
  if (typeof name !== 'string' || name === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {string | number | Date | null | undefined} value  ISO text, epoch ms or a Date
 * @returns {Date | null}
 */
function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Formatters for one zone. The digits come from Intl's parts (24-hour clock), so the text is the
 * same in every language: "08:05:09", "04/12 08:05".
 * @param {string} timeZone
 */
export function createTimeFormat(timeZone) {
  const zone = isTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const offset = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' });

  /** @param {Date} date */
  const fields = (date) => {
    /** @type {Record<string, string>} */
    const f = {};
    for (const p of parts.formatToParts(date)) f[p.type] = p.value;
    return f;
  };
  const none = '–';

  return {
    timeZone: zone,
    /** "08:05:09" @param {string | number | Date | null | undefined} value */
    time(value) {
      const d = toDate(value);
      if (!d) return none;
      const f = fields(d);
      return `${f.hour}:${f.minute}:${f.second}`;
    },
    /** "08:05" @param {string | number | Date | null | undefined} value */
    hourMinute(value) {
      const d = toDate(value);
      if (!d) return none;
      const f = fields(d);
      return `${f.hour}:${f.minute}`;
    },
    /** "04/12 08:05" @param {string | number | Date | null | undefined} value */
    dayTime(value) {
      const d = toDate(value);
      if (!d) return none;
      const f = fields(d);
      return `${f.day}/${f.month} ${f.hour}:${f.minute}`;
    },
    /** The zone's offset at that time, "GMT+7". @param {string | number | Date} [value] */
    offset(value = Date.now()) {
      const d = toDate(value) ?? new Date();
      return offset.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    },
  };
}

/** @typedef {ReturnType<typeof createTimeFormat>} TimeFormat */
