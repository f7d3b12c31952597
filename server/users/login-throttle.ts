/**
 * Slows password guessing at sign-in. Failed sign-ins are counted over a
 * window, under three keys:
 *
 * - the user name and source address together: a few tries, then that
 *   address is refused for that name until the window has passed;
 * - the source address alone: more tries, over any names (one address
 *   trying many names);
 * - the user name alone, from any address: many tries (many addresses
 *   guessing one name), then the name is refused from every address but
 *   those it signed in from before.
 *
 * So guessing gets refused, while the real user signing in from their own
 * address is not locked out by someone else's guesses. A refused attempt is
 * not checked at all (no answer either way) and does not count again. The
 * counts are kept in this process: behind a load balancer each instance
 * counts its own share.
 */
export interface LoginThrottleOptions {
  now: () => number;
  windowMs?: number;
  /** Failures for one name from one address. */
  maxPerNameAndAddress?: number;
  /** Failures from one address, any names. */
  maxPerAddress?: number;
  /** Failures for one name, any addresses. */
  maxPerName?: number;
}

interface Count { failures: number; since: number }

const MAX_KEYS = 50_000;

export class LoginThrottle {
  private readonly counts = new Map<string, Count>();
  /** `name\0address` of successful sign-ins, and when. */
  private readonly known = new Map<string, number>();
  private readonly windowMs: number;
  private readonly limits: { pair: number; address: number; name: number };

  constructor(private readonly options: LoginThrottleOptions) {
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.limits = { pair: options.maxPerNameAndAddress ?? 5, address: options.maxPerAddress ?? 30, name: options.maxPerName ?? 100 };
  }

  /** Seconds until `name` may try again from `address`; 0 when it may now. */
  retryAfter(name: string, address: string): number {
    const now = this.options.now();
    const waits = [
      this.wait(`p\0${name}\0${address}`, this.limits.pair, now),
      this.wait(`a\0${address}`, this.limits.address, now),
      this.known.has(`${name}\0${address}`) ? 0 : this.wait(`n\0${name}`, this.limits.name, now),
    ];
    return Math.ceil(Math.max(...waits) / 1000);
  }

  failed(name: string, address: string): void {
    const now = this.options.now();
    if (this.counts.size > MAX_KEYS) this.forgetOld(now);
    for (const key of [`p\0${name}\0${address}`, `a\0${address}`, `n\0${name}`]) {
      const c = this.current(key, now);
      this.counts.set(key, c ? { failures: c.failures + 1, since: c.since } : { failures: 1, since: now });
    }
  }

  succeeded(name: string, address: string): void {
    this.counts.delete(`p\0${name}\0${address}`);
    if (this.known.size > MAX_KEYS) this.known.clear();
    this.known.set(`${name}\0${address}`, this.options.now());
  }

  private wait(key: string, limit: number, now: number): number {
    const c = this.current(key, now);
    return c && c.failures >= limit ? c.since + this.windowMs - now : 0;
  }

  private current(key: string, now: number): Count | undefined {
    const c = this.counts.get(key);
    return c && now - c.since < this.windowMs ? c : undefined;
  }

  private forgetOld(now: number): void {
    for (const [key, c] of this.counts) if (now - c.since >= this.windowMs) this.counts.delete(key);
  }
}
