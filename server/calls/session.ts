/**
 * One call to a service number, from answer to the last BYE: the one owner
 * of the caller's leg, the media endpoints, the ACD entry and the agent's
 * leg (jambonz's CallSession). It is the IvrContext the call's flow runs
 * against.
 *
 * Life of a call:
 *
 * 1. Answered with our media (AnchoredCall); the flow of the dialled number
 *    or its service runs (server/ivr).
 * 2. A queue node calls `enqueue`: the call enters the ACD with its data
 *    (caller, dialled number, service, the flow's variables) and hears the
 *    queue experience (./queue-experience.ts): its position and estimated
 *    wait, brand messages, music on hold in between.
 * 3. `offered-to-agent` (through the CallCenter): the agent's phones ring,
 *    every desk phone and softphone registered for the extension at once
 *    (./fork.ts), or the mobile through the trunk, with
 *    `"[Service] +4670..."` as display name and X-Service,
 *    X-Dialled-Number, X-Wait-Seconds. The caller keeps the music. The ACD
 *    owns the ring timeout: when it takes the offer back all ringing is
 *    cancelled. The first phone to answer: `offerAccepted`, media bridged,
 *    the others stop ringing. A phone that refuses (busy, declined,
 *    unreachable) leaves the others ringing; when all have refused:
 *    `offerRejected`, once.
 * 4. Either party hangs up at any moment: the flow is killed, the ringing
 *    cancelled, both legs and endpoints released, and the ACD told once:
 *    `callEnded` (abandon before an answer; after one, the agent's wrap-up).
 *
 * A flow's transfer node puts the call through to an extension or a number
 * without the ACD; an agent whose extension takes it is busy for the ACD
 * until the call ends (./other-calls.ts).
 *
 * Avalanche messages come from center.opts.avalanche (./avalanche.ts).
 * Callbacks ("press 1 to be called back" in the queue, the flow's callback
 * node) are booked here and made by the CallCenter's dialler
 * (./callbacks.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { NumberConfig } from '../../config/schema.js';
import type { Endpoint } from '../../media/port.js';
import { musicFile, promptFile } from '../../media/speech.js';
import type {
  AvalancheMessage, CallbackRequest, CallbackResult, CallData, EnqueueRequest, EnqueueResult, IvrContext, IvrEventSink, QueueExperience,
  RoutingState, TransferRequest, TransferResult,
} from '../ivr/context.js';
import type { Flow } from '../ivr/flow.js';
import { runFlow, type FlowRun } from '../ivr/interpreter.js';
import { presentationHeaders } from '../sip/legs.js';
import { AnchoredCall, type EndedBy } from './anchored-call.js';
import { CALLBACK_NUMBER_KEY, callbackDialogue } from './callbacks.js';
import type { CallCenter } from './center.js';
import type { Leg } from '../sip/fork.js';
import { otherCallAnswered, type OtherCallEnd } from './other-calls.js';
import { playQueueExperience } from './queue-experience.js';

export interface SessionInit {
  req: Srf.SrfRequest;
  caller: { number: string; name?: string };
  number: NumberConfig;
  flow: Flow;
  log: Logger;
}

/** One stay in a queue: from enqueue to answered, overflow or hang-up. */
interface QueueWait {
  entryId: string;
  queueId: string;
  settled: boolean;
  settle(result: EnqueueResult): void;
  /** Aborted when the queue experience must stop (answered, left the queue). */
  stop: AbortController;
  /** The agent being rung; `done` settles when that ringing is over. One at a time: the ACD offers an entry to one agent. */
  ringing?: { agentId: string; ring: AbortController; done: Promise<void> };
  /** The caller is in the callback dialogue (./callbacks.ts). */
  inCallbackDialogue?: boolean;
  /** The entry became a callback: it must not be abandoned when the call ends. */
  callbackBooked?: boolean;
}

export class CallSession implements IvrContext {
  readonly call: CallData;
  readonly variables: Record<string, string> = {};
  readonly routing: RoutingState = { priority: 0, vip: false };
  readonly logger: Logger;
  readonly events: IvrEventSink;
  private readonly hangupController = new AbortController();
  private readonly anchored: AnchoredCall;
  private readonly flow: Flow;
  private flowRun?: FlowRun;
  private wait?: QueueWait;
  /** The ACD entry an agent answered: told `callEnded` when the call ends. */
  private answeredEntry?: string;
  /** An agent or a transfer target has the call: the flow is over, the call is not. */
  private handedOff = false;
  /** When the call first entered a queue: a callback booked after it (overflow) keeps that place. */
  private lastEnqueuedAt?: number;
  /** A transfer put the call through to an agent's extension: the ACD is told when the call ends. */
  private transferEnded?: OtherCallEnd;

  constructor(private readonly center: CallCenter, init: SessionInit) {
    const callId = init.req.get('Call-ID');
    this.logger = init.log;
    this.flow = init.flow;
    this.call = {
      callId,
      caller: init.caller.number,
      ...(init.caller.name ? { callerName: init.caller.name } : {}),
      dialled: init.number.number,
      service: init.number.service,
      language: init.flow.language ?? 'sv',
    };
    this.events = { emit: (e) => center.emitEvent(e) };
    this.anchored = new AnchoredCall(center.opts.srf, center.opts.media, init.log);
  }

  get endpoint(): Endpoint {
    return this.anchored.caller;
  }

  get prompts() {
    return this.center.opts.prompts;
  }

  get announcements() {
    return this.center.opts.announcements;
  }

  get hangupSignal(): AbortSignal {
    return this.hangupController.signal;
  }

  now(): number {
    return this.center.opts.clock.now();
  }

  /** Answers, runs the flow, and returns when the call is over and everything is released. */
  async run(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    if (!(await this.anchored.answer(req, res))) return;
    const ended = this.anchored.done.then((by) => this.onEnded(by));
    const { callId, caller, dialled, service } = this.call;
    this.center.emitEvent({ type: 'call-started', at: this.now(), callId, caller, dialled, service, flow: this.flow.name });
    this.flowRun = runFlow(this.flow, this);
    const result = await this.flowRun.result;
    if (!this.handedOff) {
      this.logger.info({ reason: result.reason }, 'flow over: hanging up');
      await this.anchored.hangup();
    }
    await ended;
  }

  private async onEnded(by: EndedBy): Promise<void> {
    this.logger.info({ by }, 'call ended');
    if (by !== 'local') this.hangupController.abort();
    else void this.flowRun?.kill();
    // The queue wait (if any) settles through the killed node; make sure even without one.
    this.wait?.settle({ outcome: 'abandoned' });
    if (this.answeredEntry) {
      const entryId = this.answeredEntry;
      this.answeredEntry = undefined;
      await this.tellAcd(() => this.center.opts.acd.callEnded(entryId), 'callEnded');
      this.center.untrack(entryId);
    }
    await this.transferEnded?.();
    this.center.emitEvent({ type: 'call-ended', at: this.now(), callId: this.call.callId, by });
  }

  // ---- IvrContext hooks ---------------------------------------------------------

  async enqueue(request: EnqueueRequest, signal: AbortSignal): Promise<EnqueueResult> {
    const { acd } = this.center.opts;
    const queueId = request.queueId ?? this.center.queueOfService(this.call.service);
    const queue = queueId !== undefined ? this.center.queues.get(queueId) : undefined;
    if (!queueId || !queue) return { outcome: 'failed', reason: `no queue for service "${this.call.service}"` };
    if (signal.aborted || !this.anchored.active) return { outcome: 'abandoned' };

    const entryId = randomUUID();
    const enqueuedAt = this.now();
    this.lastEnqueuedAt ??= enqueuedAt;
    let settle!: (r: EnqueueResult) => void;
    const outcome = new Promise<EnqueueResult>((resolve) => { settle = resolve; });
    const wait: QueueWait = {
      entryId,
      queueId,
      settled: false,
      settle: (r) => {
        if (wait.settled) return;
        wait.settled = true;
        settle(r);
      },
      stop: new AbortController(),
    };
    this.wait = wait;
    this.center.track(entryId, this);
    const log = this.logger.child({ entryId, queue: queueId });
    try {
      await acd.enqueue({ id: entryId, queueId, kind: 'call', enqueuedAt, priority: request.priority, data: stringData(request.data) });
    } catch (err) {
      log.error({ err }, 'the ACD refused the call');
      this.center.untrack(entryId);
      this.wait = undefined;
      return { outcome: 'failed', reason: (err as Error).message };
    }
    log.info('queued');
    const onAbort = (): void => wait.settle({ outcome: 'abandoned' });
    signal.addEventListener('abort', onAbort, { once: true });
    const overflow = request.maxWaitSeconds !== undefined
      ? setTimeout(() => wait.settle({ outcome: 'overflow', waitedSeconds: Math.round((this.now() - enqueuedAt) / 1000) }), request.maxWaitSeconds * 1000)
      : undefined;
    this.queueExperience(wait, request.experience, queue.announceEverySeconds);
    void this.queueCallbackOffer(wait, request.experience, queue.announceEverySeconds);

    let result = await outcome;
    if (wait.callbackBooked) result = { outcome: 'callback' }; // even if the caller hung up during the confirmation
    signal.removeEventListener('abort', onAbort);
    clearTimeout(overflow);
    wait.stop.abort();
    if (this.wait === wait) this.wait = undefined;
    if (result.outcome === 'answered') {
      this.answeredEntry = entryId;
      if (!this.anchored.active) await this.onAnsweredCallGone(entryId);
    } else {
      wait.ringing?.ring.abort();
      // Still in the ACD: the caller left (abandoned) or the wait ran out (overflow); a callback stays.
      if (!wait.callbackBooked && acd.entry(entryId)) {
        if (result.outcome === 'overflow') await this.tellAcd(() => acd.overflow(entryId), 'overflow');
        else await this.tellAcd(() => acd.callEnded(entryId), 'abandon');
      }
      this.center.untrack(entryId);
    }
    log.info({ outcome: result.outcome }, 'left the queue');
    return result;
  }

  private async onAnsweredCallGone(entryId: string): Promise<void> {
    if (this.answeredEntry !== entryId) return;
    this.answeredEntry = undefined;
    await this.tellAcd(() => this.center.opts.acd.callEnded(entryId), 'callEnded');
    this.center.untrack(entryId);
  }

  /** The flow's callback node: ask, confirm the number, book a callback entry (keeping the place of an earlier wait). */
  async offerCallback(request: CallbackRequest, signal: AbortSignal): Promise<CallbackResult> {
    const { acd } = this.center.opts;
    const queueId = request.queueId ?? this.center.queueOfService(this.call.service);
    if (!queueId || !this.center.queues.has(queueId)) {
      this.logger.warn({ queue: queueId }, 'no queue for a callback: declined');
      return { outcome: 'declined' };
    }
    const stop = AbortSignal.any([signal, this.hangupSignal]);
    const number = await callbackDialogue({
      endpoint: this.endpoint, prompts: this.prompts, language: this.call.language, caller: this.call.caller, askFirst: true, signal: stop,
    });
    if (!number || stop.aborted) return { outcome: 'declined' };
    const entryId = randomUUID();
    const { caller, dialled, service, language, callId } = this.call;
    try {
      await acd.enqueue({
        id: entryId, queueId, kind: 'callback', enqueuedAt: this.lastEnqueuedAt ?? this.now(), priority: request.priority,
        data: stringData({ ...this.variables, caller, dialled, service, language, callId, [CALLBACK_NUMBER_KEY]: number }),
      });
    } catch (err) {
      this.logger.error({ err }, 'the ACD refused the callback');
      return { outcome: 'declined' };
    }
    await this.callbackBooked(entryId, number);
    return { outcome: 'accepted', number };
  }

  /** Once the caller may ask for a callback in the queue: "press 1", and a 1 from then on starts the dialogue. */
  private async queueCallbackOffer(wait: QueueWait, experience: QueueExperience, queueEvery: number): Promise<void> {
    const after = experience.offerCallbackAfterSeconds;
    const whenOver = experience.offerCallbackWhenWaitOverSeconds;
    if (after === undefined && whenOver === undefined) return;
    const { acd } = this.center.opts;
    const stop = wait.stop.signal;
    const started = this.now();
    // Offered after `after` seconds, or as soon as the estimate exceeds `whenOver`; checked every second.
    for (;;) {
      if (stop.aborted || wait.settled || !this.anchored.active) return;
      if (after !== undefined && this.now() - started >= after * 1000) break;
      // Nobody staffing the queue (an infinite estimate) is the longest wait of all: offer it then too.
      if (whenOver !== undefined && acd.estimatedWaitSeconds(wait.queueId, wait.entryId) > whenOver) break;
      await sleep(1000, undefined, { signal: stop }).catch(() => {});
    }
    const endpoint = this.endpoint;
    this.logger.info({ entryId: wait.entryId }, 'callback offered in the queue: press 1');
    const onDigit = (e: { dtmf: string }): void => {
      this.logger.debug({ digit: e.dtmf }, 'digit while queued');
      if (e.dtmf !== '1' || wait.inCallbackDialogue || wait.settled || wait.callbackBooked) return;
      void this.queueCallbackDialogue(wait, experience, queueEvery);
    };
    endpoint.on('dtmf', onDigit);
    stop.addEventListener('abort', () => endpoint.off('dtmf', onDigit), { once: true });
    if (wait.inCallbackDialogue || acd.positionOf(wait.entryId) === undefined) return; // being offered right now: just listen
    await endpoint.play(promptFile(this.prompts, this.call.language, 'press_1_callback')).catch(() => {});
    if (stop.aborted || wait.settled || wait.inCallbackDialogue || !this.anchored.active) return;
    try {
      void endpoint.play(musicFile(this.prompts, experience.music ?? 'default'), { loop: true }).catch(() => {});
    } catch { /* no music */ }
  }

  private async queueCallbackDialogue(wait: QueueWait, experience: QueueExperience, queueEvery: number): Promise<void> {
    const { acd } = this.center.opts;
    wait.inCallbackDialogue = true;
    // The queue experience pauses during the dialogue (it would talk over it).
    wait.stop.abort();
    const dialogueStop = new AbortController();
    const watch = setInterval(() => { if (wait.settled || !this.anchored.active) dialogueStop.abort(); }, 200);
    let number: string | undefined;
    try {
      number = await callbackDialogue({
        endpoint: this.endpoint, prompts: this.prompts, language: this.call.language, caller: this.call.caller, askFirst: false,
        signal: AbortSignal.any([dialogueStop.signal, this.hangupSignal]),
      });
    } finally {
      clearInterval(watch);
      wait.inCallbackDialogue = false;
    }
    if (wait.settled || !this.anchored.active) return;
    if (!number) {
      // Declined: back to the queue experience.
      wait.stop = new AbortController();
      this.queueExperience(wait, experience, queueEvery);
      void this.queueCallbackOffer(wait, { ...experience, offerCallbackAfterSeconds: 0 }, queueEvery);
      return;
    }
    // Offers of this entry go to the dialler from now on (it is a callback).
    this.center.untrack(wait.entryId);
    try {
      await acd.requestCallback(wait.entryId, { [CALLBACK_NUMBER_KEY]: number });
    } catch (err) {
      this.logger.info({ err: (err as Error).message }, 'too late for a callback');
      if (!wait.settled) this.center.track(wait.entryId, this);
      return;
    }
    wait.callbackBooked = true;
    wait.ringing?.ring.abort();
    await this.callbackBooked(wait.entryId, number);
    wait.settle({ outcome: 'callback' });
  }

  /** The callback is in the ACD: on disk first, then the caller is told. */
  private async callbackBooked(entryId: string, number: string): Promise<void> {
    await this.center.persistNow();
    this.logger.info({ entryId, number }, 'callback booked');
    this.center.emitEvent({ type: 'callback-booked', at: this.now(), callId: this.call.callId, entryId, number });
    if (this.anchored.active) {
      await this.endpoint.play(promptFile(this.prompts, this.call.language, 'callback_confirmed')).catch(() => {});
    }
  }

  async transfer(request: TransferRequest, signal: AbortSignal): Promise<TransferResult> {
    // Whoever takes the call sees whom they get, as an agent does (the call waited in no queue).
    const headers = this.agentHeaders();
    const legs = this.center.opts.legs.device(
      request.kind === 'extension' ? { kind: 'desk', extension: request.to } : { kind: 'mobile', number: request.to }, headers);
    if (legs.length === 0) return { outcome: 'failed', reason: 'unavailable' };
    const ringOut = new AbortController();
    const ringTimer = setTimeout(() => ringOut.abort(), request.timeoutSeconds * 1000);
    const timeout = AbortSignal.any([signal, ringOut.signal]);
    void this.endpoint.play(musicFile(this.prompts), { loop: true }).catch(() => {});
    let status: number | undefined;
    try {
      status = await this.anchored.connect(legs, { signal: timeout });
    } finally {
      // However the ringing ended (even the caller hanging up), its timer goes with it.
      clearTimeout(ringTimer);
    }
    if (status === undefined) {
      this.handedOff = true;
      // Still up, so onEnded has yet to run and will report the end.
      if (request.kind === 'extension' && this.anchored.active) {
        this.transferEnded = otherCallAnswered(this.center.opts.acd, [request.to], this.call.callId, this.logger);
      }
      return { outcome: 'connected' };
    }
    // The caller hung up while the target rang (the flow is killed with the call).
    if (!this.anchored.active || signal.aborted) return { outcome: 'failed', reason: 'caller-left' };
    if (timeout.aborted) return { outcome: 'failed', reason: 'no-answer' };
    if (status === 486 || status === 600 || status === 603) return { outcome: 'failed', reason: 'busy' };
    if (status === 404 || status === 480 || status === 503) return { outcome: 'failed', reason: 'unavailable' };
    return { outcome: 'failed', reason: 'error' };
  }

  async hangup(): Promise<void> {
    await this.anchored.hangup();
  }

  async avalancheMessages(service: string, at: number): Promise<readonly AvalancheMessage[]> {
    return (await this.center.opts.avalanche?.active(service, at)) ?? [];
  }

  // ---- offers (from the CallCenter) -----------------------------------------------

  /** The ACD offers this call to an agent: ring their device. */
  async ringAgent(agentId: string): Promise<void> {
    const { acd } = this.center.opts;
    const wait = this.wait;
    if (!wait || wait.settled || !this.anchored.active) return; // the ACD's ring timeout or our abandon takes it back
    const { entryId } = wait;
    const log = this.logger.child({ entryId, agent: agentId });
    const previous = wait.ringing;
    if (previous) {
      // The ACD moved on before telling us the last offer is over (a miss re-offers first): stop that ringing first.
      previous.ring.abort();
      await previous.done;
    }
    if (wait.settled || !this.anchored.active || acd.entry(entryId)?.offeredTo !== agentId) return;
    const profile = acd.profile(agentId);
    const entry = acd.entry(entryId);
    const headers = this.agentHeaders(entry ? this.now() - entry.enqueuedAt : 0);
    const legs = profile ? this.center.opts.legs.device(profile.device, headers) : [];
    if (legs.length === 0) {
      log.warn('the agent has no phone to ring: offer refused');
      await this.tellAcd(() => acd.offerRejected(entryId, agentId), 'offerRejected');
      return;
    }
    const ring = new AbortController();
    let finished!: () => void;
    const done = new Promise<void>((resolve) => { finished = resolve; });
    wait.ringing = { agentId, ring, done };
    try {
      await this.ring(wait, agentId, legs, ring, log);
    } catch (err) {
      // Ours, not the agent's (no media port, say): the ACD's ring timeout takes the offer back.
      log.error({ err }, 'the agent could not be rung');
    } finally {
      if (wait.ringing?.ring === ring) wait.ringing = undefined;
      finished();
    }
  }

  private async ring(wait: QueueWait, agentId: string, legs: readonly Leg[], ring: AbortController, log: Logger): Promise<void> {
    const { acd } = this.center.opts;
    const { entryId } = wait;
    const uris = legs.map((l) => l.uri);
    log.info({ uris }, 'ringing the agent');
    this.center.emitEvent({ type: 'agent-ringing', at: this.now(), callId: this.call.callId, entryId, agentId, uris });
    const status = await this.anchored.connect(legs, {
      signal: ring.signal,
      onAnswer: async () => {
        if (ring.signal.aborted || wait.settled) return false;
        try {
          await acd.offerAccepted(entryId, agentId);
        } catch (err) {
          log.info({ err: (err as Error).message }, 'answered after the offer was taken back');
          return false;
        }
        wait.stop.abort();
        return true;
      },
    });
    if (status === undefined) {
      log.info('agent answered: connected');
      this.handedOff = true;
      this.center.emitEvent({ type: 'agent-connected', at: this.now(), callId: this.call.callId, entryId, agentId });
      wait.settle({ outcome: 'answered', agentId });
      return;
    }
    if (ring.signal.aborted || wait.settled || !this.anchored.active) return; // taken back: not the phones' doing
    log.info({ status }, 'the agent\'s phones refused the call: a missed offer');
    await this.tellAcd(() => acd.offerRejected(entryId, agentId), 'offerRejected');
  }

  /** The ACD took the offer back from this agent (ring timeout, pause, ...): stop ringing. */
  stopRinging(agentId: string): void {
    const ringing = this.wait?.ringing;
    if (ringing?.agentId === agentId) {
      this.logger.info({ agent: agentId }, 'offer taken back: ringing stopped');
      ringing.ring.abort();
    }
  }

  // ---- helpers ----------------------------------------------------------------

  /** What the phone that takes the call shows: service and caller; the wait, for a call from a queue. */
  private agentHeaders(waitMs?: number): Record<string, string> {
    const { caller, service, dialled } = this.call;
    return presentationHeaders({ number: caller, service: { name: service, dialled }, ...(waitMs !== undefined ? { waitMs } : {}) });
  }

  /** What the caller hears while waiting (./queue-experience.ts), until `wait.stop` or the end of the call. */
  private queueExperience(wait: QueueWait, experience: QueueExperience, queueEvery: number): void {
    const { anchored } = this;
    playQueueExperience({
      endpoint: this.endpoint, call: this.call, prompts: this.prompts, announcements: this.announcements, logger: this.logger,
      acd: this.center.opts.acd,
      get active() { return anchored.active; },
      now: () => this.now(),
      emit: (e) => this.center.emitEvent(e),
    }, { entryId: wait.entryId, queueId: wait.queueId, stop: wait.stop.signal }, experience, queueEvery)
      .catch((err: unknown) => this.logger.error({ err }, 'queue experience failed'));
  }

  /** Reports to the ACD; an AcdError (the entry or offer is already gone) is logged, not thrown. */
  private async tellAcd(op: () => Promise<void>, what: string): Promise<void> {
    try {
      await op();
    } catch (err) {
      this.logger.info({ err: (err as Error).message }, `ACD ${what} not applied`);
    }
  }
}

function stringData(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
