/**
 * Where the running configuration and its audit log are kept: a file in
 * DATA_DIR (server/store/running-file.ts) or Redis, shared by every
 * instance (server/store/running-redis.ts). Both pass the same contract
 * (test/contract/running-store.ts).
 */
import type { AuditPage, AuditRecord, StoredVersion } from './model.js';

export interface RunningStore {
  /** The current version, or undefined on a fresh installation. */
  load(): Promise<StoredVersion | undefined>;
  /**
   * Keeps `next` and its audit record, both or neither, when the stored
   * version is still `next.version - 1` (0: nothing stored yet). False when
   * another change came first: nothing is written.
   */
  commit(next: StoredVersion, audit: AuditRecord): Promise<boolean>;
  /** Versions committed by others (another instance on the same Redis). Returns a function that stops listening. */
  onCommitted(listener: (version: StoredVersion) => void): () => void;
  /** The audit log newest first: `limit` records older than version `before` (default: from the newest). */
  auditPage(opts: { before?: number; limit: number }): Promise<AuditPage>;
  close(): Promise<void>;
}
