/**
 * The contact center: where the entrance (a service number answered with
 * our media), the IVR flows, the ACD and the agents' phones meet.
 *
 * - A call to a service number gets a CallSession (./session.ts), the one
 *   owner of that call, which runs the number's flow.
 * - The ACD's `offered-to-agent` goes to the session whose entry it is: it
 *   rings the agent. An `agent-state` event moving a ringing agent from
 *   `reserved` to anything but `busy` (ring timeout, the caller left, ...)
 *   stops that ringing. On a shared store the engine here also tells of
 *   offers of our callers made, and ended, by other instances (`remote`).
 * - Log-in rule: an agent answering on the phone is logged in (ready) when
 *   a phone registers for their extension, and logged out when its last
 *   registration ends (after a call in progress and its wrap-up). An agent
 *   who logged out with the feature code (*22, ./feature-codes.ts) stays
 *   logged out while the phone keeps registering, until *21 / *24 or the
 *   last registration ends. At start-up every phone agent is logged out until a phone
 *   registers; mobile agents are logged in at start-up.
 *
 * Events for statistics, a CRM and tests: `center.on('event', e)` with the
 * IVR's events and the session's own (CallEvent).
 */
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Acd, AcdEvent, Clock } from '../acd/index.js';
import type { AgentProfile } from '../acd/model.js';
import type { Config, NumberConfig, QueueConfigEntry } from '../../config/schema.js';
import type { MediaServer } from '../../media/port.js';
import type { PromptSet } from '../../media/speech.js';
import type { FlowLibrary } from '../ivr/loader.js';
import type { AnnouncementStore, IvrEvent } from '../ivr/context.js';
import type { Directory } from '../sip/directory.js';
import type { Registrar } from '../sip/registrar.js';
import type { LegBuilder } from '../sip/legs.js';
import { CallSession } from './session.js';
import type { AvalancheSource } from './avalanche.js';
import { CallbackDialler, type CallbackEvent } from './callbacks.js';

/** What happened to a call beyond the IVR's own events. */
export type CallEvent =
  | IvrEvent
  | { type: 'call-started'; at: number; callId: string; caller: string; dialled: string; service: string; flow: string }
  | { type: 'queue-announcement'; at: number; callId: string; entryId: string; position: number; waitSeconds: number }
  /** A brand message started playing to a waiting caller (./queue-experience.ts). */
  | { type: 'brand-message-played'; at: number; callId: string; entryId: string; slot: string }
  /** `uris`: every phone rung at once for the agent (one for a mobile). */
  | { type: 'agent-ringing'; at: number; callId: string; entryId: string; agentId: string; uris: string[] }
  | { type: 'agent-connected'; at: number; callId: string; entryId: string; agentId: string }
  | { type: 'call-ended'; at: number; callId: string; by: string }
  | CallbackEvent;

export interface CallCenterOptions {
  config: Config;
  srf: Srf;
  media: MediaServer;
  prompts: PromptSet;
  acd: Acd;
  clock: Clock;
  flows: FlowLibrary;
  registrar: Registrar;
  directory: Directory;
  /** Builds every leg the calls place (agents' phones, mobiles, the trunk). */
  legs: LegBuilder;
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

export class CallCenter extends EventEmitter<{ event: [CallEvent] }> {
  /** Sessions by ACD entry id. */
  private readonly byEntry = new Map<string, CallSession>();
  /** Every live session. */
  private readonly sessions = new Set<CallSession>();
  /** Which session rings which agent. */
  private readonly ringing = new Map<string, CallSession>();
  readonly queues: ReadonlyMap<string, QueueConfigEntry>;
  private readonly serviceQueues = new Map<string, string>();
  private readonly profiles: Map<string, AgentProfile>;
  private readonly unsubscribe: Array<() => void> = [];
  /** Agents who logged out with the feature code (*22): registering does not log them in again (./feature-codes.ts). */
  readonly loggedOutByCode = new Set<string>();
  /** Makes the callbacks the ACD offers to agents (./callbacks.ts). */
  readonly callbacks: CallbackDialler;

  constructor(readonly opts: CallCenterOptions) {
    super();
    this.queues = new Map(opts.config.queues.map((q) => [q.id, q]));
    for (const n of opts.config.numbers) if (n.queue && n.target === undefined) this.serviceQueues.set(n.service, n.queue);
    this.profiles = new Map(opts.config.extensions.flatMap((e) => {
      const p = opts.acd.profile(e.extension);
      return p ? [[e.extension, p] as const] : [];
    }));
    this.callbacks = new CallbackDialler(opts, (e) => this.emitEvent(e));
    this.unsubscribe.push(opts.acd.on((e) => this.onAcdEvent(e)));
    this.unsubscribe.push(opts.registrar.onChange((ext) => this.syncLogin(ext)));
  }

  /** Applies the log-in rule to every agent: after the ACD has started. */
  async start(): Promise<void> {
    for (const [id, profile] of this.profiles) {
      if (profile.device.kind === 'mobile') await this.opts.acd.login(id);
      else await this.syncLoginNow(id);
    }
  }

  /** Ends every call in progress and stops listening. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    await Promise.all([...this.sessions].map((s) => s.hangup()));
    await this.callbacks.stop();
  }

  /** @internal Puts what the ACD store has pending on disk (a booked callback). */
  async persistNow(): Promise<void> {
    try {
      await this.opts.persistNow?.();
    } catch (err) {
      this.opts.logger.error({ err }, 'the ACD state could not be written');
    }
  }

  get activeCalls(): number {
    return this.sessions.size + this.callbacks.active;
  }

  /** The queue a service's calls wait in when the flow's queue node names none. */
  queueOfService(service: string): string | undefined {
    return this.serviceQueues.get(service);
  }

  /** A call to a service number: answer it with our media and run its flow. */
  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: { number: string; name?: string }, number: NumberConfig,
    log: Logger): Promise<void> {
    const flow = this.opts.flows.forCall({ dialled: number.number, service: number.service });
    if (!flow) {
      log.error({ service: number.service }, 'no IVR flow for this number or service, and no default flow');
      res.send(480);
      return;
    }
    const session = new CallSession(this, { req, caller, number, flow, log });
    this.sessions.add(session);
    try {
      await session.run(req, res);
    } finally {
      this.sessions.delete(session);
    }
  }

  // ---- for sessions -----------------------------------------------------------

  /** @internal */ track(entryId: string, session: CallSession): void {
    this.byEntry.set(entryId, session);
  }

  /** @internal */ untrack(entryId: string): void {
    this.byEntry.delete(entryId);
  }

  /** @internal */ emitEvent(event: CallEvent): void {
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
      const session = this.byEntry.get(e.entryId);
      if (!session) {
        // Another instance's caller (that instance rings) or already gone.
        return;
      }
      this.ringing.set(e.agentId, session);
      void session.ringAgent(e.agentId);
    } else if (e.type === 'agent-state' && e.previous === 'reserved') {
      const session = this.ringing.get(e.agentId);
      this.ringing.delete(e.agentId);
      if (session && e.state !== 'busy') session.stopRinging(e.agentId);
      if (e.state !== 'busy') this.callbacks.stopRinging(e.agentId);
    }
  }

  private syncLogin(extension: string): void {
    this.syncLoginNow(extension).catch((err: unknown) => this.opts.logger.error({ err, extension }, 'automatic log-in failed'));
  }

  private async syncLoginNow(extension: string): Promise<void> {
    const profile = this.profiles.get(extension);
    if (!profile || profile.device.kind === 'mobile') return;
    const { acd, registrar, logger } = this.opts;
    const live = registrar.contactsOf(extension).length > 0;
    const state = acd.agent(extension)?.state ?? 'logged-out';
    if (!live) this.loggedOutByCode.delete(extension); // a fresh registration later logs in again
    if (live && this.loggedOutByCode.has(extension)) return;
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
