/** A typed success-or-failure value. Decoders in this package return these instead of throwing. */
export type Result<T, E> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/** An error value with a stable machine-readable code and a human-readable message. */
export interface CodedError<C extends string> {
  readonly code: C;
  readonly message: string;
}

export function fail<C extends string>(
  code: C,
  message: string,
): { readonly ok: false; readonly error: CodedError<C> } {
  return { ok: false, error: { code, message } };
}
