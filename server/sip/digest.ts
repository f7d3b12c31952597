/**
 * HTTP Digest authentication for SIP as RFC 3261 section 22, RFC 7616 and
 * RFC 8760 mean it: qop=auth, SHA-256 offered beside MD5, the most
 * preferred challenge first.
 *
 * Rules a response must meet, each one closing a way to reuse a captured
 * header:
 * - qop=auth with nc and cnonce: a response without qop (RFC 2069) is
 *   refused, it carries no count to check.
 * - its `uri` is the request's Request-URI: credentials for a call to a
 *   colleague do not dial a foreign number (RFC 7616 section 3.4.6).
 * - its nonce count is higher than any seen for that nonce: the same
 *   response sent again (with a new Call-ID or not) is a replay and gets a
 *   fresh challenge.
 *
 * Nonces stay cheap: a timestamp and a salt signed with a per-process key,
 * so a flood of challenges costs no memory; only a correct response stores
 * something, the highest nonce count of its nonce, in a bounded map whose
 * entries expire with the nonce. Should that map ever be full, the nonces
 * it had to forget count as stale from then on (never as unused). A right
 * password on an expired nonce gets a challenge with stale=true: the phone
 * retries without asking its user.
 *
 * Some clients give up on a challenge they cannot compute instead of using
 * the next one (baresip 1.0 fails on any SHA-256 challenge, SIP.js 0.21 and
 * SIPp 3.6 read only the first): clients whose User-Agent names one of
 * `md5OnlyUserAgents` are offered MD5 alone.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DIGEST_ALGORITHMS, type DigestAlgorithm } from '../../config/schema.js';
import { ExpiringMap } from '../net/expiring-map.js';

export { DIGEST_ALGORITHMS, type DigestAlgorithm };

const DEFAULT_NONCE_TTL_MS = 5 * 60_000;
const DEFAULT_MAX_TRACKED_NONCES = 50_000;

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

/** What a request says about itself, as far as digest authentication is concerned. */
export interface DigestRequest {
  method: string;
  /** The Request-URI, as received. */
  uri: string;
  /** Authorization or Proxy-Authorization as received (several joined by commas). */
  credentials: string | undefined;
  userAgent?: string;
}

/**
 * `challenge`: answer 401/407 with fresh challenges (no credentials, ones
 * that cannot be used, a stale nonce, a replay); `refuse`: answer 403, the
 * credentials are wrong.
 */
export type DigestResult =
  | { ok: true; username: string }
  | { ok: false; answer: 'challenge'; reason: 'missing' | 'malformed' | 'stale' | 'replay'; stale: boolean; username?: string }
  | { ok: false; answer: 'refuse'; reason: 'unknown-user' | 'wrong-password' | 'wrong-realm' | 'wrong-uri' | 'no-qop'; username: string };

export interface DigestOptions {
  realm: string;
  /** The algorithms offered, most preferred first. */
  algorithms: readonly DigestAlgorithm[];
  /** User-Agent fragments (any case) of clients offered MD5 alone. */
  md5OnlyUserAgents?: readonly string[];
  nonceTtlMs?: number;
  maxTrackedNonces?: number;
  now?: () => number;
}

const HASHES: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };

const hash = (algorithm: DigestAlgorithm, s: string): string => createHash(HASHES[algorithm]).update(s).digest('hex');

/** Parses one `Digest k=v, k="v"` challenge response; undefined when it lacks a required part. */
export function parseDigest(text: string | undefined): DigestCredentials | undefined {
  if (!text || !/^\s*digest\s/i.test(text)) return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const re = /([a-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  const { username, realm, nonce, uri, response } = params;
  if (!username || realm === undefined || !nonce || !uri || !response) return undefined;
  return { username, realm, nonce, uri, response, algorithm: params.algorithm, qop: params.qop, nc: params.nc, cnonce: params.cnonce, opaque: params.opaque };
}

/**
 * Every Digest response in a header value: a client answering two
 * challenges sends two Authorization headers, which arrive joined by commas.
 */
export function parseDigestList(header: string | undefined): DigestCredentials[] {
  if (!header) return [];
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted && /^,\s*digest\s/i.test(header.slice(i, i + 40))) {
      parts.push(header.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(header.slice(start));
  return parts.map(parseDigest).filter((c): c is DigestCredentials => c !== undefined);
}

export class DigestAuthenticator {
  readonly realm: string;
  private readonly key = randomBytes(32);
  /** Compared against when the user is unknown, so an unknown user costs the same time as a known one. */
  private readonly decoyPassword = randomBytes(16).toString('hex');
  private readonly now: () => number;
  private readonly nonceTtlMs: number;
  /** Highest nonce count seen per nonce that was answered correctly. */
  private readonly counts: ExpiringMap<string, number>;
  /** Nonces issued at or before this time that are not in `counts` were forgotten: stale. */
  private forgottenBefore = -1;

  constructor(private readonly opts: DigestOptions) {
    this.realm = opts.realm;
    this.now = opts.now ?? Date.now;
    this.nonceTtlMs = opts.nonceTtlMs ?? DEFAULT_NONCE_TTL_MS;
    this.counts = new ExpiringMap(opts.maxTrackedNonces ?? DEFAULT_MAX_TRACKED_NONCES, this.now, (nonce) => {
      this.forgottenBefore = Math.max(this.forgottenBefore, issuedAt(nonce) ?? -1);
    });
  }

  /** The algorithms offered to a client, most preferred first. */
  algorithmsFor(userAgent: string | undefined): DigestAlgorithm[] {
    const ua = userAgent?.toLowerCase() ?? '';
    const md5Only = ua !== '' && (this.opts.md5OnlyUserAgents ?? []).some((f) => ua.includes(f.toLowerCase()));
    const md5 = this.opts.algorithms.filter((a) => a === 'MD5');
    return md5Only && md5.length > 0 ? md5 : [...this.opts.algorithms];
  }

  /** The values of WWW-Authenticate (401) or Proxy-Authenticate (407): one challenge per algorithm, sharing one nonce. */
  challenges(userAgent: string | undefined, stale = false): string[] {
    const nonce = this.newNonce();
    return this.algorithmsFor(userAgent).map(
      (algorithm) => `Digest realm="${this.realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
    );
  }

  verify(req: DigestRequest, passwordOf: (user: string) => string | undefined): DigestResult {
    if (!req.credentials) return { ok: false, answer: 'challenge', reason: 'missing', stale: false };
    const offered = this.algorithmsFor(req.userAgent);
    const all = parseDigestList(req.credentials);
    const ours = all.filter((c) => c.realm === this.realm);
    if (ours.length === 0) {
      const other = all[0];
      return other
        ? { ok: false, answer: 'refuse', reason: 'wrong-realm', username: other.username }
        : { ok: false, answer: 'challenge', reason: 'malformed', stale: false };
    }
    const rank = (c: DigestCredentials): number => offered.indexOf(algorithmOf(c) ?? ('' as DigestAlgorithm));
    const usable = ours.filter((c) => rank(c) >= 0).sort((a, b) => rank(a) - rank(b));
    const creds = usable[0];
    if (!creds) return { ok: false, answer: 'challenge', reason: 'malformed', stale: false, username: ours[0]!.username };
    const { username } = creds;
    const nc = creds.nc !== undefined && /^[0-9a-f]{8}$/i.test(creds.nc) ? parseInt(creds.nc, 16) : undefined;
    if (creds.qop?.toLowerCase() !== 'auth' || nc === undefined || !creds.cnonce) {
      return { ok: false, answer: 'refuse', reason: 'no-qop', username };
    }
    if (!sameUri(creds.uri, req.uri)) return { ok: false, answer: 'refuse', reason: 'wrong-uri', username };

    const algorithm = algorithmOf(creds)!;
    const password = passwordOf(username);
    const h = (s: string): string => hash(algorithm, s);
    const ha1 = h(`${username}:${this.realm}:${password ?? this.decoyPassword}`);
    const ha2 = h(`${req.method}:${creds.uri}`);
    const expected = Buffer.from(h(`${ha1}:${creds.nonce}:${creds.nc}:${creds.cnonce}:auth:${ha2}`));
    const given = Buffer.from(creds.response.toLowerCase());
    const matches = given.length === expected.length && timingSafeEqual(given, expected);
    if (password === undefined) return { ok: false, answer: 'refuse', reason: 'unknown-user', username };
    if (!matches) return { ok: false, answer: 'refuse', reason: 'wrong-password', username };

    const issued = this.issuedAtIfOurs(creds.nonce);
    const now = this.now();
    if (issued === undefined || now - issued > this.nonceTtlMs || issued > now) {
      return { ok: false, answer: 'challenge', reason: 'stale', stale: true, username };
    }
    const last = this.counts.get(creds.nonce);
    if (last === undefined && issued <= this.forgottenBefore) {
      return { ok: false, answer: 'challenge', reason: 'stale', stale: true, username };
    }
    if (last !== undefined && nc <= last) return { ok: false, answer: 'challenge', reason: 'replay', stale: true, username };
    this.counts.set(creds.nonce, nc, issued + this.nonceTtlMs);
    return { ok: true, username };
  }

  private newNonce(): string {
    const body = `${this.now().toString(16)}.${randomBytes(8).toString('hex')}`;
    return `${body}.${this.sign(body)}`;
  }

  /** When a nonce of ours was issued; undefined for one we did not sign. */
  private issuedAtIfOurs(nonce: string): number | undefined {
    const dot = nonce.lastIndexOf('.');
    if (dot < 0) return undefined;
    const signature = Buffer.from(nonce.slice(dot + 1));
    const expected = Buffer.from(this.sign(nonce.slice(0, dot)));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined;
    return issuedAt(nonce);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('hex').slice(0, 32);
  }
}

function issuedAt(nonce: string): number | undefined {
  const stamp = /^([0-9a-f]{1,13})\./.exec(nonce)?.[1];
  return stamp === undefined ? undefined : parseInt(stamp, 16);
}

/** The response's algorithm; absent means MD5 (RFC 7616 section 3.3). */
function algorithmOf(c: DigestCredentials): DigestAlgorithm | undefined {
  const name = (c.algorithm ?? 'MD5').toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a === name);
}

/** The digest's uri names the Request-URI: the same text, scheme and host compared without case. */
function sameUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const norm = (u: string): string => u.replace(/^([a-z]+:)([^@]*@)?([^;?]*)/i, (_m, scheme: string, user = '', host: string) =>
    `${scheme.toLowerCase()}${user}${host.toLowerCase()}`);
  return norm(digestUri) === norm(requestUri);
}
