/**
 * What the server answers itself before a request reaches an application:
 * the UAS checks of RFC 3261 section 8.2, in its order (method, Request-URI,
 * Require, content), for what no application could act on anyway. The
 * answers that need the application's knowledge (who may register, where a
 * call goes) stay the application's.
 */
import { SUPPORTED_URI_SCHEMES, splitHeaderList, type SipMessage } from './message.js';

/** Option tags (RFC 3261 section 19.2) the server or its applications understand. */
export const SUPPORTED_OPTION_TAGS = new Set(['100rel', 'timer', 'replaces', 'path', 'outbound', 'gruu', 'norefersub']);

/** Bodies an INVITE or UPDATE may carry: a session description, alone or among other parts. */
const SESSION_BODY_TYPES = new Set(['application/sdp', 'multipart/mixed', 'multipart/alternative']);

export interface AdmissionContext {
  inDialog: boolean;
  /** The method is one the server hands to applications outside a dialog. */
  known: boolean;
  /** An application takes the method. */
  handled: boolean;
  /** At least one application takes some method: without any, the server is not in service (503). */
  inService: boolean;
  allow: () => string[];
}

export interface Refusal {
  status: number;
  headers: Array<[string, string]>;
}

/**
 * Methods every application behind this server takes once it is up: while
 * none does yet (during start-up) they are unavailable for now (503, as the
 * server answers today), not unsupported.
 */
const CORE_METHODS = new Set(['INVITE', 'REGISTER', 'OPTIONS']);

export function refusalOf(req: SipMessage, ctx: AdmissionContext): Refusal | undefined {
  const allow: Array<[string, string]> = [['Allow', ctx.allow().join(', ')]];
  // Section 8.2.1: a method nobody here implements is 501, one the server knows but no application takes is 405.
  if (!ctx.inDialog && ctx.inService && !ctx.known) return { status: 501, headers: allow };
  if (!ctx.inDialog && ctx.inService && !ctx.handled && !CORE_METHODS.has(req.method)) return { status: 405, headers: allow };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase();
  if (!scheme || !SUPPORTED_URI_SCHEMES.has(scheme)) return { status: 416, headers: [] };
  const unsupported = req.listValues('Require').filter((tag) => !SUPPORTED_OPTION_TAGS.has(tag.toLowerCase()));
  if (unsupported.length > 0) return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };
  if (req.method === 'INVITE' || req.method === 'UPDATE') return sessionBodyRefusal(req);
  return undefined;
}

/** Section 8.2.3: a body we cannot read is 415; an Accept that rules out SDP leaves nothing to answer with (406). */
function sessionBodyRefusal(req: SipMessage): Refusal | undefined {
  const accept = [['Accept', [...SESSION_BODY_TYPES].join(', ')]] as Array<[string, string]>;
  const contentType = mediaType(req.get('Content-Type'));
  if (req.body.length > 0 && contentType !== undefined && !SESSION_BODY_TYPES.has(contentType)) {
    return { status: 415, headers: accept };
  }
  const accepted = req.getAll('Accept').flatMap(splitHeaderList).map(mediaType);
  if (accepted.length > 0 && !accepted.some((t) => t === 'application/sdp' || t === 'application/*' || t === '*/*')) {
    return { status: 406, headers: [] };
  }
  return undefined;
}

function mediaType(value: string | undefined): string | undefined {
  return value?.split(';')[0]?.trim().toLowerCase() || undefined;
}
