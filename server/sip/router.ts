/**
 * The router: every new INVITE goes through drachtio-srf middleware, one
 * step each (./invite.ts):
 *
 *   srf.use('invite', [takeCall, overload, sessionInterval, authenticate, featureCodes, route])
 *
 * - takeCall: a stopping switch takes no new call (503); the call gets its logger.
 * - overload: refused with 503 when the switch is overloaded (./overload.ts).
 * - sessionInterval: a Session-Expires below our Min-SE gets 422 (./session-timer.ts).
 * - authenticate: the operator trunk by source address, an extension by
 *   digest authentication, throttled (./authenticate.ts, ./proof.ts).
 * - featureCodes: an extension's feature codes (*21 ...) go to the feature
 *   code handler; the trunk never reaches them.
 * - route: where the dialled number leads. A service number is answered by
 *   the entrance (the contact center runs its flow), unless it names a
 *   `target` extension: then that extension rings directly (./b2bua.ts), or
 *   after the greeting when the number has `greeting: true`. An extension
 *   rings directly; only an authenticated extension may call out through the
 *   trunk, as far as the dial-out policy allows (./dial-out.ts: 403
 *   otherwise), and trunk traffic never goes back out of it.
 *
 * The router is attached last, once everything it calls up through exists
 * (./ports.ts). Until then the SIP server itself answers new INVITEs with
 * 503: drachtio-server and the embedded server do so for a method no
 * application has asked for, and srf.use('invite') is what asks.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { NumberConfig, TrunkConfig } from '../../config/schema.js';
import { authenticate, userPart } from './authenticate.js';
import { ringPhones, bridge, type B2buaCall } from './b2bua.js';
import type { DirectCalls } from './direct-calls.js';
import { DIAL_OUT_REFUSED } from './fork.js';
import type { DigestAuthenticator } from './digest.js';
import type { AuthThrottle } from './throttle.js';
import type { Directory } from './directory.js';
import { callerOf, localsOf, middleware, startLocals, type InviteStep, type Middleware } from './invite.js';
import { presentationHeaders, type LegBuilder } from './legs.js';
import { RETRY_AFTER_SECONDS, type OverloadGuard } from './overload.js';
import type { SessionTimers } from './session-timer.js';
import type { Entrance, FeatureCodeHandler, GreetedNumber, Greeting, MediaTranslator, OnAnswered } from './ports.js';

export type CallTarget =
  | { kind: 'extension'; extension: string; service?: NumberConfig }
  | { kind: 'greeting'; service: GreetedNumber }
  | { kind: 'service'; service: NumberConfig }
  | { kind: 'outside'; number: string; trunk: TrunkConfig }
  | { kind: 'reject'; status: number; why: string };

export interface RouterOptions {
  srf: Srf;
  directory: Directory;
  auth: DigestAuthenticator;
  throttle: AuthThrottle;
  legs: LegBuilder;
  overload: OverloadGuard;
  /** Session timers (RFC 4028): too brief an interval is refused here; the calls it connects keep theirs. */
  sessionTimers: SessionTimers;
  logger: Logger;
  /** Calls to service numbers: the contact center. */
  entrance: Entrance;
  /** Calls to a number that greets its callers, then rings its target. */
  greeting: Greeting;
  /** Feature codes an extension dials. */
  features: FeatureCodeHandler;
  /** Told when a call the switch connects is answered, and when it ends. */
  onAnswered: OnAnswered;
  /** Media for a direct call between a desk phone and a browser. */
  translator?: MediaTranslator;
  /** Where calls between phones are kept for attended transfers to find. */
  directCalls?: DirectCalls;
}

/** Attaches the router to drachtio-srf: from now on new INVITEs reach it. */
export function attachRouter(opts: RouterOptions): Router {
  const router = new Router(opts);
  // drachtio-srf takes a list of middleware for a method (lib/proto.js, app.use); its typings list one function.
  const use = opts.srf.use.bind(opts.srf) as unknown as (method: string, middleware: Middleware[]) => void;
  use('invite', router.middleware);
  return router;
}

export class Router {
  private stopping = false;
  /** The steps, in order, as drachtio-srf middleware. */
  readonly middleware: Middleware[];

  constructor(private readonly opts: RouterOptions) {
    const steps: InviteStep[] = [
      this.takeCall,
      this.overload,
      this.sessionInterval,
      authenticate({ directory: opts.directory, auth: opts.auth, throttle: opts.throttle }),
      this.featureCodes,
      this.route,
    ];
    this.middleware = steps.map((step) => middleware(step, opts.logger));
  }

  /** New calls are refused from now on; calls in progress go on. */
  stop(): void {
    this.stopping = true;
  }

  /** A stopping switch takes no new call; a call taken gets its logger. */
  private readonly takeCall: InviteStep = (req, res, next) => {
    if (this.stopping) {
      res.send(503);
      return;
    }
    startLocals(req, this.opts.logger.child({ callId: req.get('Call-ID') }));
    next();
  };

  /** The call gets a slot among the calls in progress, or is refused with 503 and Retry-After (./overload.ts). */
  private readonly overload: InviteStep = (req, res, next) => {
    const guard = this.opts.overload;
    if (guard.enabled) {
      const slot = guard.admit();
      if (!slot) {
        res.send(503, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
        return;
      }
      localsOf(req).slot = slot;
    }
    next();
  };

  /** An INVITE asking for a session interval shorter than our Min-SE gets 422 with it (RFC 4028 section 9). */
  private readonly sessionInterval: InviteStep = (req, res, next) => {
    const minSe = this.opts.sessionTimers.tooBrief(req);
    if (minSe === undefined) {
      next();
      return;
    }
    localsOf(req).log.info({ sessionExpires: req.get('Session-Expires'), minSe }, 'session interval too brief: 422');
    res.send(422, { headers: { 'Min-SE': String(minSe) } });
  };

  /** An extension's feature code goes to the handler; anything else, and every call from the trunk, on to route. */
  private readonly featureCodes: InviteStep = async (req, res, next) => {
    const caller = callerOf(req);
    const { features } = this.opts;
    const dialled = userPart(req.uri);
    const code = caller.fromTrunk ? undefined : features.match(dialled);
    if (!code) {
      next();
      return;
    }
    const { log } = localsOf(req);
    log.info({ from: caller.number, dialled, feature: code.kind }, 'feature code');
    await features.handle(req, res, caller.number, code, log);
  };

  /** Where the dialled number leads: the last step, it always ends the call here. */
  private readonly route: InviteStep = async (req, res) => {
    const caller = callerOf(req);
    const { log } = localsOf(req);
    const dialled = userPart(req.uri);
    const target = this.target(dialled, caller.fromTrunk);
    log.info({ from: caller.number, dialled, target: describe(target), source: req.source_address }, 'incoming call');
    // The extensions on the call once answered: whoever calls from one is on it too.
    const callingExtension = caller.fromTrunk ? [] : [caller.number];
    switch (target.kind) {
      case 'reject':
        res.send(target.status);
        return;
      case 'service':
        await this.opts.entrance.answer(req, res, caller, target.service, log);
        return;
      case 'greeting':
        await this.opts.greeting.answer(req, res, caller, target.service, log);
        return;
      case 'extension': {
        const { service } = target;
        const headers = presentationHeaders(service
          ? { number: caller.number, service: { name: service.service, dialled: service.number } }
          : { number: caller.number, ...(caller.name ? { display: caller.name } : {}) });
        const call = { ...this.b2bua(req, res, [target.extension, ...callingExtension]), callee: target.extension };
        await ringPhones(call, this.opts.legs.phones(target.extension, headers));
        return;
      }
      case 'outside': {
        // Only the dial-out policy's yes builds the leg (./dial-out.ts): 403 without it.
        const out = this.opts.legs.outside(target.number, {}, { callerClass: 'extension', extension: caller.number });
        if ('refused' in out) {
          res.send(out.refused === 'no-trunk' ? 404 : DIAL_OUT_REFUSED);
          return;
        }
        await bridge(this.b2bua(req, res, callingExtension), out.leg);
        return;
      }
    }
  };

  /** Where a dialled user part leads, given whether the call came from the trunk. */
  target(dialled: string, fromTrunk: boolean): CallTarget {
    const { directory } = this.opts;
    const service = directory.number(dialled);
    if (service?.target !== undefined) {
      return service.greeting
        ? { kind: 'greeting', service: { ...service, target: service.target } }
        : { kind: 'extension', extension: service.target, service };
    }
    if (service) return { kind: 'service', service };
    if (!fromTrunk && directory.extension(dialled)) return { kind: 'extension', extension: dialled };
    const outside = directory.externalNumber(dialled);
    if (!fromTrunk && outside && directory.outboundTrunk) return { kind: 'outside', number: outside, trunk: directory.outboundTrunk };
    return { kind: 'reject', status: 404, why: 'unknown number' };
  }

  /**
   * A call the switch connects itself: once answered, its extensions are on
   * it (onAnswered) and it holds its overload slot, until it ends.
   */
  private b2bua(req: Srf.SrfRequest, res: Srf.SrfResponse, onCall: readonly string[]): B2buaCall {
    const { log, slot } = localsOf(req);
    return {
      srf: this.opts.srf, req, res, log, sessionTimers: this.opts.sessionTimers,
      ...(this.opts.translator ? { translator: this.opts.translator } : {}),
      ...(this.opts.directCalls ? { directCalls: this.opts.directCalls } : {}),
      answered: () => {
        if (slot) slot.answered = true;
        const ended = this.opts.onAnswered(onCall, req.get('Call-ID'), log);
        return () => {
          slot?.release();
          return ended();
        };
      },
    };
  }
}

function describe(target: CallTarget): string {
  if (target.kind === 'extension') return `extension ${target.extension}${target.service ? ` (${target.service.service})` : ''}`;
  if (target.kind === 'greeting') return `greeting, then extension ${target.service.target} (${target.service.service})`;
  if (target.kind === 'service') return `service ${target.service.service}`;
  if (target.kind === 'outside') return `trunk ${target.trunk.name}`;
  return `reject ${target.status}: ${target.why}`;
}
