import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import type { CongestionRecord, Los } from '../../shared/contract/congestion-record.ts';
import { mqttNgsiTopic } from '../../shared/contract/topics.ts';
import { readDeadLetterRows } from '../helpers/bus-file.ts';
import { makeDataDir, startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { publishTelemetry } from '../helpers/mqtt.ts';
import { schemaErrors, sdmSchemas } from '../helpers/ngsi-schemas.ts';
import { waitFor } from '../helpers/wait.ts';

// The NGSI-LD API (ETSI GS CIM 009) over HTTP and the FIWARE ingest over MQTT, through the real
// embedded pipeline. Congestion records are seeded into the store before start, and the
// aggregator's grace is two hours so it closes no window while the tests run.
vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

const FIVE_MIN = 300_000;
const T = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN; // the latest 5m close
const iso = (ms: number): string => new Date(ms).toISOString();
const isoS = (ms: number): string => iso(ms).replace('.000Z', 'Z');
const LINK = /^<(http:\/\/127\.0\.0\.1:\d+\/ngsi-ld\/v1\/contexts\/roadpulse\.jsonld)>; rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"; type="application\/ld\+json"$/;

function record(segmentId: string, to: number, los: Los, flowVph: number, speedKmh: number, window: '1m' | '5m' = '5m'): CongestionRecord {
  const w = window === '5m' ? FIVE_MIN : 60_000;
  return {
    segmentId, window, from: iso(to - w), to: iso(to), status: 'ok', flowVph, flowPcuph: flowVph * 0.5, speedKmh, occupancy: 0.2,
    densityPcuPerKmLane: 10, speedRatio: speedKmh / 60, tti: 60 / speedKmh, congestionPct: (60 / speedKmh - 1) * 100, jamFactor: 5,
    los, sensorsReporting: 2, sensorsKnown: 2, stationsReporting: 1, sensorsFaulty: null, lastReadingAt: iso(to - 10_000),
  };
}

const urn = (segment: string, to: number, window = '5m'): string => `urn:ngsi-ld:TrafficFlowObserved:${segment}:${window}:${isoS(to)}`;
const entities = (rp: InProcessPipeline, query: string, headers: Record<string, string> = {}) =>
  fetch(`${rp.baseUrl}/ngsi-ld/v1/entities${query}`, { headers });
const kvList = async (rp: InProcessPipeline, query: string): Promise<Record<string, unknown>[]> =>
  getOk(`${rp.baseUrl}/ngsi-ld/v1/entities${query}&options=keyValues`);

let rp: InProcessPipeline;

beforeAll(async () => {
  const dataDir = makeDataDir('rp-ngsi-');
  const store = new SqliteStore(join(dataDir, 'store.sqlite'));
  await store.writeCongestion([
    record('ql13-nb-01', T - FIVE_MIN, 'B', 1800, 50),
    record('ql13-nb-01', T, 'E', 3720, 21.4),
    record('ql13-nb-02', T, 'C', 1200, 35),
    record('ql13-nb-03', T, 'F', 2400, 12),
    record('ql13-nb-04', Math.floor(Date.now() / 60_000) * 60_000, 'A', 600, 58, '1m'),
  ]);
  await store.close();
  rp = await startInProcess({ dataDir, env: { ROADPULSE_AGGREGATOR_GRACE_S: '7200' } });
});
afterAll(async () => {
  await rp?.close();
});

describe('GET /ngsi-ld/v1/entities?type=TrafficFlowObserved', () => {
  it('when asked as application/json, then the latest 5m close of each segment comes normalized, with the @context in a Link header', async () => {
    const res = await entities(rp, '?type=TrafficFlowObserved');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('link')).toMatch(LINK);
    const body = (await res.json()) as Record<string, any>[];
    expect(body.map((e) => e.id)).toEqual([urn('ql13-nb-01', T), urn('ql13-nb-02', T), urn('ql13-nb-03', T)]);
    expect(body[0]).not.toHaveProperty('@context');
    expect(body[0]!.intensity).toEqual({ type: 'Property', value: 310, observedAt: isoS(T) });
    expect(body[0]!.refRoadSegment).toEqual({ type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:ql13-nb-01' });
    expect(body[0]!.location.type).toBe('GeoProperty');
    expect(body[0]!.congested).toMatchObject({ type: 'Property', value: true });
  });

  it('when asked with options=keyValues (or format=simplified), then each entity validates against the TrafficFlowObserved schema fixture', async () => {
    const kv = await kvList(rp, '?type=TrafficFlowObserved');
    expect(kv).toHaveLength(3);
    for (const e of kv) expect(sdmSchemas.trafficFlowObserved(e), schemaErrors(sdmSchemas.trafficFlowObserved)).toBe(true);
    expect(kv[0]).toMatchObject({ intensity: 310, averageVehicleSpeed: 21.4, congested: true, levelOfService: 'E', dateObservedTo: isoS(T) });
    expect(await getOk(`${rp.baseUrl}/ngsi-ld/v1/entities?type=TrafficFlowObserved&format=simplified`)).toEqual(kv);
  });

  it('when Accept is application/ld+json, then each entity carries @context and there is no Link header', async () => {
    const res = await entities(rp, '?type=TrafficFlowObserved&options=keyValues', { Accept: 'application/ld+json' });
    expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(res.headers.get('link')).toBeNull();
    const body = (await res.json()) as Record<string, unknown>[];
    for (const e of body) expect(e['@context']).toMatch(/\/ngsi-ld\/v1\/contexts\/roadpulse\.jsonld$/);
  });

  it('when the Link header context is fetched, then it is a JSON-LD context with the Smart Data Models, roadpulse terms and the NGSI-LD core', async () => {
    const link = (await entities(rp, '?type=RoadSegment&limit=1')).headers.get('link')!;
    const doc = await getOk(LINK.exec(link)![1]!);
    expect(doc['@context'][0]).toMatch(/smart-data-models\/dataModel\.Transportation/);
    expect(doc['@context'][1].levelOfService).toBe('roadpulse:levelOfService');
    expect(doc['@context'].at(-1)).toBe('https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld');
  });

  it('when q filters, then only matching entities come: congested==true, intensity>100 with a speed bound, refRoadSegment, LOS lists', async () => {
    const ids = async (q: string) => (await kvList(rp, `?type=TrafficFlowObserved&q=${encodeURIComponent(q)}`)).map((e) => String(e.refRoadSegment).split(':').at(-1));
    expect(await ids('congested==true')).toEqual(['ql13-nb-01', 'ql13-nb-03']);
    expect(await ids('intensity>150;averageVehicleSpeed<30')).toEqual(['ql13-nb-01', 'ql13-nb-03']);
    expect(await ids('intensity>250')).toEqual(['ql13-nb-01']);
    expect(await ids('refRoadSegment=="urn:ngsi-ld:RoadSegment:ql13-nb-02"')).toEqual(['ql13-nb-02']);
    expect(await ids('levelOfService=="C","F"')).toEqual(['ql13-nb-02', 'ql13-nb-03']);
  });

  it('when limit, offset and count are given, then the page is cut and NGSILD-Results-Count gives all matches', async () => {
    const res = await entities(rp, '?type=TrafficFlowObserved&limit=1&offset=1&options=keyValues,count');
    expect(res.headers.get('ngsild-results-count')).toBe('3');
    expect(((await res.json()) as { id: string }[]).map((e) => e.id)).toEqual([urn('ql13-nb-02', T)]);
    expect((await entities(rp, '?type=TrafficFlowObserved&limit=0&count=true')).headers.get('ngsild-results-count')).toBe('3');
    expect((await entities(rp, '?type=TrafficFlowObserved')).headers.get('ngsild-results-count')).toBeNull();
  });

  it('when attrs, id, idPattern or window are given, then entities and attributes follow them', async () => {
    const [one] = await kvList(rp, '?type=TrafficFlowObserved&attrs=intensity,congested&limit=1');
    expect(one).toEqual({ id: urn('ql13-nb-01', T), type: 'TrafficFlowObserved', intensity: 310, congested: true });
    const older = await kvList(rp, `?id=${urn('ql13-nb-01', T - FIVE_MIN)},${urn('ql13-nb-02', T)}`);
    expect(older.map((e) => [e.id, e.levelOfService])).toEqual([[urn('ql13-nb-01', T - FIVE_MIN), 'B'], [urn('ql13-nb-02', T), 'C']]);
    expect((await kvList(rp, '?type=TrafficFlowObserved&idPattern=nb-0[23]:')).map((e) => e.levelOfService)).toEqual(['C', 'F']);
    expect((await kvList(rp, '?type=TrafficFlowObserved&window=1m')).map((e) => e.aggregationWindow)).toEqual(['1m']);
  });
});

describe('RoadSegment and GET /ngsi-ld/v1/entities/{id}', () => {
  it('when RoadSegments are listed, then they come from the network file (20 a page by default, count 58) and validate against the RoadSegment schema', async () => {
    const res = await entities(rp, '?type=RoadSegment&options=keyValues,count');
    expect(res.headers.get('ngsild-results-count')).toBe('58');
    const body = (await res.json()) as Record<string, unknown>[];
    expect(body).toHaveLength(20);
    for (const e of body) expect(sdmSchemas.roadSegment(e), schemaErrors(sdmSchemas.roadSegment)).toBe(true);
  });

  it('when one entity is retrieved by id, then a RoadSegment and a stored window close come, in both forms', async () => {
    const seg = await getOk(`${rp.baseUrl}/ngsi-ld/v1/entities/${encodeURIComponent('urn:ngsi-ld:RoadSegment:ql13-nb-01')}`);
    expect(seg).toMatchObject({ id: 'urn:ngsi-ld:RoadSegment:ql13-nb-01', type: 'RoadSegment', name: { type: 'Property' }, refRoad: { type: 'Relationship', object: 'urn:ngsi-ld:Road:QL13' } });
    const flow = await getOk(`${rp.baseUrl}/ngsi-ld/v1/entities/${urn('ql13-nb-01', T - FIVE_MIN)}?options=keyValues`);
    expect(flow).toMatchObject({ type: 'TrafficFlowObserved', levelOfService: 'B', intensity: 150, congested: false });
    expect(sdmSchemas.trafficFlowObserved(flow), schemaErrors(sdmSchemas.trafficFlowObserved)).toBe(true);
  });
});

describe('NGSI-LD ProblemDetails (application/json)', () => {
  const problem = async (path: string, status: number, type: string) => {
    const res = await getJson(`${rp.baseUrl}/ngsi-ld/v1${path}`);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ type: `https://uri.etsi.org/ngsi-ld/errors/${type}`, status, title: expect.any(String), detail: expect.any(String) });
  };

  it('when an entity does not exist, then 404 ResourceNotFound', async () => {
    await problem('/entities/urn:ngsi-ld:RoadSegment:nowhere', 404, 'ResourceNotFound');
    await problem(`/entities/${urn('ql13-nb-05', T)}`, 404, 'ResourceNotFound');
    await problem('/entities/urn:ngsi-ld:RoadSegment:ql13-nb-01?type=TrafficFlowObserved', 404, 'ResourceNotFound');
    await problem('/nothing-here', 404, 'ResourceNotFound');
  });

  it('when the request is bad, then 400 BadRequestData: no filter, bad id, bad q, unsupported parameter or option', async () => {
    await problem('/entities', 400, 'BadRequestData');
    await problem('/entities/not-a-uri', 400, 'BadRequestData');
    await problem('/entities?type=TrafficFlowObserved&q=intensity%3E', 400, 'BadRequestData');
    await problem('/entities?type=TrafficFlowObserved&georel=near', 400, 'BadRequestData');
    await problem('/entities?type=TrafficFlowObserved&options=sysAttrs', 400, 'BadRequestData');
    await problem('/entities?type=TrafficFlowObserved&limit=-1', 400, 'BadRequestData');
    await problem('/entities?type=TrafficFlowObserved&idPattern=(', 400, 'BadRequestData');
  });

  it('when more than 1000 entities are asked for, then 403 TooManyResults', async () => {
    await problem('/entities?type=RoadSegment&limit=5000', 403, 'TooManyResults');
  });
});

describe('OpenAPI', () => {
  it('when /openapi.json is read, then the NGSI-LD routes are there with parameters and examples', async () => {
    const doc = await getOk(`${rp.baseUrl}/openapi.json`);
    const list = doc.paths['/ngsi-ld/v1/entities'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['type', 'q', 'limit', 'offset', 'options', 'attrs', 'id', 'idPattern']));
    expect(JSON.stringify(list.responses['200'])).toContain('urn:ngsi-ld:TrafficFlowObserved:ql13-nb-01:5m');
    expect(JSON.stringify(list.responses['404'] ?? list.responses['400'])).toContain('https://uri.etsi.org/ngsi-ld/errors/');
    expect(doc.paths['/ngsi-ld/v1/entities/{entityId}'].get).toBeDefined();
  });
});

describe('MQTT: TrafficFlowObserved on traffic/v1/{sensorId}/ngsi', () => {
  const flow = (sensorId: string, overrides: Record<string, unknown> = {}) => {
    const to = Date.now() - 2_000;
    return {
      id: `urn:ngsi-ld:TrafficFlowObserved:${sensorId}:${to}`,
      type: 'TrafficFlowObserved',
      refRoadSegment: 'urn:ngsi-ld:RoadSegment:mptv-nb-02',
      dateObserved: `${iso(to - 60_000)}/${iso(to)}`,
      dateObservedFrom: iso(to - 60_000),
      dateObservedTo: iso(to),
      intensity: 50,
      vehicleType: 'motorcycle',
      averageVehicleSpeed: 40,
      occupancy: 0.1,
      laneId: 1,
      laneDirection: 'forward',
      ...overrides,
    };
  };

  it('when a sensor publishes one over TCP at QoS 1, then after the PUBACK its reading is in the store and in the segment congestion', async () => {
    const sensorId = 'fiware-loop-1';
    const payload = flow(sensorId);
    expect(sdmSchemas.trafficFlowObserved(payload), schemaErrors(sdmSchemas.trafficFlowObserved)).toBe(true);
    await publishTelemetry(rp.mqttUrl, payload, { topic: mqttNgsiTopic(sensorId) }); // resolves on PUBACK
    const record = await waitFor(
      async () => {
        const r = await getOk(`${rp.baseUrl}/api/v1/segments/mptv-nb-02/congestion?window=5m`);
        return r.sensorsReporting === 1 ? r : undefined;
      },
      { what: 'the NGSI reading in the congestion of mptv-nb-02' },
    );
    expect(record).toMatchObject({ status: 'ok', speedKmh: 40, flowVph: 3000, flowPcuph: 900 }); // 50 motorbikes in 60 s, PCU 0.3
    const sensor = await getOk(`${rp.baseUrl}/api/v1/sensors/${sensorId}`);
    expect(sensor).toMatchObject({ segmentId: 'mptv-nb-02', accepted: 1 });
  });

  it('when a malformed one is published, then it is acknowledged, dead-lettered with a reason and counted like /telemetry', async () => {
    const schemaBefore = sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_rejected_total', { reason: 'schema' }) ?? NaN;
    const seen = new Set(readDeadLetterRows(rp.dataDir).map((r) => r.offset));
    const { refRoadSegment: _r, ...bad } = flow('fiware-loop-2');
    await publishTelemetry(rp.mqttUrl, bad, { topic: mqttNgsiTopic('fiware-loop-2'), clientId: 'ngsi-bad-1' });
    await publishTelemetry(rp.mqttUrl, flow('fiware-loop-2', { refRoadSegment: 'urn:ngsi-ld:RoadSegment:nowhere' }), { topic: mqttNgsiTopic('fiware-loop-2') });
    const letters = readDeadLetterRows(rp.dataDir).filter((r) => !seen.has(r.offset)).map((r) => r.entry);
    expect(letters.map((l) => [l.reason, l.mqttTopic, l.sensorId])).toEqual([
      ['schema', 'traffic/v1/fiware-loop-2/ngsi', 'fiware-loop-2'],
      ['unknown_segment', 'traffic/v1/fiware-loop-2/ngsi', 'fiware-loop-2'],
    ]);
    expect(letters[0]!.detail).toMatch(/refRoadSegment/);
    expect(letters[0]!.clientId).toBe('ngsi-bad-1');
    expect(JSON.parse(letters[0]!.payload)).toEqual(bad); // the payload as published
    const schemaAfter = sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_rejected_total', { reason: 'schema' });
    expect(schemaAfter).toBe(schemaBefore + 1);
    expect(sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_mqtt_messages_total', { kind: 'ngsi' })).toBeGreaterThanOrEqual(3);
  });
});

describe('NGSI-LD with ROADPULSE_API_KEYS', () => {
  let keyed: InProcessPipeline;
  beforeAll(async () => {
    keyed = await startInProcess({ env: { ROADPULSE_API_KEYS: 'ngsi-key' } });
  });
  afterAll(async () => {
    await keyed?.close();
  });

  it('when entities are asked without the key, then 401; with it, 200; the @context document stays public', async () => {
    expect((await fetch(`${keyed.baseUrl}/ngsi-ld/v1/entities?type=RoadSegment`)).status).toBe(401);
    expect((await fetch(`${keyed.baseUrl}/ngsi-ld/v1/entities/urn:ngsi-ld:RoadSegment:ql13-nb-01`)).status).toBe(401);
    const ok = await fetch(`${keyed.baseUrl}/ngsi-ld/v1/entities?type=RoadSegment`, { headers: { authorization: 'Bearer ngsi-key' } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${keyed.baseUrl}/ngsi-ld/v1/contexts/roadpulse.jsonld`)).status).toBe(200);
  });
});
