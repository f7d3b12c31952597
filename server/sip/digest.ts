/**
 * HTTP Digest authentication for SIP (RFC 3261 section 22, RFC 2617 with
 * MD5 and qop=auth).
 *
 * Nonces are stateless: a timestamp signed with a per-process key, so a
 * flood of challenges costs no memory and a nonce older than NONCE_TTL_MS
 * is answered "stale" rather than refused.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const NONCE_TTL_MS = 5 * 60_000;

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

export type DigestResult =
  | { ok: true; username: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown-user' | 'wrong-password' | 'stale' | 'wrong-realm' };

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Parses `Digest k=v, k="v"` into its parameters; undefined when not a Digest header. */
export function parseDigest(header: string | undefined): DigestCredentials | undefined {
  if (!header || !/^\s*digest\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  const re = /([a-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/gi;
  for (let m = re.exec(header); m; m = re.exec(header)) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  const { username, realm, nonce, uri, response } = params;
  if (!username || realm === undefined || !nonce || !uri || !response) return undefined;
  return { username, realm, nonce, uri, response, algorithm: params.algorithm, qop: params.qop, nc: params.nc, cnonce: params.cnonce, opaque: params.opaque };
}

export class DigestAuthenticator {
  private readonly key = randomBytes(32);

  constructor(readonly realm: string, private readonly now: () => number = Date.now) {}

  /** The value of WWW-Authenticate (401) or Proxy-Authenticate (407). */
  challenge(stale = false): string {
    return `Digest realm="${this.realm}", nonce="${this.newNonce()}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  verify(header: string | undefined, method: string, passwordOf: (user: string) => string | undefined): DigestResult {
    if (!header) return { ok: false, reason: 'missing' };
    const creds = parseDigest(header);
    if (!creds) return { ok: false, reason: 'malformed' };
    if (creds.realm !== this.realm) return { ok: false, reason: 'wrong-realm' };
    if (creds.algorithm && creds.algorithm.toUpperCase() !== 'MD5') return { ok: false, reason: 'malformed' };
    const password = passwordOf(creds.username);
    if (password === undefined) return { ok: false, reason: 'unknown-user' };
    const ha1 = md5(`${creds.username}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${creds.uri}`);
    const expected = creds.qop
      ? md5(`${ha1}:${creds.nonce}:${creds.nc ?? ''}:${creds.cnonce ?? ''}:${creds.qop}:${ha2}`)
      : md5(`${ha1}:${creds.nonce}:${ha2}`);
    const given = Buffer.from(creds.response.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      return { ok: false, reason: 'wrong-password' };
    }
    // A right password on an expired nonce asks the client to retry without prompting (RFC 2617 3.2.1).
    if (!this.nonceIsFresh(creds.nonce)) return { ok: false, reason: 'stale' };
    return { ok: true, username: creds.username };
  }

  private newNonce(): string {
    const stamp = this.now().toString(16);
    return `${stamp}.${this.sign(stamp)}`;
  }

  private nonceIsFresh(nonce: string): boolean {
    const [stamp, signature] = nonce.split('.');
    if (!stamp || !signature) return false;
    const expected = this.sign(stamp);
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return false;
    const age = this.now() - parseInt(stamp, 16);
    return age >= 0 && age <= NONCE_TTL_MS;
  }

  private sign(stamp: string): string {
    return createHmac('sha256', this.key).update(stamp).digest('hex').slice(0, 32);
  }
}
