import { Buffer } from 'node:buffer';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';
import { type AdminContext, audit, nowSeconds } from './context.js';
import { conflict, notFound } from './errors.js';
import { nameOf } from './validation.js';

/**
 * Admin API bearer tokens. A token is `UID2-A-<id>.<secret>`; the store keeps, in its meta table
 * (`admin_tokens`), only the token's id, name, a random salt and SHA-256(salt ‖ token).
 */
interface StoredToken {
  readonly id: string;
  readonly name: string;
  readonly salt: string;
  readonly hash: string;
  readonly created: number;
}

export interface TokenView {
  readonly id: string;
  readonly name: string;
  readonly created: number;
}

const META_KEY = 'admin_tokens';

async function loadTokens(store: Store): Promise<StoredToken[]> {
  const raw = await store.getMeta(META_KEY);
  return raw === undefined ? [] : (JSON.parse(raw) as StoredToken[]);
}

const digest = (salt: Buffer, token: string): Buffer =>
  hash('sha256', Buffer.concat([salt, Buffer.from(token, 'utf8')]), 'buffer') as Buffer;

/** Creates an admin API token; the token is returned once and only its salted hash is stored. */
export async function createToken(
  ctx: AdminContext,
  input: { name?: unknown },
): Promise<TokenView & { token: string }> {
  const name = nameOf(input.name, 'name');
  const tokens = await loadTokens(ctx.store);
  if (tokens.some((t) => t.name === name)) throw conflict(`an admin token named '${name}' already exists`);
  const id = randomBytes(6).toString('base64url');
  const token = `UID2-A-${id}.${randomBytes(32).toString('base64url')}`;
  const salt = randomBytes(16);
  const stored: StoredToken = {
    id,
    name,
    salt: salt.toString('base64'),
    hash: digest(salt, token).toString('base64'),
    created: nowSeconds(ctx),
  };
  await ctx.store.setMeta(META_KEY, JSON.stringify([...tokens, stored]));
  await audit(ctx, 'admin_token.create', `admin_token:${name}`, { id });
  return { id, name, created: stored.created, token };
}

export async function listTokens(ctx: AdminContext): Promise<TokenView[]> {
  return (await loadTokens(ctx.store)).map(({ id, name, created }) => ({ id, name, created }));
}

export async function revokeToken(ctx: AdminContext, nameValue: unknown): Promise<TokenView> {
  const name = nameOf(nameValue, 'name');
  const tokens = await loadTokens(ctx.store);
  const t = tokens.find((x) => x.name === name);
  if (!t) throw notFound(`admin token '${name}' does not exist`);
  await ctx.store.setMeta(META_KEY, JSON.stringify(tokens.filter((x) => x !== t)));
  await audit(ctx, 'admin_token.revoke', `admin_token:${name}`, { id: t.id });
  return { id: t.id, name: t.name, created: t.created };
}

export async function hasAdminTokens(store: Store): Promise<boolean> {
  return (await loadTokens(store)).length > 0;
}

/** The name of the admin token `token` matches, or undefined. Reads the store on every call. */
export async function verifyToken(store: Store, token: string): Promise<string | undefined> {
  const m = /^UID2-A-([A-Za-z0-9_-]{8})\./.exec(token);
  if (!m) return undefined;
  const t = (await loadTokens(store)).find((x) => x.id === m[1]);
  if (!t) return undefined;
  const expected = Buffer.from(t.hash, 'base64');
  const actual = digest(Buffer.from(t.salt, 'base64'), token);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? t.name : undefined;
}
