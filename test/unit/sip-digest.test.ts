/**
 * Digest authentication as RFC 7616 and RFC 3261 mean it
 * (server/sip/digest.ts): SHA-256 offered before MD5, qop=auth required,
 * the uri bound to the Request-URI, nonce counts that make a captured
 * header useless a second time, stale nonces, and a bounded memory of
 * nonce counts. The responses are computed here from the RFC's formulas.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestAuthenticator, type DigestAlgorithm, type DigestRequest } from '../../server/sip/digest.js';

const REALM = 'kustbanken.local';
const PASSWORDS: Record<string, string> = { '1001': 'demo-1001', '1002': 'demo-1002' };
const passwordOf = (u: string): string | undefined => PASSWORDS[u];
const CALL_TO_COLLEAGUE = 'sip:1002@kustbanken.local';

function setUp(opts: { algorithms?: DigestAlgorithm[]; maxTrackedNonces?: number } = {}) {
  let now = 1_700_000_000_000;
  const auth = new DigestAuthenticator({
    realm: REALM,
    algorithms: opts.algorithms ?? ['SHA-256', 'MD5'],
    md5OnlyUserAgents: ['baresip'],
    nonceTtlMs: 300_000,
    now: () => now,
    ...(opts.maxTrackedNonces ? { maxTrackedNonces: opts.maxTrackedNonces } : {}),
  });
  return { auth, advance: (ms: number) => { now += ms; } };
}

const nonceOf = (challenge: string): string => /nonce="([^"]+)"/.exec(challenge)![1]!;

interface Answer {
  user?: string;
  password?: string;
  algorithm?: DigestAlgorithm;
  method?: string;
  uri?: string;
  nc?: number;
  qop?: boolean;
}

/** What a client computes for a challenge (RFC 7616 section 3.4.1), as a header value. */
function answer(nonce: string, a: Answer = {}): string {
  const algorithm = a.algorithm ?? 'MD5';
  const h = (s: string): string => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const user = a.user ?? '1001';
  const uri = a.uri ?? CALL_TO_COLLEAGUE;
  const nc = (a.nc ?? 1).toString(16).padStart(8, '0');
  const ha1 = h(`${user}:${REALM}:${a.password ?? PASSWORDS[user] ?? 'guess'}`);
  const ha2 = h(`${a.method ?? 'INVITE'}:${uri}`);
  if (a.qop === false) {
    return `Digest username="${user}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${h(`${ha1}:${nonce}:${ha2}`)}", algorithm=${algorithm}`;
  }
  const response = h(`${ha1}:${nonce}:${nc}:0a4f113b:auth:${ha2}`);
  return `Digest username="${user}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", `
    + `algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="0a4f113b"`;
}

const invite = (credentials: string | undefined, uri = CALL_TO_COLLEAGUE, userAgent?: string): DigestRequest =>
  ({ method: 'INVITE', uri, credentials, ...(userAgent ? { userAgent } : {}) });

describe('the challenge', () => {
  it('offers SHA-256 first and MD5 beside it, with one nonce and qop="auth"', () => {
    const { auth } = setUp();
    const challenges = auth.challenges('Yealink SIP-T46U 108.86.0.20');
    expect(challenges).toHaveLength(2);
    expect(challenges[0]).toMatch(/^Digest realm="kustbanken\.local", nonce="[^"]+", algorithm=SHA-256, qop="auth"$/);
    expect(challenges[1]).toMatch(/algorithm=MD5, qop="auth"$/);
    expect(nonceOf(challenges[0]!)).toBe(nonceOf(challenges[1]!));
    expect(nonceOf(auth.challenges(undefined)[0]!)).not.toBe(nonceOf(challenges[0]!));
  });

  it('offers MD5 alone to a client known to fail on SHA-256', () => {
    const { auth } = setUp();
    const challenges = auth.challenges('baresip v1.0.0 (x86_64/linux)');
    expect(challenges).toEqual([expect.stringMatching(/algorithm=MD5, qop="auth"$/)]);
  });
});

describe('a response', () => {
  it('is accepted with SHA-256 and with MD5', () => {
    const { auth } = setUp();
    for (const algorithm of ['SHA-256', 'MD5'] as const) {
      const nonce = nonceOf(auth.challenges(undefined)[0]!);
      expect(auth.verify(invite(answer(nonce, { algorithm })), passwordOf)).toEqual({ ok: true, username: '1001' });
    }
  });

  it('with the wrong password is refused; so is an unknown user, with the same answer', () => {
    const { auth } = setUp();
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    expect(auth.verify(invite(answer(nonce, { password: 'guess' })), passwordOf))
      .toMatchObject({ ok: false, answer: 'refuse', reason: 'wrong-password', username: '1001' });
    expect(auth.verify(invite(answer(nonce, { user: '4711' })), passwordOf))
      .toMatchObject({ ok: false, answer: 'refuse', reason: 'unknown-user', username: '4711' });
  });

  it('without qop (RFC 2069) is refused even with the right password', () => {
    const { auth } = setUp();
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    expect(auth.verify(invite(answer(nonce, { qop: false })), passwordOf)).toMatchObject({ ok: false, answer: 'refuse', reason: 'no-qop' });
  });

  it('made for another Request-URI is refused: credentials for a call to a colleague do not dial a foreign number', () => {
    const { auth } = setUp();
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    const captured = answer(nonce, { uri: CALL_TO_COLLEAGUE });
    expect(auth.verify(invite(captured, 'sip:00882123456789@kustbanken.local'), passwordOf))
      .toMatchObject({ ok: false, answer: 'refuse', reason: 'wrong-uri' });
    // The same text with the host in upper case is the same URI.
    expect(auth.verify(invite(captured, 'sip:1002@KUSTBANKEN.local'), passwordOf)).toEqual({ ok: true, username: '1001' });
  });

  it('sent again with the same or a lower nonce count is a replay and gets a fresh challenge; a higher count is fine', () => {
    const { auth } = setUp();
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    expect(auth.verify(invite(answer(nonce, { nc: 1 })), passwordOf).ok).toBe(true);
    expect(auth.verify(invite(answer(nonce, { nc: 1 })), passwordOf))
      .toMatchObject({ ok: false, answer: 'challenge', reason: 'replay', stale: true });
    expect(auth.verify(invite(answer(nonce, { nc: 3 })), passwordOf).ok).toBe(true);
    expect(auth.verify(invite(answer(nonce, { nc: 2 })), passwordOf)).toMatchObject({ ok: false, reason: 'replay' });
  });

  it('on an expired nonce: stale=true with the right password, 403 with a wrong one', () => {
    const { auth, advance } = setUp();
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    advance(300_001);
    expect(auth.verify(invite(answer(nonce)), passwordOf)).toMatchObject({ ok: false, answer: 'challenge', reason: 'stale', stale: true });
    expect(auth.verify(invite(answer(nonce, { password: 'guess' })), passwordOf)).toMatchObject({ ok: false, answer: 'refuse' });
  });

  it('on a nonce this switch did not issue is stale', () => {
    const { auth } = setUp();
    expect(auth.verify(invite(answer('18b0c8f2a11.0011223344556677.00000000000000000000000000000000')), passwordOf))
      .toMatchObject({ ok: false, answer: 'challenge', reason: 'stale' });
  });

  it('in an algorithm not offered is challenged again', () => {
    const { auth } = setUp({ algorithms: ['SHA-256'] });
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    expect(auth.verify(invite(answer(nonce, { algorithm: 'MD5' })), passwordOf)).toMatchObject({ ok: false, answer: 'challenge', reason: 'malformed' });
  });

  it('to both challenges at once (two Authorization headers, joined by a comma) is judged by the preferred one', () => {
    const { auth } = setUp();
    const nonce = nonceOf(auth.challenges(undefined)[0]!);
    const both = `${answer(nonce, { algorithm: 'SHA-256' })}, ${answer(nonce, { algorithm: 'MD5', password: 'guess' })}`;
    expect(auth.verify(invite(both), passwordOf)).toEqual({ ok: true, username: '1001' });
  });

  it('without credentials is challenged', () => {
    const { auth } = setUp();
    expect(auth.verify(invite(undefined), passwordOf)).toMatchObject({ ok: false, answer: 'challenge', reason: 'missing', stale: false });
  });
});

describe('the memory of nonce counts', () => {
  it('is bounded; a nonce it had to forget is stale, never fresh again', () => {
    const { auth } = setUp({ maxTrackedNonces: 2 });
    const nonces = [0, 1, 2].map(() => nonceOf(auth.challenges(undefined)[0]!));
    for (const nonce of nonces) expect(auth.verify(invite(answer(nonce)), passwordOf).ok).toBe(true);
    // The first nonce's count made room for the third's: its replay is not taken for a first use.
    expect(auth.verify(invite(answer(nonces[0]!, { nc: 1 })), passwordOf)).toMatchObject({ ok: false, answer: 'challenge' });
    expect(auth.verify(invite(answer(nonces[0]!, { nc: 2 })), passwordOf)).toMatchObject({ ok: false, answer: 'challenge', reason: 'stale' });
    expect(auth.verify(invite(answer(nonces[2]!, { nc: 1 })), passwordOf)).toMatchObject({ ok: false, reason: 'replay' });
  });
});
