import type { FastifyReply } from 'fastify';

/** RFC 9457 problem details. `type` is a stable identifier per error kind. */
export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string): FastifyReply {
  return reply
    .status(status)
    .type('application/problem+json')
    .send({ type: `https://roadpulse.dev/problems/${code}`, title: code.replace(/_/g, ' '), status, detail });
}
