/**
 * The router's authenticate step: who is calling. The operator trunk is
 * known by its source address (most cannot answer a challenge); anyone else
 * must prove a password with digest authentication (./proof.ts: 407 with
 * challenges, 403 for wrong credentials): an extension's, or a trunk's
 * inbound credentials (trunks[].inboundAuth), which make the call the
 * trunk's as if it came from the trunk's address. The registrar asks only
 * for extensions' passwords, so a trunk's credentials never register.
 * The caller goes on the call's locals for the steps after this one.
 */
import { localsOf, type InviteStep } from './invite.js';
import { proveIdentity, type Prover } from './proof.js';

export function authenticate(prover: Prover): InviteStep {
  return async (req, res, next) => {
    const locals = localsOf(req);
    const { directory } = prover;
    const trunkCaller = () => ({ number: userPart(req.getParsedHeader('From').uri), fromTrunk: true });
    if (directory.trunkFor(req.source_address, req.source_port)) {
      locals.caller = trunkCaller();
      next();
      return;
    }
    const proven = await proveIdentity(req, res, prover, 'proxy', locals.log,
      (u) => directory.passwordOf(u) ?? directory.trunkByUser(u)?.inboundAuth?.password);
    if (proven === undefined) return;
    if (directory.trunkByUser(proven)) {
      locals.caller = trunkCaller();
    } else {
      const name = directory.extension(proven)?.name;
      locals.caller = { number: proven, ...(name ? { name } : {}), fromTrunk: false };
    }
    next();
  };
}

/** The user part of a SIP or tel URI: a number, an extension, a feature code. */
export function userPart(uri: string): string {
  return /^(?:sips?|tel):([^@;?]+)/.exec(uri)?.[1] ?? '';
}
