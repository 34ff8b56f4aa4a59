import type { FastifyReply, FastifyRequest } from 'fastify';

/** The NGSI-LD core context (ETSI GS CIM 009 clause 5.5.7: always in force, last). */
export const NGSI_LD_CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld';
/** The Smart Data Models context of dataModel.Transportation (TrafficFlowObserved, RoadSegment terms). */
export const SDM_TRANSPORTATION_CONTEXT = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld';
/** roadpulse's own attributes (congestion measures not in the data models) live under this IRI. */
export const ROADPULSE_VOCAB = 'https://roadpulse.dev/ngsi-ld/terms/';
export const CONTEXT_PATH = '/ngsi-ld/v1/contexts/roadpulse.jsonld';

const ROADPULSE_TERMS = [
  'levelOfService', 'flowVph', 'flowPcuph', 'densityPcuPerKmLane', 'speedRatio', 'travelTimeIndex', 'congestionPct',
  'jamFactor', 'sensorsReporting', 'sensorsKnown', 'dataStatus', 'aggregationWindow', 'freeFlowKmh',
  'capacityPcuPerHourPerLane', 'roadKind', 'travelDirection',
] as const;

/** The JSON-LD context document roadpulse serves at CONTEXT_PATH and names in every response. */
export const ROADPULSE_CONTEXT_DOCUMENT = {
  '@context': [
    SDM_TRANSPORTATION_CONTEXT,
    { roadpulse: ROADPULSE_VOCAB, ...Object.fromEntries(ROADPULSE_TERMS.map((t) => [t, `roadpulse:${t}`])) },
    NGSI_LD_CORE_CONTEXT,
  ],
};

/** The absolute URL of the context: as configured, or this server's own (from the request's host). */
export function contextUrl(req: FastifyRequest, configured: string | undefined): string {
  return configured ?? `${req.protocol}://${req.host}${CONTEXT_PATH}`;
}

export type NgsiMediaType = 'application/json' | 'application/ld+json';

/**
 * Content negotiation (clause 6.3.6): `application/ld+json` when the client prefers it, else
 * `application/json` (also for a missing or wildcard Accept).
 */
export function negotiate(accept: string | undefined): NgsiMediaType {
  if (!accept) return 'application/json';
  let json = 0;
  let ld = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (range === 'application/ld+json') ld = Math.max(ld, q);
    if (range === 'application/json' || range === 'application/*' || range === '*/*') json = Math.max(json, q);
  }
  return ld > json ? 'application/ld+json' : 'application/json';
}

/** application/json: the context in a Link header (clause 6.3.5); application/ld+json: in the body. */
export function sendEntities(
  reply: FastifyReply,
  mediaType: NgsiMediaType,
  context: string,
  body: Record<string, unknown> | Record<string, unknown>[],
): FastifyReply {
  if (mediaType === 'application/json') {
    reply.header('Link', `<${context}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
    return reply.type('application/json').send(body);
  }
  const withContext = (e: Record<string, unknown>): Record<string, unknown> => ({ ...e, '@context': context });
  return reply.type('application/ld+json').send(Array.isArray(body) ? body.map(withContext) : withContext(body));
}
