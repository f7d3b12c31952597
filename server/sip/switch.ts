/**
 * The switch on drachtio-srf: who is who (directory), the registrar, every
 * outbound leg and overload protection, with REGISTER and OPTIONS wired by
 * SIP method in drachtio-srf's own idiom. Calls (INVITE) reach the router
 * (./router.ts) once the app attaches it, last, when everything the router
 * calls up through is up.
 *
 * In front of them all, the throttle's front door (./throttle.ts): a new
 * request from a blocked address or a scanner is dropped unanswered before
 * any work. The embedded SIP server asks the same door before it keeps any
 * state for the request (server/app.ts); with a real drachtio-server this
 * middleware is the door.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { DigestAuthenticator } from './digest.js';
import { Directory } from './directory.js';
import { Registrar, type SharedBindings } from './registrar.js';
import { OverloadGuard, callsTheMediaCarries } from './overload.js';
import { LegBuilder } from './legs.js';
import { createThrottle, type AuthThrottle } from './throttle.js';
import { DialOutPolicy } from './dial-out.js';
import { DirectCalls } from './direct-calls.js';
import { SessionTimers, type Timers } from './session-timer.js';

export interface Switch {
  directory: Directory;
  /** Digest authentication of the extensions, for REGISTER and INVITE alike. */
  auth: DigestAuthenticator;
  /** Failed authentications and scanners: blocked addresses, slowed-down user names (sip.throttle). */
  throttle: AuthThrottle;
  registrar: Registrar;
  /** Every outbound leg and what its callee is shown (./legs.ts). */
  legs: LegBuilder;
  /** Whether a call may leave through the trunk; its `alarm` event reports every refusal (./dial-out.ts). */
  dialOut: DialOutPolicy;
  /** Refuses new calls when the switch is overloaded (sip.maxConcurrentCalls, by default what the RTP ports carry; sip.maxEventLoopDelayMs). */
  overload: OverloadGuard;
  /** Session timers (RFC 4028) on every call the switch is party to (sip.sessionTimers). */
  sessionTimers: SessionTimers;
  /** Calls between phones the switch connects, for attended transfers to find. */
  directCalls: DirectCalls;
  stop(): void;
}

export interface SwitchOptions {
  /** Time for the session timers: the calls' and the ACD's clock. */
  clock: Timers;
  /** Made beforehand when the embedded SIP server must ask it too; default a new one. */
  throttle?: AuthThrottle;
  /** Several instances on one Redis: the registrations the others took. */
  sharedBindings?: SharedBindings;
}

export function createSwitch(srf: Srf, config: Config, logger: Logger, opts: SwitchOptions): Switch {
  const throttle = opts.throttle ?? createThrottle(config, logger);
  const log = logger.child({ component: 'switch' });
  const directory = new Directory(config);
  const auth = new DigestAuthenticator({ realm: config.sip.domain, ...config.sip.digest });
  const registrar = new Registrar({
    directory, auth, throttle, expiry: config.sip.registration, logger: log,
    ...(opts.sharedBindings ? { shared: opts.sharedBindings } : {}),
  });
  const overload = new OverloadGuard({
    maxConcurrentCalls: config.sip.maxConcurrentCalls ?? callsTheMediaCarries(config.rtp),
    maxEventLoopDelayMs: config.sip.maxEventLoopDelayMs,
    logger: log,
  });
  overload.start();
  const sessionTimers = new SessionTimers(config.sip.sessionTimers, opts.clock);
  const dialOut = new DialOutPolicy({ config: config.dialOut, countryCode: config.company.countryCode, logger: log });
  const legs = new LegBuilder({
    registrar, domain: config.sip.domain, trunk: () => directory.outboundTrunk, policy: dialOut,
    isExtension: (id) => directory.extension(id) !== undefined,
  });

  srf.use((req, _res, next) => {
    if (throttle.admits(req.source_address, req.get('User-Agent'))) next();
  });
  srf.use('register', (req, res) => {
    registrar.handle(req, res).catch((err: unknown) => {
      log.error({ err, callId: req.get('Call-ID') }, 'REGISTER failed');
      if (!res.finalResponseSent) res.send(500);
    });
  });
  srf.use('options', (_req, res) => res.send(200, { headers: { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, REFER, NOTIFY' } }));

  const stop = (): void => {
    registrar.stop();
    overload.stop();
    sessionTimers.stop();
  };
  return { directory, auth, throttle, registrar, legs, dialOut, overload, sessionTimers, directCalls: new DirectCalls(), stop };
}
