import { z } from 'zod';
import { LOS_LEVELS, windowSchema } from './congestion-record.ts';

/**
 * Congestion alerts (issue 12, item 1; DESIGN §6 `traffic.alerts.v1`, §8 `/api/v1/alerts`).
 * An alert is raised for a segment whose LOS stayed at or worse than the raise level for the raise
 * time, and cleared once it stayed better than the clear level for the clear time
 * (shared/traffic/alert-rules.ts). Times are ISO 8601 UTC.
 */
const los = z.enum(LOS_LEVELS);
const isoTime = z.iso.datetime();

/**
 * An alert id: `{segmentId}@{raisedAt epoch ms}`. It follows from the records that raised it, so a
 * replay of the same records raises the same alert, not a second one.
 */
export const alertIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}@\d{1,15}$/, 'expected {segmentId}@{epoch ms}')
  .describe('alert id: {segmentId}@{raisedAt in epoch ms}');

export const ALERT_STATES = ['active', 'cleared'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const alertSchema = z.object({
  id: alertIdSchema,
  segmentId: z.string(),
  window: windowSchema,
  state: z.enum(ALERT_STATES),
  /** LOS of the record that raised it. */
  level: los,
  raisedAt: isoTime,
  clearedAt: isoTime.nullable(),
  acknowledgedAt: isoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  /** Worst LOS and highest congestion % from the start of the hold before the raise until the clear. */
  peakLos: los,
  peakCongestionPct: z.number().nullable(),
  /** Of the latest judged record (one with a LOS). */
  lastLos: los.nullable(),
  lastCongestionPct: z.number().nullable(),
  updatedAt: isoTime,
});
export type Alert = z.infer<typeof alertSchema>;

export const ALERT_EVENTS = ['raised', 'acknowledged', 'cleared'] as const;
export type AlertEventName = (typeof ALERT_EVENTS)[number];

/** What traffic.alerts.v1 carries (key = segmentId) and what the SSE stream sends as `event: alert`. */
export const alertEventSchema = z.object({
  event: z.enum(ALERT_EVENTS),
  alert: alertSchema,
});
export type AlertEvent = z.infer<typeof alertEventSchema>;

export const alertId = (segmentId: string, raisedAtMs: number): string => `${segmentId}@${raisedAtMs}`;

/** The segment and raise time an id names, or null if it is not an alert id. */
export function parseAlertId(id: string): { segmentId: string; raisedAtMs: number } | null {
  if (!alertIdSchema.safeParse(id).success) return null;
  const at = id.lastIndexOf('@');
  return { segmentId: id.slice(0, at), raisedAtMs: Number(id.slice(at + 1)) };
}

/**
 * The identity of one event, for SSE `id:` and de-duplication: the same event published twice (a
 * retried batch) has the same id. Built from the alert id, the event and the alert's updatedAt.
 */
export function alertEventId(e: AlertEvent): string {
  return `${e.alert.id}~${e.event}~${Date.parse(e.alert.updatedAt)}`;
}
