import type { RuntimeSettings } from '../config/runtime.js';
import type { Store } from '../store/store.js';

/** What every admin operation needs: the store, the runtime settings, who acts, and a clock. */
export interface AdminContext {
  readonly store: Store;
  readonly settings: RuntimeSettings;
  /** `cli:<os user>` or `admin-api:<token name>`. */
  readonly actor: string;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/** Appends one audit entry for a change made through admin (details must never hold secrets). */
export async function audit(
  ctx: AdminContext,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await ctx.store.appendAudit({ ts: ctx.now(), actor: ctx.actor, action, target, details });
}

export const nowSeconds = (ctx: AdminContext): number => Math.floor(ctx.now() / 1000);
