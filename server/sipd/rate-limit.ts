/**
 * Messages per source address, counted before any parsing: a token bucket
 * per address (`perSecond` tokens a second, at most `burst` saved up), kept
 * in a bounded map whose entries expire when their bucket is full again, so
 * an address that stops sending is forgotten and a flood from many
 * addresses costs a bounded amount of memory.
 *
 * A source over its rate is "limited" until its bucket fills up again: that
 * is one episode, logged and emitted once however many messages it sends.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ExpiringMap } from '../net/expiring-map.js';

export interface Rate {
  perSecond: number;
  burst: number;
}

/** trusted: never limited (a trunk); registered: an extension is registered from there; stranger: anyone else. */
export type Standing = 'trusted' | 'registered' | 'stranger';

export interface RateLimited {
  address: string;
  standing: Exclude<Standing, 'trusted'>;
  perSecond: number;
}

export interface RateLimitOptions {
  stranger: Rate;
  registered: Rate;
  standing: (address: string) => Standing;
  logger: Logger;
  now?: () => number;
  maxTracked?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limited: boolean;
  /** The standing the bucket was filled for: a source that becomes registered starts on a full registered bucket. */
  standing: Exclude<Standing, 'trusted'>;
}

export const MAX_TRACKED_SOURCES = 10_000;

export class SourceRateLimit extends EventEmitter<{ limited: [RateLimited] }> {
  private readonly buckets: ExpiringMap<string, Bucket>;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.buckets = new ExpiringMap(opts.maxTracked ?? MAX_TRACKED_SOURCES, this.now);
  }

  /** Sources tracked now (bounded by maxTracked). */
  get tracked(): number {
    return this.buckets.size;
  }

  /** Takes a token for one message from `address`: false when it is over its rate. */
  admits(address: string): boolean {
    const standing = this.opts.standing(address);
    if (standing === 'trusted') return true;
    const rate = this.opts[standing];
    const now = this.now();
    const known = this.buckets.get(address);
    const bucket = known?.standing === standing ? known : { tokens: rate.burst, at: now, limited: false, standing };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) * rate.perSecond) / 1000);
    bucket.at = now;
    const admitted = bucket.tokens >= 1;
    if (admitted) bucket.tokens -= 1;
    else if (!bucket.limited) {
      bucket.limited = true;
      this.opts.logger.warn({ source: address, standing, perSecond: rate.perSecond, burst: rate.burst },
        'source over its SIP message rate: its messages are refused until it slows down');
      this.emit('limited', { address, standing, perSecond: rate.perSecond });
    }
    this.buckets.set(address, bucket, now + this.msUntilFull(bucket, rate));
    return admitted;
  }

  /** Whole seconds until a limited source may send again: its bucket full, as a Retry-After. */
  retryAfterSeconds(address: string): number {
    const rate = this.opts.standing(address) === 'registered' ? this.opts.registered : this.opts.stranger;
    return Math.max(1, Math.ceil(rate.burst / rate.perSecond));
  }

  private msUntilFull(bucket: Bucket, rate: Rate): number {
    // At least a millisecond: an entry that expires at once would forget an episode still going on.
    return Math.max(1, ((rate.burst - bucket.tokens) * 1000) / rate.perSecond);
  }
}
