import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import type { NgsiEntity } from './ngsi-entity.ts';

export const NGSI_TYPE_ROAD_SEGMENT = 'RoadSegment';
const ID_PREFIX = 'urn:ngsi-ld:RoadSegment:';

export const roadSegmentUrn = (segmentId: string): string => `${ID_PREFIX}${segmentId}`;

export function parseRoadSegmentUrn(id: string): string | null {
  return id.startsWith(ID_PREFIX) ? id.slice(ID_PREFIX.length) : null;
}

/**
 * A directed segment of the road network (DESIGN §4) as a Smart Data Models RoadSegment. Each
 * roadpulse segment carries one direction of travel, hence `category: ["oneway"]` and every lane
 * `forward`. roadpulse does not know vehicle restrictions: `allowedVehicleType: ["anyVehicle"]`.
 */
export function roadSegmentEntity(segment: RoadSegment): NgsiEntity {
  const point = (c: [number, number] | undefined) => ({ type: 'Point', coordinates: c });
  return {
    id: roadSegmentUrn(segment.id),
    type: NGSI_TYPE_ROAD_SEGMENT,
    attrs: {
      name: { kind: 'Property', value: segment.name },
      refRoad: { kind: 'Relationship', value: `urn:ngsi-ld:Road:${encodeURIComponent(segment.road)}` },
      location: { kind: 'GeoProperty', value: { type: 'LineString', coordinates: segment.coordinates } },
      startPoint: { kind: 'GeoProperty', value: point(segment.coordinates[0]) },
      endPoint: { kind: 'GeoProperty', value: point(segment.coordinates.at(-1)) },
      allowedVehicleType: { kind: 'Property', value: ['anyVehicle'] },
      totalLaneNumber: { kind: 'Property', value: segment.lanes },
      length: { kind: 'Property', value: segment.lengthM / 1000, unitCode: 'KMT' },
      laneUsage: { kind: 'Property', value: Array.from({ length: segment.lanes }, () => 'forward') },
      category: { kind: 'Property', value: ['oneway'] },
      freeFlowKmh: { kind: 'Property', value: segment.freeFlowKmh, unitCode: 'KMH' },
      capacityPcuPerHourPerLane: { kind: 'Property', value: segment.capacityPcuPerHourPerLane },
      roadKind: { kind: 'Property', value: segment.kind },
      travelDirection: { kind: 'Property', value: segment.direction },
    },
  };
}
