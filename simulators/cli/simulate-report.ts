import type { FleetGenerator } from '../fleet/fleet-generator.ts';
import { MIN_STATION_SPACING_M, type CrowdedSegment } from '../fleet/layout.ts';
import type { Ledger } from '../fleet/ledger.ts';
import { isoWithOffset } from '../fleet/messages.ts';
import type { RunStats } from '../mqtt/run-fleet.ts';
import type { SimulateOptions } from './simulate-options.ts';
import { fmt } from './progress-line.ts';
import type { HealthState } from '../../shared/contract/sensor-health.ts';
import { SENSOR_FAULT_KINDS, SENSOR_FAULT_STATE, type SensorFaultKind } from '../fleet/sensor-faults.ts';

const local = (ms: number) => isoWithOffset(ms, 420).slice(0, 16).replace('T', ' ');

export function progressText(stats: RunStats, startedAt: number): string {
  const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
  const ticks = stats.ticksTotal === null ? `${stats.ticksDone}` : `${stats.ticksDone}/${stats.ticksTotal}`;
  return [
    `sim ${stats.simTimeMs ? `${local(stats.simTimeMs)} +07` : '-'}`,
    `tick ${ticks}`,
    `sent ${fmt(stats.messagesSent)} msg`,
    `acked ${fmt(stats.readingsAcked)} readings (${fmt(stats.readingsAcked / seconds)}/s)`,
    `in flight ${stats.inFlight}`,
    stats.publishFailures > 0 ? `FAILED ${stats.publishFailures}` : '',
    `lag ${(stats.lagMs / 1000).toFixed(1)} s`,
  ].filter(Boolean).join(' | ');
}

export interface SimulateSummary {
  scenario: string | null;
  seed: number;
  mode: string;
  simulated: { from: string; to: string | null; ticks: number; intervalS: number };
  fleet: {
    detectors: number; stations: number; gateways: number; batchingGateways: number; connections: number; segments: number;
    /** Segments whose stations stand closer than MIN_STATION_SPACING_M. */
    crowdedSegments: CrowdedSegment[];
  };
  realSeconds: number;
  readings: { generated: number; acked: number; perSecond: number };
  messages: { sent: number; acked: number; failed: number };
  faults: Record<string, number>;
  /** Per --faults kind, the sensors it hit. */
  faultedSensors: Record<string, string[]>;
  /** Per --sensor-faults kind, its detectors, and the health state each must show. */
  sensorFaults: Record<SensorFaultKind, { state: HealthState; sensors: string[] }>;
  expectedAtPipeline: { accepted: number; distinctStored: number; rejected: Record<string, number> };
}

export function summarise(o: SimulateOptions, g: FleetGenerator, stats: RunStats, ledger: Ledger, realMs: number, connections: number): SimulateSummary {
  const { invalid_json, schema, future_ts, stale_ts } = ledger.rejected;
  return {
    scenario: o.scenarioName,
    seed: o.fleet.seed,
    mode: o.plan.mode === 'accelerated' ? `accelerated ×${o.plan.speedup}` : o.plan.mode,
    simulated: {
      from: new Date(o.plan.startMs).toISOString(),
      to: stats.simTimeMs ? new Date(stats.simTimeMs).toISOString() : null,
      ticks: stats.ticksDone,
      intervalS: o.fleet.intervalS,
    },
    fleet: {
      detectors: g.layout.detectors.length,
      stations: new Set(g.layout.detectors.map((d) => d.stationId)).size,
      crowdedSegments: g.layout.crowded,
      gateways: g.layout.gateways.length,
      batchingGateways: g.layout.gateways.filter((x) => x.batches).length,
      connections,
      segments: new Set(g.layout.detectors.map((d) => d.segmentId)).size,
    },
    realSeconds: Number((realMs / 1000).toFixed(1)),
    readings: { generated: stats.readingsGenerated, acked: stats.readingsAcked, perSecond: Math.round(stats.readingsAcked / Math.max(0.001, realMs / 1000)) },
    messages: { sent: stats.messagesSent, acked: stats.messagesAcked, failed: stats.publishFailures },
    faults: { ...g.faults.injected, malformedInvalidJson: g.faults.malformed.invalid_json, malformedSchema: g.faults.malformed.schema },
    faultedSensors: Object.fromEntries([...g.faults.sensorsHit].map(([k, ids]) => [k, [...ids].sort()])),
    sensorFaults: sensorFaultsOf(g),
    expectedAtPipeline: { accepted: ledger.accepted, distinctStored: ledger.distinctTotal, rejected: { invalid_json, schema, future_ts, stale_ts } },
  };
}

function sensorFaultsOf(g: FleetGenerator): SimulateSummary['sensorFaults'] {
  const byKind = g.sensorFaults.byKind();
  return Object.fromEntries(SENSOR_FAULT_KINDS.map((k) => [k, { state: SENSOR_FAULT_STATE[k], sensors: byKind[k] }])) as SimulateSummary['sensorFaults'];
}

export function summaryText(s: SimulateSummary): string {
  const kv = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
  const hit = Object.entries(s.faultedSensors).map(([k, ids]) => `${k} ${ids.length}`).join(', ');
  const sensorFaults = Object.entries(s.sensorFaults)
    .filter(([, f]) => f.sensors.length > 0)
    .map(([k, f]) => `  sensor fault ${k} (health ${f.state}): ${f.sensors.join(', ')}`);
  return [
    `roadpulse simulator${s.scenario ? ` — scenario ${s.scenario}` : ''} (seed ${s.seed}, ${s.mode})`,
    `  simulated   ${s.simulated.from} → ${s.simulated.to ?? '-'}: ${s.simulated.ticks} intervals of ${s.simulated.intervalS} s in ${s.realSeconds} s`,
    `  fleet       ${s.fleet.detectors} detectors at ${s.fleet.stations} stations on ${s.fleet.segments} segments, ${s.fleet.gateways} cabinets (${s.fleet.batchingGateways} batching), ${s.fleet.connections} MQTT connections`,
    ...crowdedText(s.fleet.crowdedSegments),
    `  readings    ${fmt(s.readings.generated)} generated, ${fmt(s.readings.acked)} acknowledged (${fmt(s.readings.perSecond)}/s)`,
    `  messages    ${fmt(s.messages.sent)} sent, ${fmt(s.messages.acked)} acknowledged, ${fmt(s.messages.failed)} failed`,
    `  faults      ${kv(s.faults)}`,
    ...(hit ? [`  sensors hit ${hit} (ids in --json)`] : []),
    ...sensorFaults,
    `  pipeline should report: ${fmt(s.expectedAtPipeline.accepted)} accepted, ${fmt(s.expectedAtPipeline.distinctStored)} distinct readings stored; rejected ${kv(s.expectedAtPipeline.rejected)}`,
  ].join('\n');
}

/** Said in the summary rather than refused: a load test may want more detectors than the road has room for. */
function crowdedText(crowded: readonly CrowdedSegment[]): string[] {
  if (crowded.length === 0) return [];
  const worst = [...crowded].sort((a, b) => a.spacingM - b.spacingM).slice(0, 5);
  const list = worst.map((c) => `${c.segmentId} ${c.stations} stations ${c.spacingM} m apart`).join(', ');
  return [`  note        ${crowded.length} segment(s) have stations closer than ${MIN_STATION_SPACING_M} m: ${list}${crowded.length > 5 ? ', …' : ''}`];
}
