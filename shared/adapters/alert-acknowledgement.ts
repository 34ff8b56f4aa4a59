import type { Alert } from '../contract/alert.ts';

/**
 * An alert as the alert service last wrote it, with the acknowledgement the store keeps apart
 * (set through the API, never overwritten by the alert service): the acknowledgement wins, and
 * updatedAt is the later of the two.
 */
export function withAcknowledgement(alert: Alert, acknowledgedAtMs: number | null, acknowledgedBy: string | null): Alert {
  if (acknowledgedAtMs === null) return alert;
  const acknowledgedAt = new Date(acknowledgedAtMs).toISOString();
  const updatedAt = Date.parse(alert.updatedAt) >= acknowledgedAtMs ? alert.updatedAt : acknowledgedAt;
  return { ...alert, acknowledgedAt, acknowledgedBy, updatedAt };
}

/** When an alert last changed state: the later of its raise and its clear (recent lists sort by it). */
export const lastEventAt = (a: Alert): number => Date.parse(a.clearedAt ?? a.raisedAt);
