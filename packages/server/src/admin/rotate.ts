import { KEY_KINDS, type KeyKind, type KeyRotationReport, rotateKeys } from '../lifecycle/key-rotation.js';
import { rotateSalts, type SaltRotationReport } from '../lifecycle/salt-rotation.js';
import type { AdminContext } from './context.js';
import { invalid } from './errors.js';

/**
 * On-demand key rotation (the lifecycle job's rotation, forced): every enabled keyset of the kinds
 * asked for gets a new key activating after the usual lead time. The job writes the audit entries.
 */
export async function rotateKeysNow(ctx: AdminContext, kindValue?: unknown): Promise<KeyRotationReport> {
  const kind = kindValue === undefined || kindValue === '' ? 'all' : kindValue;
  if (kind !== 'all' && !(KEY_KINDS as readonly unknown[]).includes(kind))
    throw invalid(`--kind must be master, refresh, site or all`);
  const kinds: readonly KeyKind[] = kind === 'all' ? KEY_KINDS : [kind as KeyKind];
  return rotateKeys(ctx.store, ctx.settings, ctx.now(), { kinds, force: true, actor: ctx.actor });
}

/**
 * On-demand salt rotation for tomorrow's buckets (the lifecycle job's selection), optionally with
 * another share than `salt_rotation_fraction`. Idempotent per target day.
 */
export async function rotateSaltsNow(
  ctx: AdminContext,
  fractionValue?: unknown,
): Promise<SaltRotationReport> {
  let fraction: number | undefined;
  if (fractionValue !== undefined && fractionValue !== '') {
    fraction = typeof fractionValue === 'number' ? fractionValue : Number(fractionValue);
    if (!(Number.isFinite(fraction) && fraction > 0 && fraction <= 1))
      throw invalid('--fraction must be a number in (0, 1], e.g. 0.0027');
  }
  return rotateSalts(ctx.store, ctx.settings, ctx.now(), {
    ...(fraction === undefined ? {} : { fraction }),
    actor: ctx.actor,
  });
}
