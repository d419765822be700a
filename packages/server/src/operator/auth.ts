import type { FastifyRequest } from 'fastify';
import type { Client } from '../snapshot/clients.js';
import type { OperatorSnapshot } from '../snapshot/snapshot.js';
import type { Role } from '../store/types.js';

/**
 * The API key of a request: `Authorization` trimmed, its first 7 characters compared
 * case-insensitively with `bearer `, the rest taken verbatim (reference AuthMiddleware).
 */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value.length <= 7 || value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return value.slice(7);
}

/** The enabled client behind the request's API key, if it holds at least one of `roles`. */
export function authorize(
  snapshot: OperatorSnapshot,
  request: FastifyRequest,
  roles: readonly Role[],
): Client | undefined {
  const key = bearerToken(request);
  if (key === undefined) return undefined;
  const client = snapshot.clients.authenticate(key);
  if (!client || client.disabled) return undefined;
  return roles.some((r) => client.roles.has(r)) ? client : undefined;
}

/** Any enabled client (for endpoints where authentication is optional, such as refresh). */
export function authenticateOptional(
  snapshot: OperatorSnapshot,
  request: FastifyRequest,
): Client | undefined {
  const key = bearerToken(request);
  if (key === undefined) return undefined;
  const client = snapshot.clients.authenticate(key);
  return client && !client.disabled ? client : undefined;
}
