/**
 * The router's authenticate step: who is calling. The operator trunk is
 * known by its source address alone (it cannot answer a challenge); anyone
 * else must be an extension proving its password with digest authentication
 * (RFC 3261 section 22.3: 407 with a challenge, 403 for wrong credentials).
 * The caller goes on the call's locals for the steps after this one.
 */
import type { DigestAuthenticator } from './digest.js';
import type { Directory } from './directory.js';
import { localsOf, type InviteStep } from './invite.js';

export function authenticate(directory: Directory, auth: DigestAuthenticator): InviteStep {
  return (req, res, next) => {
    const locals = localsOf(req);
    if (directory.trunkFor(req.source_address, req.source_port)) {
      locals.caller = { number: userPart(req.getParsedHeader('From').uri), fromTrunk: true };
      next();
      return;
    }
    const result = auth.verify(req.get('Proxy-Authorization'), 'INVITE', (u) => directory.passwordOf(u));
    if (result.ok) {
      const name = directory.extension(result.username)?.name;
      locals.caller = { number: result.username, ...(name ? { name } : {}), fromTrunk: false };
      next();
      return;
    }
    if (result.reason === 'missing' || result.reason === 'stale' || result.reason === 'malformed') {
      res.send(407, { headers: { 'Proxy-Authenticate': auth.challenge(result.reason === 'stale') } });
    } else {
      locals.log.warn({ source: req.source_address, reason: result.reason }, 'call refused: wrong credentials');
      res.send(403);
    }
  };
}

/** The user part of a SIP or tel URI: a number, an extension, a feature code. */
export function userPart(uri: string): string {
  return /^(?:sips?|tel):([^@;?]+)/.exec(uri)?.[1] ?? '';
}
