/**
 * One call to a service number, from answer to the last BYE: the one owner
 * of the caller's line (./telephony.ts), its queue waits and the call's end
 * (jambonz's CallSession). It is the IvrContext the call's flow runs
 * against, and depends on nothing but its CallServices (./services.ts).
 *
 * Life of a call:
 *
 * 1. Answered with our media; the flow of the dialled number or its
 *    service runs (server/ivr). A caller on an agent's own phone is on a
 *    call for the ACD from now until the end (./other-calls.ts): busy, so
 *    never offered their own call, nor any other, while it lasts.
 * 2. A queue node: one stay in a queue (./queue-wait.ts): the agent's
 *    phones ring when the ACD offers the call, the caller hears the queue
 *    experience, may take a callback, may overflow.
 * 3. Either party hangs up at any moment: the flow is killed, the ringing
 *    cancelled, both legs and endpoints released, and the ACD told once:
 *    `callEnded` (abandon before an answer; after one, the agent's wrap-up).
 *
 * A flow's transfer node puts the call through without the ACD
 * (./transfer.ts); the agent who answered may transfer the call from their
 * phone (./agent-transfer.ts); the flow's callback node books a callback
 * (./callbacks/booking.ts), which the dialler makes later
 * (./callbacks/dialler.ts). Avalanche messages come from the services'
 * avalanche source (./avalanche.ts).
 */
import type { Logger } from 'pino';
import type { Endpoint } from '../../media/port.js';
import type {
  AvalancheMessage, CallbackRequest, CallbackResult, CallData, EnqueueRequest, EnqueueResult, IvrContext, IvrEventSink,
  RoutingState, TransferRequest, TransferResult,
} from '../ivr/context.js';
import type { Flow } from '../ivr/flow.js';
import type { ServiceExceptions } from '../ivr/opening-hours.js';
import { runFlow, type FlowRun } from '../ivr/interpreter.js';
import { transferByAgent, type TransferringCall } from './agent-transfer.js';
import type { CallerSide } from './caller.js';
import { bookFromFlow } from './callbacks/booking.js';
import type { OtherCallEnd } from './other-calls.js';
import { QueueWait } from './queue-wait.js';
import type { CallServices } from './services.js';
import { promptFile } from '../../media/speech.js';
import { tellAcd } from './tell-acd.js';
import type { CallLine, EndedBy, PhoneTransfer } from './telephony.js';
import { transferCall } from './transfer.js';

/** The number a call came in on, as far as the session cares. */
export interface DialledNumber {
  number: string;
  service: string;
  /** The agent whose personal queue calls to this number are for. */
  personalAgent?: string;
}

export interface SessionInit {
  callId: string;
  /** `extension`: the caller is an extension's own phone (not the trunk). */
  caller: { number: string; name?: string; extension?: boolean };
  number: DialledNumber;
  flow: Flow;
}

export class CallSession implements IvrContext, CallerSide {
  readonly call: CallData;
  readonly variables: Record<string, string> = {};
  readonly routing: RoutingState = { priority: 0, vip: false };
  readonly events: IvrEventSink;
  private readonly hangupController = new AbortController();
  private readonly flow: Flow;
  private flowRun?: FlowRun;
  private wait?: QueueWait;
  /** The ACD entry an agent answered: told `callEnded` when the call ends. */
  private answeredEntry?: string;
  /** An agent or a transfer target has the call: the flow is over, the call is not. */
  private handedOff = false;
  /** When the call first entered a queue: a callback booked after it (overflow) keeps that place. */
  private firstEnqueuedAt?: number;
  /** A transfer put the call through to an agent's extension: the ACD is told when the call ends. */
  private transferEnded?: OtherCallEnd;
  /** The caller's own extension is on this call for the ACD (an agent calling a queue they are in). */
  readonly fromExtension?: string;
  private callerExtensionEnded?: OtherCallEnd;
  /** The flow or the contact center hangs up: the flow is not killed under its own hang-up. */
  private endingOurselves = false;
  /** The queue stay an agent last answered, and who: an agent's transfer goes on from there. */
  private answered?: { queueId: string; request: EnqueueRequest; agentId: string };

  constructor(private readonly services: CallServices, readonly line: CallLine, init: SessionInit, readonly logger: Logger) {
    this.flow = init.flow;
    this.call = {
      callId: init.callId,
      caller: init.caller.number,
      ...(init.caller.name ? { callerName: init.caller.name } : {}),
      dialled: init.number.number,
      service: init.number.service,
      ...(init.number.personalAgent ? { personalAgent: init.number.personalAgent } : {}),
      language: init.flow.language ?? 'sv',
    };
    this.events = { emit: (e) => services.emit(e) };
    if (init.caller.extension) this.fromExtension = init.caller.number;
  }

  get endpoint(): Endpoint {
    return this.line.caller;
  }

  get prompts() {
    return this.services.prompts;
  }

  get announcements() {
    return this.services.announcements;
  }

  get hangupSignal(): AbortSignal {
    return this.hangupController.signal;
  }

  now(): number {
    return this.services.clock.now();
  }

  get alwaysOpen(): boolean {
    return this.services.alwaysOpen ?? false;
  }

  get connected(): boolean {
    return this.handedOff;
  }

  get serviceExceptions(): ServiceExceptions | undefined {
    const all = this.services.hoursExceptions;
    return all && { timezone: all.timezone, exceptions: all.byService[this.call.service] ?? [] };
  }

  /** Runs the flow on the answered line; returns when the call is over and everything is released. */
  async run(): Promise<void> {
    const ended = this.line.done.then((by) => this.onEnded(by));
    // The flow stops as the call starts to end, before the caller's endpoint is released under it.
    const { ending } = this.line;
    const stopFlow = (): void => {
      if (ending.reason !== 'local') this.hangupController.abort();
      else if (!this.endingOurselves) void this.flowRun?.kill(); // the line gave up (no RTP from the caller)
    };
    if (ending.aborted) stopFlow();
    else ending.addEventListener('abort', stopFlow, { once: true });
    const { callId, caller, dialled, service } = this.call;
    // Before the flow can enqueue: the ACD acts in order, so the call never finds its own caller free.
    if (this.fromExtension) this.callerExtensionEnded = this.services.otherCall([this.fromExtension], callId, this.logger);
    this.services.emit({ type: 'call-started', at: this.now(), callId, caller, dialled, service, flow: this.flow.name });
    this.flowRun = runFlow(this.flow, this);
    const result = await this.flowRun.result;
    if (!this.handedOff) {
      this.logger.info({ reason: result.reason }, 'flow over: hanging up');
      await this.hangup();
    }
    await ended;
  }

  private async onEnded(by: EndedBy): Promise<void> {
    this.logger.info({ by }, 'call ended');
    if (by === 'local') void this.flowRun?.kill();
    // The queue wait (if any) settles through the killed node; make sure even without one.
    this.wait?.settle({ outcome: 'abandoned' });
    await this.answeredCallEnded();
    await this.transferEnded?.();
    await this.callerExtensionEnded?.();
    this.services.emit({ type: 'call-ended', at: this.now(), callId: this.call.callId, by });
  }

  /** The call an agent answered is over: the ACD is told once (wrap-up follows). */
  private async answeredCallEnded(): Promise<void> {
    const entryId = this.answeredEntry;
    if (!entryId) return;
    this.answeredEntry = undefined;
    await tellAcd(this.logger, () => this.services.acd.callEnded(entryId), 'callEnded');
  }

  // ---- IvrContext hooks ---------------------------------------------------------

  async enqueue(request: EnqueueRequest, signal: AbortSignal): Promise<EnqueueResult> {
    const { queues, clock } = this.services;
    const queueId = request.queueId ?? queues.ofService(this.call.service);
    const queue = queueId !== undefined ? queues.get(queueId) : undefined;
    if (!queueId || !queue) return { outcome: 'failed', reason: `no queue for service "${this.call.service}"` };
    if (signal.aborted || !this.line.active) return { outcome: 'abandoned' };
    this.firstEnqueuedAt ??= clock.now();
    const wait = new QueueWait(this.services, this, queueId, queue, request);
    this.wait = wait;
    const result = await wait.run(signal);
    if (this.wait === wait) this.wait = undefined;
    if (result.outcome === 'answered') {
      this.handedOff = true;
      this.answeredEntry = wait.entryId;
      if (!this.answered) this.line.onTransfer((t) => void this.transferByAgent(t));
      this.answered = { queueId, request, agentId: result.agentId };
      // Hung up before we got here: the end was seen without an answered entry to report.
      if (!this.line.active) await this.answeredCallEnded();
    }
    return result;
  }

  offerCallback(request: CallbackRequest, signal: AbortSignal): Promise<CallbackResult> {
    return bookFromFlow(this.services, this, { request, placeSince: this.firstEnqueuedAt, variables: this.variables }, signal);
  }

  async transfer(request: TransferRequest, signal: AbortSignal): Promise<TransferResult> {
    const { result, ended } = await transferCall(this.services, this, request, signal);
    if (result.outcome === 'connected') this.handedOff = true;
    if (ended) this.transferEnded = ended;
    return result;
  }

  /** The agent who has the call asks to transfer it (./agent-transfer.ts). */
  private async transferByAgent(transfer: PhoneTransfer): Promise<void> {
    const answered = this.answered;
    if (!answered) {
      transfer.progress(403, 'Forbidden');
      return;
    }
    const call: TransferringCall = {
      call: this.call, line: this.line, logger: this.logger, hangupSignal: this.hangupSignal, agentId: answered.agentId,
      ...(this.fromExtension ? { fromExtension: this.fromExtension } : {}),
      agentDone: () => this.answeredCallEnded(),
      requeue: (queueId) => this.requeue(answered, queueId),
      putThrough: (extension) => {
        this.transferEnded = this.services.otherCall([extension], this.call.callId, this.logger);
      },
    };
    try {
      await transferByAgent(this.services, call, transfer);
    } catch (err) {
      this.logger.error({ err }, 'agent transfer failed');
      transfer.progress(500, 'Server Internal Error');
    }
  }

  /**
   * The call waits in a queue again with the data it had (not as anyone's
   * personal call); a caller no agent answers this time hears that all
   * agents are busy and is hung up on.
   */
  private async requeue(from: { queueId: string; request: EnqueueRequest }, queueId = from.queueId): Promise<void> {
    const { personalAgentId: _personal, ...request } = from.request;
    const result = await this.enqueue({ ...request, queueId }, this.hangupSignal);
    if (result.outcome === 'answered' || !this.line.active) return;
    this.logger.info({ outcome: result.outcome }, 'transferred call not answered in the queue: hanging up');
    for (const prompt of ['all_agents_busy', 'goodbye']) {
      await this.line.caller.play(promptFile(this.services.prompts, this.call.language, prompt)).catch(() => {});
    }
    await this.hangup();
  }

  async hangup(): Promise<void> {
    this.endingOurselves = true;
    await this.line.hangup();
  }

  async avalancheMessages(service: string, at: number): Promise<readonly AvalancheMessage[]> {
    return (await this.services.avalanche?.active(service, at)) ?? [];
  }
}
