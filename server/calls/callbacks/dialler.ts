/**
 * The callback dialler: makes a booked callback when the ACD offers it to an
 * agent (the CallCenter hands it `offered-to-agent` for an entry of kind
 * `callback`). The caller's side (the dialogue, the booking) is beside it
 * (./dialogue.ts, ./booking.ts, ./queue-offer.ts); the ACD side (keeping
 * the place, retries, `callback-done`) is server/acd/callbacks.ts.
 *
 * 1. The agent is rung first (every desk phone and softphone registered
 *    for the extension at once, the first to answer taking the callback,
 *    or the mobile through the trunk) with the display name
 *    `"[Service] callback +4670..."` and X-Service, X-Dialled-Number,
 *    X-Callback-Number. The ACD owns the ring timeout as for calls.
 * 2. The agent answers: `offerAccepted`; the whisper plays to the agent
 *    only: a beep, the customer's number digit by digit, then "please
 *    hold" (no recorded prompt says "this is a callback for service X" yet:
 *    the service is in the display name and X-Service; the caller's "we
 *    will call you back on" is not for the agent). Then music while the
 *    customer is dialled.
 * 3. The customer is dialled: a caller from one of our extensions on that
 *    extension's phones; anyone else through the trunk (config trunks[0])
 *    with the company's caller id (`callerId`), as far as the dial-out
 *    policy allows (server/sip/dial-out.ts: a number it refuses is given
 *    up before the agent is rung, a call over its caps counts as not
 *    answered). The customer's phone rings at most the queue's
 *    `callbackRingSeconds` (default 30).
 * 4. Answer: both legs bridged through our media; when either hangs up the
 *    other is released and the ACD told `callEnded` (`ended`, then
 *    `callback-done` outcome `completed`).
 * 5. No answer, busy or unreachable: the agent's leg is released and the
 *    ACD told `callbackNoAnswer` (retry after `callbackRetrySeconds`, or
 *    after `callbackMaxAttempts` attempts `callback-done` outcome `failed`).
 * 6. The agent hung up before the customer answered (during the whisper, or
 *    while the customer's phone rang, which is then cancelled): the ACD is
 *    told `callbackAgentLeft`. That was the agent's choice, not the
 *    customer's: the callback goes back in line at its old place without
 *    using up one of the customer's attempts, and the agent has missed an
 *    offer.
 *
 * Every timer (the customer's ring time) runs on the injected clock; SIP is
 * reached through ../telephony.ts.
 */
import type { Logger } from 'pino';
import type { Endpoint } from '../../../media/port.js';
import { musicFile, promptFile, speakDigits } from '../../../media/speech.js';
import type { QueueEntry } from '../../acd/model.js';
import { SERVICE_HEADER, presentationHeaders } from '../../sip/legs.js';
import { DIAL_OUT_REFUSED, type Leg } from '../../sip/fork.js';
import type { DiallerServices } from '../services.js';
import { clockTimeout } from '../sleep.js';
import type { PlacedLeg } from '../telephony.js';
import { tellAcd } from '../tell-acd.js';
import type { CallbackEvent } from '../events.js';
import { callbackNumberOf, nationalNumber } from './dialogue.js';

export const DEFAULT_CALLBACK_RING_SECONDS = 30;

/** One callback being made: the agent's leg, then the customer's. */
class Attempt {
  readonly ring = new AbortController();
  private agentLeg?: PlacedLeg;
  private customerLeg?: PlacedLeg;
  private agentEp?: Endpoint;
  private customerEp?: Endpoint;
  /** Aborted when the agent hangs up (or we release everything). */
  readonly agentGone = new AbortController();
  private released = false;
  /** How far the ACD knows the attempt got: what to tell it if we fail. */
  private stage: 'offered' | 'accepted' | 'connected' = 'offered';
  private resolveEnded!: () => void;
  readonly ended = new Promise<void>((r) => { this.resolveEnded = r; });

  constructor(
    private readonly services: DiallerServices,
    readonly entry: QueueEntry,
    readonly agentId: string,
    readonly number: string,
    private readonly log: Logger,
  ) {}

  async run(): Promise<void> {
    try {
      await this.runSteps();
    } catch (err) {
      this.log.error({ err }, 'callback failed');
      await this.release();
      await this.afterFailure();
    } finally {
      await this.release();
    }
  }

  /**
   * Something of ours failed midway (no media port, an endpoint gone): the
   * ACD is told as for the nearest outcome, so the agent is not left reserved
   * or busy and the callback is not lost. After the answer and before the
   * customer is connected it counts as a dial attempt: retried after the
   * spacing, and given up after the last, so a failure that persists cannot
   * loop.
   */
  private async afterFailure(): Promise<void> {
    const { acd } = this.services;
    const entryId = this.entry.id;
    if (this.stage === 'offered') await this.tell(() => acd.offerRejected(entryId, this.agentId), 'offerRejected');
    else if (this.stage === 'accepted') await this.tell(() => acd.callbackNoAnswer(entryId), 'callbackNoAnswer');
    else await this.tell(() => acd.callEnded(entryId), 'callEnded');
  }

  private async runSteps(): Promise<void> {
    const { acd, telephony, prompts, clock, queues } = this.services;
    const entryId = this.entry.id;
    const agentLegs = this.agentLegs();
    if (agentLegs.length === 0) {
      this.log.warn('the agent has no phone to ring: offer refused');
      await this.tell(() => acd.offerRejected(entryId, this.agentId), 'offerRejected');
      return;
    }
    // 1. The agent first.
    const agentEp = await this.endpoint('agent');
    if (!agentEp) return; // stopped meanwhile
    this.agentEp = agentEp;
    this.emit({ type: 'callback-agent-ringing', at: clock.now(), entryId, agentId: this.agentId, uris: agentLegs.map((l) => l.uri) });
    const agent = await telephony.dial(agentLegs, this.agentEp, this.ring.signal, this.log);
    if (typeof agent === 'number') {
      if (this.ring.signal.aborted) return; // taken back by the ACD
      this.log.info({ status: agent }, 'the agent\'s phones refused the callback: a missed offer');
      await this.tell(() => acd.offerRejected(entryId, this.agentId), 'offerRejected');
      return;
    }
    if (agent.endpoint) {
      // The agent answered in the browser, on the WebRTC endpoint dial() made for it.
      const offered = this.agentEp;
      this.agentEp = this.watch(agent.endpoint, 'agent');
      await offered.destroy().catch(() => {});
      // Released while it rang: the swapped-in endpoint goes the same way.
      if (this.released) await this.agentEp.destroy().catch(() => {});
    }
    this.agentLeg = agent;
    agent.onHangup(() => { this.agentLeg = undefined; this.agentGone.abort(); void this.release(); });
    if (this.ring.signal.aborted || acd.entry(entryId)?.offeredTo !== this.agentId) return;
    try {
      await acd.offerAccepted(entryId, this.agentId);
    } catch (err) {
      this.log.info({ err: (err as Error).message }, 'answered after the offer was taken back');
      return;
    }
    this.stage = 'accepted';
    this.emit({ type: 'callback-agent-answered', at: clock.now(), entryId, agentId: this.agentId });
    // Hung up while the ACD took the answer: the endpoint is gone with the leg.
    if (this.agentGone.signal.aborted) {
      await this.agentLeft();
      return;
    }
    await this.agentEp.modify(agent.remoteSdp);

    // 2. The whisper, to the agent only.
    const language = this.entry.data.language ?? 'sv';
    const national = nationalNumber(this.number);
    const whisper = [promptFile(prompts, language, 'beep'), ...(national ? speakDigits(prompts, language, national) : []),
      promptFile(prompts, language, 'please_hold')];
    await this.agentEp.play(whisper).catch(() => {});
    if (this.agentGone.signal.aborted) {
      await this.agentLeft();
      return;
    }
    try {
      void this.agentEp.play(musicFile(prompts), { loop: true }).catch(() => {});
    } catch { /* no music */ }

    // 3. The customer: an extension's phones, or through the trunk.
    const customerLegs = this.customerLegs();
    if (typeof customerLegs === 'number') {
      await this.noAnswer(customerLegs);
      return;
    }
    const customerEp = await this.endpoint('customer');
    if (!customerEp) {
      await this.agentLeft(); // the agent hung up (or we stopped) while the endpoint was made
      return;
    }
    this.customerEp = customerEp;
    this.emit({ type: 'callback-dialling', at: clock.now(), entryId, agentId: this.agentId, number: this.number, uri: customerLegs[0]?.uri ?? '' });
    const ringOut = clockTimeout(clock, (queues.get(this.entry.queueId)?.callbackRingSeconds ?? DEFAULT_CALLBACK_RING_SECONDS) * 1000);
    const customer = await telephony.dial(customerLegs, this.customerEp, AbortSignal.any([this.agentGone.signal, ringOut.signal]), this.log)
      .finally(() => ringOut.cancel()); // answered or hung up early: no timer outlives the ringing
    if (typeof customer === 'number') {
      await (this.agentGone.signal.aborted ? this.agentLeft() : this.noAnswer(customer));
      return;
    }
    this.customerLeg = customer;
    this.stage = 'connected';
    customer.onHangup(() => { this.customerLeg = undefined; void this.release(); });
    if (this.agentGone.signal.aborted || this.released) {
      await this.tell(() => acd.callEnded(entryId), 'callEnded');
      return;
    }
    await this.customerEp.modify(customer.remoteSdp);
    await this.agentEp.bridge(this.customerEp);
    this.log.info('customer answered: callback connected');
    this.emit({ type: 'callback-connected', at: clock.now(), entryId, agentId: this.agentId, number: this.number });
    // 4. Until either hangs up.
    await this.ended;
    await this.tell(() => acd.callEnded(entryId), 'callEnded');
  }

  /**
   * An endpoint for one side; a side that stops sending RTP once answered
   * ends the callback (../line.ts). Undefined when everything was released
   * while it was being made: it is destroyed at once rather than left holding
   * its RTP ports.
   */
  private async endpoint(side: 'agent' | 'customer'): Promise<Endpoint | undefined> {
    const endpoint = await this.services.media.createEndpoint({});
    if (this.released) {
      await endpoint.destroy().catch(() => {});
      return undefined;
    }
    return this.watch(endpoint, side);
  }

  private watch(endpoint: Endpoint, side: 'agent' | 'customer'): Endpoint {
    endpoint.once('rtp-timeout', () => {
      this.log.warn({ side }, 'no RTP from one side: ending the callback');
      if (side === 'agent') this.agentGone.abort();
      void this.release();
    });
    return endpoint;
  }

  private async noAnswer(status: number): Promise<void> {
    this.log.info({ status }, 'the customer did not answer the callback');
    this.emit({ type: 'callback-no-answer', at: this.services.clock.now(), entryId: this.entry.id, agentId: this.agentId, number: this.number, status });
    await this.release();
    await this.tell(() => this.services.acd.callbackNoAnswer(this.entry.id), 'callbackNoAnswer');
  }

  private async agentLeft(): Promise<void> {
    this.log.info('the agent hung up before the customer answered: the callback goes back in line');
    this.emit({ type: 'callback-agent-left', at: this.services.clock.now(), entryId: this.entry.id, agentId: this.agentId, number: this.number });
    await this.release();
    await this.tell(() => this.services.acd.callbackAgentLeft(this.entry.id), 'callbackAgentLeft');
  }

  /** Releases both legs and endpoints; safe to call more than once. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.ring.abort();
    this.agentGone.abort();
    for (const leg of [this.agentLeg, this.customerLeg]) leg?.hangup();
    this.agentLeg = undefined;
    this.customerLeg = undefined;
    await Promise.all([this.agentEp?.destroy(), this.customerEp?.destroy()].map((p) => p?.catch(() => {})));
    this.resolveEnded();
  }

  /** The agent's devices: every registered phone, or the mobile through the trunk; none to ring: empty. */
  private agentLegs(): Leg[] {
    const profile = this.services.acd.profile(this.agentId);
    if (!profile) return [];
    const { number, entry } = this;
    const headers = presentationHeaders({
      number, display: `callback ${number}`, callbackNumber: number,
      service: { name: entry.data.service ?? '', dialled: entry.data.dialled ?? '' },
    });
    return this.services.legs.device(profile.device, headers);
  }

  /**
   * The customer's phones: a caller from one of our extensions on its
   * phones, anyone else out through the trunk with the company's caller id;
   * the status to count as not answered when there is no way to them.
   */
  private customerLegs(): Leg[] | number {
    const { legs } = this.services;
    const { number, entry } = this;
    const { service = '', dialled = '' } = entry.data;
    if (legs.isExtension(number)) {
      return legs.device({ kind: 'desk', extension: number },
        presentationHeaders({ number: dialled, display: 'callback', service: { name: service, dialled } }));
    }
    const out = legs.outside(number, service ? { [SERVICE_HEADER]: service } : {}, { callerClass: 'callback' });
    if ('leg' in out) return [out.leg];
    this.log.warn({ refused: out.refused }, 'no way out to the customer');
    return out.refused === 'no-trunk' ? 503 : DIAL_OUT_REFUSED;
  }

  private emit(e: CallbackEvent): void {
    this.services.emit(e);
  }

  private tell(op: () => Promise<void>, what: string): Promise<void> {
    return tellAcd(this.log, op, what);
  }
}

export class CallbackDialler {
  /** Callbacks in progress, by agent. */
  private readonly attempts = new Map<string, Attempt>();
  private readonly log: Logger;

  constructor(private readonly services: DiallerServices) {
    this.log = services.logger.child({ component: 'callbacks' });
  }

  get active(): number {
    return this.attempts.size;
  }

  /**
   * The ACD offered an entry to an agent: if it is a callback, make it and
   * answer true; false when the entry is not a callback.
   */
  offer(entryId: string, agentId: string): boolean {
    const { acd } = this.services;
    const entry = acd.entry(entryId);
    if (entry?.kind !== 'callback') return false;
    const number = callbackNumberOf(entry);
    const log = this.log.child({ entryId, agent: agentId, number });
    if (!number) {
      log.error('a callback without a number: given up');
      void tellAcd(log, () => acd.abandon(entryId), 'abandon');
      return true;
    }
    // Asked again before anyone is rung: the number may have been booked before the policy refused it.
    const { legs } = this.services;
    if (!legs.isExtension(number) && !legs.checkOutside(number, { callerClass: 'callback' }).allowed) {
      log.warn('the dial-out policy refuses the callback\'s number: given up');
      void tellAcd(log, () => acd.abandon(entryId), 'abandon');
      return true;
    }
    const previous = this.attempts.get(agentId);
    previous?.ring.abort();
    const attempt = new Attempt(this.services, entry, agentId, number, log);
    this.attempts.set(agentId, attempt);
    log.info('callback offered: ringing the agent first');
    void attempt.run().finally(() => {
      if (this.attempts.get(agentId) === attempt) this.attempts.delete(agentId);
    });
    return true;
  }

  /** The ACD took the offer back (ring timeout, ...): stop ringing the agent. */
  stopRinging(agentId: string): void {
    this.attempts.get(agentId)?.ring.abort();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.attempts.values()].map((a) => a.release()));
  }
}
