import type { Alert } from '../contract/alert.ts';
import type { CongestionRecord, WindowName } from '../contract/congestion-record.ts';
import type { DeadLetter } from '../contract/dead-letter.ts';
import type { SensorHealthSnapshot } from '../contract/sensor-health.ts';
import type { SensorStatus } from '../contract/sensor-status.ts';
import type { Reading } from '../contract/telemetry.ts';
import type { AlertTrack } from '../traffic/alert-rules.ts';
import type { DetectorTotals } from '../traffic/detector-totals.ts';

/**
 * The Store port (DESIGN §1, §7). Adapters: sqlite-store (embedded) and influx-store (distributed).
 * Times are epoch ms; ranges are half-open [from, to).
 */
export interface TimeRange {
  from: number;
  to: number;
}

export interface SegmentActivity {
  sensors: number;
  lastReadingAt: number | null;
}

export interface SensorSummary {
  sensorId: string;
  /** Segment of the sensor's latest reading in the range. */
  segmentId: string | null;
  lastReadingAt: number | null;
  accepted: number;
  rejected: number;
  /** Latest status message (online/offline/degraded), if any. */
  state: SensorStatus['state'] | null;
  stateAt: number | null;
}

/** Which alerts to list (issue 12): the active ones, or those raised or cleared at or after `since`. */
export interface AlertQuery {
  state: 'active' | 'recent';
  /** epoch ms; used with state 'recent'. */
  since?: number;
  segmentId?: string;
  limit: number;
}

/** One detector's totals over one history bucket (detectorTotalsByBucket). */
export interface BucketTotals {
  /** Start of the bucket, epoch ms (a multiple of the bucket length). */
  bucketStart: number;
  totals: DetectorTotals;
}

export interface Store {
  /** Idempotent: the same reading (sensor, segment, lane, ts) written twice is stored once. */
  writeReadings(readings: Reading[]): Promise<void>;
  /** Idempotent per (segmentId, window, to). */
  writeCongestion(records: CongestionRecord[]): Promise<void>;
  writeSensorStatus(statuses: SensorStatus[]): Promise<void>;
  /** Rejections are kept for the sensor view (rejected counts); writing twice may count twice only if receivedAt differs. */
  writeRejections(entries: DeadLetter[]): Promise<void>;

  /** Readings of these segments with ts in range. */
  readings(range: TimeRange, segmentIds: readonly string[]): Promise<Reading[]>;
  /**
   * The same readings summed per detector (segment, sensor, lane): what a congestion record is
   * computed from, without holding the readings (equal to detectorTotalsOf(readings, range), up
   * to floating-point rounding of the sums).
   */
  detectorTotals(range: TimeRange, segmentIds: readonly string[]): Promise<DetectorTotals[]>;
  /** Per asked segment: distinct sensors with a reading in range, and the time of the latest one. */
  segmentActivity(range: TimeRange, segmentIds: readonly string[]): Promise<Map<string, SegmentActivity>>;
  /** Stored congestion records of one segment and window whose `to` lies in range, oldest first. */
  congestionHistory(segmentId: string, window: WindowName, range: TimeRange): Promise<CongestionRecord[]>;
  /**
   * Per-sensor summary over the range (accepted readings and rejections in it, latest state ever).
   * Adapters may count readings per minute (a minute counts when it overlaps the range).
   */
  sensors(range: TimeRange): Promise<SensorSummary[]>;

  // --- congestion alerts (issue 12) ---
  /**
   * Upserts alerts by id. Never clears an acknowledgement: the alert service writes alerts without
   * knowing of acknowledgements made through the API (another process, in the distributed deployment).
   */
  writeAlerts(alerts: Alert[]): Promise<void>;
  /** The alert with its acknowledgement, or null. */
  alert(id: string): Promise<Alert | null>;
  /**
   * Active: every active alert, newest raise first. Recent: raised or cleared at or after `since`,
   * newest first by the later of raisedAt and clearedAt. Both with the acknowledgement.
   */
  alerts(query: AlertQuery): Promise<Alert[]>;
  /**
   * Sets acknowledgedAt/acknowledgedBy unless already set (the first acknowledgement stays);
   * returns the alert as stored afterwards, or null when no alert has that id.
   */
  acknowledgeAlert(id: string, by: string | null, at: number): Promise<Alert | null>;
  /** Upserts the alert service's per-segment state (pending raise/clear runs) by segment. */
  writeAlertTracks(tracks: AlertTrack[]): Promise<void>;
  alertTracks(): Promise<AlertTrack[]>;

  /** Throws if the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Sensor health snapshots of the writer's tracker (issue 12): a later snapshot of a sensor replaces its earlier one. */
  writeSensorHealth(snapshots: SensorHealthSnapshot[]): Promise<void>;
  /** The latest health snapshot of every sensor that has one. */
  sensorHealth(): Promise<SensorHealthSnapshot[]>;
  /**
   * detectorTotals per history bucket, downsampled where the data is: the range cut at multiples of
   * bucketMs since the epoch (a positive whole number of minutes), one entry per bucket and detector
   * with a reading in range, each equal to detectorTotals over that bucket ∩ range (partial first and
   * last buckets count only their part of the range). In no particular order.
   */
  detectorTotalsByBucket(range: TimeRange, segmentIds: readonly string[], bucketMs: number): Promise<BucketTotals[]>;
}
