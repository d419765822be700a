import { generateClientSideKeyPair, generateSubscriptionId } from '@uid2-ts/core';
import { credentialEnvironment } from '../participants/credentials.js';
import type { KeypairRecord } from '../store/types.js';
import { type AdminContext, audit, nowSeconds } from './context.js';
import { invalid, notFound } from './errors.js';
import { participantSite } from './keys.js';
import { nameOf } from './validation.js';

/** A client-side key pair as admin shows it: never the private key. */
export interface KeypairView {
  readonly subscriptionId: string;
  readonly siteId: number;
  readonly name: string;
  readonly publicKey: string;
  readonly disabled: boolean;
  readonly created: number;
}

export function keypairView(k: KeypairRecord): KeypairView {
  return {
    subscriptionId: k.subscriptionId,
    siteId: k.siteId,
    name: k.name,
    publicKey: k.publicKey,
    disabled: k.disabled,
    created: k.created,
  };
}

/**
 * Creates a P-256 key pair for client-side token generation with a new subscription id, in the
 * reference admin's text encodings (`UID2-X-<env>-` public, `UID2-Y-<env>-` private, kept stored).
 */
export async function createKeypair(
  ctx: AdminContext,
  input: { site?: unknown; name?: unknown },
): Promise<KeypairView> {
  const site = await participantSite(ctx, input.site);
  const name = nameOf(input.name, 'name', true) ?? `${site.name} key pair`;
  const pair = generateClientSideKeyPair({
    scope: ctx.settings.identity_scope,
    env: credentialEnvironment(ctx.settings.identity_environment),
  });
  const existing = new Set((await ctx.store.listKeypairs()).map((k) => k.subscriptionId));
  let subscriptionId = generateSubscriptionId();
  while (existing.has(subscriptionId)) subscriptionId = generateSubscriptionId();
  const record: KeypairRecord = {
    subscriptionId,
    siteId: site.id,
    name,
    publicKey: pair.publicKeyText,
    privateKey: pair.privateKeyText,
    disabled: false,
    created: nowSeconds(ctx),
  };
  await ctx.store.upsertKeypair(record);
  await audit(ctx, 'keypair.create', `keypair:${subscriptionId}`, { siteId: site.id, name });
  return keypairView(record);
}

export async function listKeypairs(ctx: AdminContext): Promise<KeypairView[]> {
  return (await ctx.store.listKeypairs()).map(keypairView);
}

export async function disableKeypair(ctx: AdminContext, subscriptionId: unknown): Promise<KeypairView> {
  if (typeof subscriptionId !== 'string' || subscriptionId === '')
    throw invalid('subscription id is required');
  const pair = (await ctx.store.listKeypairs()).find((k) => k.subscriptionId === subscriptionId);
  if (!pair) throw notFound(`key pair ${subscriptionId} does not exist`);
  const updated = { ...pair, disabled: true };
  await ctx.store.upsertKeypair(updated);
  await audit(ctx, 'keypair.disable', `keypair:${subscriptionId}`, { siteId: pair.siteId });
  return keypairView(updated);
}
