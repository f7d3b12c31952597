/**
 * The router's authenticate step: who is calling. The operator trunk is
 * known by its source address alone (it cannot answer a challenge); anyone
 * else must be an extension proving its password with digest authentication
 * (./proof.ts: 407 with challenges, 403 for wrong credentials).
 * The caller goes on the call's locals for the steps after this one.
 */
import { localsOf, type InviteStep } from './invite.js';
import { proveIdentity, type Prover } from './proof.js';

export function authenticate(prover: Prover): InviteStep {
  return async (req, res, next) => {
    const locals = localsOf(req);
    const { directory } = prover;
    if (directory.trunkFor(req.source_address, req.source_port)) {
      locals.caller = { number: userPart(req.getParsedHeader('From').uri), fromTrunk: true };
      next();
      return;
    }
    const extension = await proveIdentity(req, res, prover, 'proxy', locals.log);
    if (extension === undefined) return;
    const name = directory.extension(extension)?.name;
    locals.caller = { number: extension, ...(name ? { name } : {}), fromTrunk: false };
    next();
  };
}

/** The user part of a SIP or tel URI: a number, an extension, a feature code. */
export function userPart(uri: string): string {
  return /^(?:sips?|tel):([^@;?]+)/.exec(uri)?.[1] ?? '';
}
