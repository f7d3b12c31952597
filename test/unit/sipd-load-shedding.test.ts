/**
 * How the embedded SIP server decides it is overloaded
 * (server/sipd/load-shedding.ts): the wait measured by probes through its
 * own socket, and the smoothed decision with its hysteresis, on an injected
 * clock and wait.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { LoadShedder, QueueDelay, SHEDDING_TICK_MS } from '../../server/sipd/load-shedding.js';
import { loadConfig } from '../../server/config/load.js';
import { validateConfig } from '../../config/validate.js';
import { formatPath } from '../../config/validation-kit.js';

describe('the wait measured by probes', () => {
  it('is the time a probe took to come back, as late as it is old while it has not, and counts a late tick', () => {
    let now = 1_000;
    const sent: string[] = [];
    const delay = new QueueDelay((p) => sent.push(p), () => now);
    expect(delay.sample()).toBe(0);
    expect(sent).toHaveLength(1);

    now += 30;
    delay.received(sent[0]!);
    now += SHEDDING_TICK_MS - 30;
    expect(delay.sample()).toBe(30); // the last probe's time; a new probe goes
    expect(sent).toHaveLength(2);

    now += SHEDDING_TICK_MS;
    expect(delay.sample()).toBe(SHEDDING_TICK_MS); // the probe is 50 ms old and not back: no new one
    now += SHEDDING_TICK_MS;
    expect(delay.sample()).toBe(2 * SHEDDING_TICK_MS);
    expect(sent).toHaveLength(2);

    now += 700; // the loop was blocked: the tick is 650 ms late, the probe (sent three ticks ago) 800 ms old
    expect(delay.sample()).toBe(800);
  });

  it('counts a late tick when the probe came back quickly', () => {
    let now = 0;
    const sent: string[] = [];
    const delay = new QueueDelay((p) => sent.push(p), () => now);
    delay.sample();
    now += 5;
    delay.received(sent[0]!);
    now += 400 - 5; // the timer fired 350 ms late: the loop was busy though the socket was empty
    expect(delay.sample()).toBe(350);
  });

  it('ignores a datagram that is not its own probe', () => {
    let now = 0;
    const sent: string[] = [];
    const delay = new QueueDelay((p) => sent.push(p), () => now);
    delay.sample();
    now += 10;
    delay.received(`${sent[0]}0`);
    delay.received('\u0000probe 0000000000000000 1');
    now += SHEDDING_TICK_MS - 10;
    expect(delay.sample()).toBe(SHEDDING_TICK_MS); // still outstanding
  });
});

describe('the decision to shed', () => {
  function shedder(waits: number[]): LoadShedder {
    return new LoadShedder({ maxDelayMs: 100, retryAfterSeconds: 2 }, () => waits.shift() ?? 0, pino({ level: 'silent' }));
  }

  it('ignores one slow tick, sheds when the wait stays high, and stops only under half the limit', () => {
    const s = shedder([400, 0, 0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 8; i++) {
      s.tick();
      expect(s.shedding).toBe(false);
    }

    const steady = shedder(Array(20).fill(300));
    const states: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      steady.tick();
      states.push(steady.shedding);
    }
    expect(states.indexOf(true)).toBeGreaterThan(0);
    expect(states.slice(states.indexOf(true)).every(Boolean)).toBe(true);

    // Back at 80 ms (under the limit, over half of it): still shedding; at 0 it stops.
    const recovering = new LoadShedder({ maxDelayMs: 100, retryAfterSeconds: 2 }, () => wait, pino({ level: 'silent' }));
    let wait = 300;
    for (let i = 0; i < 20; i++) recovering.tick();
    expect(recovering.shedding).toBe(true);
    wait = 80;
    for (let i = 0; i < 40; i++) recovering.tick();
    expect(recovering.delayMs).toBeLessThan(100);
    expect(recovering.shedding).toBe(true);
    wait = 0;
    for (let i = 0; i < 40 && recovering.shedding; i++) recovering.tick();
    expect(recovering.shedding).toBe(false);
  });

  it('with maxDelayMs 0 never sheds and never asks for the wait', () => {
    let asked = 0;
    const off = new LoadShedder({ maxDelayMs: 0, retryAfterSeconds: 2 }, () => { asked++; return 10_000; }, pino({ level: 'silent' }));
    expect(off.enabled).toBe(false);
    for (let i = 0; i < 20; i++) off.tick();
    expect(off.shedding).toBe(false);
    expect(asked).toBe(0);
  });
});

describe('sip.maxQueueDelayMs in the configuration', () => {
  const problem = (value: unknown): string | undefined => {
    const config = loadConfig({ env: {} }) as unknown as { sip: Record<string, unknown> };
    config.sip.maxQueueDelayMs = value;
    const issue = validateConfig(config);
    return issue ? `${formatPath(issue.path)}: ${issue.problem}` : undefined;
  };

  it('is 250 ms unless set, and takes 0 (off) up to 60000', () => {
    expect(loadConfig({ env: {} }).sip.maxQueueDelayMs).toBe(250);
    for (const ok of [0, 1, 500, 60_000]) expect(problem(ok)).toBeUndefined();
  });

  it('refuses a fraction, a negative, a value past a minute or a word, naming the setting', () => {
    for (const bad of [0.5, -1, 60_001, 'fast']) {
      expect(problem(bad)).toMatch(/^sip\.maxQueueDelayMs: must be a whole number of milliseconds 0\.\.60000 \(0: the embedded SIP server never refuses calls for its wait\), got /);
    }
  });
});
