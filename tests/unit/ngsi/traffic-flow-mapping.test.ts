import { describe, expect, it } from 'vitest';
import type { CongestionRecord } from '../../../shared/contract/congestion-record.ts';
import { trafficFlowToReading } from '../../../shared/contract/ngsi-traffic-flow.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { toKeyValues, toNormalized } from '../../../services/api/ngsi/ngsi-entity.ts';
import { roadSegmentEntity } from '../../../services/api/ngsi/road-segment-entity.ts';
import { parseTrafficFlowUrn, trafficFlowEntity } from '../../../services/api/ngsi/traffic-flow-entity.ts';
import { schemaErrors, sdmSchemas } from '../../helpers/ngsi-schemas.ts';

const network = loadRoadNetwork();
const segment = network.byId.get('ql13-nb-01')!;
const TO = Date.parse('2026-12-04T19:30:00Z');

const record = (overrides: Partial<CongestionRecord> = {}): CongestionRecord => ({
  segmentId: 'ql13-nb-01', window: '5m', from: '2026-12-04T19:25:00.000Z', to: '2026-12-04T19:30:00.000Z', status: 'ok',
  flowVph: 3720, flowPcuph: 1500, speedKmh: 21.4, occupancy: 0.31, densityPcuPerKmLane: 23.4, speedRatio: 0.357, tti: 2.8,
  congestionPct: 180.4, jamFactor: 6.4, los: 'E', sensorsReporting: 3, sensorsKnown: 3, stationsReporting: 1, sensorsFaulty: null, lastReadingAt: '2026-12-04T19:29:40.000Z',
  ...overrides,
});
const noData = record({
  status: 'no_data', flowVph: null, flowPcuph: null, speedKmh: null, occupancy: null, densityPcuPerKmLane: null, speedRatio: null,
  tti: null, congestionPct: null, jamFactor: null, los: null, sensorsReporting: 0, stationsReporting: 0, sensorsFaulty: null, lastReadingAt: null,
});

/** The model's own keyValues example (dataModel.Transportation TrafficFlowObserved), placed on a roadpulse segment. */
const modelExample = {
  id: 'urn:ngsi-ld:TrafficFlowObserved:TrafficFlowObserved-Valladolid-osm-60821110',
  type: 'TrafficFlowObserved',
  laneId: 1,
  refRoadSegment: 'urn:ngsi-ld:RoadSegment:ql13-nb-01',
  location: { type: 'LineString', coordinates: [[106.7046, 10.9032], [106.7027, 10.9104]] },
  dateObserved: '2016-12-07T11:10:00Z/2016-12-07T11:15:00Z',
  dateObservedFrom: '2016-12-07T11:10:00Z',
  dateObservedTo: '2016-12-07T11:15:00Z',
  averageHeadwayTime: 0.5,
  intensity: 197,
  occupancy: 0.76,
  averageVehicleSpeed: 52.6,
  averageVehicleLength: 9.87,
  reversedLane: false,
  laneDirection: 'forward',
};

describe('roadpulse → TrafficFlowObserved (out)', () => {
  it('when a congestion record is mapped, then its keyValues entity validates against the data model schema and carries the model attributes', () => {
    const kv = toKeyValues(trafficFlowEntity(record(), segment));
    expect(sdmSchemas.trafficFlowObserved(kv), schemaErrors(sdmSchemas.trafficFlowObserved)).toBe(true);
    expect(kv).toMatchObject({
      id: 'urn:ngsi-ld:TrafficFlowObserved:ql13-nb-01:5m:2026-12-04T19:30:00Z',
      type: 'TrafficFlowObserved',
      dateObserved: '2026-12-04T19:25:00Z/2026-12-04T19:30:00Z',
      dateObservedFrom: '2026-12-04T19:25:00Z',
      dateObservedTo: '2026-12-04T19:30:00Z',
      refRoadSegment: 'urn:ngsi-ld:RoadSegment:ql13-nb-01',
      location: { type: 'LineString', coordinates: segment.coordinates },
      laneDirection: 'forward',
      intensity: 310, // 3720 veh/h × 5 min
      averageVehicleSpeed: 21.4,
      occupancy: 0.31,
      congested: true,
      levelOfService: 'E',
      travelTimeIndex: 2.8,
    });
    expect(kv).not.toHaveProperty('vehicleType'); // all classes together
  });

  it('when an entity breaks the model (occupancy above 1, an unknown laneDirection, a Point without coordinates), then the schema fixture rejects it', () => {
    const kv = toKeyValues(trafficFlowEntity(record(), segment));
    expect(sdmSchemas.trafficFlowObserved({ ...kv, occupancy: 1.5 })).toBe(false);
    expect(sdmSchemas.trafficFlowObserved({ ...kv, laneDirection: 'sideways' })).toBe(false);
    expect(sdmSchemas.trafficFlowObserved({ ...kv, location: { type: 'Point' } })).toBe(false);
    const { dateObserved: _d, ...withoutDate } = kv;
    expect(sdmSchemas.trafficFlowObserved(withoutDate)).toBe(false);
  });

  it('when the LOS is better than E, then congested is false; when no data, then no measured attribute is given and the entity still validates', () => {
    expect(toKeyValues(trafficFlowEntity(record({ los: 'C' }), segment)).congested).toBe(false);
    const kv = toKeyValues(trafficFlowEntity(noData, segment));
    expect(sdmSchemas.trafficFlowObserved(kv), schemaErrors(sdmSchemas.trafficFlowObserved)).toBe(true);
    for (const a of ['intensity', 'averageVehicleSpeed', 'occupancy', 'congested', 'levelOfService']) expect(kv).not.toHaveProperty(a);
    expect(kv.dataStatus).toBe('no_data');
  });

  it('when normalized, then values are Properties with observedAt, refRoadSegment a Relationship and location a GeoProperty', () => {
    const n = toNormalized(trafficFlowEntity(record(), segment));
    expect(n.intensity).toEqual({ type: 'Property', value: 310, observedAt: '2026-12-04T19:30:00Z' });
    expect(n.averageVehicleSpeed).toEqual({ type: 'Property', value: 21.4, observedAt: '2026-12-04T19:30:00Z', unitCode: 'KMH' });
    expect(n.refRoadSegment).toEqual({ type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:ql13-nb-01' });
    expect(n.location).toEqual({ type: 'GeoProperty', value: { type: 'LineString', coordinates: segment.coordinates } });
    expect(n.dateObservedTo).toEqual({ type: 'Property', value: '2026-12-04T19:30:00Z' });
  });

  it('when an entity id is parsed, then it gives back segment, window and window end', () => {
    const { id } = trafficFlowEntity(record(), segment);
    expect(parseTrafficFlowUrn(id)).toEqual({ segmentId: 'ql13-nb-01', window: '5m', to: TO });
    expect(parseTrafficFlowUrn('urn:ngsi-ld:TrafficFlowObserved:ql13-nb-01:2m:2026-12-04T19:30:00Z')).toBeNull();
    expect(parseTrafficFlowUrn('urn:ngsi-ld:TrafficFlowObserved:ql13-nb-01:5m:yesterday')).toBeNull();
  });

  it('when every segment of the network is mapped to a RoadSegment, then each keyValues entity validates against the RoadSegment schema', () => {
    for (const s of network.segments) {
      const kv = toKeyValues(roadSegmentEntity(s));
      expect(sdmSchemas.roadSegment(kv), `${s.id}: ${schemaErrors(sdmSchemas.roadSegment)}`).toBe(true);
      expect(kv).toMatchObject({ id: `urn:ngsi-ld:RoadSegment:${s.id}`, type: 'RoadSegment', name: s.name, totalLaneNumber: s.lanes, length: s.lengthM / 1000 });
    }
  });
});

describe('TrafficFlowObserved → reading v1 (in)', () => {
  it('when the model example (on a roadpulse segment) is mapped, then it is valid per the schema and gives the reading of DESIGN §3', () => {
    expect(sdmSchemas.trafficFlowObserved(modelExample), schemaErrors(sdmSchemas.trafficFlowObserved)).toBe(true);
    expect(trafficFlowToReading(modelExample, 'loop-1')).toEqual({
      ok: true,
      reading: {
        sensorId: 'loop-1', segmentId: 'ql13-nb-01', ts: '2016-12-07T11:15:00.000Z', intervalS: 300, lane: 1,
        counts: { other: 197 }, speedKmh: 52.6, occupancy: 0.76,
      },
    });
  });

  it('when vehicleType, a plain segment id, refDevice and only an ISO interval in dateObserved are given, then class, ids and interval follow them', () => {
    const { dateObservedFrom: _f, dateObservedTo: _t, ...rest } = modelExample;
    const mapped = trafficFlowToReading(
      { ...rest, vehicleType: 'motorcycle', refRoadSegment: 'ql13-nb-02', refDevice: 'urn:ngsi-ld:Device:gw7.l2', dateObserved: '2026-12-04T19:29:00Z/2026-12-04T19:30:00Z' },
      'gw7',
    );
    expect(mapped).toMatchObject({ ok: true, reading: { sensorId: 'gw7.l2', segmentId: 'ql13-nb-02', ts: '2026-12-04T19:30:00.000Z', intervalS: 60, counts: { motorbike: 197 } } });
    expect(trafficFlowToReading({ ...modelExample, vehicleType: 'lorry' }, 's')).toMatchObject({ reading: { counts: { truck: 197 } } });
    expect(trafficFlowToReading({ ...modelExample, vehicleType: 'tram' }, 's')).toMatchObject({ reading: { counts: { other: 197 } } });
  });

  it.each([
    ['no refRoadSegment', { refRoadSegment: undefined }, /refRoadSegment/],
    ['another type', { type: 'ParkingSpot' }, /type must be "TrafficFlowObserved"/],
    ['a fractional intensity', { intensity: 19.5 }, /whole number of vehicles/],
    ['no intensity', { intensity: undefined }, /intensity/],
    ['no period', { dateObserved: '2016-12-07T11:15:00Z', dateObservedFrom: undefined }, /observation period/],
    ['an end before the start', { dateObservedTo: '2016-12-07T11:05:00Z' }, /whole number of seconds after/],
  ])('when the entity has %s, then the mapping fails with a reason', (_what, patch, reason) => {
    const mapped = trafficFlowToReading({ ...modelExample, ...patch }, 'loop-1');
    expect(mapped.ok).toBe(false);
    expect(mapped.ok ? '' : mapped.detail).toMatch(reason);
  });

  it('when a roadpulse TrafficFlowObserved is mapped back in, then it gives a reading of the same window, flow count, speed and occupancy', () => {
    const kv = toKeyValues(trafficFlowEntity(record(), segment));
    expect(trafficFlowToReading(kv, 'fiware-bridge')).toEqual({
      ok: true,
      reading: {
        sensorId: 'fiware-bridge', segmentId: 'ql13-nb-01', ts: '2026-12-04T19:30:00.000Z', intervalS: 300,
        counts: { other: 310 }, speedKmh: 21.4, occupancy: 0.31,
      },
    });
  });
});
