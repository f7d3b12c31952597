/**
 * Inbound INVITEs: who is calling (the operator trunk, by source address, or
 * an agent extension, by digest authentication), where the call goes, and
 * the B2BUA that connects it.
 *
 * A service number runs its IVR flow in a call session (the entrance,
 * server/calls/center.ts), unless it names a `target` extension to ring
 * directly. Only an authenticated extension may call out through the trunk; trunk
 * traffic never goes back out of it. An extension's feature codes (*21 ...)
 * go to server/calls/feature-codes.ts. An ACD agent on such a call, called or
 * calling, is offered no queue call from answer to hang-up
 * (server/calls/other-calls.ts). When the switch is overloaded a new call
 * is refused with 503 before any of this (server/sip/overload.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { NumberConfig, TrunkConfig } from '../../config/schema.js';
import type { Acd } from '../acd/index.js';
import type { DigestAuthenticator } from './digest.js';
import type { Directory } from './directory.js';
import type { MediaServer } from '../../media/port.js';
import { musicFile, promptFile, type PromptSet } from '../../media/speech.js';
import { AnchoredCall } from '../calls/anchored-call.js';
import { fork, type Leg } from './fork.js';
import { presentationHeaders, type LegBuilder } from './legs.js';
import type { FeatureCodeHandler } from '../calls/feature-codes.js';
import { otherCallAnswered, type OtherCallEnd } from '../calls/other-calls.js';
import { RETRY_AFTER_SECONDS, type CallSlot, type OverloadGuard } from './overload.js';

export type CallTarget =
  | { kind: 'extension'; extension: string; service?: NumberConfig }
  | { kind: 'service'; service: NumberConfig }
  | { kind: 'outside'; number: string; trunk: TrunkConfig }
  | { kind: 'reject'; status: number; why: string };

export interface CallRouterOptions {
  srf: Srf;
  directory: Directory;
  auth: DigestAuthenticator;
  media: MediaServer;
  prompts: PromptSet;
  logger: Logger;
  /** Refuses new calls when the switch is overloaded; none: every call is taken. */
  overload?: OverloadGuard;
  legs: LegBuilder;
}

/** Where calls to service numbers without a target go: the contact center (server/calls/center.ts). */
export interface Entrance {
  answer(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: { number: string; name?: string }, number: NumberConfig, log: Logger): Promise<void>;
}

/** How long the greeting waits for a key after the welcome prompt. */
const GREETING_KEY_TIMEOUT_MS = 2_000;

export class CallRouter {
  /** Set by the app once the contact center is up; until then service numbers get 503. */
  entrance: Entrance | undefined;
  /** Feature codes an extension dials (*21 log in, *77 record ...): set by the app (server/calls/feature-codes.ts). */
  features: FeatureCodeHandler | undefined;
  /** Told when an agent's extension is on a call, so the agent is offered no queue call meanwhile: set by the app once it has started. */
  acd: Acd | undefined;
  /** Each call's overload slot, for answered() to keep it past the routing. */
  private readonly slots = new WeakMap<Srf.SrfRequest, CallSlot>();

  constructor(private readonly opts: CallRouterOptions) {}

  readonly handle = async (req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> => {
    const { overload } = this.opts;
    if (!overload?.enabled) return this.routeCall(req, res);
    const slot = overload.admit();
    if (!slot) {
      res.send(503, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
      return;
    }
    this.slots.set(req, slot);
    try {
      await this.routeCall(req, res);
    } finally {
      // An answered call keeps its slot until it ends (answered()); any other is over once routed.
      if (!slot.answered) slot.release();
    }
  };

  private async routeCall(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const log = this.opts.logger.child({ callId: req.get('Call-ID') });
    const caller = this.identify(req, res, log);
    if (!caller) return;
    const dialled = userPart(req.uri);
    const feature = caller.fromTrunk ? undefined : this.features?.match(dialled);
    if (feature && this.features) {
      log.info({ from: caller.number, dialled, feature: feature.kind }, 'feature code');
      await this.features.handle(req, res, caller.number, feature, log);
      return;
    }
    const target = this.route(dialled, caller.fromTrunk);
    log.info({ from: caller.number, dialled, target: describe(target), source: req.source_address }, 'incoming call');
    // The extensions on the call once answered: whoever calls from one is on it too.
    const callingExtension = caller.fromTrunk ? [] : [caller.number];
    switch (target.kind) {
      case 'reject':
        res.send(target.status);
        return;
      case 'extension':
        await this.toExtension(req, res, target.extension, caller.number, caller.name, target.service,
          [target.extension, ...callingExtension], log);
        return;
      case 'service':
        if (!this.entrance) {
          res.send(503);
          return;
        }
        await this.entrance.answer(req, res, { number: caller.number, ...(caller.name ? { name: caller.name } : {}) }, target.service, log);
        return;
      case 'outside':
        await this.toTrunk(req, res, target.number, callingExtension, log);
        return;
    }
  }

  /** Where a dialled user part leads, given whether the call came from the trunk. */
  route(dialled: string, fromTrunk: boolean): CallTarget {
    const { directory } = this.opts;
    const service = directory.number(dialled);
    if (service?.target !== undefined) return { kind: 'extension', extension: service.target, service };
    if (service) return { kind: 'service', service };
    if (!fromTrunk && directory.extension(dialled)) return { kind: 'extension', extension: dialled };
    const outside = directory.externalNumber(dialled);
    if (!fromTrunk && outside && directory.outboundTrunk) return { kind: 'outside', number: outside, trunk: directory.outboundTrunk };
    return { kind: 'reject', status: 404, why: 'unknown number' };
  }

  private identify(req: Srf.SrfRequest, res: Srf.SrfResponse, log: Logger):
    { number: string; name?: string; fromTrunk: boolean } | undefined {
    const { directory, auth } = this.opts;
    if (directory.trunkFor(req.source_address)) {
      const from = req.getParsedHeader('From');
      return { number: userPart(from.uri), fromTrunk: true };
    }
    const result = auth.verify(req.get('Proxy-Authorization'), 'INVITE', (u) => directory.passwordOf(u));
    if (result.ok) {
      return { number: result.username, name: directory.extension(result.username)?.name, fromTrunk: false };
    }
    if (result.reason === 'missing' || result.reason === 'stale' || result.reason === 'malformed') {
      res.send(407, { headers: { 'Proxy-Authenticate': auth.challenge(result.reason === 'stale') } });
    } else {
      log.warn({ source: req.source_address, reason: result.reason }, 'call refused: wrong credentials');
      res.send(403);
    }
    return undefined;
  }

  private async toExtension(req: Srf.SrfRequest, res: Srf.SrfResponse, extension: string, callerNumber: string,
    callerName: string | undefined, service: NumberConfig | undefined, onCall: readonly string[], log: Logger): Promise<void> {
    const headers = presentationHeaders(service
      ? { number: callerNumber, service: { name: service.service, dialled: service.number } }
      : { number: callerNumber, ...(callerName ? { display: callerName } : {}) });
    if (service?.greeting) {
      await this.greetThenConnect(req, res, extension, headers, onCall, log);
      return;
    }
    const legs = this.opts.legs.phones(extension, headers);
    if (legs.length === 0) {
      log.info({ extension }, 'extension not registered');
      res.send(480);
      return;
    }
    if (!req.body) {
      // Without the caller's offer there is nothing to offer every phone at once: the most recent one rings.
      await this.bridge(req, res, legs[0]!.uri, { headers: legs[0]!.headers, proxy: legs[0]!.proxy }, onCall, log);
      return;
    }
    await this.connectFirst(req, res, legs, onCall, log);
  }

  /**
   * Rings every leg with the caller's own offer and connects the caller to
   * the first that answers, SDP passing straight through; whichever side
   * hangs up ends the other. Ringing reaches the caller as one plain 180:
   * early media is not passed on, since only one phone's could be.
   */
  private async connectFirst(req: Srf.SrfRequest, res: Srf.SrfResponse, legs: readonly Leg[], onCall: readonly string[],
    log: Logger): Promise<void> {
    const { srf } = this.opts;
    const callerLeft = new AbortController();
    // The SIP server has already answered the CANCEL and the INVITE (487).
    req.on('cancel', () => callerLeft.abort());
    let ringing = false;
    const result = await fork(srf, legs, {
      localSdp: req.body, signal: callerLeft.signal, log,
      onProvisional: (provisional) => {
        if (ringing || provisional.status < 180 || res.finalResponseSent || callerLeft.signal.aborted) return;
        ringing = true;
        res.send(180);
      },
    });
    if ('status' in result) {
      if (callerLeft.signal.aborted) log.info('caller gave up before an answer');
      else if (!res.finalResponseSent) res.send(result.status);
      return;
    }
    const callee = result.dialog;
    // The phone may hang up while the caller's 200 OK is still on its way: listen from now on.
    let calleeGone = false;
    let caller: Srf.Dialog | undefined;
    let ended: (() => Promise<void>) | undefined;
    callee.on('destroy', () => {
      calleeGone = true;
      if (!caller) return;
      log.info('callee hung up');
      caller.destroy(undefined, () => {});
      void ended?.();
    });
    try {
      if (callerLeft.signal.aborted) throw new Error('cancelled');
      caller = await srf.createUAS(req, res, { localSdp: callee.remote.sdp });
    } catch {
      log.info('caller gave up as the phone answered');
      if (!calleeGone) callee.destroy(undefined, () => {});
      return;
    }
    if (calleeGone) {
      log.info('callee hung up as the call was answered');
      caller.destroy(undefined, () => {});
      return;
    }
    log.info({ uri: result.leg.uri }, 'call answered');
    ended = this.answered(req, onCall, log);
    caller.on('destroy', () => {
      log.info('caller hung up');
      callee.destroy(undefined, () => {});
      void ended?.();
    });
  }

  /**
   * Answers with our media, plays the welcome prompt and takes one key (a
   * placeholder until IVR flows exist), then rings every phone of the
   * extension with the caller hearing music, and bridges the media of the
   * first to answer.
   */
  private async greetThenConnect(req: Srf.SrfRequest, res: Srf.SrfResponse, extension: string,
    headers: Record<string, string>, onCall: readonly string[], log: Logger): Promise<void> {
    const { srf, media, prompts, legs } = this.opts;
    const call = new AnchoredCall(srf, media, log);
    if (!(await call.answer(req, res))) return;
    const greeting = await call.caller.playCollect({
      file: promptFile(prompts, 'sv', 'welcome'), max: 1, timeout: GREETING_KEY_TIMEOUT_MS,
    });
    log.info({ key: greeting.digits || undefined, reason: greeting.reason }, 'greeting done');
    if (!call.active) return;
    void call.caller.play(musicFile(prompts), { loop: true }).catch(() => {});
    const status = await call.connect(legs.phones(extension, headers));
    if (status === undefined) {
      if (call.active) void call.done.then(this.answered(req, onCall, log));
      return;
    }
    if (!call.active) return;
    log.info({ extension, status }, 'no agent answered: goodbye');
    await call.caller.play(promptFile(prompts, 'sv', 'all_agents_busy')).catch(() => {});
    await call.hangup();
  }

  private async toTrunk(req: Srf.SrfRequest, res: Srf.SrfResponse, number: string, onCall: readonly string[],
    log: Logger): Promise<void> {
    const leg = this.opts.legs.outside(number, {});
    if (!leg) {
      res.send(404);
      return;
    }
    await this.bridge(req, res, leg.uri, { headers: leg.headers, auth: leg.auth }, onCall, log);
  }

  /**
   * One B2BUA leg pair; whichever side hangs up ends the other. Resolves
   * with the callee's failure status, or undefined once connected.
   */
  private async bridge(req: Srf.SrfRequest, res: Srf.SrfResponse, uri: string, opts: Srf.CreateB2BUAOptions,
    onCall: readonly string[], log: Logger): Promise<number | undefined> {
    try {
      const { uas, uac } = await this.opts.srf.createB2BUA(req, res, uri, opts);
      log.info({ uri }, 'call answered');
      const ended = this.answered(req, onCall, log);
      uas.on('destroy', () => {
        log.info('caller hung up');
        uac.destroy();
        void ended();
      });
      uac.on('destroy', () => {
        log.info('callee hung up');
        uas.destroy();
        void ended();
      });
      return undefined;
    } catch (err) {
      const status = (err as { status?: number }).status;
      log.info({ uri, status: status ?? String(err) }, 'call not connected');
      return status ?? 500;
    }
  }

  /** The call is answered: its agents are on it for the ACD, and it holds its overload slot, until it ends. */
  private answered(req: Srf.SrfRequest, onCall: readonly string[], log: Logger): OtherCallEnd {
    const slot = this.slots.get(req);
    if (slot) slot.answered = true;
    const end = otherCallAnswered(this.acd, onCall, req.get('Call-ID'), log);
    if (!slot) return end;
    return () => {
      slot.release();
      return end();
    };
  }
}

function userPart(uri: string): string {
  return /^(?:sips?|tel):([^@;?]+)/.exec(uri)?.[1] ?? '';
}

function describe(target: CallTarget): string {
  if (target.kind === 'extension') return `extension ${target.extension}${target.service ? ` (${target.service.service})` : ''}`;
  if (target.kind === 'service') return `service ${target.service.service}`;
  if (target.kind === 'outside') return `trunk ${target.trunk.name}`;
  return `reject ${target.status}: ${target.why}`;
}
