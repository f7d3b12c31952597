/**
 * One stay in a queue: from enqueue until an agent answers, the caller
 * hangs up, takes a callback, or the maximum wait passes.
 *
 * - The call enters the ACD with its data (caller, dialled number, service,
 *   the flow's variables; an agent's extension for a personal queue: the
 *   call waits for that agent first and overflows to the queue after the
 *   queue's `personalOverflowSeconds`, which the ACD times) and hears the
 *   queue experience (./queue-experience.ts) and, when the flow offers it,
 *   the callback offer (./callbacks/queue-offer.ts), one message at a
 *   time through one Speaker (./speaker.ts).
 * - `offered-to-agent` (delivered by the CallCenter): the agent's phones
 *   ring, every desk phone and softphone registered for the extension at
 *   once (server/sip/fork.ts), or the mobile through the trunk, with
 *   `"[Service] +4670..."` as display name and X-Service,
 *   X-Dialled-Number, X-Wait-Seconds. The caller keeps the music. The ACD
 *   owns the ring timeout: when it takes the offer back all ringing is
 *   cancelled. The first phone to answer: `offerAccepted`, media bridged,
 *   the others stop ringing. When all have refused (busy, declined,
 *   unreachable): `offerRejected`, once.
 * - The maximum wait (`maxWaitSeconds`, on the call's clock): the entry
 *   leaves the ACD as overflowed, not abandoned, and the flow goes on.
 * - The caller hangs up (the flow's node is killed): the entry leaves the
 *   ACD as abandoned, and any ringing stops. A booked callback stays.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { TimerHandle } from '../acd/index.js';
import type { EnqueueRequest, EnqueueResult, QueueExperience } from '../ivr/context.js';
import type { Leg } from '../sip/fork.js';
import { entryData, shownToCallee, type CallerSide } from './caller.js';
import { confirmBooked } from './callbacks/booking.js';
import { CALLBACK_NUMBER_KEY } from './callbacks/dialogue.js';
import { offerCallbackInQueue, type CallbackWait } from './callbacks/queue-offer.js';
import { playQueueExperience, queueMusic } from './queue-experience.js';
import type { CallServices, OfferTarget, QueueSettings } from './services.js';
import { Speaker } from './speaker.js';
import { tellAcd } from './tell-acd.js';
import { reportUnreachableTrunk } from './trunk.js';

/** The agent being rung; `done` settles when that ringing is over. One at a time: the ACD offers an entry to one agent. */
interface Ringing {
  agentId: string;
  ring: AbortController;
  done: Promise<void>;
}

export class QueueWait implements OfferTarget, CallbackWait {
  readonly entryId = randomUUID();
  private readonly ended = new AbortController();
  private listeningTo = new AbortController();
  /** What the caller hears while listening, one message at a time (a new one after the callback dialogue). */
  private saying!: Speaker;
  private resolve!: (result: EnqueueResult) => void;
  private readonly outcome = new Promise<EnqueueResult>((resolve) => { this.resolve = resolve; });
  private ringing?: Ringing;
  /** The entry became a callback: it must not be abandoned when the call ends. */
  private callbackBooked = false;
  private readonly log: Logger;

  constructor(
    private readonly services: CallServices,
    private readonly caller: CallerSide,
    readonly queueId: string,
    private readonly queue: QueueSettings,
    private readonly request: EnqueueRequest,
  ) {
    this.log = caller.logger.child({ entryId: this.entryId, queue: queueId });
  }

  get over(): AbortSignal {
    return this.ended.signal;
  }

  get listening(): AbortSignal {
    return this.listeningTo.signal;
  }

  get speaker(): Speaker {
    return this.saying;
  }

  /** Ends the stay with `result` (the first result counts). */
  settle(result: EnqueueResult): void {
    if (this.ended.signal.aborted) return;
    this.ended.abort();
    this.resolve(result);
  }

  /**
   * The agent whose personal queue the call waits in. One who is no agent
   * (a CRM's answer or keyed digits naming nobody) would have the caller wait
   * the personal time for nobody: an ordinary queue call instead.
   */
  private personalAgent(): string | undefined {
    const id = this.request.personalAgentId;
    if (id === undefined || this.services.acd.profile(id)) return id;
    this.log.warn({ personalAgent: id }, 'no agent has this extension: queued as an ordinary call');
    return undefined;
  }

  /** Enters the ACD and waits; resolves when the stay is over and the ACD has been told how. */
  async run(signal: AbortSignal): Promise<EnqueueResult> {
    const { acd, offers, clock } = this.services;
    const { request, entryId, queueId } = this;
    const enqueuedAt = clock.now();
    const personalAgentId = this.personalAgent();
    offers.track(entryId, this);
    try {
      await acd.enqueue({
        id: entryId, queueId, kind: 'call', enqueuedAt, priority: request.priority, data: entryData(request.data),
        ...(personalAgentId !== undefined ? { personalAgentId } : {}),
      });
    } catch (err) {
      this.log.error({ err }, 'the ACD refused the call');
      offers.untrack(entryId);
      return { outcome: 'failed', reason: (err as Error).message };
    }
    this.log.info('queued');
    const onAbort = (): void => this.settle({ outcome: 'abandoned' });
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const maxWait: TimerHandle | undefined = request.maxWaitSeconds !== undefined
      ? clock.setTimer(enqueuedAt + request.maxWaitSeconds * 1000,
        () => this.settle({ outcome: 'overflow', waitedSeconds: Math.round((clock.now() - enqueuedAt) / 1000) }))
      : undefined;
    this.listen(request.experience);

    let result = await this.outcome;
    if (this.callbackBooked) result = { outcome: 'callback' }; // even if the caller hung up during the confirmation
    signal.removeEventListener('abort', onAbort);
    if (maxWait) clock.clearTimer(maxWait);
    this.listeningTo.abort();
    if (result.outcome !== 'answered') {
      this.ringing?.ring.abort();
      // Still in the ACD: the caller left (abandoned) or the wait ran out (overflow); a callback stays.
      if (!this.callbackBooked && acd.entry(entryId)) {
        if (result.outcome === 'overflow') await tellAcd(this.log, () => acd.overflow(entryId), 'overflow');
        else await tellAcd(this.log, () => acd.callEnded(entryId), 'abandon');
      }
    }
    offers.untrack(entryId);
    this.log.info({ outcome: result.outcome }, 'left the queue');
    return result;
  }

  // ---- the agent's phones -------------------------------------------------------

  /** The ACD offers this call to an agent: ring their device. */
  async ringAgent(agentId: string): Promise<void> {
    const { acd, legs, clock } = this.services;
    const { entryId } = this;
    const { line } = this.caller;
    if (this.over.aborted || !line.active) return; // the ACD's ring timeout or our abandon takes it back
    const log = this.log.child({ agent: agentId });
    const previous = this.ringing;
    if (previous) {
      // The ACD moved on before telling us the last offer is over (a miss re-offers first): stop that ringing first.
      previous.ring.abort();
      await previous.done;
    }
    if (this.over.aborted || !line.active || acd.entry(entryId)?.offeredTo !== agentId) return;
    const profile = acd.profile(agentId);
    const entry = acd.entry(entryId);
    const shown = shownToCallee(this.caller.call, entry ? clock.now() - entry.enqueuedAt : 0);
    const agentLegs = profile ? legs.device(profile.device, shown) : [];
    if (agentLegs.length === 0) {
      log.warn('the agent has no phone to ring: offer refused');
      await tellAcd(log, () => acd.offerRejected(entryId, agentId), 'offerRejected');
      return;
    }
    const ring = new AbortController();
    let finished!: () => void;
    const done = new Promise<void>((resolve) => { finished = resolve; });
    this.ringing = { agentId, ring, done };
    try {
      await this.ring(agentId, agentLegs, ring, log);
    } catch (err) {
      // Ours, not the agent's (no media port, say): the ACD's ring timeout takes the offer back.
      log.error({ err }, 'the agent could not be rung');
    } finally {
      if (this.ringing?.ring === ring) this.ringing = undefined;
      finished();
    }
  }

  /** The ACD took the offer back from this agent (ring timeout, pause, ...): stop ringing. */
  stopRinging(agentId: string): void {
    if (this.ringing?.agentId === agentId) {
      this.log.info({ agent: agentId }, 'offer taken back: ringing stopped');
      this.ringing.ring.abort();
    }
  }

  private async ring(agentId: string, agentLegs: readonly Leg[], ring: AbortController, log: Logger): Promise<void> {
    const { acd, emit, clock } = this.services;
    const { entryId } = this;
    const { line, call } = this.caller;
    const uris = agentLegs.map((l) => l.uri);
    log.info({ uris }, 'ringing the agent');
    emit({ type: 'agent-ringing', at: clock.now(), callId: call.callId, entryId, agentId, uris });
    const status = await line.connect(agentLegs, {
      signal: ring.signal,
      onAnswer: async () => {
        if (ring.signal.aborted || this.over.aborted) return false;
        try {
          await acd.offerAccepted(entryId, agentId);
        } catch (err) {
          log.info({ err: (err as Error).message }, 'answered after the offer was taken back');
          return false;
        }
        this.listeningTo.abort();
        return true;
      },
      holdMusic: queueMusic({ prompts: this.services.prompts, logger: log }, this.request.experience),
      onHold: (held) => emit({ type: held ? 'call-held' : 'call-resumed', at: clock.now(), callId: call.callId, entryId, agentId }),
    });
    if (status === undefined) {
      log.info('agent answered: connected');
      emit({ type: 'agent-connected', at: clock.now(), callId: call.callId, entryId, agentId });
      this.settle({ outcome: 'answered', agentId });
      return;
    }
    if (ring.signal.aborted || this.over.aborted || !line.active) return; // taken back: not the phones' doing
    reportUnreachableTrunk(this.services, this.caller, agentLegs, status);
    log.info({ status }, 'the agent\'s phones refused the call: a missed offer');
    await tellAcd(log, () => acd.offerRejected(entryId, agentId), 'offerRejected');
  }

  // ---- what the caller hears ----------------------------------------------------

  /** The queue experience and the callback offer, until `listening` is aborted. */
  private listen(experience: QueueExperience): void {
    const { services, caller } = this;
    const { line } = caller;
    this.saying = new Speaker(line.caller, this.listening);
    playQueueExperience({
      endpoint: line.caller, call: caller.call, prompts: services.prompts, announcements: services.announcements,
      logger: caller.logger, acd: services.acd, clock: services.clock, emit: services.emit,
      get active() { return line.active; },
    }, { entryId: this.entryId, queueId: this.queueId, stop: this.listening, speaker: this.speaker }, experience,
    this.queue.announceEverySeconds)
      .catch((err: unknown) => this.log.error({ err }, 'queue experience failed'));
    offerCallbackInQueue(services, caller, this, experience)
      .catch((err: unknown) => this.log.error({ err }, 'callback offer failed'));
  }

  pauseForDialogue(): void {
    this.listeningTo.abort();
  }

  resumeAfterDialogue(): void {
    this.listeningTo = new AbortController();
    this.listen({ ...this.request.experience, offerCallbackAfterSeconds: 0 });
  }

  async book(number: string): Promise<void> {
    const { acd, offers } = this.services;
    // Offers of this entry go to the dialler from now on (it is a callback).
    offers.untrack(this.entryId);
    try {
      await acd.requestCallback(this.entryId, { [CALLBACK_NUMBER_KEY]: number });
    } catch (err) {
      this.log.info({ err: (err as Error).message }, 'too late for a callback');
      if (!this.over.aborted) offers.track(this.entryId, this);
      return;
    }
    this.callbackBooked = true;
    this.ringing?.ring.abort();
    await confirmBooked(this.services, this.caller, this.entryId, number);
    this.settle({ outcome: 'callback' });
  }
}
