import type { RoadNetwork, RoadSegment } from '../../shared/network/road-segment.ts';
import { DEFAULT_PCU_WEIGHTS, type PcuWeights } from '../../shared/traffic/pcu.ts';
import type { Incident } from '../model/incidents.ts';
import { Prng } from '../model/prng.ts';
import { DEFAULT_TRAFFIC_OPTIONS, TrafficModel, type SegmentConditions, type TrafficModelOptions } from '../model/traffic-model.ts';
import { DEFAULT_VEHICLE_MIXES, type VehicleMixes } from '../model/vehicle-mix.ts';
import { DEFAULT_FAULTS, FaultInjector, type FaultConfig, type Unit } from './faults.ts';
import { layoutFleet, type FleetLayout, type Gateway } from './layout.ts';
import { encodeMessages, type OutMessage } from './messages.ts';
import { makeReading } from './sim-reading.ts';
import { NO_SENSOR_FAULTS, SensorFaults, type SensorFaultConfig } from './sensor-faults.ts';

export interface FleetConfig {
  seed: number;
  sensors: number;
  /** Every detector reports once per interval, at its end. */
  intervalS: number;
  /** Segments that get detectors (all segments carry traffic either way). */
  segments: readonly RoadSegment[];
  traffic: Omit<TrafficModelOptions, 'seed' | 'incidents'>;
  incidents: readonly Incident[];
  mixes: VehicleMixes;
  weights: Readonly<PcuWeights>;
  gateways: { share: number; stationsPerGateway: number };
  faults: FaultConfig;
  /** Faults of whole sensors (--sensor-faults). */
  sensorFaults: SensorFaultConfig;
}

export function defaultFleetConfig(network: RoadNetwork, overrides: Partial<FleetConfig> = {}): FleetConfig {
  return {
    seed: 1,
    sensors: 200,
    intervalS: 60,
    segments: network.segments,
    traffic: DEFAULT_TRAFFIC_OPTIONS,
    incidents: [],
    mixes: DEFAULT_VEHICLE_MIXES,
    weights: DEFAULT_PCU_WEIGHTS,
    gateways: { share: 0.7, stationsPerGateway: 1 },
    faults: DEFAULT_FAULTS,
    sensorFaults: NO_SENSOR_FAULTS,
    ...overrides,
  };
}

/** One interval of the whole fleet. */
export interface Tick {
  fromMs: number;
  toMs: number;
  /** Readings the detectors produced (before faults). */
  generated: number;
  units: Unit[];
  messages: OutMessage[];
  conditions: Map<string, SegmentConditions>;
}

/**
 * The pure sensor fleet: no clock, no I/O. Each `tick(from)` advances the traffic model by one
 * interval and returns the readings every detector took at its end, after fault injection, as MQTT
 * messages. Same config and the same sequence of calls → the same messages, byte for byte.
 */
export class FleetGenerator {
  readonly layout: FleetLayout;
  readonly faults: FaultInjector;
  readonly sensorFaults: SensorFaults;
  readonly model: TrafficModel;
  readonly gateways: ReadonlyMap<string, Gateway>;
  private readonly rngs = new Map<string, Prng>();
  private readonly seqs = new Map<string, number>();
  private ticks = 0;

  constructor(network: RoadNetwork, private readonly config: FleetConfig) {
    this.layout = layoutFleet(config.segments, { sensors: config.sensors, ...config.gateways });
    this.gateways = new Map(this.layout.gateways.map((g) => [g.id, g]));
    this.model = new TrafficModel(network, { ...config.traffic, seed: config.seed, incidents: config.incidents });
    this.faults = new FaultInjector(config.faults, config.seed);
    this.sensorFaults = new SensorFaults(this.layout, config.sensorFaults, config.seed, (d) => this.gateways.get(d.gatewayId)?.batches !== true);
    for (const d of this.layout.detectors) this.rngs.set(d.sensorId, Prng.derive(config.seed, 'sensor', d.sensorId));
  }

  tick(fromMs: number): Tick {
    const toMs = fromMs + this.config.intervalS * 1000;
    const conditions = this.model.step(fromMs, toMs);
    const units: Unit[] = [];
    for (const detector of this.layout.detectors) {
      const segment = conditions.get(detector.segmentId)!;
      const seq = this.seqs.get(detector.sensorId) ?? 0;
      this.seqs.set(detector.sensorId, seq + 1);
      const reading = makeReading(detector, segment, toMs, seq, {
        intervalS: this.config.intervalS,
        mix: this.config.mixes[segment.segment.kind],
        weights: this.config.weights,
        rng: this.rngs.get(detector.sensorId)!,
      });
      units.push(...this.sensorFaults.apply(this.faults.apply(detector, reading), this.ticks));
    }
    const messages = [...encodeMessages(units, this.gateways), ...this.sensorFaults.statusMessages(this.ticks)];
    this.ticks++;
    return { fromMs, toMs, generated: this.layout.detectors.length, units, messages, conditions };
  }

  /** Messages still to send at the end of a run (readings held back out of order). */
  finish(): OutMessage[] {
    return encodeMessages(this.faults.flush(), this.gateways);
  }
}
