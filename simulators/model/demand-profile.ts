import type { RoadSegment } from '../../shared/network/road-segment.ts';

/**
 * Demand over the day as a volume-to-capacity ratio (v/c), one value per local hour (at hh:00),
 * linearly interpolated in between and across midnight. 1.0 = the segment's capacity.
 *
 * Urban (Thủ Dầu Một, QL13): a sharp morning peak at 07:00 (school and work, motorbikes), a
 * lunchtime bump, the evening peak at 17:00 slightly above capacity. Highway (Mỹ Phước–Tân Vạn,
 * an industrial corridor): factory shift changes around 07:00 and 17:00 and steady truck traffic
 * at night. Weekends: lower, flatter peaks.
 */
export type HourlyProfile = readonly number[]; // 24 values

export interface DemandProfiles {
  weekday: Record<RoadSegment['kind'], HourlyProfile>;
  weekend: Record<RoadSegment['kind'], HourlyProfile>;
}

export const DEFAULT_DEMAND_PROFILES: DemandProfiles = {
  weekday: {
    //      00    01    02    03    04    05    06    07    08    09    10    11
    urban: [0.15, 0.10, 0.08, 0.07, 0.10, 0.30, 0.70, 1.00, 0.95, 0.70, 0.60, 0.65,
    //      12    13    14    15    16    17    18    19    20    21    22    23
            0.60, 0.55, 0.60, 0.70, 0.85, 1.02, 0.95, 0.75, 0.60, 0.45, 0.35, 0.22],
    highway: [0.25, 0.22, 0.20, 0.20, 0.25, 0.40, 0.75, 0.92, 0.80, 0.65, 0.60, 0.60,
              0.55, 0.58, 0.62, 0.70, 0.85, 0.95, 0.80, 0.60, 0.50, 0.42, 0.35, 0.30],
  },
  weekend: {
    urban: [0.18, 0.12, 0.09, 0.08, 0.09, 0.20, 0.40, 0.60, 0.70, 0.70, 0.70, 0.68,
            0.62, 0.58, 0.60, 0.65, 0.72, 0.80, 0.82, 0.78, 0.65, 0.50, 0.38, 0.25],
    highway: [0.22, 0.20, 0.18, 0.18, 0.20, 0.28, 0.45, 0.58, 0.62, 0.62, 0.60, 0.58,
              0.55, 0.55, 0.58, 0.62, 0.66, 0.68, 0.62, 0.52, 0.45, 0.38, 0.32, 0.26],
  },
};

/** Bình Dương is UTC+7 all year (no daylight saving). */
export const VIETNAM_UTC_OFFSET_MIN = 420;

export interface LocalTime {
  /** Hours since local midnight, fractional: 7.5 = 07:30. */
  hour: number;
  /** 0 = Sunday … 6 = Saturday, local. */
  dayOfWeek: number;
}

export function localTime(epochMs: number, utcOffsetMin = VIETNAM_UTC_OFFSET_MIN): LocalTime {
  const local = new Date(epochMs + utcOffsetMin * 60_000);
  const hour = local.getUTCHours() + local.getUTCMinutes() / 60 + local.getUTCSeconds() / 3600;
  return { hour, dayOfWeek: local.getUTCDay() };
}

/** v/c of a profile at a fractional hour, interpolated between the hourly points (wrapping at 24). */
export function profileAt(profile: HourlyProfile, hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  const i = Math.floor(h);
  const from = profile[i] ?? 0;
  const to = profile[(i + 1) % 24] ?? 0;
  return from + (to - from) * (h - i);
}

/** Demand v/c for a kind of road at an instant, weekday or weekend profile by the local day. */
export function demandRatio(
  kind: RoadSegment['kind'],
  epochMs: number,
  profiles: DemandProfiles = DEFAULT_DEMAND_PROFILES,
  utcOffsetMin = VIETNAM_UTC_OFFSET_MIN,
): number {
  const { hour, dayOfWeek } = localTime(epochMs, utcOffsetMin);
  const day = dayOfWeek === 0 || dayOfWeek === 6 ? profiles.weekend : profiles.weekday;
  return profileAt(day[kind], hour);
}
