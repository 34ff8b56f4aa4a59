import type { RoadSegment } from '../../shared/network/road-segment.ts';

/** One per-lane detector. Its id is `{gatewayId}.{segmentId}.r{round}l{lane}` (DESIGN §2 gateway naming). */
export interface Detector {
  sensorId: string;
  gatewayId: string;
  segmentId: string;
  lane: number;
  /** Its measurement station (cross-section): `{segmentId}.s{round}` (DESIGN §3 stationId). */
  stationId: string;
  /** Where the station stands, metres from the segment's start. */
  offsetM: number;
}

/** Stations on a segment closer together than this are reported in the summary (PeMS-like spacing is ~0.5–1 km). */
export const MIN_STATION_SPACING_M = 300;

/** A segment that got more stations than its length holds at MIN_STATION_SPACING_M. */
export interface CrowdedSegment {
  segmentId: string;
  stations: number;
  spacingM: number;
}

/**
 * A roadside cabinet with the detectors of one or more stations. A batching gateway publishes all
 * its detectors' readings as one message on its own topic (it may, being their prefix:
 * services/ingest publisherMaySpeakFor); otherwise each detector has its own connection and topic.
 */
export interface Gateway {
  id: string;
  batches: boolean;
  detectors: Detector[];
}

export interface FleetLayout {
  detectors: Detector[];
  gateways: Gateway[];
  crowded: CrowdedSegment[];
}

export interface LayoutOptions {
  sensors: number;
  /** Stations (one detector per lane of a segment) per gateway. */
  stationsPerGateway: number;
  /** Share of gateways that batch; spread evenly over the gateways. */
  share: number;
}

/**
 * Puts `sensors` detectors on the segments: in rounds, one station per segment per round, one
 * detector per lane, in the segments' order, until the count is reached (the last station may
 * be partial). A segment's k stations stand evenly along it, at (i + ½) × length / k; segments
 * whose stations end up closer than MIN_STATION_SPACING_M are listed in `crowded` (the simulator
 * says so rather than refuse: a load test may want many detectors on few segments).
 * Deterministic: no randomness involved.
 */
export function layoutFleet(segments: readonly RoadSegment[], options: LayoutOptions): FleetLayout {
  if (segments.length === 0) throw new Error('no road segment to put sensors on');
  const stations: { segment: RoadSegment; round: number; lanes: number }[] = [];
  let placed = 0;
  for (let round = 0; placed < options.sensors; round++) {
    for (const segment of segments) {
      if (placed >= options.sensors) break;
      const lanes = Math.min(segment.lanes, options.sensors - placed);
      stations.push({ segment, round, lanes });
      placed += lanes;
    }
  }

  const perSegment = new Map<string, number>();
  for (const st of stations) perSegment.set(st.segment.id, (perSegment.get(st.segment.id) ?? 0) + 1);
  const offsetOf = (st: (typeof stations)[number]) => ((st.round + 0.5) * st.segment.lengthM) / perSegment.get(st.segment.id)!;

  const perGateway = Math.max(1, options.stationsPerGateway);
  const gatewayCount = Math.ceil(stations.length / perGateway);
  const width = Math.max(3, String(gatewayCount - 1).length);
  const gateways: Gateway[] = [];
  for (let g = 0; g < gatewayCount; g++) {
    const id = `gw${String(g).padStart(width, '0')}`;
    // Exactly floor(share × count) gateways batch, evenly spread.
    const batches = Math.floor((g + 1) * options.share) > Math.floor(g * options.share);
    const detectors = stations.slice(g * perGateway, (g + 1) * perGateway).flatMap((st) =>
      Array.from({ length: st.lanes }, (_, i) => ({
        sensorId: `${id}.${st.segment.id}.r${st.round}l${i + 1}`,
        gatewayId: id,
        segmentId: st.segment.id,
        lane: i + 1,
        stationId: `${st.segment.id}.s${st.round}`,
        offsetM: Math.round(offsetOf(st)),
      })),
    );
    gateways.push({ id, batches, detectors });
  }
  const crowded: CrowdedSegment[] = [];
  for (const segment of segments) {
    const k = perSegment.get(segment.id) ?? 0;
    if (k > 1 && segment.lengthM / k < MIN_STATION_SPACING_M) crowded.push({ segmentId: segment.id, stations: k, spacingM: Math.round(segment.lengthM / k) });
  }
  return { detectors: gateways.flatMap((g) => g.detectors), gateways, crowded };
}
