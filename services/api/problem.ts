import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../../shared/errors/app-error.ts';
import { sendProblem } from '../../shared/runtime/problem-json.ts';

const STATUS_BY_CODE: Partial<Record<AppError['code'], number>> = {
  bad_request: 400,
  too_many_points: 400,
  not_found: 404,
  unauthorized: 401,
  store_unavailable: 503,
  bus_unavailable: 503,
};

/** Problem codes of fastify's and its plugins' own 4xx errors (body too large, rate limited, …). */
const CODE_BY_STATUS: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const detail = error.validation
        .map((v) => `${v.instancePath.replace(/^\//, '').replace(/\//g, '.') || error.validationContext || 'request'}: ${v.message}`)
        .join('; ');
      return sendProblem(reply, 400, 'bad_request', `${error.validationContext ?? 'request'} ${detail}`);
    }
    if (error instanceof AppError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, status, error.code, error.message);
    }
    if (error.statusCode && error.statusCode < 500) {
      return sendProblem(reply, error.statusCode, CODE_BY_STATUS[error.statusCode] ?? 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'not_found', `no route ${request.method} ${request.url}`));
}

/**
 * Fastify's `frameworkErrors`: errors found before routing (a malformed percent-encoding, a path
 * parameter longer than maxParamLength: 414) as problem+json too, instead of fastify's own JSON.
 */
export function frameworkErrorProblem(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  reply.header('x-content-type-options', 'nosniff');
  void sendProblem(reply, status, CODE_BY_STATUS[status] ?? 'bad_request', error.message);
}
