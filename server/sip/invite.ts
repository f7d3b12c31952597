/**
 * The router's steps as drachtio-srf middleware for INVITEs outside a dialog
 * (drachtio-srf hands in-dialog requests to their dialog before any of
 * these), and what a call carries from step to step on the request
 * (`req.locals`): its logger, who is calling, its overload slot.
 *
 * A step either passes the call on with next() or ends it: answers it,
 * refuses it, connects it. When it ends the call, the call's overload slot
 * is released once the step is done, unless the call was answered through
 * the switch's own B2BUA: then its hang-up releases it (./b2bua.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { CallSlot } from './overload.js';
import type { Caller } from './ports.js';

/** What a call carries from step to step. */
export interface InviteLocals {
  /** The call's logger (its Call-ID on every line). */
  log: Logger;
  /** Who is calling: set by the authenticate step. */
  caller?: Caller;
  /** The call's place among those in progress: set by the overload step when limits are configured. */
  slot?: CallSlot;
}

/** drachtio-srf's middleware signature. */
export type Middleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: (err?: unknown) => void) => void;

/** A step of the router: calls next() to pass the call on, or ends it here. */
export type InviteStep = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: () => void) => void | Promise<void>;

type WithLocals = Srf.SrfRequest & { locals?: InviteLocals };

/** Starts a call's locals: the first step does, with the call's logger. */
export function startLocals(req: Srf.SrfRequest, log: Logger): InviteLocals {
  const locals: InviteLocals = { log };
  (req as WithLocals).locals = locals;
  return locals;
}

/** The call's locals, set by the first step. */
export function localsOf(req: Srf.SrfRequest): InviteLocals {
  const locals = (req as WithLocals).locals;
  if (!locals) throw new Error('an INVITE step ran before the router started the call');
  return locals;
}

/** The identified caller: for the steps after authenticate. */
export function callerOf(req: Srf.SrfRequest): Caller {
  const caller = localsOf(req).caller;
  if (!caller) throw new Error('an INVITE step that needs the caller ran before authenticate');
  return caller;
}

/**
 * The middleware for a step. A step that fails ends the call with 500 (if
 * nothing final was sent yet) and is logged on `fallback` until the call has
 * a logger of its own.
 */
export function middleware(step: InviteStep, fallback: Logger): Middleware {
  return (req, res, next) => {
    let passed = false;
    const pass = (): void => {
      passed = true;
      next();
    };
    void (async () => {
      try {
        await step(req, res, pass);
      } catch (err) {
        const log = (req as WithLocals).locals?.log ?? fallback;
        log.error({ err, callId: req.get('Call-ID') }, 'call handling failed');
        if (!res.finalResponseSent) res.send(500);
      } finally {
        const slot = (req as WithLocals).locals?.slot;
        if (!passed && slot && !slot.answered) slot.release();
      }
    })();
  };
}
