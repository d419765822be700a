import { Buffer } from 'node:buffer';
import { randomInt } from 'node:crypto';
import { currentRawUid, firstLevelHash } from '@uid2-ts/core';
import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { type EndpointResult, registerEnvelopeRoute, success } from '../envelope-route.js';
import { singleIdentity } from '../identity-input.js';

const INVALID_INPUT_PREFIX = 'Invalid Token presented ';
/** Java's `Object.toString()` of the reference's parsed-input object, without its identity hash. */
const JAVA_INPUT_OBJECT = 'com.uid2.operator.service.InputUtil$InputVal@';

/**
 * The reference's 400 for a missing or invalid identity: `"Invalid Token presented " + input`, where
 * `input` is Java's default string form of its parsed-input object — `null` when not exactly one
 * identity was given, `…InputUtil$InputVal@<identity hash>` when it was invalid. The supplied
 * identity itself never appears in the message (the hash part is random, like the JVM's).
 */
function invalidInput(missing: boolean): EndpointResult {
  const input = missing ? 'null' : JAVA_INPUT_OBJECT + randomInt(1, 0x7fffffff).toString(16);
  return { kind: 'error', httpStatus: 400, status: 'invalid_token', message: INVALID_INPUT_PREFIX + input };
}

/**
 * POST /v2/token/logout (OPTOUT): a user opts out (reference `handleLogoutAsyncV2`, api.md §5.5).
 * Exactly one identity (as generate); missing or invalid → 400 `invalid_token`. The first-level
 * hash and the current raw UID are appended to the store durably, then to this process's opt-out
 * index so every endpoint answers opted-out at once; 200 `{"optout":"OK"}`. A store failure → 500.
 * Repeating a logout only appends another entry. An optional `clientIp` that is an IP address is
 * stored, in the same transaction, only as a keyed hash (HMAC under a key derived from the master
 * key; purged after `optout_client_ip_retention_days`); any other value is ignored, never an error.
 * The raw IP is neither stored nor logged.
 */
export function tokenLogout(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/token/logout',
    roles: ['OPTOUT'],
    name: 'token_logout',
    handle: async ({ payload, nowMs, snapshot, request }) => {
      const id = singleIdentity(payload, ctx.settings.phone_support);
      if (!id.ok) return invalidInput(id.reason === 'missing');
      const flh = firstLevelHash(id.identity.hashB64, snapshot.salts.firstLevelSalt);
      const rawUid = currentRawUid(flh, snapshot.salts.bucketOf(flh), id.identity.type, ctx.rawUidOptions);
      if (rawUid === undefined) {
        request.log.error('logout: salt bucket has no current salt or key');
        return { kind: 'error', httpStatus: 500, status: 'unknown', message: 'Internal Server Error' };
      }
      const optOut = {
        firstLevelHash: Buffer.from(flh, 'base64'),
        advertisingId: Buffer.from(rawUid, 'base64'),
        timestamp: Math.floor(nowMs / 1000),
        clientIpHash: ctx.clientIpHasher.hash(payload?.clientIp),
      };
      try {
        await ctx.store.appendOptOuts([optOut]);
      } catch (error) {
        request.log.error({ err: error }, 'logout: opt-out store append failed');
        return { kind: 'error', httpStatus: 500, status: 'unknown', message: 'Internal Server Error' };
      }
      ctx.snapshots.optOuts.add(optOut.firstLevelHash, optOut.advertisingId, optOut.timestamp);
      ctx.metrics.optOutIntake.inc();
      return success({ optout: 'OK' });
    },
  });
}
