/** @uid2-ts/server — the UID2 system as a library: start it in-process, or use the `uid2` command. */
export { type BootstrapReport, bootstrap } from './bootstrap/bootstrap.js';
export { loadReferenceFixtures } from './bootstrap/load-fixtures.js';
export { loadRuntimeSettings, type RuntimeSettings } from './config/runtime.js';
export { type OpenedStore, openStore, type StoreLocation } from './store/open.js';
export type { OptOutRowSink, Store } from './store/store.js';
export * from './store/types.js';
export {
  ALL_ROLES,
  AVAILABLE_ROLES,
  type RunningSystem,
  type SystemOptions,
  type SystemRole,
  startSystem,
} from './system.js';
export { VERSION } from './version.js';
