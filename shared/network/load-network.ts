import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { roadSegmentSchema, type RoadNetwork, type RoadSegment } from './road-segment.ts';

/** The network that ships with roadpulse (DESIGN §4). */
const DEFAULT_NETWORK_URL = new URL('./binh-duong.geojson', import.meta.url);
const MAX_REPORTED_PROBLEMS = 5;
const EARTH_RADIUS_M = 6_371_008.8;

type LonLat = [number, number];

// GeoJSON positions are [lon, lat] with an optional altitude, which we drop (RFC 7946 §3.1.1).
const positionSchema = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], z.number(), {
  error: 'a position must be [lon, lat]',
});

const featureSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.object({
    type: z.literal('LineString'),
    coordinates: z.array(positionSchema).min(2, 'a LineString needs at least 2 positions'),
  }),
  properties: roadSegmentSchema,
});

const featureCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(featureSchema).min(1, 'the network has no features'),
});

/**
 * Reads and validates a road network GeoJSON file (synchronously: it runs once at start-up).
 * Throws an Error naming the file and its first problems, for a user who pointed
 * ROADPULSE_NETWORK_FILE at a bad file.
 */
export function loadRoadNetwork(path: string | URL = DEFAULT_NETWORK_URL): RoadNetwork {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  const raw = readJson(file);

  const parsed = featureCollectionSchema.safeParse(raw);
  if (!parsed.success) fail(file, parsed.error.issues.map((issue) => describeIssue(issue, raw)));

  const segments: RoadSegment[] = parsed.data.features.map((f) => ({
    ...f.properties,
    coordinates: f.geometry.coordinates.map(([lon, lat]): LonLat => [lon, lat]),
  }));

  const byId = new Map<string, RoadSegment>();
  const duplicates: string[] = [];
  segments.forEach((segment, index) => {
    if (byId.has(segment.id)) duplicates.push(`feature ${index} (id "${segment.id}"): properties.id: duplicate id`);
    else byId.set(segment.id, segment);
  });
  if (duplicates.length > 0) fail(file, duplicates);
  const badStations = segments.flatMap(stationProblems);
  if (badStations.length > 0) fail(file, badStations);

  return { segments, byId };
}

/** A segment's declared stations: distinct ids, on the segment, no more lanes than it has. */
function stationProblems(segment: RoadSegment): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const st of segment.stations ?? []) {
    const where = `segment "${segment.id}": station "${st.id}"`;
    if (seen.has(st.id)) problems.push(`${where}: duplicate station id`);
    seen.add(st.id);
    if (st.offsetM > segment.lengthM) problems.push(`${where}: offsetM ${st.offsetM} is beyond the segment's length (${segment.lengthM} m)`);
    if (st.lanes > segment.lanes) problems.push(`${where}: ${st.lanes} lanes on a segment of ${segment.lanes}`);
  }
  return problems;
}

/** Segments on the same road and direction whose last position is this segment's first one. */
export function upstreamSegments(network: RoadNetwork, segmentId: string): RoadSegment[] {
  const segment = network.byId.get(segmentId);
  const start = segment?.coordinates[0];
  if (!segment || !start) return [];
  return network.segments.filter((other) => {
    const end = other.coordinates.at(-1);
    return (
      other.id !== segment.id &&
      other.road === segment.road &&
      other.direction === segment.direction &&
      end !== undefined &&
      end[0] === start[0] &&
      end[1] === start[1]
    );
  });
}

/** Great-circle distance in metres between two [lon, lat] positions. */
export function haversineM(a: LonLat, b: LonLat): number {
  const rad = (deg: number): number => (deg * Math.PI) / 180;
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new Error(`Cannot read road network file ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Error(`Road network file ${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** "feature 3 (id "ql13-nb-04"): properties.lanes: Invalid input: expected number, received string" */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const [top, index, ...rest] = issue.path;
  if (top !== 'features' || typeof index !== 'number') {
    return `${issue.path.length > 0 ? joinPath(issue.path) : '(root)'}: ${issue.message}`;
  }
  const id = featureId(raw, index);
  const where = id === undefined ? `feature ${index}` : `feature ${index} (id "${id}")`;
  return `${where}: ${rest.length > 0 ? joinPath(rest) : '(feature)'}: ${issue.message}`;
}

function featureId(raw: unknown, index: number): string | undefined {
  const collection = z.object({ features: z.array(z.unknown()) }).safeParse(raw);
  const feature = collection.success ? collection.data.features[index] : undefined;
  const withId = z.object({ properties: z.object({ id: z.string() }) }).safeParse(feature);
  return withId.success ? withId.data.properties.id : undefined;
}

const joinPath = (path: PropertyKey[]): string => path.map(String).join('.');

function fail(file: string, problems: string[]): never {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
  const more = problems.length - shown.length;
  const lines = shown.map((p) => `  - ${p}`).join('\n');
  throw new Error(
    `Invalid road network file ${file}:\n${lines}${more > 0 ? `\n  … and ${more} more problem(s)` : ''}`,
  );
}
