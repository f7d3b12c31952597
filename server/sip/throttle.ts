/**
 * Brute force and scanners (config `sip.throttle`).
 *
 * - A failed authentication (wrong password, unknown user, credentials made
 *   for another request) counts against the source address and against the
 *   user name, within a window of `windowSeconds`.
 * - `sourceFailures` in a window block the address for `blockSeconds`: its
 *   new requests are dropped unanswered (a scanner learns nothing, not even
 *   that something listens).
 * - `userFailures` in a window slow the user name down for `slowdownSeconds`
 *   (a botnet guessing one extension's password from many addresses): each
 *   attempt with credentials waits `slowdownDelayMs` before it is checked,
 *   and while MAX_WAITING_PER_USER attempts wait, more are refused with 503
 *   without being checked. The right password from anywhere still gets in,
 *   a little later. Existing and unknown user names are treated alike.
 * - A request whose User-Agent names a known scanner is dropped and blocks
 *   its address like too many failures.
 * - The operator trunk's addresses are never blocked.
 *
 * Each block is one `block` event and one warning. The state is two maps
 * bounded in size whose entries expire with their window or block; no timer
 * is kept per entry.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config, ThrottleConfig } from '../../config/schema.js';
import { ExpiringMap } from '../net/expiring-map.js';
import { Directory } from './directory.js';

/** Attempts of one slowed-down user name that may wait at once. */
export const MAX_WAITING_PER_USER = 2;
const MAX_TRACKED = 10_000;

export interface Block {
  /** source: an address whose requests are dropped; user: a user name slowed down. */
  kind: 'source' | 'user';
  /** The address or the user name. */
  key: string;
  reason: 'failures' | 'scanner';
  failures: number;
  /** Until when (ms since the epoch). */
  until: number;
}

export interface ThrottleOptions {
  policy: ThrottleConfig;
  /** Addresses never blocked: the operator trunk's. */
  exempt: (address: string) => boolean;
  logger: Logger;
  now?: () => number;
  /** How an attempt of a slowed-down user waits; default a timer. */
  wait?: (ms: number) => Promise<void>;
}

interface Tally {
  failures: number;
  windowEnds: number;
  blockedUntil: number;
}

export class AuthThrottle extends EventEmitter<{ block: [Block] }> {
  private readonly sources: ExpiringMap<string, Tally>;
  private readonly users: ExpiringMap<string, Tally>;
  private readonly waiting = new Map<string, number>();
  private readonly scanners: string[];
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<void>;

  constructor(private readonly opts: ThrottleOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.wait = opts.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.sources = new ExpiringMap(MAX_TRACKED, this.now);
    this.users = new ExpiringMap(MAX_TRACKED, this.now);
    this.scanners = opts.policy.scannerUserAgents.map((s) => s.toLowerCase());
  }

  /** The front door: false when a new request from this address and User-Agent is to be dropped unanswered. */
  admits(address: string, userAgent: string | undefined): boolean {
    if (this.opts.exempt(address)) return true;
    if (this.isBlocked(address)) return false;
    const ua = userAgent?.toLowerCase();
    if (ua && this.scanners.some((s) => ua.includes(s))) {
      const now = this.now();
      const tally: Tally = { failures: 0, windowEnds: now, blockedUntil: now + this.opts.policy.blockSeconds * 1000 };
      this.sources.set(address, tally, tally.blockedUntil);
      this.blocked({ kind: 'source', key: address, reason: 'scanner', failures: 0, until: tally.blockedUntil });
      return false;
    }
    return true;
  }

  isBlocked(address: string): boolean {
    return (this.sources.get(address)?.blockedUntil ?? 0) > this.now();
  }

  isSlowed(username: string): boolean {
    return (this.users.get(username)?.blockedUntil ?? 0) > this.now();
  }

  /** A failed authentication from `address`, claiming to be `username`. */
  failed(address: string, username: string | undefined): void {
    const { policy } = this.opts;
    if (!this.opts.exempt(address)) this.count(this.sources, 'source', address, policy.sourceFailures, policy.blockSeconds);
    if (username) this.count(this.users, 'user', username, policy.userFailures, policy.slowdownSeconds);
  }

  /**
   * Resolves when an attempt with credentials for `username` may be checked:
   * at once, or after the slowdown delay; false when too many attempts for
   * it wait already (refuse it unchecked).
   */
  async pace(username: string | undefined): Promise<boolean> {
    if (!username || !this.isSlowed(username)) return true;
    const waiting = this.waiting.get(username) ?? 0;
    if (waiting >= MAX_WAITING_PER_USER) return false;
    this.waiting.set(username, waiting + 1);
    try {
      await this.wait(this.opts.policy.slowdownDelayMs);
    } finally {
      const left = (this.waiting.get(username) ?? 1) - 1;
      if (left > 0) this.waiting.set(username, left);
      else this.waiting.delete(username);
    }
    return true;
  }

  private count(map: ExpiringMap<string, Tally>, kind: Block['kind'], key: string, threshold: number, seconds: number): void {
    const now = this.now();
    const windowMs = this.opts.policy.windowSeconds * 1000;
    const tally = map.get(key) ?? { failures: 0, windowEnds: now + windowMs, blockedUntil: 0 };
    if (tally.windowEnds <= now) {
      tally.failures = 0;
      tally.windowEnds = now + windowMs;
    }
    tally.failures++;
    if (tally.blockedUntil <= now && tally.failures >= threshold) {
      tally.blockedUntil = now + seconds * 1000;
      this.blocked({ kind, key, reason: 'failures', failures: tally.failures, until: tally.blockedUntil });
    }
    map.set(key, tally, Math.max(tally.windowEnds, tally.blockedUntil));
  }

  private blocked(block: Block): void {
    const what = block.kind === 'source'
      ? (block.reason === 'scanner' ? 'SIP scanner blocked: its requests are dropped' : 'source address blocked: too many failed authentications')
      : 'user name slowed down: too many failed authentications';
    this.opts.logger.warn({ [block.kind === 'source' ? 'source' : 'user']: block.key, failures: block.failures, until: new Date(block.until).toISOString() }, what);
    this.emit('block', block);
  }
}

/** The throttle of a configuration, made before the switch when the embedded SIP server must ask it too. */
export function createThrottle(config: Config, logger: Logger): AuthThrottle {
  const directory = new Directory(config);
  return new AuthThrottle({
    policy: config.sip.throttle,
    exempt: (address) => directory.isTrunkAddress(address),
    logger: logger.child({ component: 'switch' }),
  });
}
