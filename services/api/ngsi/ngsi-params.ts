import { z } from 'zod';
import { windowSchema } from '../../../shared/contract/congestion-record.ts';

/**
 * Query parameters of the NGSI-LD routes (ETSI GS CIM 009 clause 6.4.3.2, the subset supported).
 * Unknown parameters (georel, geometry, lang, …) are refused rather than ignored, so that a client
 * never takes an unfiltered answer for a filtered one.
 */
const options = z.string().optional().describe('comma-separated: `keyValues` (= `format=simplified`), `normalized` (default), `count`');
const format = z.enum(['normalized', 'simplified', 'keyValues']).optional().describe('`simplified` = `options=keyValues`');
const attrs = z.string().optional().describe('comma-separated attribute names to return');

export const entityListQuery = z.strictObject({
  type: z.string().optional().describe('comma-separated entity types: `TrafficFlowObserved`, `RoadSegment`'),
  id: z.string().optional().describe('comma-separated entity ids (URNs)'),
  idPattern: z.string().max(256).optional().describe('regular expression the entity id must match'),
  q: z.string().optional().describe('NGSI-LD query, e.g. `congested==true`, `intensity>100;averageVehicleSpeed<20`, `refRoadSegment=="urn:ngsi-ld:RoadSegment:ql13-nb-01"`'),
  attrs,
  limit: z.coerce.number().int().min(0).default(20).describe('at most this many entities (1000 at most; more → 403 TooManyResults)'),
  offset: z.coerce.number().int().min(0).default(0),
  options,
  format,
  count: z.enum(['true', 'false']).optional().describe('`true`: total number of matches in the `NGSILD-Results-Count` header'),
  window: windowSchema.default('5m').describe('roadpulse extension: the aggregation window of the TrafficFlowObserved entities (latest close of each segment)'),
});
export type EntityListQuery = z.infer<typeof entityListQuery>;

export const entityQuery = z.strictObject({
  type: z.string().optional().describe('the entity must be of this type'),
  attrs,
  options,
  format,
});

export const entityParams = z.object({
  entityId: z.string().min(1).describe('entity id, e.g. `urn:ngsi-ld:RoadSegment:ql13-nb-01`'),
});

export const entitySchema = z
  .record(z.string(), z.unknown())
  .describe('an NGSI-LD entity (normalized, or keyValues with options=keyValues)')
  .meta({
    examples: [
      {
        id: 'urn:ngsi-ld:TrafficFlowObserved:ql13-nb-01:5m:2026-12-04T19:30:00Z',
        type: 'TrafficFlowObserved',
        dateObserved: { type: 'Property', value: '2026-12-04T19:25:00Z/2026-12-04T19:30:00Z' },
        dateObservedFrom: { type: 'Property', value: '2026-12-04T19:25:00Z' },
        dateObservedTo: { type: 'Property', value: '2026-12-04T19:30:00Z' },
        refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:ql13-nb-01' },
        location: { type: 'GeoProperty', value: { type: 'LineString', coordinates: [[106.7046, 10.9032], [106.7027, 10.9104]] } },
        laneDirection: { type: 'Property', value: 'forward' },
        intensity: { type: 'Property', value: 310, observedAt: '2026-12-04T19:30:00Z' },
        averageVehicleSpeed: { type: 'Property', value: 21.4, observedAt: '2026-12-04T19:30:00Z', unitCode: 'KMH' },
        occupancy: { type: 'Property', value: 0.31, observedAt: '2026-12-04T19:30:00Z' },
        congested: { type: 'Property', value: true, observedAt: '2026-12-04T19:30:00Z' },
        levelOfService: { type: 'Property', value: 'E', observedAt: '2026-12-04T19:30:00Z' },
      },
    ],
  });

export const problemSchema = z
  .object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string() })
  .describe('NGSI-LD ProblemDetails (application/json)')
  .meta({ examples: [{ type: 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound', title: 'Entity not found', status: 404, detail: 'no entity urn:ngsi-ld:RoadSegment:nowhere' }] });
