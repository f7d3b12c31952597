/**
 * Asking a request to prove who sends it, the same way for REGISTER (401
 * and Authorization, RFC 3261 section 22.2) and for calls (407 and
 * Proxy-Authorization, section 22.3): digest authentication (./digest.ts)
 * paced and counted by the throttle (./throttle.ts).
 *
 * Whoever is claimed, existing extension or not, gets the same answers: a
 * challenge without credentials, 403 for wrong ones. Credentials are never
 * logged, only who they claim to be and why they were refused.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { parseDigestList, type DigestAuthenticator } from './digest.js';
import type { Directory } from './directory.js';
import { RETRY_AFTER_SECONDS } from './overload.js';
import type { AuthThrottle } from './throttle.js';

export interface Prover {
  auth: DigestAuthenticator;
  throttle: AuthThrottle;
  directory: Directory;
}

/** www: a registrar's 401 (RFC 3261 section 22.2); proxy: a proxy's 407 (section 22.3). */
export type ChallengeKind = 'www' | 'proxy';

const HEADERS = {
  www: { status: 401, challenge: 'WWW-Authenticate', credentials: 'Authorization' },
  proxy: { status: 407, challenge: 'Proxy-Authenticate', credentials: 'Proxy-Authorization' },
} as const;

/**
 * The user name the request proves it sends for, or undefined when it does
 * not: then the request has been answered (challenge, 403, or 503 while a
 * slowed-down user name has attempts waiting).
 */
export async function proveIdentity(
  req: Srf.SrfRequest, res: Srf.SrfResponse, prover: Prover, kind: ChallengeKind, log: Logger,
  passwordOf: (username: string) => string | undefined = (u) => prover.directory.passwordOf(u),
): Promise<string | undefined> {
  const names = HEADERS[kind];
  const credentials = req.get(names.credentials);
  const userAgent = req.get('User-Agent');
  if (credentials && !(await prover.throttle.pace(parseDigestList(credentials)[0]?.username))) {
    res.send(503, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
    return undefined;
  }
  const result = prover.auth.verify({ method: req.method, uri: req.uri, credentials, userAgent }, passwordOf);
  if (result.ok) return result.username;
  if (result.answer === 'challenge') {
    if (result.reason === 'replay') log.info({ source: req.source_address, user: result.username }, `${req.method}: credentials used before, challenged anew`);
    res.send(names.status, { headers: { [names.challenge]: challengeHeader(names.challenge, prover.auth.challenges(userAgent, result.stale)) } });
    return undefined;
  }
  refuseCredentials(req, res, prover, result.username, result.reason, log);
  return undefined;
}

/** A failed authentication: counted against the source and the user name, logged, answered 403. */
export function refuseCredentials(req: Srf.SrfRequest, res: Srf.SrfResponse, prover: Prover, username: string, reason: string, log: Logger): void {
  prover.throttle.failed(req.source_address, username);
  log.warn({ source: req.source_address, user: username, reason }, `${req.method} refused: wrong credentials`);
  res.send(403);
}

/**
 * One header field per challenge (RFC 3261 section 25.1 allows one
 * challenge per field): drachtio-srf joins repeated values of a header with
 * commas, so the values are given as lines of the message instead.
 */
function challengeHeader(name: string, challenges: readonly string[]): string {
  return challenges.join(`\r\n${name}: `);
}
