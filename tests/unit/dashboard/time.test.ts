import { describe, expect, it } from 'vitest';
import { createTimeFormat, DEFAULT_TIME_ZONE, isTimeZone } from '../../../services/api/dashboard/time.js';

describe('dashboard time formatting in the city time zone', () => {
  // 2026-12-04T19:31:07.250Z is 02:31:07 on 5 December in Hồ Chí Minh City (UTC+7, no daylight saving).
  const instant = '2026-12-04T19:31:07.250Z';

  it('when a UTC instant is formatted for Asia/Ho_Chi_Minh, then it shows the city clock, whatever the zone of the process', () => {
    const fmt = createTimeFormat('Asia/Ho_Chi_Minh');
    expect(fmt.time(instant)).toBe('02:31:07');
    expect(fmt.hourMinute(Date.parse(instant))).toBe('02:31');
    expect(fmt.dayTime(new Date(instant))).toBe('05/12 02:31');
    expect(fmt.offset(instant)).toBe('GMT+7');
  });

  it('when the zone has daylight saving, then the offset of that date is used', () => {
    const berlin = createTimeFormat('Europe/Berlin');
    expect(berlin.time('2026-07-01T12:00:00Z')).toBe('14:00:00');
    expect(berlin.time('2026-12-01T12:00:00Z')).toBe('13:00:00');
  });

  it('when midnight is formatted, then it is 00 on a 24-hour clock (never 24 or 12 am)', () => {
    expect(createTimeFormat('Asia/Ho_Chi_Minh').time('2026-12-04T17:00:00Z')).toBe('00:00:00');
  });

  it('when there is no time or an invalid one, then a dash is shown', () => {
    const fmt = createTimeFormat('Asia/Ho_Chi_Minh');
    expect(fmt.time(null)).toBe('–');
    expect(fmt.time(undefined)).toBe('–');
    expect(fmt.dayTime('not a time')).toBe('–');
  });

  it('when the zone given is not one Intl knows, then the default zone is used', () => {
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('Asia/Ho_Chi_Minh')).toBe(true);
    const fmt = createTimeFormat('Mars/Olympus');
    expect(fmt.timeZone).toBe(DEFAULT_TIME_ZONE);
    expect(fmt.time(instant)).toBe('02:31:07');
  });
});
