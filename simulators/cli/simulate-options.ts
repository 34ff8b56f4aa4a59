import { parseArgs } from 'node:util';
import type { RoadNetwork } from '../../shared/network/road-segment.ts';
import { DEFAULT_PCU_WEIGHTS } from '../../shared/traffic/pcu.ts';
import { FAULT_KINDS, NO_FAULTS, DEFAULT_FAULTS, type FaultKind } from '../fleet/faults.ts';
import { SENSOR_FAULT_KINDS, type SensorFaultKind } from '../fleet/sensor-faults.ts';
import { tickCount } from '../fleet/time-plan.ts';
import { defaultFleetConfig, type FleetConfig } from '../fleet/fleet-generator.ts';
import { DEFAULT_LIMITS, type PipelineLimits } from '../fleet/ledger.ts';
import type { TimePlan } from '../fleet/time-plan.ts';
import type { Incident } from '../model/incidents.ts';
import { DEFAULT_TRAFFIC_OPTIONS } from '../model/traffic-model.ts';
import { DEFAULT_VEHICLE_MIXES, normaliseMix } from '../model/vehicle-mix.ts';
import { loadScenario, type Scenario } from '../scenario/scenario-file.ts';
import { joinDashValues, parseKeyValues, selectSegments } from './option-parsers.ts';
import { alignDown, latestLocalWindow, parseDuration, parseTimeRange, parseTimeSpec } from './time-spec.ts';

export const SIMULATE_OPTIONS = {
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  scenario: { type: 'string' },
  sensors: { type: 'string' },
  seed: { type: 'string' },
  interval: { type: 'string' },
  speedup: { type: 'string' },
  start: { type: 'string' },
  duration: { type: 'string' },
  until: { type: 'string' },
  backfill: { type: 'string' },
  'allow-future': { type: 'boolean', default: false },
  segments: { type: 'string' },
  'demand-scale': { type: 'string' },
  'mix-urban': { type: 'string' },
  'mix-highway': { type: 'string' },
  'gateway-share': { type: 'string' },
  'stations-per-gateway': { type: 'string' },
  faults: { type: 'string' },
  'sensor-faults': { type: 'string' },
  'stay-online': { type: 'boolean', default: false },
  skew: { type: 'string' },
  incident: { type: 'string', multiple: true },
  'max-age': { type: 'string', default: '7d' },
  'max-future': { type: 'string', default: '5m' },
  window: { type: 'string', default: '500' },
  'client-prefix': { type: 'string', default: 'sim-' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

export interface SimulateOptions {
  url: string;
  scenarioName: string | null;
  fleet: FleetConfig;
  plan: TimePlan;
  limits: PipelineLimits;
  window: number;
  clientPrefix: string;
  json: boolean;
  quiet: boolean;
  /** End without saying "offline" on the status topics (the sensors stay online, then go stale). */
  stayOnline: boolean;
  warnings: string[];
}

/** Command line (+ scenario file) → a fully resolved run. Throws an Error with a user-facing message. */
export function resolveSimulateOptions(argv: string[], nowMs: number, network: RoadNetwork): SimulateOptions | 'help' {
  const args = joinDashValues(argv, SIMULATE_OPTIONS);
  const { values: v } = parseArgs({ args, options: SIMULATE_OPTIONS, strict: true, allowPositionals: false });
  if (v.help) return 'help';
  const scenario: Scenario = v.scenario ? loadScenario(v.scenario) : {};
  const num = (name: string, text: string | undefined, fallback: number, check: (n: number) => boolean = Number.isFinite): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!check(n)) throw new Error(`--${name}: "${text}" is not valid`);
    return n;
  };
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

  const intervalS = num('interval', v.interval, scenario.intervalS ?? 60, (n) => positiveInt(n) && n <= 3600);
  const limits: PipelineLimits = { maxAgeMs: parseDuration(v['max-age']), maxFutureMs: parseDuration(v['max-future']) };
  const warnings: string[] = [];
  const plan = resolveTimePlan(v, scenario, nowMs, intervalS, warnings);
  if (plan.startMs < nowMs - limits.maxAgeMs) {
    warnings.push(`the run starts more than ${v['max-age']} ago: the pipeline rejects such readings (stale_ts)`);
  }

  const faultRates = { ...NO_FAULTS, ...scenario.faults?.rates };
  if (v.faults) Object.assign(faultRates, parseKeyValues('faults', v.faults, FAULT_KINDS as readonly FaultKind[]));
  const sensorFaultCounts = v['sensor-faults'] ? parseKeyValues('sensor-faults', v['sensor-faults'], SENSOR_FAULT_KINDS as readonly SensorFaultKind[]) : {};
  for (const [k, n] of Object.entries(sensorFaultCounts)) {
    if (!Number.isInteger(n)) throw new Error(`--sensor-faults: ${k}=${n} is not a whole number of sensors`);
  }
  const ticks = tickCount(plan, intervalS * 1000);
  const mixes = {
    urban: normaliseMix(v['mix-urban'] ? parseKeyValues('mix-urban', v['mix-urban']) : (scenario.mix?.urban ?? DEFAULT_VEHICLE_MIXES.urban)),
    highway: normaliseMix(v['mix-highway'] ? parseKeyValues('mix-highway', v['mix-highway']) : (scenario.mix?.highway ?? DEFAULT_VEHICLE_MIXES.highway)),
  };
  const segmentPatterns = v.segments ? v.segments.split(',') : (scenario.segments ?? ['*']);
  const incidents = [...(scenario.incidents ?? []).map((i) => ({ ...i })), ...(v.incident ?? []).map(parseIncident)].map(
    (i): Incident => {
      const segment = network.byId.get(i.segmentId);
      if (!segment) throw new Error(`incident on unknown segment "${i.segmentId}"`);
      if (i.offsetM !== undefined && i.offsetM > segment.lengthM) {
        throw new Error(`incident on "${i.segmentId}" at ${i.offsetM} m: the segment is ${segment.lengthM} m long`);
      }
      const startMs = plan.startMs + i.startMin * 60_000;
      const at = i.offsetM === undefined ? {} : { offsetM: i.offsetM };
      return { segmentId: i.segmentId, lanesBlocked: i.lanesBlocked, startMs, endMs: startMs + i.durationMin * 60_000, ...at };
    },
  );

  const fleet: FleetConfig = defaultFleetConfig(network, {
    seed: num('seed', v.seed, scenario.seed ?? 1, (n) => Number.isInteger(n) && n >= 0),
    sensors: num('sensors', v.sensors, scenario.sensors ?? 200, positiveInt),
    intervalS,
    segments: selectSegments(network, segmentPatterns),
    traffic: {
      ...DEFAULT_TRAFFIC_OPTIONS,
      demandScale: num('demand-scale', v['demand-scale'], scenario.demand?.scale ?? 1, (n) => n > 0),
      segmentVariation: scenario.demand?.segmentVariation ?? DEFAULT_TRAFFIC_OPTIONS.segmentVariation,
    },
    incidents,
    mixes,
    weights: DEFAULT_PCU_WEIGHTS,
    gateways: {
      share: num('gateway-share', v['gateway-share'], scenario.gateways?.share ?? 0.7, (n) => n >= 0 && n <= 1),
      stationsPerGateway: num('stations-per-gateway', v['stations-per-gateway'], scenario.gateways?.stationsPerGateway ?? 1, positiveInt),
    },
    faults: {
      rates: faultRates,
      skewS: num('skew', v.skew, scenario.faults?.skewS ?? DEFAULT_FAULTS.skewS, Number.isInteger),
      blockSize: scenario.faults?.blockSize ?? DEFAULT_FAULTS.blockSize,
    },
    // Silent and offline detectors stop halfway through a run with an end, after 10 intervals otherwise.
    sensorFaults: { counts: sensorFaultCounts, fromTick: ticks === null ? 10 : Math.floor(ticks / 2) },
  });
  return {
    url: v.url,
    scenarioName: v.scenario ?? null,
    fleet,
    plan,
    limits,
    window: num('window', v.window, 500, positiveInt),
    clientPrefix: v['client-prefix'],
    json: v.json,
    quiet: v.quiet,
    stayOnline: v['stay-online'],
    warnings,
  };
}

interface TimeArgs {
  speedup?: string;
  start?: string;
  duration?: string;
  until?: string;
  backfill?: string;
  'allow-future': boolean;
}

function resolveTimePlan(v: TimeArgs, scenario: Scenario, nowMs: number, intervalS: number, warnings: string[]): TimePlan {
  const intervalMs = intervalS * 1000;
  const allowFuture = v['allow-future'];
  if (v.backfill !== undefined) {
    if (v.speedup ?? v.start ?? v.duration ?? v.until) throw new Error('--backfill FROM..TO takes no --speedup, --start, --duration or --until');
    const { fromMs, toMs } = parseTimeRange(v.backfill, nowMs);
    return { mode: 'backfill', startMs: alignDown(fromMs, intervalMs), endMs: toMs, speedup: Number.POSITIVE_INFINITY, allowFuture };
  }
  const speedup = v.speedup === undefined ? 1 : Number(v.speedup);
  if (!(speedup >= 1)) throw new Error(`--speedup: "${v.speedup}" must be a number ≥ 1`);
  if (v.duration !== undefined && v.until !== undefined) throw new Error('give --duration or --until, not both');
  const durationMs = v.duration !== undefined ? parseDuration(v.duration) : scenario.time?.duration ? parseDuration(scenario.time.duration) : null;

  let startMs: number;
  if (v.start !== undefined) startMs = parseTimeSpec(v.start, nowMs);
  else if (scenario.time?.startLocal) {
    const weekdayOnly = scenario.time.weekdayOnly ?? false;
    startMs = latestLocalWindow(nowMs, scenario.time.startLocal, durationMs ?? 3_600_000, { weekdayOnly });
  } else if (speedup > 1) {
    // Replay so that the run catches up with the clock when it ends (a day when open-ended).
    startMs = nowMs - (durationMs ?? 86_400_000) * (1 - 1 / speedup);
  } else startMs = nowMs;
  startMs = alignDown(startMs, intervalMs);

  const endMs = v.until !== undefined ? parseTimeSpec(v.until, nowMs) : durationMs !== null ? startMs + durationMs : null;
  if (endMs !== null && endMs <= startMs) throw new Error('the run ends before it starts');
  if (endMs !== null && endMs > nowMs && !allowFuture && speedup > 1) {
    warnings.push('the simulated period reaches past now: from there on readings go out in real time (--allow-future to keep accelerating)');
  }
  return { mode: speedup > 1 ? 'accelerated' : 'realtime', startMs, endMs, speedup, allowFuture };
}

/** "ql13-nb-04:1:10m:45m[:900]" → segment, lanes blocked, start after the simulated start, duration, and where (metres along). */
function parseIncident(text: string): { segmentId: string; lanesBlocked: number; startMin: number; durationMin: number; offsetM?: number } {
  const [segmentId, lanes, start, duration, offset, ...rest] = text.split(':');
  const lanesBlocked = Number(lanes);
  const offsetM = offset === undefined ? undefined : Number(offset);
  const badOffset = offsetM !== undefined && !(Number.isFinite(offsetM) && offsetM >= 0);
  if (!segmentId || !start || !duration || rest.length > 0 || !Number.isInteger(lanesBlocked) || lanesBlocked < 1 || badOffset) {
    throw new Error(`--incident "${text}": expected SEGMENT:LANES:START:DURATION[:METRES], e.g. ql13-nb-04:1:10m:45m or ql13-nb-04:1:10m:45m:900`);
  }
  const at = offsetM === undefined ? {} : { offsetM };
  return { segmentId, lanesBlocked, startMin: parseDuration(start) / 60_000, durationMin: parseDuration(duration) / 60_000, ...at };
}
