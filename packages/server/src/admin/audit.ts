import type { AuditRecord } from '../store/types.js';
import type { AdminContext } from './context.js';
import { integerOf } from './validation.js';

/** The most recent audit entries, newest first (default 50, at most 10,000). */
export async function listAudit(ctx: AdminContext, limitValue?: unknown): Promise<AuditRecord[]> {
  const limit =
    limitValue === undefined || limitValue === '' ? 50 : Math.min(integerOf(limitValue, 'limit'), 10_000);
  return ctx.store.listAudit({ limit });
}
