/**
 * Messages per source address (server/sipd/rate-limit.ts), on a clock of the
 * test's own: a stranger gets its burst and then its rate; a registered
 * address more; a trunk has no limit; one event per episode however long
 * the flood; the table stays bounded however many addresses send.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SourceRateLimit, type RateLimited, type Standing } from '../../server/sipd/rate-limit.js';

const TRUNK = '192.0.2.10';
const OFFICE = '198.51.100.7';
const STRANGER = '203.0.113.66';

function setUp(maxTracked?: number) {
  let now = 1_700_000_000_000;
  const registered = new Set([OFFICE]);
  const standing = (address: string): Standing => (address === TRUNK ? 'trusted' : registered.has(address) ? 'registered' : 'stranger');
  const limit = new SourceRateLimit({
    stranger: { perSecond: 10, burst: 20 },
    registered: { perSecond: 100, burst: 200 },
    standing,
    logger: pino({ level: 'silent' }),
    now: () => now,
    ...(maxTracked ? { maxTracked } : {}),
  });
  const events: RateLimited[] = [];
  limit.on('limited', (e) => events.push(e));
  const admitted = (address: string, count: number): number => {
    let n = 0;
    for (let i = 0; i < count; i++) if (limit.admits(address)) n++;
    return n;
  };
  return { limit, events, admitted, registered, advance: (ms: number) => { now += ms; } };
}

describe('a source over its message rate', () => {
  it('gets its burst at once, then its rate; the rest is refused', () => {
    const { admitted, advance } = setUp();
    expect(admitted(STRANGER, 100)).toBe(20);
    advance(1000);
    expect(admitted(STRANGER, 100)).toBe(10);
    advance(500);
    expect(admitted(STRANGER, 100)).toBe(5);
  });

  it('raises one event per episode, however many messages it sends, and a new one after it slowed down', () => {
    const { admitted, events, advance } = setUp();
    for (let second = 0; second < 30; second++) {
      admitted(STRANGER, 1000);
      advance(1000);
    }
    expect(events).toEqual([{ address: STRANGER, standing: 'stranger', perSecond: 10 }]);
    advance(2000); // a full bucket: the episode is over
    admitted(STRANGER, 100);
    expect(events).toHaveLength(2);
  });

  it('does not slow down another address', () => {
    const { admitted } = setUp();
    admitted(STRANGER, 1000);
    expect(admitted('203.0.113.67', 20)).toBe(20);
  });

  it('at an address with a registered extension has the higher limit; a trunk has none', () => {
    const { admitted, events } = setUp();
    expect(admitted(OFFICE, 1000)).toBe(200);
    expect(admitted(TRUNK, 100_000)).toBe(100_000);
    expect(events.map((e) => e.standing)).toEqual(['registered']);
  });

  it('that registers an extension gets the registered allowance at once, not what was left of its own', () => {
    const { admitted, registered } = setUp();
    expect(admitted(STRANGER, 100)).toBe(20);
    registered.add(STRANGER);
    expect(admitted(STRANGER, 1000)).toBe(200);
  });

  it('is told when to come back: when its bucket is full again', () => {
    const { limit } = setUp();
    expect(limit.retryAfterSeconds(STRANGER)).toBe(2);
    expect(limit.retryAfterSeconds(OFFICE)).toBe(2);
  });
});

describe('the table of sources', () => {
  it('stays bounded when many addresses send, and forgets an address once its bucket is full again', () => {
    const { limit, advance } = setUp(1000);
    for (let i = 0; i < 50_000; i++) limit.admits(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(limit.tracked).toBeLessThanOrEqual(1000);
    advance(60_000);
    limit.admits(STRANGER);
    expect(limit.tracked).toBe(1);
  });
});
