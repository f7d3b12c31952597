/**
 * The digit-collecting half of playCollect, as FreeSWITCH's
 * play_and_get_digits does it, with time injected so the rules can be
 * tested without waiting:
 *
 * - digits pressed while the prompt plays are collected (and, with
 *   barge-in, stop the prompt);
 * - no timer runs while the prompt plays; when it ends, the first-digit
 *   `timeout` starts if nothing was pressed yet, otherwise the inter-digit
 *   `digitTimeout` counted from the last digit;
 * - a terminator ends collection and is not part of the digits;
 * - reaching `max` digits ends collection at once.
 *
 * Defaults are drachtio-fsmrf's: max 128, timeout 120 s, terminator '#',
 * digitTimeout 8 s.
 */
import type { PlayCollectOptions, PlayCollectResult } from '../port.js';

export interface CollectorSettings {
  min: number;
  max: number;
  terminators: string;
  timeoutMs: number;
  digitTimeoutMs: number;
  bargeIn: boolean;
}

export function collectorSettings(opts: PlayCollectOptions): CollectorSettings {
  return {
    min: opts.min ?? 0,
    max: opts.max && opts.max > 0 ? opts.max : 128,
    terminators: opts.terminators ?? '#',
    timeoutMs: opts.timeout ?? 120_000,
    digitTimeoutMs: opts.digitTimeout ?? 8000,
    bargeIn: opts.bargeIn ?? true,
  };
}

export type CollectOutcome = Omit<PlayCollectResult, 'playbackMilliseconds'>;

export class DigitCollector {
  private digits = '';
  private promptEndedAt: number | undefined;
  private lastDigitAt: number | undefined;

  constructor(readonly settings: CollectorSettings) {}

  get collected(): string {
    return this.digits;
  }

  /** The prompt finished (or was cut short by barge-in): timers may run from now. */
  promptEnded(nowMs: number): void {
    this.promptEndedAt ??= nowMs;
  }

  /** A key press; returns the outcome when it ends collection. */
  digit(d: string, nowMs: number): CollectOutcome | undefined {
    if (this.settings.terminators.includes(d)) {
      return { digits: this.digits, terminatorUsed: d, reason: 'terminator' };
    }
    this.digits += d;
    this.lastDigitAt = nowMs;
    if (this.digits.length >= this.settings.max) return { digits: this.digits, reason: 'max-digits' };
    return undefined;
  }

  /** The time at which the running timer fires, if one runs. */
  deadline(): number | undefined {
    if (this.promptEndedAt === undefined) return undefined;
    if (this.lastDigitAt === undefined) return this.promptEndedAt + this.settings.timeoutMs;
    return Math.max(this.lastDigitAt, this.promptEndedAt) + this.settings.digitTimeoutMs;
  }

  /** Checks the timers; returns the outcome when one has run out. */
  poll(nowMs: number): CollectOutcome | undefined {
    const d = this.deadline();
    if (d !== undefined && nowMs >= d) return { digits: this.digits, reason: 'timeout' };
    return undefined;
  }
}
