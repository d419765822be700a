import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { createAdminServer } from './admin/http.js';
import { type BootstrapReport, bootstrap } from './bootstrap/bootstrap.js';
import { loadReferenceFixtures } from './bootstrap/load-fixtures.js';
import type { RuntimeSettings } from './config/runtime.js';
import { createMetricsServer } from './http/metrics-server.js';
import { LifecycleScheduler } from './lifecycle/scheduler.js';
import { OperatorMetrics } from './metrics/operator-metrics.js';
import { type OperatorContext, rawUidOptionsOf } from './operator/context.js';
import { MAX_BODY_BYTES, operatorPlugin } from './operator/plugin.js';
import { RateLimiter } from './operator/rate-limit.js';
import { ClientIpHasher } from './optout/client-ip.js';
import { DeliveryMetrics } from './optout/metrics.js';
import { deliveryOptionsOf, OptOutDeliveryService } from './optout/service.js';
import { startPortal } from './portal/start.js';
import { SnapshotManager } from './snapshot/manager.js';
import { openStore, type StoreLocation } from './store/open.js';
import type { Store } from './store/store.js';

/** The parts a process can run; `--roles` picks any subset. */
export type SystemRole = 'operator' | 'optout' | 'portal' | 'admin';
export const ALL_ROLES: readonly SystemRole[] = ['operator', 'optout', 'portal', 'admin'];
/** Roles this build implements. */
export const AVAILABLE_ROLES: readonly SystemRole[] = ALL_ROLES;

export interface SystemOptions extends StoreLocation {
  /** Listen address; undefined → 0.0.0.0, or loopback only with test fixtures. */
  readonly host?: string | undefined;
  /** Operator API port: null disables the listener, 0 lets the OS pick one. */
  readonly port: number | null;
  readonly metricsPort: number | null;
  /** Admin API port (admin role): null or undefined disables the listener, 0 lets the OS pick one. */
  readonly adminPort?: number | null | undefined;
  /** Portal port (portal role): null or undefined disables the listener, 0 lets the OS pick one. */
  readonly portalPort?: number | null | undefined;
  /**
   * The portal's operator and OPTOUT credentials. Defaults: this process's operator listener, and
   * the deployment's own portal key (created by bootstrap).
   */
  readonly portal?: {
    readonly operatorUrl?: string | undefined;
    readonly apiKey?: string | undefined;
    readonly apiSecret?: string | undefined;
  };
  /** Admin API listen address: loopback (127.0.0.1) unless given, whatever `host` says. */
  readonly adminHost?: string | undefined;
  readonly roles: readonly SystemRole[];
  readonly fixtures?: 'reference' | undefined;
  readonly settings: RuntimeSettings;
  readonly logger: FastifyBaseLogger;
  /** Store poll interval (ms) for changes made by other processes. */
  readonly pollIntervalMs?: number;
  /** Extra routes in the operator's scope (the benchmark's trivial floor route). */
  readonly extraOperatorRoutes?: (app: FastifyInstance) => void;
  /**
   * Run the lifecycle jobs (key and salt rotation; only the leader acts). Default: with the operator
   * role when `lifecycle_jobs` is on, except with test fixtures, whose keys and salts must not move.
   */
  readonly jobs?: boolean | undefined;
}

export interface RunningSystem {
  readonly store: Store;
  readonly snapshots: SnapshotManager;
  readonly bootstrap: BootstrapReport;
  readonly fixturesLoaded: string[] | undefined;
  readonly masterKeyCreated: string | undefined;
  /** Base URLs of the listeners that are up, by name. */
  readonly urls: Readonly<Record<string, string>>;
  readonly operator: FastifyInstance | undefined;
  /** The process's Prometheus metrics (also served on the metrics listener). */
  readonly metrics: OperatorMetrics;
  /** The lifecycle job scheduler, when this process runs one. */
  readonly jobs: LifecycleScheduler | undefined;
  /** DSP opt-out webhook delivery (optout role). */
  readonly delivery?: OptOutDeliveryService | undefined;
  close(): Promise<void>;
}

function urlOf(address: string): string {
  return address.replace('://[::1]', '://localhost').replace('://127.0.0.1', '://localhost');
}

/** How this process reaches its own operator listener (a wildcard address means loopback). */
function loopbackUrlOf(app: FastifyInstance): string | undefined {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return undefined;
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
}

/** Opens the store, bootstraps what is missing, builds the snapshot and starts the listeners. */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  for (const role of options.roles) {
    if (!AVAILABLE_ROLES.includes(role)) throw new Error(`role '${role}' is not available in this build yet`);
  }
  const opened = await openStore(options);
  const { store } = opened;
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const report = await bootstrap(store, options.settings);
    const fixturesLoaded = options.fixtures === 'reference' ? await loadReferenceFixtures(store) : undefined;
    const snapshots = await SnapshotManager.create(store);
    snapshots.start(options.pollIntervalMs ?? 1000);
    closers.push(async () => snapshots.stop());

    let jobs: LifecycleScheduler | undefined;
    const runJobs =
      options.jobs ??
      (options.roles.includes('operator') && options.settings.lifecycle_jobs && !options.fixtures);
    if (runJobs) {
      const scheduler = new LifecycleScheduler({
        store,
        settings: options.settings,
        logger: options.logger,
        // A refresh in flight may predate the change: refresh once more after it.
        onChange: () => void snapshots.refresh().then(() => snapshots.refresh()),
      });
      scheduler.start();
      closers.push(() => scheduler.stop());
      jobs = scheduler;
    }

    const host = options.host ?? (options.fixtures ? 'localhost' : '0.0.0.0');
    const urls: Record<string, string> = {};
    const metrics = new OperatorMetrics();
    metrics.sources = {
      optOutCount: () => snapshots.optOuts.size,
      snapshotAgeSeconds: () => (Date.now() - snapshots.lastSuccessMs) / 1000,
    };
    // Installed after the initial load, so the history read at start-up is not counted as lag.
    snapshots.onOptOutsSynced = (records) => {
      const nowS = Date.now() / 1000;
      for (const r of records) metrics.optOutPropagationLag.observe(Math.max(0, nowS - r.timestamp));
    };
    let delivery: OptOutDeliveryService | undefined;
    if (options.roles.includes('optout')) {
      const deliveryMetrics = new DeliveryMetrics(metrics.registry);
      delivery = await OptOutDeliveryService.start(
        deliveryOptionsOf(options.settings, store, options.logger, deliveryMetrics),
      );
      const started = delivery;
      closers.push(() => started.close());
    }
    let operator: FastifyInstance | undefined;
    if (options.roles.includes('operator') && options.port !== null) {
      const ctx: OperatorContext = {
        settings: options.settings,
        snapshots,
        store,
        now: () => Date.now(),
        rawUidOptions: rawUidOptionsOf(options.settings),
        metrics,
        apiKeyLimiter: new RateLimiter(
          options.settings.rate_limit_api_key_per_second,
          options.settings.rate_limit_api_key_burst,
        ),
        subscriptionLimiter: new RateLimiter(
          options.settings.rate_limit_subscription_per_second,
          options.settings.rate_limit_subscription_burst,
        ),
        clientIpHasher: ClientIpHasher.fromSecretBox(opened.secrets),
      };
      const app = Fastify({
        loggerInstance: options.logger,
        logController: new LogController({ disableRequestLogging: true }),
        bodyLimit: MAX_BODY_BYTES,
        forceCloseConnections: true,
      });
      await app.register(async (scope) => {
        await operatorPlugin(scope, ctx);
        // Inside the operator's scope, so extra routes pass through the same hooks.
        options.extraOperatorRoutes?.(scope);
      });
      const address = await app.listen({ host, port: options.port });
      closers.push(() => app.close());
      urls.operator = urlOf(address);
      operator = app;
    }
    if (options.roles.includes('portal') && options.portalPort !== null && options.portalPort !== undefined) {
      const started = await startPortal({
        store,
        secrets: opened.secrets,
        settings: options.settings,
        logger: options.logger,
        registry: metrics.registry,
        databaseUrl: options.databaseUrl,
        operatorUrl: options.portal?.operatorUrl ?? (operator ? loopbackUrlOf(operator) : undefined),
        apiKey: options.portal?.apiKey,
        apiSecret: options.portal?.apiSecret,
        host,
        port: options.portalPort,
      });
      closers.push(() => started.app.close());
      urls.portal = urlOf(started.url);
      if (started.credentialsCreated) report.created.push('portal OPTOUT key');
    }
    if (options.roles.includes('admin') && options.adminPort !== null && options.adminPort !== undefined) {
      const app = createAdminServer({
        store,
        settings: options.settings,
        logger: options.logger,
        // A refresh in flight may predate the change: refresh once more after it.
        onChange: () => void snapshots.refresh().then(() => snapshots.refresh()),
      });
      const address = await app.listen({ host: options.adminHost ?? '127.0.0.1', port: options.adminPort });
      closers.push(() => app.close());
      urls.admin = urlOf(address);
    }
    if (options.metricsPort !== null) {
      const app = await createMetricsServer(metrics.registry);
      const address = await app.listen({ host, port: options.metricsPort });
      closers.push(() => app.close());
      urls.metrics = `${urlOf(address)}/metrics`;
    }
    return {
      store,
      snapshots,
      bootstrap: report,
      fixturesLoaded,
      masterKeyCreated: opened.masterKeyCreated ? opened.masterKeyFile : undefined,
      urls,
      operator,
      metrics,
      jobs,
      delivery,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
