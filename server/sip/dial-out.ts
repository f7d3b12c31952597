/**
 * The dial-out policy: the one place that decides whether a call may leave
 * through the operator trunk. The organisation pays for every minute out,
 * and a switch that dials whatever it is asked to is the costliest attack
 * on a phone system (toll fraud), so nothing goes out without this yes.
 *
 * Every path out asks it through the trunk leg builder (./legs.ts), which
 * cannot build a leg out without it: an extension calling out (the router),
 * a callback (at booking, and again before dialling), a flow's transfer to
 * a number, and a mobile agent's leg. Each asks as its caller class.
 *
 * - The destination: the number in E.164 is national (the company's country
 *   code), international, premium-rate (`premiumPrefixes`, by default
 *   Sweden's 0900, 0939, 0944) or special (`specialPrefixes`: satellite and
 *   other non-geographic codes). Each caller class may dial only what
 *   `allow` gives it, national by default; an extension listed under
 *   `extensions` has rights of its own. Anything that is not a telephone
 *   number (an extension, digits without a country) never goes out.
 * - The caps: at most `maxConcurrentCalls` calls out at once and
 *   `maxCallsPerHour` in any 60 minutes, whatever the caller class: a
 *   hole elsewhere can cost at most that much before someone looks. A call
 *   takes its place when its INVITE is about to be sent (`admit`) and gives
 *   it back when the call is over.
 *
 * Every refusal is a warning in the log and an `alarm` event, so a
 * supervisor or a monitoring system hears of an attempt at once.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { CallerClass, Destination, DialOutConfig } from '../../config/schema.js';
import { normaliseDialled } from './numbers.js';

/** Who asks to call out: the caller class, and the extension whose call it is, when one is. */
export interface DialOutCaller {
  callerClass: CallerClass;
  extension?: string;
}

export interface DialOutRequest extends DialOutCaller {
  /** As dialled or keyed: E.164, 00 + country, or national with a leading 0. */
  number: string;
}

export type DialOutRefusal = 'not-a-number' | 'destination' | 'concurrent-calls' | 'hourly-calls';

export type DialOutVerdict =
  | { allowed: true; number: string; destination: Destination }
  | { allowed: false; refusal: DialOutRefusal; destination?: Destination };

/** The `alarm` event: a call out refused, and why. */
export interface DialOutAlarm extends DialOutRequest {
  refusal: DialOutRefusal;
  destination?: Destination;
  at: number;
}

/** A call's place among the calls out: given back once, however often released. */
export interface DialOutPermit {
  release(): void;
}

const HOUR_MS = 3_600_000;

export interface DialOutPolicyOptions {
  config: DialOutConfig;
  /** The company's country calling code ("46"): what counts as national. */
  countryCode: string;
  logger: Logger;
  now?: () => number;
}

export class DialOutPolicy extends EventEmitter<{ alarm: [DialOutAlarm] }> {
  private config: DialOutConfig;
  private active = 0;
  /** When each call out of the last hour was admitted, oldest first. */
  private readonly admitted: number[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: DialOutPolicyOptions) {
    super();
    this.config = opts.config;
    this.now = opts.now ?? Date.now;
  }

  /** A new policy for the next call out (the running configuration changed); calls already out keep their place. */
  reconfigure(config: DialOutConfig): void {
    this.config = config;
  }

  /** Calls out in progress. */
  get activeCalls(): number {
    return this.active;
  }

  /** What kind of destination an E.164 number is. */
  destinationOf(e164: string): Destination {
    const { config, countryCode } = this.opts;
    if (config.specialPrefixes.some((p) => e164.startsWith(p))) return 'special';
    if (config.premiumPrefixes.some((p) => e164.startsWith(p))) return 'premium';
    return e164.startsWith(`+${countryCode}`) ? 'national' : 'international';
  }

  /** Whether the caller may dial the number at all (the caps aside); a refusal raises the alarm. */
  check(request: DialOutRequest): DialOutVerdict {
    const e164 = normaliseDialled(request.number, this.opts.countryCode);
    if (!e164) return this.refuse(request, 'not-a-number');
    const destination = this.destinationOf(e164);
    if (!this.allowedFor(request).includes(destination)) return this.refuse(request, 'destination', destination);
    return { allowed: true, number: e164, destination };
  }

  /**
   * A place for a call out about to be dialled: the destination checked
   * again, then the caps. The permit is released when the call is over.
   */
  admit(request: DialOutRequest): DialOutPermit | Extract<DialOutVerdict, { allowed: false }> {
    const verdict = this.check(request);
    if (!verdict.allowed) return verdict;
    const { maxConcurrentCalls, maxCallsPerHour } = this.config;
    const now = this.now();
    while (this.admitted.length > 0 && this.admitted[0]! <= now - HOUR_MS) this.admitted.shift();
    if (this.active >= maxConcurrentCalls) return this.refuse(request, 'concurrent-calls', verdict.destination);
    if (this.admitted.length >= maxCallsPerHour) return this.refuse(request, 'hourly-calls', verdict.destination);
    this.active += 1;
    this.admitted.push(now);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
      },
    };
  }

  private allowedFor({ callerClass, extension }: DialOutCaller): readonly Destination[] {
    const { allow, extensions } = this.config;
    const own = callerClass === 'extension' && extension !== undefined && Object.hasOwn(extensions, extension) ? extensions[extension] : undefined;
    return own ?? allow[callerClass];
  }

  private refuse(request: DialOutRequest, refusal: DialOutRefusal, destination?: Destination): { allowed: false; refusal: DialOutRefusal; destination?: Destination } {
    const alarm: DialOutAlarm = { ...request, refusal, ...(destination ? { destination } : {}), at: this.now() };
    this.opts.logger.warn({
      dialOut: 'refused', ...alarm,
      activeCalls: this.active, maxConcurrentCalls: this.config.maxConcurrentCalls, maxCallsPerHour: this.config.maxCallsPerHour,
    }, `call out through the trunk refused: ${refusal}`);
    this.emit('alarm', alarm);
    return { allowed: false, refusal, ...(destination ? { destination } : {}) };
  }
}
