import { type KeyContainer, parseKeyContainer } from '@uid2-ts/core';
import { Uid2Error } from './errors.js';
import { OperatorTransport, type Uid2ClientOptions } from './http.js';

/** Options of the key-holding clients (bidstream, sharing). */
export interface KeyClientOptions extends Uid2ClientOptions {
  /** Clock used for decryption and encryption, epoch ms (default `Date.now`). */
  readonly clock?: () => number;
}

/** Options of {@link KeyRefresher.startAutoRefresh}. */
export interface AutoRefreshOptions {
  /** Time between refreshes (default 1 hour). */
  readonly intervalMs?: number;
  /** Called with the error when a periodic refresh fails; the previous keys stay in use. */
  readonly onError?: (error: unknown) => void;
}

const DEFAULT_AUTO_REFRESH_MS = 3_600_000;

/**
 * Fetches and holds a key container from `/v2/key/bidstream` or `/v2/key/sharing` (the SDKs'
 * `refresh()`): posts the empty v2 envelope and parses the decrypted body with `parseKeyContainer`.
 * A failed refresh keeps the previous container.
 */
export class KeyRefresher {
  readonly #transport: OperatorTransport;
  readonly #path: string;
  #container: KeyContainer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(options: Uid2ClientOptions, path: string) {
    this.#transport = new OperatorTransport(options);
    this.#path = path;
  }

  get container(): KeyContainer | undefined {
    return this.#container;
  }

  refresh(): Promise<void> {
    this.#inFlight ??= this.#refresh().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #refresh(): Promise<void> {
    const response = await this.#transport.postEnvelope(this.#path, undefined);
    if (response.status !== 'success') throw this.#transport.unexpectedStatus(this.#path, response);
    this.load(response.body);
  }

  /** Loads a decrypted key response (`{"status","body"}`, its body, or their JSON text). Throws on invalid input. */
  load(json: unknown): void {
    const parsed = parseKeyContainer(json);
    if (!parsed.ok) {
      throw new Uid2Error({
        code: 'invalid_keys',
        message: `${this.#path}: ${parsed.error.message}`,
        path: this.#path,
      });
    }
    this.#container = parsed.value;
  }

  startAutoRefresh(options: AutoRefreshOptions = {}): void {
    this.stopAutoRefresh();
    const onError = options.onError ?? (() => {});
    this.#timer = setInterval(() => {
      this.refresh().catch(onError);
    }, options.intervalMs ?? DEFAULT_AUTO_REFRESH_MS);
    this.#timer.unref();
  }

  stopAutoRefresh(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
