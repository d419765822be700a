/** What went wrong in a call to the operator. */
export type Uid2ErrorCode =
  /** The operator answered with a non-2xx HTTP status (see `httpStatus`, `status`). */
  | 'http'
  /** No answer within the configured timeout. */
  | 'timeout'
  /** The request could not be sent or the connection failed. */
  | 'network'
  /** A 200 answer that could not be decrypted or parsed (wrong secret, nonce mismatch, bad JSON…). */
  | 'invalid_response'
  /** A 200 answer whose `status` the method does not accept (e.g. `client_error` inside an envelope). */
  | 'unexpected_status'
  /** A key container could not be loaded from a key-refresh response. */
  | 'invalid_keys';

/**
 * Every failure of a client call. Operator errors keep the operator's own `status` (e.g.
 * `client_error`, `unauthorized`, `invalid_token`) and `message`, and the HTTP status.
 */
export class Uid2Error extends Error {
  override readonly name = 'Uid2Error';
  readonly code: Uid2ErrorCode;
  /** HTTP status of the operator's answer, when there was one. */
  readonly httpStatus: number | undefined;
  /** The operator's `status` field (`client_error`, `unauthorized`, …), when it sent one. */
  readonly status: string | undefined;
  /** The operator's `message` field, verbatim, when it sent one. */
  readonly operatorMessage: string | undefined;
  /** The endpoint path that was called. */
  readonly path: string;
  /** Number of attempts made (1 + retries). */
  readonly attempts: number;

  constructor(init: {
    code: Uid2ErrorCode;
    message: string;
    path: string;
    httpStatus?: number;
    status?: string;
    operatorMessage?: string;
    attempts?: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.path = init.path;
    this.httpStatus = init.httpStatus;
    this.status = init.status;
    this.operatorMessage = init.operatorMessage;
    this.attempts = init.attempts ?? 1;
  }
}
