import type { FastifyReply } from 'fastify';

/** Plain JSON error bodies (only HTTP 200 responses are encrypted). */
export function sendJson(reply: FastifyReply, httpStatus: number, body: object): FastifyReply {
  return reply.code(httpStatus).header('content-type', 'application/json').send(JSON.stringify(body));
}

export function clientError(reply: FastifyReply, message: string): FastifyReply {
  return sendJson(reply, 400, { status: 'client_error', message });
}

/** 401 from the auth layer: `{"status":"unauthorized"}` with no message, like the reference. */
export function unauthorized(reply: FastifyReply): FastifyReply {
  return sendJson(reply, 401, { status: 'unauthorized' });
}

export const NO_ACTIVE_KEY_MESSAGE = 'No active encryption key available';

/** 500 `{"status":"unknown","message":…}`. */
export function serverError(reply: FastifyReply, message: string): FastifyReply {
  return sendJson(reply, 500, { status: 'unknown', message });
}

/** 429 with Retry-After (seconds). */
export function tooManyRequests(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))))
    .header('content-type', 'application/json')
    .send(JSON.stringify({ status: 'client_error', message: 'Too many requests' }));
}
