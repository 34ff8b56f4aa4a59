import { z } from 'zod';
import { describeIssues } from './describe-issues.ts';
import type { RawReading } from './telemetry.ts';
import type { VehicleClass } from './vehicle-classes.ts';

/**
 * FIWARE Smart Data Models `TrafficFlowObserved` (dataModel.Transportation) in keyValues form, as
 * sensors that speak FIWARE publish it on `traffic/v1/{sensorId}/ngsi`, and its mapping to the
 * telemetry reading v1 (DESIGN §3). The mapping only reshapes: the reading then goes through the
 * same validation as `/telemetry` (ids, ranges, road network, time limits).
 *
 * Decisions (README "NGSI-LD (FIWARE)"):
 * - `refRoadSegment` → `segmentId`: `urn:ngsi-ld:RoadSegment:{id}` or a plain id.
 * - `dateObservedTo` → `ts`; `intervalS` = dateObservedTo − dateObservedFrom (whole seconds).
 *   Without the pair, `dateObserved` as an ISO 8601 interval "from/to" gives both.
 * - `intensity` (vehicles in the period, per the model) → `counts[class]`, the class from
 *   `vehicleType` (motorcycle, moped, motorscooter… → motorbike; lorry, tanker, trailer… → truck;
 *   unknown or absent → other).
 * - `averageVehicleSpeed` → `speedKmh`, `occupancy` → `occupancy`, `laneId` → `lane`.
 * - `sensorId` = the id of `refDevice` (`urn:ngsi-ld:Device:{id}` or plain) when given, else the
 *   topic's sensor id. The model names no measurement station: the reading belongs to the
 *   segment's default station. `laneDirection` is not needed (segments are directed).
 */
export const NGSI_TYPE_TRAFFIC_FLOW = 'TrafficFlowObserved';

/** Model `vehicleType` values (DATEX II VehicleTypeEnum) → roadpulse vehicle class. */
export const VEHICLE_TYPE_TO_CLASS: Readonly<Record<string, VehicleClass>> = {
  motorcycle: 'motorbike',
  motorcycleWithSideCar: 'motorbike',
  moped: 'motorbike',
  motorscooter: 'motorbike',
  car: 'car',
  van: 'car',
  carWithTrailer: 'car',
  carWithCaravan: 'car',
  caravan: 'car',
  bus: 'bus',
  minibus: 'bus',
  lorry: 'truck',
  tanker: 'truck',
  trailer: 'truck',
  agriculturalVehicle: 'truck',
  constructionOrMaintenanceVehicle: 'truck',
  bicycle: 'bicycle',
};

const isoDateTime = z.iso.datetime({ offset: true });

/** The attributes the mapping reads; the others of the model are allowed and ignored. */
const trafficFlowKeyValuesSchema = z
  .object({
    id: z.string().min(1).max(256).optional(),
    type: z.literal(NGSI_TYPE_TRAFFIC_FLOW, { error: `type must be "${NGSI_TYPE_TRAFFIC_FLOW}"` }),
    refRoadSegment: z.string().min(1, 'refRoadSegment is required'),
    refDevice: z.string().min(1).optional(),
    dateObserved: z.string().optional(),
    dateObservedFrom: isoDateTime.optional(),
    dateObservedTo: isoDateTime.optional(),
    intensity: z.number().int('intensity must be a whole number of vehicles').min(0),
    vehicleType: z.string().optional(),
    averageVehicleSpeed: z.number().nullable().optional(),
    occupancy: z.number().nullable().optional(),
    laneId: z.number().int().optional(),
  })
  .loose();
export type TrafficFlowKeyValues = z.infer<typeof trafficFlowKeyValuesSchema>;

export type MappingResult = { ok: true; reading: RawReading } | { ok: false; detail: string };

/** `urn:ngsi-ld:{Type}:{id}` → id; a plain id stays as it is. */
export function idFromUrn(value: string, type: string): string {
  const prefix = `urn:ngsi-ld:${type}:`;
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

/** The observation period [from, to] in epoch ms, or why it cannot be read. */
function observationPeriod(e: TrafficFlowKeyValues): { from: number; to: number } | string {
  if (e.dateObservedFrom !== undefined && e.dateObservedTo !== undefined) {
    return { from: Date.parse(e.dateObservedFrom), to: Date.parse(e.dateObservedTo) };
  }
  const interval = e.dateObserved?.split('/');
  if (interval?.length === 2 && isoDateTime.safeParse(interval[0]).success && isoDateTime.safeParse(interval[1]).success) {
    return { from: Date.parse(interval[0]!), to: Date.parse(interval[1]!) };
  }
  return 'the observation period is needed: dateObservedFrom and dateObservedTo, or dateObserved as an ISO 8601 interval "from/to"';
}

/** Maps one keyValues TrafficFlowObserved entity to a raw reading v1 (not yet validated). */
export function trafficFlowToReading(entity: unknown, topicSensorId: string): MappingResult {
  const parsed = trafficFlowKeyValuesSchema.safeParse(entity);
  if (!parsed.success) return { ok: false, detail: `TrafficFlowObserved: ${describeIssues(parsed.error)}` };
  const e = parsed.data;
  const period = observationPeriod(e);
  if (typeof period === 'string') return { ok: false, detail: `TrafficFlowObserved: ${period}` };
  const ms = period.to - period.from;
  if (ms <= 0 || ms % 1000 !== 0) {
    return { ok: false, detail: 'TrafficFlowObserved: dateObservedTo must be a whole number of seconds after dateObservedFrom' };
  }
  const vehicleClass: VehicleClass = (e.vehicleType && VEHICLE_TYPE_TO_CLASS[e.vehicleType]) || 'other';
  const reading: RawReading = {
    sensorId: e.refDevice ? idFromUrn(e.refDevice, 'Device') : topicSensorId,
    segmentId: idFromUrn(e.refRoadSegment, 'RoadSegment'),
    ts: new Date(period.to).toISOString(),
    intervalS: ms / 1000,
    counts: { [vehicleClass]: e.intensity },
  };
  if (e.laneId !== undefined) reading.lane = e.laneId;
  if (e.averageVehicleSpeed !== undefined) reading.speedKmh = e.averageVehicleSpeed;
  if (e.occupancy !== undefined) reading.occupancy = e.occupancy;
  return { ok: true, reading };
}
