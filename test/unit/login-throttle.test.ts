/**
 * Sign-in throttling (server/users/login-throttle.ts) on a simulated clock:
 * guessing gets refused under each of its three keys, the real user is not
 * locked out from an address they signed in from, and the window passes.
 */
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../server/users/login-throttle.js';

function throttle() {
  let now = 1_000_000;
  const t = new LoginThrottle({ now: () => now, windowMs: 60_000, maxPerNameAndAddress: 3, maxPerAddress: 5, maxPerName: 8 });
  return { t, advance: (ms: number) => { now += ms; } };
}

describe('sign-in throttling', () => {
  it('a few failures for one name from one address refuse that pair until the window has passed', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfter('sam', '192.0.2.1')).toBe(0);
      t.failed('sam', '192.0.2.1');
    }
    advance(10_000);
    expect(t.retryAfter('sam', '192.0.2.1')).toBe(50);
    expect(t.retryAfter('sam', '192.0.2.2')).toBe(0);
    expect(t.retryAfter('olga', '192.0.2.1')).toBe(0);
    advance(50_000);
    expect(t.retryAfter('sam', '192.0.2.1')).toBe(0);
  });

  it('one address trying many names is refused for every name', () => {
    const { t } = throttle();
    for (let i = 0; i < 5; i++) t.failed(`user${i}`, '192.0.2.9');
    expect(t.retryAfter('someone-else', '192.0.2.9')).toBeGreaterThan(0);
    expect(t.retryAfter('someone-else', '192.0.2.10')).toBe(0);
  });

  it('many addresses guessing one name: refused from new addresses, not from one the user signed in from', () => {
    const { t } = throttle();
    t.succeeded('sam', '10.0.0.5');
    for (let i = 0; i < 8; i++) t.failed('sam', `198.51.100.${i}`);
    expect(t.retryAfter('sam', '203.0.113.1')).toBeGreaterThan(0);
    expect(t.retryAfter('sam', '10.0.0.5')).toBe(0);
  });

  it('a success clears the pair\'s failures', () => {
    const { t } = throttle();
    t.failed('sam', '192.0.2.1');
    t.failed('sam', '192.0.2.1');
    t.succeeded('sam', '192.0.2.1');
    t.failed('sam', '192.0.2.1');
    t.failed('sam', '192.0.2.1');
    expect(t.retryAfter('sam', '192.0.2.1')).toBe(0);
  });
});
