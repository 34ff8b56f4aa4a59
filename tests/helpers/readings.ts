/** Builders of telemetry payloads (DESIGN §3) for tests. */
export interface TestReading {
  sensorId: string;
  segmentId: string;
  ts: number | string;
  intervalS: number;
  lane?: number;
  counts: Partial<Record<'motorbike' | 'car' | 'bus' | 'truck' | 'bicycle' | 'other', number>>;
  speedKmh?: number | null;
  occupancy?: number | null;
  seq?: number;
}

/** A valid reading, 60 s interval, 10 cars at 50 km/h, ts = now − 1 s, overridable. */
export function reading(overrides: Partial<TestReading> & Pick<TestReading, 'sensorId'>): TestReading {
  return {
    segmentId: 'ql13-nb-01',
    ts: Date.now() - 1_000,
    intervalS: 60,
    counts: { car: 10 },
    speedKmh: 50,
    occupancy: 0.1,
    ...overrides,
  };
}

/** "2024-05-01T12:00:00.000+07:00" for epoch ms (Asia/Ho_Chi_Minh offset). */
export function isoPlus7(ms: number): string {
  return new Date(ms + 7 * 3600_000).toISOString().replace('Z', '+07:00');
}
