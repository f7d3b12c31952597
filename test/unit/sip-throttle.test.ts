/**
 * Brute force and scanners (server/sip/throttle.ts), on a clock of the
 * test's own: an address with too many failed authentications is blocked
 * for a while and another address is not; a user name guessed at from many
 * addresses is slowed down without locking out its owner; scanners are
 * dropped by User-Agent; the trunk is never blocked; the state stays
 * bounded.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ThrottleConfig } from '../../config/schema.js';
import { loadConfig } from '../../server/config/load.js';
import { ExpiringMap } from '../../server/net/expiring-map.js';
import { AuthThrottle, MAX_WAITING_PER_USER, type Block } from '../../server/sip/throttle.js';

const TRUNK = '192.0.2.10';
const ATTACKER = '203.0.113.66';
const OFFICE = '198.51.100.7';

function setUp(policy: Partial<ThrottleConfig> = {}) {
  let now = 1_700_000_000_000;
  const waits: Array<{ ms: number; done: () => void }> = [];
  const throttle = new AuthThrottle({
    policy: { ...loadConfig({ env: {} }).sip.throttle, ...policy },
    exempt: (address) => address === TRUNK,
    logger: pino({ level: 'silent' }),
    now: () => now,
    wait: (ms) => new Promise<void>((done) => waits.push({ ms, done })),
  });
  const blocks: Block[] = [];
  throttle.on('block', (b) => blocks.push(b));
  return { throttle, blocks, waits, advance: (ms: number) => { now += ms; } };
}

describe('failed authentications from one address', () => {
  it('block that address, with one event, for blockSeconds; another address is still let in', () => {
    const { throttle, blocks, advance } = setUp({ sourceFailures: 10, blockSeconds: 900, windowSeconds: 60 });
    for (let i = 0; i < 9; i++) throttle.failed(ATTACKER, '1001');
    expect(throttle.admits(ATTACKER, 'Zoiper')).toBe(true);
    throttle.failed(ATTACKER, '1001');
    expect(throttle.admits(ATTACKER, 'Zoiper')).toBe(false);
    expect(throttle.admits(OFFICE, 'Zoiper')).toBe(true);
    throttle.failed(ATTACKER, '1002');
    expect(blocks).toEqual([expect.objectContaining({ kind: 'source', key: ATTACKER, reason: 'failures', failures: 10 })]);
    advance(900_001);
    expect(throttle.admits(ATTACKER, 'Zoiper')).toBe(true);
  });

  it('spread out over more than the window never block', () => {
    const { throttle, blocks, advance } = setUp({ sourceFailures: 3, windowSeconds: 60 });
    for (let i = 0; i < 10; i++) {
      throttle.failed(OFFICE, '1001');
      advance(31_000);
    }
    expect(throttle.admits(OFFICE, undefined)).toBe(true);
    expect(blocks.filter((b) => b.kind === 'source')).toEqual([]);
  });

  it('never block the operator trunk', () => {
    const { throttle, blocks } = setUp({ sourceFailures: 2 });
    for (let i = 0; i < 5; i++) throttle.failed(TRUNK, undefined);
    expect(throttle.admits(TRUNK, 'friendly-scanner')).toBe(true);
    expect(blocks).toEqual([]);
  });
});

describe('failed authentications for one user name', () => {
  it('slow it down: each attempt waits, a few at most, and the owner still gets in', async () => {
    const { throttle, blocks, waits } = setUp({ userFailures: 5, slowdownDelayMs: 2000, sourceFailures: 1000 });
    expect(await throttle.pace('1001')).toBe(true);
    for (let i = 0; i < 5; i++) throttle.failed(`203.0.113.${i}`, '1001');
    expect(blocks).toEqual([expect.objectContaining({ kind: 'user', key: '1001', failures: 5 })]);

    const waiting = Array.from({ length: MAX_WAITING_PER_USER }, () => throttle.pace('1001'));
    expect(await throttle.pace('1001')).toBe(false);
    expect(waits.map((w) => w.ms)).toEqual(Array(MAX_WAITING_PER_USER).fill(2000));
    for (const w of waits) w.done();
    expect(await Promise.all(waiting)).toEqual(Array(MAX_WAITING_PER_USER).fill(true));
    // Once they are done, the next attempt waits its turn again: slowed, not locked out.
    const next = throttle.pace('1001');
    waits.at(-1)!.done();
    expect(await next).toBe(true);
    // Other user names, and unknown ones alike, are not slowed by it.
    expect(await throttle.pace('1002')).toBe(true);
  });

  it('treat a user name that does not exist like one that does', () => {
    const { throttle, blocks } = setUp({ userFailures: 2, sourceFailures: 1000 });
    throttle.failed(ATTACKER, '4711');
    throttle.failed(OFFICE, '4711');
    expect(throttle.isSlowed('4711')).toBe(true);
    expect(blocks).toEqual([expect.objectContaining({ kind: 'user', key: '4711' })]);
  });
});

describe('scanners', () => {
  it('are dropped by User-Agent, in any case, and their address stays blocked whatever it sends next', () => {
    const { throttle, blocks } = setUp();
    expect(throttle.admits(ATTACKER, 'Friendly-Scanner')).toBe(false);
    expect(throttle.admits(ATTACKER, 'Zoiper')).toBe(false);
    expect(throttle.admits('203.0.113.67', 'sipvicious 0.3.4')).toBe(false);
    expect(throttle.admits(OFFICE, 'Yealink SIP-T46U')).toBe(true);
    expect(blocks.map((b) => [b.key, b.reason])).toEqual([[ATTACKER, 'scanner'], ['203.0.113.67', 'scanner']]);
  });
});

describe('the state', () => {
  it('stays bounded: a full map makes room, oldest first', () => {
    const now = 0;
    const evicted: string[] = [];
    const map = new ExpiringMap<string, number>(3, () => now, (key) => evicted.push(key));
    for (let i = 0; i < 10; i++) map.set(`k${i}`, i, 1000);
    expect(map.size).toBe(3);
    expect(evicted).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    expect(map.get('k9')).toBe(9);
  });

  it('forgets entries once they expire', () => {
    let now = 0;
    const map = new ExpiringMap<string, number>(3, () => now);
    map.set('a', 1, 100);
    now = 100;
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
    for (const k of ['b', 'c', 'd']) map.set(k, 1, 150);
    now = 2_000;
    map.set('e', 1, 3_000);
    expect(map.size).toBe(1);
  });
});
