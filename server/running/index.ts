/**
 * The running configuration: what the API's routes and the app use.
 * ./running.ts explains how a change is made, checked, stored and applied.
 */
export { RunningConfig, type ChangeOptions, type Listener, type RunningConfigOptions } from './running.js';
export { ConfigChangeError, ConfigConflictError } from './errors.js';
export type { AuditChange, AuditPage, AuditRecord, Operational, StoredVersion } from './model.js';
export { OPERATIONAL_KEYS } from './model.js';
export type { RunningStore } from './store-port.js';
export type { FlowChecks, RunningSnapshot } from './whole.js';
