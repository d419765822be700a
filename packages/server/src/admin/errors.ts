/**
 * A refused admin operation with a message meant for the operator of the deployment:
 * `invalid` — bad input (CLI exit 2, HTTP 400); `refused` — valid input the deployment refuses, e.g. the
 * OPTOUT role (exit 1, HTTP 400); `not_found` (exit 1, HTTP 404); `conflict` — a duplicate name or a
 * non-empty store (exit 1, HTTP 409).
 */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: 'invalid' | 'refused' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string): AdminError => new AdminError('invalid', message);
export const refused = (message: string): AdminError => new AdminError('refused', message);
export const notFound = (message: string): AdminError => new AdminError('not_found', message);
export const conflict = (message: string): AdminError => new AdminError('conflict', message);

/** HTTP status of an admin error. */
export function httpStatusOf(error: AdminError): number {
  return error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : 400;
}

/** CLI exit code of an admin error: 2 for usage errors, 1 for refusals. */
export function exitCodeOf(error: AdminError): number {
  return error.code === 'invalid' ? 2 : 1;
}
