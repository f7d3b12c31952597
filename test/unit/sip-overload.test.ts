/**
 * When the switch refuses a new call as overloaded: the decision of
 * server/sip/overload.ts, with the event-loop delay and the clock injected.
 */
import Srf from 'drachtio-srf';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { OverloadGuard, callsTheMediaCarries, timerLateness } from '../../server/sip/overload.js';
import { createSwitch } from '../../server/sip/switch.js';
import { loadConfig } from '../../server/config/load.js';
import { validateConfig } from '../../config/validate.js';
import { formatPath } from '../../config/validation-kit.js';
import { RealClock } from '../../server/acd/index.js';

interface Warning { fields: Record<string, unknown>; msg: string }

function capturingLogger(): { logger: Logger; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const logger = { warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }) } as unknown as Logger;
  return { logger, warnings };
}

describe('overload protection refuses new calls', () => {
  it('takes every call when nothing is configured', () => {
    const guard = new OverloadGuard({ logger: capturingLogger().logger, sampler: () => 10_000 });
    expect(guard.enabled).toBe(false);
    guard.tick();
    for (let i = 0; i < 1000; i++) expect(guard.admit()).toBeDefined();
  });

  it('refuses the call beyond maxConcurrentCalls, and takes one again when a call ends', () => {
    const guard = new OverloadGuard({ maxConcurrentCalls: 2, logger: capturingLogger().logger });
    const first = guard.admit();
    const second = guard.admit();
    expect(first && second).toBeDefined();
    expect(guard.admit()).toBeUndefined();
    expect(guard.reason()).toBe('concurrent-calls');

    first!.release();
    first!.release(); // told twice (both legs hung up): still one call ended
    expect(guard.activeCalls).toBe(1);
    expect(guard.admit()).toBeDefined();
    expect(guard.admit()).toBeUndefined();
  });

  it('refuses while the event loop runs later than maxEventLoopDelayMs, and takes calls again when it catches up', () => {
    const delays = [5, 40, 120, 80, 30];
    const guard = new OverloadGuard({ maxEventLoopDelayMs: 50, logger: capturingLogger().logger, sampler: () => delays.shift()! });
    const decisions: Array<string | undefined> = [];
    for (let i = 0; i < 5; i++) {
      guard.tick();
      const slot = guard.admit();
      decisions.push(slot ? 'taken' : guard.reason());
      slot?.release();
    }
    expect(decisions).toEqual(['taken', 'taken', 'event-loop-delay', 'event-loop-delay', 'taken']);
  });

  it('warns at most once a second, with how many calls it refused', () => {
    let now = 10_000;
    const { logger, warnings } = capturingLogger();
    const guard = new OverloadGuard({ maxConcurrentCalls: 1, logger, now: () => now });
    guard.admit();
    for (let i = 0; i < 5; i++) expect(guard.admit()).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ refused: 1, refusedConcurrentCalls: 1, activeCalls: 1, maxConcurrentCalls: 1 });

    now += 500;
    guard.tick();
    expect(warnings).toHaveLength(1);
    now += 500;
    guard.tick();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!.fields).toMatchObject({ refused: 4 });

    now += 5_000;
    guard.tick();
    expect(warnings).toHaveLength(2); // nothing refused since: nothing to say
  });
});

describe('the event-loop delay sampler', () => {
  it('reads how late a periodic timer ran, smoothed so one late run moves it less than a run of them', () => {
    let t = 0;
    const sample = timerLateness(100, () => t);
    t += 100;
    expect(sample()).toBe(0);
    t += 400; // one run 300 ms late (a long garbage collection)
    const once = sample();
    expect(once).toBeGreaterThan(0);
    expect(once).toBeLessThan(100);
    let sustained = 0;
    for (let i = 0; i < 10; i++) {
      t += 250; // every run 150 ms late: the loop has more work than time
      sustained = sample();
    }
    expect(sustained).toBeGreaterThan(140);
    for (let i = 0; i < 10; i++) {
      t += 100;
      sustained = sample();
    }
    expect(sustained).toBeLessThan(5);
  });
});

describe('the call limit is on by default', () => {
  it('as many calls as the RTP port range carries: two endpoints a call, an even port each', () => {
    expect(callsTheMediaCarries({ portMin: 20000, portMax: 20999 })).toBe(250);
    expect(callsTheMediaCarries({ portMin: 20001, portMax: 20008 })).toBe(2);
    expect(callsTheMediaCarries({ portMin: 30000, portMax: 30001 })).toBe(1);
  });

  it('the demo configuration leaves it out, and the switch takes the derived limit', () => {
    const config = loadConfig({ env: {} });
    expect(config.sip.maxConcurrentCalls).toBeUndefined();
    const sw = createSwitch(new Srf(), config, pino({ level: 'silent' }), { clock: new RealClock() });
    try {
      expect(sw.overload.enabled).toBe(true);
      expect(sw.overload.maxConcurrentCalls).toBe(250);
    } finally {
      sw.stop();
    }
  });
});

describe('the overload settings in the configuration', () => {
  it('are whole numbers >= 1, and a bad one is named in one line', () => {
    const problem = (sip: Record<string, unknown>): string | undefined => {
      const config = loadConfig({ env: {} }) as unknown as { sip: Record<string, unknown> };
      Object.assign(config.sip, sip);
      const issue = validateConfig(config);
      return issue ? `${formatPath(issue.path)}: ${issue.problem}` : undefined;
    };
    expect(problem({ maxConcurrentCalls: 150, maxEventLoopDelayMs: 100 })).toBeUndefined();
    expect(problem({ maxConcurrentCalls: 0 })).toBe(
      'sip.maxConcurrentCalls: must be a whole number of calls >= 1 (leave it out for as many as the RTP port range carries), got number 0');
    expect(problem({ maxEventLoopDelayMs: 'fast' })).toMatch(/^sip\.maxEventLoopDelayMs: must be a whole number of milliseconds >= 1 .*, got "fast"$/);
  });
});
