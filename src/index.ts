/** The library API: what other programs (and the worker process) call in-process. */
export * from './core/errors.js';
export * from './core/paths.js';
export * from './core/settings.js';
export * from './core/json-store.js';
export * from './core/event-log.js';
export { configureLogRotation } from './core/log-rotation.js';
export * from './history/task-history.js';
export * from './health/metrics-schema.js';
export * from './health/classify.js';
export * from './health/health-service.js';
export { writeIsolatedPueueConfig } from './adapters/pueue/isolated-config.js';
export * from './queue/backend.js';
export { openQueueBackend } from './queue/open-backend.js';
export { migrateDatabase } from './adapters/postgres/shared-database.js';
export { openFleetStores } from './health/open-stores.js';
