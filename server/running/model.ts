/**
 * The running configuration's shape: the operational part of `Config` that
 * operators change while the product runs (extensions and their agents,
 * queues, numbers and services, operators, avalanche messages, the dial-out
 * policy, the services' opening-hour exceptions) plus the IVR flows as YAML texts by name. Everything else
 * (ports, DATA_DIR, engines, Redis, log level, trunks, feature codes)
 * stays as config/default.yaml, CONFIG and the environment say, read once
 * at start.
 */
import type { Config } from '../../config/schema.js';

export const OPERATIONAL_KEYS = ['extensions', 'queues', 'numbers', 'operators', 'avalanche', 'dialOut', 'hoursExceptions'] as const;
export type OperationalKey = (typeof OPERATIONAL_KEYS)[number];

export type Operational = Pick<Config, OperationalKey> & {
  /** Flow name (the seed file's name without .yaml) -> the flow's YAML text. */
  flows: Record<string, string>;
};

/** What the store keeps: one version of the running configuration. */
export interface StoredVersion {
  /** 1 for the seed, then +1 per change. */
  version: number;
  /** ISO time of the change. */
  at: string;
  actor: string;
  operational: Operational;
}

/** One change as the audit log keeps it. Secrets (passwords, PINs) are masked. */
export interface AuditRecord {
  version: number;
  at: string;
  actor: string;
  summary: string;
  changes: AuditChange[];
}

/** What changed at one place: `before` absent when added, `after` absent when removed. */
export interface AuditChange {
  /** e.g. "extensions.1001", "queues.kundtjanst", "dialOut", "hoursExceptions.Växel", "flows.vaxel". */
  path: string;
  before?: unknown;
  after?: unknown;
}

/** A page of the audit log, newest first; `next` is the `before` of the following page. */
export interface AuditPage {
  records: AuditRecord[];
  next?: number;
}
