import { Uid2Error } from './errors.js';

/** The error for a 200 answer from `path` whose body does not have the expected shape. Internal. */
export function invalidResponse(path: string, message: string): Uid2Error {
  return new Uid2Error({
    code: 'invalid_response',
    message: `${path}: ${message}`,
    path,
    httpStatus: 200,
  });
}
