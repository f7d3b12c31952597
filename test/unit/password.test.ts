/**
 * Password hashing (server/users/password.ts): salted scrypt, checked in
 * constant time, never matching a stored value it does not understand.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword, UNMATCHABLE_HASH, verifyPassword } from '../../server/users/password.js';

describe('password hashes', () => {
  it('the same password hashes differently each time (salted), and each hash checks it', async () => {
    const [a, b] = [await hashPassword('correct horse'), await hashPassword('correct horse')];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', b)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('a stored value in another form, or the unmatchable one, matches nothing', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$10$abc')).toBe(false);
    expect(await verifyPassword('', UNMATCHABLE_HASH)).toBe(false);
    expect(await verifyPassword('anything', UNMATCHABLE_HASH)).toBe(false);
  });

  it('the same text in another Unicode form is the same password', async () => {
    const composed = 'l\u00f6senord';
    const decomposed = 'lo\u0308senord';
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });
});
