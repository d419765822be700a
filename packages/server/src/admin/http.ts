// The admin HTTP API: the same operations as `uid2 admin`, JSON in and out, behind bearer tokens.
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { RuntimeSettings } from '../config/runtime.js';
import type { Store } from '../store/store.js';
import { listAudit } from './audit.js';
import { exportDeployment } from './backup.js';
import type { AdminContext } from './context.js';
import { AdminError, httpStatusOf } from './errors.js';
import { createKeypair, disableKeypair, listKeypairs } from './keypairs.js';
import { createKey, disableKey, listKeys, rotateKeySecret } from './keys.js';
import { listKeysets, updateKeyset } from './keysets.js';
import { addPartner, listPartners, removePartner, updatePartner } from './partners.js';
import { rotateKeysNow, rotateSaltsNow } from './rotate.js';
import { createSite, listSites, showSite, updateSite } from './sites.js';
import { hasAdminTokens, verifyToken } from './tokens.js';

export const NO_TOKEN_HINT =
  'no admin token exists yet: create one with `uid2 admin tokens create --name <name>`';

type Body = Record<string, unknown>;
type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    adminActor?: string;
  }
}

function bodyOf(request: FastifyRequest): Body {
  const b = request.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw new AdminError('invalid', 'the body must be a JSON object');
  return b as Body;
}

/**
 * Builds (without listening) the admin API server. Every request needs `Authorization: Bearer
 * <admin token>`; while no token exists, everything answers 401 with how to create one.
 */
export function createAdminServer(options: {
  store: Store;
  settings: RuntimeSettings;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** Called after every successful change (e.g. to refresh this process's operator snapshot). */
  onChange?: () => void;
}): FastifyInstance {
  const { store, settings } = options;
  const now = options.now ?? (() => Date.now());
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024 * 1024,
    forceCloseConnections: true,
  });

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const name = m?.[1] ? await verifyToken(store, m[1]) : undefined;
    if (name === undefined) {
      const message = (await hasAdminTokens(store)) ? 'missing or invalid admin token' : NO_TOKEN_HINT;
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: message });
    }
    request.adminActor = `admin-api:${name}`;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && reply.statusCode < 300 && request.adminActor) options.onChange?.();
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AdminError) return reply.code(httpStatusOf(error)).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return reply.code(status).send({ error: (error as Error).message });
    request.log.error({ err: error }, 'admin API error');
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'no such admin endpoint' }));

  const ctxOf = (request: FastifyRequest): AdminContext => ({
    store,
    settings,
    actor: request.adminActor ?? 'admin-api:?',
    now,
  });

  app.get('/api/sites', async (r) => listSites(ctxOf(r)));
  app.post('/api/sites', async (r, reply) => reply.code(201).send(await createSite(ctxOf(r), bodyOf(r))));
  app.get('/api/sites/:id', async (r) => showSite(ctxOf(r), (r.params as Params).id));
  app.patch('/api/sites/:id', async (r) => updateSite(ctxOf(r), (r.params as Params).id, bodyOf(r)));

  app.get('/api/keys', async (r) => listKeys(ctxOf(r), (r.query as Query).site));
  app.post('/api/keys', async (r, reply) => reply.code(201).send(await createKey(ctxOf(r), bodyOf(r))));
  app.post('/api/keys/:keyId/disable', async (r) => disableKey(ctxOf(r), (r.params as Params).keyId));
  app.post('/api/keys/:keyId/rotate-secret', async (r) =>
    rotateKeySecret(ctxOf(r), (r.params as Params).keyId),
  );

  app.get('/api/keypairs', async (r) => listKeypairs(ctxOf(r)));
  app.post('/api/keypairs', async (r, reply) =>
    reply.code(201).send(await createKeypair(ctxOf(r), bodyOf(r))),
  );
  app.post('/api/keypairs/:subscriptionId/disable', async (r) =>
    disableKeypair(ctxOf(r), (r.params as Params).subscriptionId),
  );

  app.get('/api/keysets', async (r) => listKeysets(ctxOf(r)));
  app.patch('/api/keysets/:id', async (r) => updateKeyset(ctxOf(r), (r.params as Params).id, bodyOf(r)));

  app.get('/api/partners', async (r) => listPartners(ctxOf(r)));
  app.post('/api/partners', async (r, reply) => reply.code(201).send(await addPartner(ctxOf(r), bodyOf(r))));
  app.patch('/api/partners/:name', async (r) =>
    updatePartner(ctxOf(r), (r.params as Params).name, bodyOf(r)),
  );
  app.delete('/api/partners/:name', async (r) => removePartner(ctxOf(r), (r.params as Params).name));

  app.post('/api/rotate/keys', async (r) => rotateKeysNow(ctxOf(r), bodyOf(r).kind));
  app.post('/api/rotate/salts', async (r) => rotateSaltsNow(ctxOf(r), bodyOf(r).fraction));

  app.get('/api/audit', async (r) => listAudit(ctxOf(r), (r.query as Query).limit));
  app.get('/api/export', async (r) => exportDeployment(ctxOf(r)));
  return app;
}
