/**
 * Operator PIN tries, counted per extension: WRONG_PINS_PER_HOUR wrong PINs
 * within an hour of the first lock that extension out of recording by phone
 * until the hour is over; every PIN it enters meanwhile is refused
 * unchecked, and *77 is refused outright. A call's own limit (the recording
 * node's pinAttempts) still ends a call sooner; this one stops an attacker
 * who simply calls again. Kept in memory only: a restart forgets it.
 */
import type { Logger } from 'pino';
import { ExpiringMap } from '../net/expiring-map.js';

export const WRONG_PINS_PER_HOUR = 5;
const HOUR_MS = 3_600_000;
const MAX_TRACKED = 10_000;

export class PinTries {
  private readonly wrongs: ExpiringMap<string, { count: number; hourEnds: number }>;

  constructor(private readonly opts: { now: () => number; logger: Logger; limit?: number }) {
    this.wrongs = new ExpiringMap(MAX_TRACKED, opts.now);
  }

  /** Whether the extension may not try a PIN now. */
  locked(extension: string): boolean {
    return (this.wrongs.get(extension)?.count ?? 0) >= (this.opts.limit ?? WRONG_PINS_PER_HOUR);
  }

  /** A wrong PIN entered from the extension. */
  wrong(extension: string): void {
    const now = this.opts.now();
    const tally = this.wrongs.get(extension) ?? { count: 0, hourEnds: now + HOUR_MS };
    tally.count++;
    this.wrongs.set(extension, tally, tally.hourEnds);
    if (tally.count === (this.opts.limit ?? WRONG_PINS_PER_HOUR)) {
      this.opts.logger.warn({ extension, wrongPins: tally.count, until: new Date(tally.hourEnds).toISOString() },
        'operator PIN locked: too many wrong PINs from this extension');
    }
  }
}
