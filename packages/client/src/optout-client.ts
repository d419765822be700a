import { OperatorTransport, type Uid2ClientOptions } from './lib/http.js';

/** The one identity a consumer opts out: exactly one of the four fields. */
export type OptOutIdentity =
  | { readonly email: string }
  | { readonly phone: string }
  | { readonly emailHash: string }
  | { readonly phoneHash: string };

/** Extra fields of {@link OptOutClient.optOut}. */
export interface OptOutRequestOptions {
  /**
   * The consumer's IP address, as the reference portal sends it (`clientIp`); the operator keeps it
   * only as a keyed hash for abuse analysis.
   */
  readonly clientIp?: string;
}

const PATH = '/v2/token/logout';

/**
 * Records a consumer's opt-out with `POST /v2/token/logout` (OPTOUT-role key), as a Transparency and
 * Control Portal does. Resolves once the operator answered `{"optout":"OK"}` (uid2-ts answers only
 * after the opt-out is durably stored); rejects with `Uid2Error` otherwise, e.g. `http` with status
 * `invalid_token` for an invalid identity or `unauthorized` for a key without the OPTOUT role.
 */
export class OptOutClient {
  readonly #transport: OperatorTransport;

  /** Creates a client; see {@link Uid2ClientOptions}. */
  constructor(options: Uid2ClientOptions) {
    this.#transport = new OperatorTransport(options);
  }

  /** Opts `identity` out of UID2. Safe to repeat: a repeat is recorded again and answers the same. */
  async optOut(identity: OptOutIdentity, options: OptOutRequestOptions = {}): Promise<void> {
    const body: Record<string, string> = {};
    if ('email' in identity) body['email'] = identity.email;
    else if ('phone' in identity) body['phone'] = identity.phone;
    else if ('emailHash' in identity) body['email_hash'] = identity.emailHash;
    else if ('phoneHash' in identity) body['phone_hash'] = identity.phoneHash;
    else throw new TypeError('optOut needs one of email, phone, emailHash or phoneHash');
    if (options.clientIp !== undefined) body['clientIp'] = options.clientIp;
    const response = await this.#transport.postEnvelope(PATH, body);
    const optout =
      typeof response.body === 'object' && response.body !== null
        ? (response.body as Record<string, unknown>)['optout']
        : undefined;
    if (response.status !== 'success' || optout !== 'OK') {
      throw this.#transport.unexpectedStatus(PATH, response);
    }
  }
}
