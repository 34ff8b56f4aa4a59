import type { FastifyReply } from 'fastify';

/**
 * NGSI-LD error types (ETSI GS CIM 009, clause 5.5.2) and their HTTP status. Errors are
 * ProblemDetails (RFC 9457 members) sent as `application/json`, as the NGSI-LD API does.
 */
export const NGSI_ERRORS = {
  InvalidRequest: 400,
  BadRequestData: 400,
  TooComplexQuery: 403,
  TooManyResults: 403,
  ResourceNotFound: 404,
  OperationNotSupported: 422,
  InternalError: 500,
} as const;
export type NgsiErrorType = keyof typeof NGSI_ERRORS;

export const ngsiErrorUri = (type: NgsiErrorType): string => `https://uri.etsi.org/ngsi-ld/errors/${type}`;

export class NgsiError extends Error {
  constructor(
    readonly errorType: NgsiErrorType,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'NgsiError';
  }
}

export function sendNgsiProblem(reply: FastifyReply, type: NgsiErrorType, title: string, detail: string): FastifyReply {
  const status = NGSI_ERRORS[type];
  return reply.status(status).type('application/json').send({ type: ngsiErrorUri(type), title, status, detail });
}
