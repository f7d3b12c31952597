/**
 * The contact center: where the entrance (a service number answered with
 * our media), the IVR flows, the ACD and the agents' phones meet.
 *
 * - A call to a service number is answered with our media (./telephony.ts)
 *   and gets a CallSession (./session.ts), the one owner of that call,
 *   which runs the number's flow with the services built here
 *   (./services.ts): the session never sees this class.
 * - The ACD's `offered-to-agent` goes to the queue wait whose entry it is
 *   (./queue-wait.ts): it rings the agent; a callback's goes to the
 *   dialler (./callbacks/dialler.ts). An `agent-state` event moving a ringing agent from
 *   `reserved` to anything but `busy` (ring timeout, the caller left, ...)
 *   stops that ringing. On a shared store the engine here also tells of
 *   offers of our callers made, and ended, by other instances (`remote`).
 * - Log-in rule: an agent answering on the phone is logged in (ready) when
 *   a phone registers for their extension, and logged out when its last
 *   registration ends (after a call in progress and its wrap-up). An agent
 *   logged out by hand (the feature code *22, ./feature-codes.ts, or the
 *   API: ./agent-control.ts) stays logged out while the phone keeps
 *   registering, until logged in or made ready by hand or the last
 *   registration ends. At start-up every phone agent is logged out until a phone
 *   registers; mobile agents are logged in at start-up.
 *
 * Events for statistics, a CRM and tests: `center.on('event', e)` with the
 * IVR's events and the calls' own (CallEvent, ./events.ts).
 */
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Acd, AcdEvent, Clock } from '../acd/index.js';
import type { AgentProfile } from '../acd/model.js';
import type { Config } from '../../config/schema.js';
import type { MediaServer } from '../../media/port.js';
import type { PromptSet } from '../../media/speech.js';
import type { FlowLibrary } from '../ivr/loader.js';
import type { AnnouncementStore } from '../ivr/context.js';
import type { Flow } from '../ivr/flow.js';
import { normaliseDialled } from '../sip/numbers.js';
import type { Registrar } from '../sip/registrar.js';
import type { Caller } from '../sip/ports.js';
import type { AvalancheSource } from './avalanche.js';
import { AgentControl } from './agent-control.js';
import { CallbackDialler } from './callbacks/dialler.js';
import { FinishedCallbacks } from './callbacks/finished.js';
import type { CallEvent } from './events.js';
import { otherCallAnswered } from './other-calls.js';
import type { CallLegs, CallServices, HoursExceptions, NumberLeadsTo, OfferTarget, QueueLookup, QueueSettings } from './services.js';
import { CallSession, type DialledNumber, type SessionInit } from './session.js';
import type { CallLine, Telephony } from './telephony.js';

export type { CallEvent } from './events.js';

export interface CallCenterOptions {
  config: Pick<Config, 'queues' | 'numbers' | 'extensions'> & Partial<Pick<Config, 'ivr' | 'company' | 'hoursExceptions'>>;
  /** Answers callers and places our own calls (drachtio-srf: ./anchored-call.ts). */
  telephony: Telephony;
  /** Endpoints for the calls we place (callbacks). */
  media: Pick<MediaServer, 'createEndpoint'>;
  prompts: PromptSet;
  acd: Acd;
  clock: Clock;
  flows: Pick<FlowLibrary, 'forCall'>;
  registrar: Pick<Registrar, 'onChange' | 'contactsOf'>;
  /** Builds every leg the calls place (agents' phones, mobiles, the trunk). */
  legs: CallLegs;
  announcements: AnnouncementStore;
  /** Active avalanche messages by service (./avalanche.ts); none when absent. */
  avalanche?: AvalancheSource;
  logger: Logger;
  /**
   * Writes the ACD store's pending changes now (MemoryStore.flushSync): a
   * booked callback is on disk before the caller is told it is booked.
   */
  persistNow?: () => void | Promise<void>;
}

/** A caller answered with our media, and what they called. */
export interface AnsweredCall {
  callId: string;
  caller: SessionInit['caller'];
  number: DialledNumber;
  flow: Flow;
}

export class CallCenter extends EventEmitter<{ event: [CallEvent] }> {
  /** Who rings the agent for each ACD entry held here: the queue waits. */
  private readonly byEntry = new Map<string, OfferTarget>();
  /** Every live session. */
  private readonly sessions = new Set<CallSession>();
  /** Which queue wait rings which agent. */
  private readonly ringing = new Map<string, OfferTarget>();
  private queues: ReadonlyMap<string, QueueSettings> = new Map();
  private serviceQueues: ReadonlyMap<string, string> = new Map();
  private numberDestinations: (dialled: string) => NumberLeadsTo | undefined = () => undefined;
  private profiles: ReadonlyMap<string, AgentProfile> = new Map();
  private hoursExceptions: HoursExceptions | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  /** Agents' states changed by hand (feature codes, the API), with the registration rule's memory of hand log-outs. */
  readonly agents: AgentControl;
  /** Callbacks recently done (./callbacks/finished.ts). */
  readonly finishedCallbacks: FinishedCallbacks;
  /** Makes the callbacks the ACD offers to agents (./callbacks/dialler.ts). */
  readonly callbacks: CallbackDialler;
  /** What every call session is given (./services.ts). */
  readonly services: CallServices;

  constructor(private readonly opts: CallCenterOptions) {
    super();
    const { config, acd, legs, prompts, clock, logger } = opts;
    this.use(config);
    const emit = (e: CallEvent): void => this.emitEvent(e);
    const queues = {
      ofService: (service: string) => this.serviceQueues.get(service),
      ofNumber: (dialled: string) => this.numberDestinations(dialled),
      get: (id: string) => this.queues.get(id),
    };
    this.services = {
      acd, legs, prompts, clock, emit, queues,
      announcements: opts.announcements,
      ...(opts.avalanche ? { avalanche: opts.avalanche } : {}),
      alwaysOpen: opts.config.ivr?.alwaysOpen ?? false,
      offers: {
        track: (entryId, target) => { this.byEntry.set(entryId, target); },
        untrack: (entryId) => { this.byEntry.delete(entryId); },
      },
      otherCall: (extensions, callId, log) => otherCallAnswered(acd, extensions, callId, log),
      persistNow: () => this.persistNow(),
    };
    this.agents = new AgentControl({ acd, registrar: opts.registrar });
    this.finishedCallbacks = new FinishedCallbacks({ acd, clock });
    this.unsubscribe.push(this.finishedCallbacks.stop);
    this.callbacks = new CallbackDialler({
      acd, legs, prompts, clock, emit, queues, logger, media: opts.media, telephony: opts.telephony,
    });
    this.unsubscribe.push(acd.on((e) => this.onAcdEvent(e)));
    this.unsubscribe.push(opts.registrar.onChange((ext) => this.syncLogin(ext)));
  }

  /** Applies the log-in rule to every agent: after the ACD has started. */
  async start(): Promise<void> {
    for (const id of this.profiles.keys()) await this.applyLoginRule(id);
  }

  /**
   * Queues, service queues and agents as the running configuration says
   * now, after the ACD took them (Acd.reconfigure): calls that start from
   * now on see them. An agent added gets the log-in rule of the start.
   */
  async reconfigure(config: CallCenterOptions['config']): Promise<void> {
    const before = this.profiles;
    this.use(config);
    for (const id of this.profiles.keys()) if (!before.has(id)) await this.applyLoginRule(id);
  }

  private use(config: CallCenterOptions['config']): void {
    this.hoursExceptions = config.company && config.hoursExceptions
      ? { timezone: config.company.timezone, byService: config.hoursExceptions }
      : undefined;
    this.queues = new Map(config.queues.map((q) => [q.id, q]));
    const queued = config.numbers.flatMap((n) => (n.queue && n.target === undefined ? [{ ...n, queue: n.queue }] : []));
    this.serviceQueues = new Map(queued.map((n) => [n.service, n.queue]));
    const byNumber = new Map(config.numbers.flatMap((n): Array<[string, NumberLeadsTo]> => {
      if (n.target !== undefined) return [[n.number, { extension: n.target }]];
      return n.queue ? [[n.number, { queue: n.queue }]] : [];
    }));
    const countryCode = config.company?.countryCode;
    this.numberDestinations = (dialled) => {
      const e164 = normaliseDialled(dialled, countryCode);
      return e164 ? byNumber.get(e164) : undefined;
    };
    this.profiles = new Map(config.extensions.flatMap((e) => {
      const p = this.opts.acd.profile(e.extension);
      return p ? [[e.extension, p] as const] : [];
    }));
  }

  /** The queues and service queues of now, unchanged by a later version of the running configuration. */
  private queuesNow(): QueueLookup {
    const { queues, serviceQueues, numberDestinations } = this;
    return { ofService: (service) => serviceQueues.get(service), ofNumber: numberDestinations, get: (id) => queues.get(id) };
  }

  /** A mobile agent is logged in; a desk agent is logged in while a phone is registered. */
  private async applyLoginRule(id: string): Promise<void> {
    if (this.profiles.get(id)?.device.kind === 'mobile') await this.opts.acd.login(id);
    else await this.syncLoginNow(id);
  }

  /** Ends every call in progress and stops listening. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    await Promise.all([...this.sessions].map((s) => s.hangup()));
    await this.callbacks.stop();
  }

  get activeCalls(): number {
    return this.sessions.size + this.callbacks.active;
  }

  /** A call to a service number: answer it with our media and run its flow. */
  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: Caller, number: DialledNumber, log: Logger): Promise<void> {
    const flow = this.opts.flows.forCall({ dialled: number.number, service: number.service });
    if (!flow) {
      log.error({ service: number.service }, 'no IVR flow for this number or service, and no default flow');
      res.send(480);
      return;
    }
    const line = await this.opts.telephony.answer(req, res, log);
    if (!line) return;
    const { number: callerNumber, name, fromTrunk } = caller;
    const from = { number: callerNumber, ...(name ? { name } : {}), extension: !fromTrunk };
    await this.serve(line, { callId: req.get('Call-ID'), caller: from, number, flow }, log);
  }

  /** Runs the flow of a caller already answered with our media; returns when the call is over. */
  async serve(line: CallLine, call: AnsweredCall, log: Logger): Promise<void> {
    // The call keeps the queue settings it started with, as it keeps its flow.
    const hours = this.hoursExceptions;
    const session = new CallSession({ ...this.services, queues: this.queuesNow(), ...(hours ? { hoursExceptions: hours } : {}) }, line, call, log);
    this.sessions.add(session);
    try {
      await session.run();
    } finally {
      this.sessions.delete(session);
    }
  }

  /** Puts what the ACD store has pending on disk (a booked callback); a failure is logged. */
  private async persistNow(): Promise<void> {
    try {
      await this.opts.persistNow?.();
    } catch (err) {
      this.opts.logger.error({ err }, 'the ACD state could not be written');
    }
  }

  private emitEvent(event: CallEvent): void {
    try {
      this.emit('event', event);
    } catch (err) {
      this.opts.logger.error({ err }, 'a call event listener failed');
    }
  }

  // ---- ACD and registrations --------------------------------------------------

  private onAcdEvent(e: AcdEvent): void {
    if (e.type === 'offered-to-agent') {
      // A callback: its caller is gone; the dialler rings the agent, then dials the caller.
      // Only the instance that made the offer makes it: never one told of it (remote).
      if (!e.remote && this.callbacks.offer(e.entryId, e.agentId)) return;
      const wait = this.byEntry.get(e.entryId);
      if (!wait) {
        // Another instance's caller (that instance rings) or already gone.
        return;
      }
      this.ringing.set(e.agentId, wait);
      void wait.ringAgent(e.agentId);
    } else if (e.type === 'agent-state' && e.previous === 'reserved') {
      const wait = this.ringing.get(e.agentId);
      this.ringing.delete(e.agentId);
      if (wait && e.state !== 'busy') wait.stopRinging(e.agentId);
      if (e.state !== 'busy') this.callbacks.stopRinging(e.agentId);
    }
  }

  private syncLogin(extension: string): void {
    this.syncLoginNow(extension).catch((err: unknown) => this.opts.logger.error({ err, extension }, 'automatic log-in failed'));
  }

  private async syncLoginNow(extension: string): Promise<void> {
    const profile = this.profiles.get(extension);
    if (!profile || profile.device.kind === 'mobile') return;
    const { acd, logger } = this.opts;
    const live = this.agents.canBeRung(extension);
    const state = acd.agent(extension)?.state ?? 'logged-out';
    const { loggedOutByHand } = this.agents;
    if (!live) loggedOutByHand.delete(extension); // a fresh registration later logs in again
    if (live && loggedOutByHand.has(extension)) return;
    if (live && acd.agent(extension)?.next?.state === 'logged-out') {
      await acd.ready(extension); // back before the log-out took effect: cancel it
    } else if (live && state === 'logged-out') {
      logger.info({ agent: extension }, 'phone registered: agent logged in');
      await acd.login(extension);
    } else if (!live && state !== 'logged-out' && !acd.agent(extension)?.next) {
      logger.info({ agent: extension }, 'no phone registered: agent logged out');
      await acd.logout(extension);
    }
  }
}
