/**
 * Callbacks ("ring-back") on the phone: the caller's side (confirm the
 * number or key in another) and the dialler that makes the callback when
 * the ACD offers it to an agent. The ACD side (keeping the place, retries,
 * `callback-done`) is server/acd/callbacks.ts.
 *
 * The caller (server/calls/session.ts uses `callbackDialogue`):
 *
 * - In a queue whose flow sets `offerCallbackAfterSeconds` or
 *   `offerCallbackWhenWaitOverSeconds`, the caller hears "press 1 to be
 *   called back" once that time comes (or the estimate is that long), and
 *   a 1 at any moment after that starts the dialogue. The flow's `callback`
 *   node asks the same question first and then runs the same dialogue.
 * - The dialogue: "we will call you back on the number" + the caller's
 *   number digit by digit (national form) + "press 1"; 1 accepts, any other
 *   key asks for another number (`callback_enter_number`, ended by #),
 *   which is read back the same way. No key: declined, the caller stays in
 *   line.
 * - Accepted: the entry becomes a callback in the ACD (`requestCallback`:
 *   same place, same enqueue time; the number is `data.callbackNumber`),
 *   the store is flushed to disk before the caller is told
 *   (`callback_confirmed`), and the call ends without abandoning the entry.
 *
 * The dialler (`CallbackDialler`, driven by the CallCenter on
 * `offered-to-agent` for an entry of kind `callback`):
 *
 * 1. The agent is rung first (every desk phone and softphone registered
 *    for the extension at once, the first to answer taking the callback,
 *    or the mobile through the trunk) with the display name
 *    `"[Service] callback +4670..."` and X-Service, X-Dialled-Number,
 *    X-Callback-Number. The ACD owns the ring timeout as for calls.
 * 2. The agent answers: `offerAccepted`; the whisper plays to the agent
 *    only: a beep, then "callback_confirm_number" and the customer's number
 *    digit by digit (no recorded prompt says "this is a callback for
 *    service X" yet: the service is in the display name and X-Service).
 *    Then music while the customer is dialled.
 * 3. The customer is dialled through the trunk (config trunks[0]) with the
 *    company's caller id (`callerId`), ringing at most the queue's
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
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Endpoint } from '../../media/port.js';
import { musicFile, promptFile, promptFiles, speakDigits, type PromptSet } from '../../media/speech.js';
import type { QueueEntry } from '../acd/model.js';
import { SERVICE_HEADER, presentationHeaders } from '../sip/legs.js';
import type { CallCenterOptions } from './center.js';
import { fork, type Leg } from '../sip/fork.js';

/** The entry's data key holding the number to call back (E.164 or as keyed). */
export const CALLBACK_NUMBER_KEY = 'callbackNumber';
export const DEFAULT_CALLBACK_RING_SECONDS = 30;

/** Facts about callbacks, for statistics and tests (besides the ACD's `callback-requested` / `callback-done`). */
export type CallbackEvent =
  | { type: 'callback-booked'; at: number; callId: string; entryId: string; number: string }
  | { type: 'callback-agent-ringing'; at: number; entryId: string; agentId: string; uris: string[] }
  | { type: 'callback-agent-answered'; at: number; entryId: string; agentId: string }
  | { type: 'callback-dialling'; at: number; entryId: string; agentId: string; number: string; uri: string }
  | { type: 'callback-connected'; at: number; entryId: string; agentId: string; number: string }
  | { type: 'callback-no-answer'; at: number; entryId: string; agentId: string; number: string; status: number }
  | { type: 'callback-agent-left'; at: number; entryId: string; agentId: string; number: string };

// ---- numbers ----------------------------------------------------------------

/** +46701740651 -> 0701740651 (what a Swedish caller recognises); other E.164 -> 00...; digits as they are. */
export function nationalNumber(number: string): string | undefined {
  const n = number.replace(/[ -]/g, '');
  if (/^\+46[0-9]+$/.test(n)) return `0${n.slice(3)}`;
  if (/^\+[0-9]+$/.test(n)) return `00${n.slice(1)}`;
  if (/^[0-9]+$/.test(n)) return n;
  return undefined;
}

/** Keyed digits to the number dialled through the trunk: 00.. -> +.., 0.. -> +46.., else as keyed. */
export function dialledForm(digits: string): string {
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  if (digits.startsWith('0')) return `+46${digits.slice(1)}`;
  return digits;
}

// ---- the caller's dialogue ----------------------------------------------------

export interface DialogueOptions {
  endpoint: Endpoint;
  prompts: PromptSet;
  language: string;
  /** The caller's number as it came (E.164, or an extension). */
  caller: string;
  /** Ask "press 1 to be called back" first (the flow's callback node); false once the caller pressed 1 in the queue. */
  askFirst: boolean;
  /** Stop (hang-up, left the queue): resolves undefined. */
  signal: AbortSignal;
}

const CONFIRM_TIMEOUT_MS = 6_000;

/** Runs the dialogue; resolves the number to call back (dialled form), or undefined when declined. */
export async function callbackDialogue(o: DialogueOptions): Promise<string | undefined> {
  const p = (name: string): string => promptFile(o.prompts, o.language, name);
  const collect = async (file: string[], max: number, terminators = '', timeout = CONFIRM_TIMEOUT_MS): Promise<string | undefined> => {
    if (o.signal.aborted) return undefined;
    const r = await o.endpoint.playCollect({ file, max, terminators, timeout, digitTimeout: 5_000 }).catch(() => undefined);
    if (!r || o.signal.aborted) return undefined;
    return r.digits;
  };
  if (o.askFirst) {
    const key = await collect([p('press_1_callback')], 1);
    if (key !== '1') return undefined;
  }
  let candidate = nationalNumber(o.caller);
  for (let round = 0; round < 3; round++) {
    if (candidate) {
      const key = await collect([p('callback_confirm_number'), ...speakDigits(o.prompts, o.language, candidate), p('press_1_callback')], 1);
      if (key === undefined || key === '') return undefined; // no answer: declined
      if (key === '1') return dialledForm(candidate);
    }
    const keyed = await collect([p('callback_enter_number')], 20, '#', 10_000);
    if (keyed === undefined) return undefined;
    candidate = /^[0-9]{3,}$/.test(keyed) ? keyed : undefined;
    if (!candidate) await o.endpoint.play(promptFiles(o.prompts, o.language, ['invalid_choice'])).catch(() => {});
  }
  return undefined;
}

// ---- the dialler ----------------------------------------------------------------

/** One callback being made: the agent's leg, then the customer's. */
class Attempt {
  readonly ring = new AbortController();
  private agentDialog?: Srf.Dialog;
  private customerDialog?: Srf.Dialog;
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
    private readonly d: CallbackDialler,
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
    const { acd } = this.d.opts;
    const entryId = this.entry.id;
    if (this.stage === 'offered') await this.d.tell(() => acd.offerRejected(entryId, this.agentId), 'offerRejected');
    else if (this.stage === 'accepted') await this.d.tell(() => acd.callbackNoAnswer(entryId), 'callbackNoAnswer');
    else await this.d.tell(() => acd.callEnded(entryId), 'callEnded');
  }

  private async runSteps(): Promise<void> {
    const { acd } = this.d.opts;
    const entryId = this.entry.id;
    const agentLegs = this.d.agentLegs(this.agentId, this.entry, this.number);
    if (agentLegs.length === 0) {
      this.log.warn('the agent has no phone to ring: offer refused');
      await this.d.tell(() => acd.offerRejected(entryId, this.agentId), 'offerRejected');
      return;
    }
    // 1. The agent first.
    this.agentEp = await this.d.opts.media.createEndpoint({});
    this.d.emit({ type: 'callback-agent-ringing', at: this.d.now(), entryId, agentId: this.agentId, uris: agentLegs.map((l) => l.uri) });
    const agent = await this.d.dial(agentLegs, this.agentEp, this.ring.signal, this.log);
    if (typeof agent === 'number') {
      if (this.ring.signal.aborted) return; // taken back by the ACD
      this.log.info({ status: agent }, 'the agent\'s phones refused the callback: a missed offer');
      await this.d.tell(() => acd.offerRejected(entryId, this.agentId), 'offerRejected');
      return;
    }
    this.agentDialog = agent;
    agent.on('destroy', () => { this.agentDialog = undefined; this.agentGone.abort(); void this.release(); });
    if (this.ring.signal.aborted || acd.entry(entryId)?.offeredTo !== this.agentId) return;
    try {
      await acd.offerAccepted(entryId, this.agentId);
    } catch (err) {
      this.log.info({ err: (err as Error).message }, 'answered after the offer was taken back');
      return;
    }
    this.stage = 'accepted';
    this.d.emit({ type: 'callback-agent-answered', at: this.d.now(), entryId, agentId: this.agentId });
    // Hung up while the ACD took the answer: the endpoint is gone with the leg.
    if (this.agentGone.signal.aborted) {
      await this.agentLeft();
      return;
    }
    await this.agentEp.modify(agent.remote.sdp);

    // 2. The whisper, to the agent only.
    const { prompts } = this.d.opts;
    const language = this.entry.data.language ?? 'sv';
    const national = nationalNumber(this.number);
    const whisper = [promptFile(prompts, language, 'beep'), promptFile(prompts, language, 'callback_confirm_number'),
      ...(national ? speakDigits(prompts, language, national) : [])];
    await this.agentEp.play(whisper).catch(() => {});
    if (this.agentGone.signal.aborted) {
      await this.agentLeft();
      return;
    }
    try {
      void this.agentEp.play(musicFile(prompts), { loop: true }).catch(() => {});
    } catch { /* no music */ }

    // 3. The customer, through the trunk.
    const customerLeg = this.d.trunkLeg(this.number, this.entry);
    if (!customerLeg) {
      this.log.error('no trunk to dial the customer through');
      await this.noAnswer(503);
      return;
    }
    this.customerEp = await this.d.opts.media.createEndpoint({});
    this.d.emit({ type: 'callback-dialling', at: this.d.now(), entryId, agentId: this.agentId, number: this.number, uri: customerLeg.uri });
    const ringOut = new AbortController();
    const ringTimer = setTimeout(() => ringOut.abort(), this.d.ringSeconds(this.entry.queueId) * 1000);
    const customer = await this.d.dial([customerLeg], this.customerEp, AbortSignal.any([this.agentGone.signal, ringOut.signal]), this.log)
      .finally(() => clearTimeout(ringTimer)); // answered or hung up early: no timer outlives the ringing
    if (typeof customer === 'number') {
      await (this.agentGone.signal.aborted ? this.agentLeft() : this.noAnswer(customer));
      return;
    }
    this.customerDialog = customer;
    this.stage = 'connected';
    customer.on('destroy', () => { this.customerDialog = undefined; void this.release(); });
    if (this.agentGone.signal.aborted || this.released) {
      await this.d.tell(() => acd.callEnded(entryId), 'callEnded');
      return;
    }
    await this.customerEp.modify(customer.remote.sdp);
    await this.agentEp.bridge(this.customerEp);
    this.log.info('customer answered: callback connected');
    this.d.emit({ type: 'callback-connected', at: this.d.now(), entryId, agentId: this.agentId, number: this.number });
    // 4. Until either hangs up.
    await this.ended;
    await this.d.tell(() => acd.callEnded(entryId), 'callEnded');
  }

  private async noAnswer(status: number): Promise<void> {
    this.log.info({ status }, 'the customer did not answer the callback');
    this.d.emit({ type: 'callback-no-answer', at: this.d.now(), entryId: this.entry.id, agentId: this.agentId, number: this.number, status });
    await this.release();
    await this.d.tell(() => this.d.opts.acd.callbackNoAnswer(this.entry.id), 'callbackNoAnswer');
  }

  private async agentLeft(): Promise<void> {
    this.log.info('the agent hung up before the customer answered: the callback goes back in line');
    this.d.emit({ type: 'callback-agent-left', at: this.d.now(), entryId: this.entry.id, agentId: this.agentId, number: this.number });
    await this.release();
    await this.d.tell(() => this.d.opts.acd.callbackAgentLeft(this.entry.id), 'callbackAgentLeft');
  }

  /** Releases both legs and endpoints; safe to call more than once. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.ring.abort();
    this.agentGone.abort();
    for (const dialog of [this.agentDialog, this.customerDialog]) dialog?.destroy(undefined, () => {});
    this.agentDialog = undefined;
    this.customerDialog = undefined;
    await Promise.all([this.agentEp?.destroy(), this.customerEp?.destroy()].map((p) => p?.catch(() => {})));
    this.resolveEnded();
  }
}

export class CallbackDialler {
  /** Callbacks in progress, by agent. */
  private readonly attempts = new Map<string, Attempt>();
  private readonly log: Logger;

  constructor(readonly opts: CallCenterOptions, private readonly emitEvent: (e: CallbackEvent) => void) {
    this.log = opts.logger.child({ component: 'callbacks' });
  }

  get active(): number {
    return this.attempts.size;
  }

  /**
   * The ACD offered an entry to an agent: if it is a callback, make it and
   * answer true; false when the entry is not a callback.
   */
  offer(entryId: string, agentId: string): boolean {
    const entry = this.opts.acd.entry(entryId);
    if (entry?.kind !== 'callback') return false;
    const number = entry.data[CALLBACK_NUMBER_KEY] ?? entry.data.caller;
    const log = this.log.child({ entryId, agent: agentId, number });
    if (!number) {
      log.error('a callback without a number: given up');
      void this.tell(() => this.opts.acd.abandon(entryId), 'abandon');
      return true;
    }
    const previous = this.attempts.get(agentId);
    previous?.ring.abort();
    const attempt = new Attempt(this, entry, agentId, number, log);
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

  // ---- for attempts ----

  /** @internal */ now(): number {
    return this.opts.clock.now();
  }

  /** @internal */ emit(e: CallbackEvent): void {
    this.emitEvent(e);
  }

  /** @internal */ ringSeconds(queueId: string): number {
    return this.opts.config.queues.find((q) => q.id === queueId)?.callbackRingSeconds ?? DEFAULT_CALLBACK_RING_SECONDS;
  }

  /** @internal */ async tell(op: () => Promise<void>, what: string): Promise<void> {
    try {
      await op();
    } catch (err) {
      this.log.info({ err: (err as Error).message }, `ACD ${what} not applied`);
    }
  }

  /** @internal Rings the legs at once with our endpoint's offer; resolves the first to answer, or the failure status (487 when aborted). */
  async dial(legs: readonly Leg[], endpoint: Endpoint, signal: AbortSignal, log: Logger): Promise<Srf.Dialog | number> {
    const result = await fork(this.opts.srf, legs, { localSdp: endpoint.localSdp, signal, log });
    return 'status' in result ? result.status : result.dialog;
  }

  /** @internal The agent's devices: every registered phone, or the mobile through the trunk; none to ring: empty. */
  agentLegs(agentId: string, entry: QueueEntry, number: string): Leg[] {
    const profile = this.opts.acd.profile(agentId);
    if (!profile) return [];
    const headers = presentationHeaders({
      number, display: `callback ${number}`, callbackNumber: number,
      service: { name: entry.data.service ?? '', dialled: entry.data.dialled ?? '' },
    });
    return this.opts.legs.device(profile.device, headers);
  }

  /** @internal The customer's number out through the operator trunk, with the company's caller id. */
  trunkLeg(number: string, entry: QueueEntry): Leg | undefined {
    return this.opts.legs.outside(number, entry.data.service ? { [SERVICE_HEADER]: entry.data.service } : {});
  }
}
