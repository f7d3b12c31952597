/** The ACD's public surface. */
export { Acd, AcdError } from './acd.js';
export type { AcdListener, AcdOptions } from './acd.js';
export type { AcdSnapshot, QueueSnapshot, SnapshotEntry } from './snapshot.js';
export { unplaceableForLog, type UnplaceableEntry } from './startup.js';
export { RealClock, SimulatedClock } from './clock.js';
export type { Clock, TimerFn, TimerHandle } from './clock.js';
export type { Phase } from './eligibility.js';
export { NO_ANSWER } from './offers.js';
export type { AcdStore, ClaimResult, StoreChange } from './store-port.js';
export * from './model.js';
