import { WINDOWS, type CongestionRecord, type WindowName } from '../../../shared/contract/congestion-record.ts';
import { NGSI_TYPE_TRAFFIC_FLOW } from '../../../shared/contract/ngsi-traffic-flow.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import { isoSeconds, type NgsiAttribute, type NgsiEntity } from './ngsi-entity.ts';
import { roadSegmentUrn } from './road-segment-entity.ts';

const ID_PREFIX = `urn:ngsi-ld:${NGSI_TYPE_TRAFFIC_FLOW}:`;
const ID_PATTERN = /^urn:ngsi-ld:TrafficFlowObserved:([A-Za-z0-9._-]{1,64}):(1m|5m|15m|1h):(.+)$/;
/** LOS at which the model's `congested` flag is true (the alerting default, issue 12). */
const CONGESTED_LOS = new Set(['E', 'F']);

/** `urn:ngsi-ld:TrafficFlowObserved:{segmentId}:{window}:{window end, ISO 8601}` */
export function trafficFlowUrn(segmentId: string, window: WindowName, to: number): string {
  return `${ID_PREFIX}${segmentId}:${window}:${isoSeconds(to)}`;
}

export function parseTrafficFlowUrn(id: string): { segmentId: string; window: WindowName; to: number } | null {
  const m = ID_PATTERN.exec(id);
  if (!m) return null;
  const to = Date.parse(m[3]!);
  return Number.isFinite(to) ? { segmentId: m[1]!, window: m[2] as WindowName, to } : null;
}

/**
 * One congestion record (DESIGN §5) as a Smart Data Models TrafficFlowObserved: the whole
 * segment's traffic in one window, all vehicle classes together (so no `vehicleType`; the model
 * reads an absent vehicleType as all vehicles). `intensity` is the model's vehicle count over
 * the observation period: the segment's flow × the window length, rounded. The roadpulse measures
 * the model lacks are roadpulse terms of the served @context.
 */
export function trafficFlowEntity(record: CongestionRecord, segment: RoadSegment): NgsiEntity {
  const from = Date.parse(record.from);
  const to = Date.parse(record.to);
  const observedAt = isoSeconds(to);
  const measured = (value: unknown, unitCode?: string): NgsiAttribute => ({ kind: 'Property', value, observedAt, ...(unitCode ? { unitCode } : {}) });
  const attrs: Record<string, NgsiAttribute> = {
    dateObserved: { kind: 'Property', value: `${isoSeconds(from)}/${observedAt}` },
    dateObservedFrom: { kind: 'Property', value: isoSeconds(from) },
    dateObservedTo: { kind: 'Property', value: observedAt },
    refRoadSegment: { kind: 'Relationship', value: roadSegmentUrn(segment.id) },
    location: { kind: 'GeoProperty', value: { type: 'LineString', coordinates: segment.coordinates } },
    laneDirection: { kind: 'Property', value: 'forward' }, // segments are directed: traffic runs in the digitised direction
    aggregationWindow: { kind: 'Property', value: record.window },
    dataStatus: { kind: 'Property', value: record.status },
    sensorsReporting: measured(record.sensorsReporting),
    sensorsKnown: measured(record.sensorsKnown),
  };
  const optional = (name: string, value: number | string | null, unitCode?: string): void => {
    if (value !== null) attrs[name] = measured(value, unitCode);
  };
  if (record.flowVph !== null) attrs.intensity = measured(Math.round((record.flowVph * WINDOWS[record.window]) / 3_600_000));
  optional('averageVehicleSpeed', record.speedKmh, 'KMH');
  optional('occupancy', record.occupancy);
  if (record.los !== null) attrs.congested = measured(CONGESTED_LOS.has(record.los));
  optional('levelOfService', record.los);
  optional('flowVph', record.flowVph);
  optional('flowPcuph', record.flowPcuph);
  optional('densityPcuPerKmLane', record.densityPcuPerKmLane);
  optional('speedRatio', record.speedRatio);
  optional('travelTimeIndex', record.tti);
  optional('congestionPct', record.congestionPct);
  optional('jamFactor', record.jamFactor);
  return { id: trafficFlowUrn(record.segmentId, record.window, to), type: NGSI_TYPE_TRAFFIC_FLOW, attrs };
}
