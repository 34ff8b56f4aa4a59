import { VIETNAM_UTC_OFFSET_MIN } from '../model/demand-profile.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "20m", "1h30m", "2d", "500ms" → ms. A bare number is seconds. Throws on anything else. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new Error(`"${text}" is not a duration (e.g. 90s, 20m, 1h30m, 2d)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

/** "now", "now-20m", "-20m", "+5m" (relative to now) or an ISO 8601 date-time → epoch ms. */
export function parseTimeSpec(text: string, nowMs: number): number {
  const t = text.trim();
  const relative = /^(?:now)?\s*([+-])\s*(.+)$/.exec(t);
  if (t === 'now') return nowMs;
  if (relative) return nowMs + (relative[1] === '-' ? -1 : 1) * parseDuration(relative[2]!);
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not a time (now, -20m, now-2h or ISO 8601)`);
  return ms;
}

/** "FROM..TO", each a time spec → [from, to). */
export function parseTimeRange(text: string, nowMs: number): { fromMs: number; toMs: number } {
  const parts = text.split('..');
  if (parts.length !== 2) throw new Error(`"${text}" is not a range FROM..TO (e.g. -20m..now)`);
  const fromMs = parseTimeSpec(parts[0]!, nowMs);
  const toMs = parseTimeSpec(parts[1]!, nowMs);
  if (!(fromMs < toMs)) throw new Error(`range "${text}": FROM must be before TO`);
  return { fromMs, toMs };
}

export function alignDown(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

/**
 * The start of the latest period that begins at local time `hhmm` and has ended by `nowMs`
 * (on a weekday when `weekdayOnly`): e.g. the last weekday morning peak 07:00 + 1 h.
 */
export function latestLocalWindow(
  nowMs: number,
  hhmm: string,
  durationMs: number,
  options: { weekdayOnly?: boolean; utcOffsetMin?: number } = {},
): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`"${hhmm}" is not a local time HH:MM`);
  const offsetMs = (options.utcOffsetMin ?? VIETNAM_UTC_OFFSET_MIN) * 60_000;
  const localMidnight = alignDown(nowMs + offsetMs, 86_400_000) - offsetMs;
  const startOfDay = (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  for (let day = 0; day < 14; day++) {
    const start = localMidnight - day * 86_400_000 + startOfDay;
    const weekday = new Date(start + offsetMs).getUTCDay();
    if (start + durationMs > nowMs) continue;
    if (options.weekdayOnly && (weekday === 0 || weekday === 6)) continue;
    return start;
  }
  throw new Error(`no ${hhmm} period of ${durationMs / 60_000} min found in the last two weeks`);
}
