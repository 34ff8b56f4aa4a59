import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NGSI_TYPE_TRAFFIC_FLOW } from '../../../shared/contract/ngsi-traffic-flow.ts';
import type { ApiDeps } from '../api-deps.ts';
import { latestTrafficFlows, trafficFlowAt } from './entity-source.ts';
import { ROADPULSE_CONTEXT_DOCUMENT, contextUrl, negotiate, sendEntities } from './ngsi-context.ts';
import { pickAttrs, toKeyValues, toNormalized, type NgsiEntity } from './ngsi-entity.ts';
import { NgsiError, sendNgsiProblem } from './ngsi-errors.ts';
import { entityListQuery, entityParams, entityQuery, entitySchema, problemSchema } from './ngsi-params.ts';
import { matchesQ, parseQ } from './ngsi-q.ts';
import { compileClientPattern } from './safe-pattern.ts';
import { NGSI_TYPE_ROAD_SEGMENT, parseRoadSegmentUrn, roadSegmentEntity } from './road-segment-entity.ts';
import { parseTrafficFlowUrn } from './traffic-flow-entity.ts';

/** Most entities one query returns (ETSI GS CIM 009 clause 5.5.9: more → TooManyResults). */
export const MAX_LIMIT = 1000;
const TYPES = [NGSI_TYPE_TRAFFIC_FLOW, NGSI_TYPE_ROAD_SEGMENT];
const TAGS = ['NGSI-LD (FIWARE)'];
const errors = { 400: problemSchema, 403: problemSchema, 404: problemSchema };

const list = (s: string | undefined): string[] | undefined =>
  s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** `options` and `format` → representation and count. */
function representation(q: { options?: string | undefined; format?: string | undefined }, allowCount: boolean): { keyValues: boolean; count: boolean } {
  const opts = new Set(list(q.options) ?? []);
  for (const o of opts) {
    if (o !== 'keyValues' && o !== 'normalized' && !(allowCount && o === 'count')) {
      throw new NgsiError('BadRequestData', 'Unsupported option', `options=${o} is not supported (keyValues, normalized${allowCount ? ', count' : ''})`);
    }
  }
  if (opts.has('keyValues') && opts.has('normalized')) throw new NgsiError('BadRequestData', 'Conflicting options', 'options keyValues and normalized exclude each other');
  const keyValues = opts.has('keyValues') || q.format === 'simplified' || q.format === 'keyValues';
  if (keyValues && q.format === 'normalized') throw new NgsiError('BadRequestData', 'Conflicting options', 'options=keyValues with format=normalized');
  return { keyValues, count: opts.has('count') };
}

/** Entities of the NGSI-LD API (FIWARE Smart Data Models TrafficFlowObserved and RoadSegment). */
export function ngsiRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  const { network } = deps.query;
  const roadSegments = network.segments.map(roadSegmentEntity);

  return async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof NgsiError) return sendNgsiProblem(reply, error.errorType, error.title, error.message);
      if (hasZodFastifySchemaValidationErrors(error)) {
        const detail = error.validation.map((v) => `${v.instancePath.replace(/^\//, '') || error.validationContext || 'request'}: ${v.message}`).join('; ');
        return sendNgsiProblem(reply, 'BadRequestData', 'Invalid parameters', `${error.validationContext ?? 'request'} ${detail}`);
      }
      if (error.statusCode && error.statusCode < 500) return sendNgsiProblem(reply, 'InvalidRequest', 'Invalid request', error.message);
      request.log.error({ err: error }, 'NGSI-LD request failed');
      return sendNgsiProblem(reply, 'InternalError', 'Internal error', 'internal error');
    });
    app.setNotFoundHandler((request, reply) =>
      sendNgsiProblem(reply, 'ResourceNotFound', 'No such resource', `no NGSI-LD resource ${request.method} ${request.url}`),
    );

    app.get(
      '/contexts/roadpulse.jsonld',
      { schema: { tags: TAGS, summary: 'The JSON-LD @context of roadpulse entities (Smart Data Models Transportation + roadpulse terms + NGSI-LD core)' } },
      async (_req, reply) => reply.type('application/ld+json').send(ROADPULSE_CONTEXT_DOCUMENT),
    );

    app.get(
      '/entities',
      {
        schema: {
          tags: TAGS,
          summary: 'Query entities: TrafficFlowObserved (latest window close per segment) and RoadSegment',
          description:
            'ETSI GS CIM 009 Query Entities. At least one of type, id, idPattern, q, attrs. application/json responses carry the @context in a Link header; ' +
            'with Accept: application/ld+json each entity carries it in `@context`. Errors are NGSI-LD ProblemDetails.',
          querystring: entityListQuery,
          response: { 200: entitySchema.array(), ...errors },
        },
      },
      async (req, reply) => {
        const query = req.query;
        const { keyValues, count } = representation(query, true);
        const ids = list(query.id);
        const attrs = list(query.attrs);
        if (!query.type && !ids && !query.idPattern && !query.q && !attrs) {
          throw new NgsiError('BadRequestData', 'Too broad query', 'give at least one of type, id, idPattern, q or attrs (ETSI GS CIM 009 clause 5.7.2)');
        }
        if (query.limit > MAX_LIMIT) throw new NgsiError('TooManyResults', 'Too many results', `limit ${query.limit} is above the maximum ${MAX_LIMIT}`);
        const types = list(query.type) ?? TYPES;
        const pattern = query.idPattern ? compileClientPattern(query.idPattern, 'idPattern') : null;
        const expr = query.q ? parseQ(query.q) : null;

        const candidates: NgsiEntity[] = [];
        for (const type of TYPES.filter((t) => types.includes(t))) {
          if (type === NGSI_TYPE_ROAD_SEGMENT) candidates.push(...roadSegments);
          else if (ids) {
            // Named window closes are fetched as they are, not only the latest ones.
            const keys = ids.map(parseTrafficFlowUrn).filter((k) => k !== null);
            for (const e of await Promise.all(keys.map((k) => trafficFlowAt(deps.query, k)))) if (e) candidates.push(e);
          } else candidates.push(...(await latestTrafficFlows(deps.query, query.window, now())));
        }
        const idSet = ids ? new Set(ids) : null;
        const attrSet = attrs ? new Set(attrs) : null;
        const matches = candidates.filter(
          (e) =>
            (!idSet || idSet.has(e.id)) &&
            (!pattern || pattern.test(e.id)) &&
            (!expr || matchesQ(expr, toKeyValues(e))) &&
            (!attrSet || Object.keys(e.attrs).some((a) => attrSet.has(a))),
        );
        if (count || query.count === 'true') reply.header('NGSILD-Results-Count', String(matches.length));
        const page = matches.slice(query.offset, query.offset + query.limit).map((e) => (attrSet ? pickAttrs(e, attrSet) : e));
        const body = page.map(keyValues ? toKeyValues : toNormalized);
        return sendEntities(reply, negotiate(req.headers.accept), contextUrl(req, deps.ngsiContextUrl), body);
      },
    );

    app.get(
      '/entities/:entityId',
      {
        schema: {
          tags: TAGS,
          summary: 'Retrieve one entity: urn:ngsi-ld:RoadSegment:{segment} or urn:ngsi-ld:TrafficFlowObserved:{segment}:{window}:{end}',
          params: entityParams,
          querystring: entityQuery,
          response: { 200: entitySchema, ...errors },
        },
      },
      async (req, reply) => {
        const { entityId } = req.params;
        const { keyValues } = representation(req.query, false);
        if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(entityId)) throw new NgsiError('BadRequestData', 'Invalid entity id', `"${entityId}" is not a URI`);
        let entity: NgsiEntity | null = null;
        const segmentId = parseRoadSegmentUrn(entityId);
        const flowKey = parseTrafficFlowUrn(entityId);
        if (segmentId !== null) entity = roadSegments.find((e) => e.id === entityId) ?? null;
        else if (flowKey) entity = await trafficFlowAt(deps.query, flowKey);
        if (entity && req.query.type && !(list(req.query.type) ?? []).includes(entity.type)) entity = null;
        if (!entity) throw new NgsiError('ResourceNotFound', 'Entity not found', `no entity ${entityId}`);
        const attrs = list(req.query.attrs);
        const shown = attrs ? pickAttrs(entity, new Set(attrs)) : entity;
        return sendEntities(reply, negotiate(req.headers.accept), contextUrl(req, deps.ngsiContextUrl), keyValues ? toKeyValues(shown) : toNormalized(shown));
      },
    );
  };
}
