/**
 * The calls layer without SIP or RTP: the real CallCenter, sessions and
 * queue waits, the real ACD on an in-process store, all on a
 * SimulatedClock, with a scripted media endpoint and a scripted SIP side.
 *
 * - `ScriptedEndpoint` (media/port.ts's Endpoint): a play takes one second
 *   of the clock per file (music loops until the next operation), a
 *   playCollect collects the digits the test presses, with its timeouts on
 *   the clock; every digit is a 'dtmf' event as well. Once destroyed,
 *   a play or playCollect fails, as on the media engine.
 * - `FakeTelephony` (server/calls/telephony.ts): every leg the calls layer
 *   places is a `Ringing` the test answers, refuses or leaves ringing; an
 *   answered leg is a `FakeLeg` either side can hang up.
 * - `callsHarness()`: a contact center of those, and `advance()`, which
 *   moves the clock timer by timer and lets the calls' work run between.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import type {
  Endpoint, EndpointEvents, PlayCollectOptions, PlayCollectResult, PlayOptions, PlayResult, RecordResult,
} from '../../media/port.js';
import { loadPromptSet } from '../../media/speech.js';
import type { Clock, SimulatedClock } from '../../server/acd/index.js';
import type { AgentProfile, QueueConfig } from '../../server/acd/model.js';
import { CallCenter, type CallCenterOptions } from '../../server/calls/center.js';
import type { CallEvent } from '../../server/calls/events.js';
import { AnchoredLine } from '../../server/calls/line.js';
import type { CallLine, PhoneTransfer, PlacedLeg, Telephony } from '../../server/calls/telephony.js';
import type { Flow, NodeDef } from '../../server/ivr/flow.js';
import { loadConfig } from '../../server/config/load.js';
import { DialOutPolicy } from '../../server/sip/dial-out.js';
import type { Leg } from '../../server/sip/fork.js';
import { centre, type Centre } from '../unit/acd-fixtures.js';

/** How long one prompt file plays, on the call's clock. */
export const FILE_MS = 1_000;

interface Operation {
  interrupt(): void;
  digit?(digit: string): void;
}

export class ScriptedEndpoint extends EventEmitter<EndpointEvents> implements Endpoint {
  readonly id = randomUUID();
  readonly localSdp = `v=0 ${this.id}`;
  /** Every play and playCollect, in order; `cut`: ended early by another operation, a stop or the hang-up. */
  readonly played: Array<{ files: string[]; loop: boolean; collect: boolean; cut?: boolean }> = [];
  destroyed = false;
  bridgedTo?: ScriptedEndpoint;
  /** Runs as the far end's answer is applied (modify): for what happens at that very moment. */
  onModify?: () => void;
  private op?: Operation;

  constructor(private readonly clock: Clock) {
    super();
  }

  /** A playCollect is waiting for digits. */
  get collecting(): boolean {
    return this.op?.digit !== undefined;
  }

  /** Whether a prompt (by name, e.g. "press_1_callback") was played. */
  heard(name: string): boolean {
    return this.played.some((p) => p.files.some((f) => f.endsWith(`/${name}.wav`)));
  }

  /** Music on hold is playing now. */
  get onHold(): boolean {
    return this.op !== undefined && this.played.at(-1)?.loop === true;
  }

  play(file: string | string[], opts: PlayOptions = {}): Promise<PlayResult> {
    if (this.destroyed) return this.gone();
    const files = this.start(file, Boolean(opts.loop), false);
    const record = this.played.at(-1)!;
    return new Promise((resolve) => {
      const finish = (interrupted: boolean): void => {
        if (timer) this.clock.clearTimer(timer);
        if (this.op === op) this.op = undefined;
        record.cut = interrupted;
        resolve({ playbackSeconds: 0, playbackMilliseconds: 0, interrupted });
      };
      const op: Operation = { interrupt: () => finish(true) };
      this.op = op;
      const timer = opts.loop ? undefined : this.clock.setTimer(this.clock.now() + files.length * FILE_MS, () => finish(false));
    });
  }

  playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    if (this.destroyed) return this.gone();
    const files = this.start(opts.file, false, true);
    return new Promise((resolve) => {
      let digits = '';
      let timer = this.clock.setTimer(this.clock.now() + files.length * FILE_MS + (opts.timeout ?? 5_000), () => finish('timeout'));
      const finish = (reason: PlayCollectResult['reason'], terminatorUsed?: string): void => {
        this.clock.clearTimer(timer);
        if (this.op === op) this.op = undefined;
        resolve({ digits, reason, playbackMilliseconds: 0, ...(terminatorUsed ? { terminatorUsed } : {}) });
      };
      const op: Operation = {
        interrupt: () => finish('interrupted'),
        digit: (d) => {
          if (opts.terminators?.includes(d)) return finish('terminator', d);
          digits += d;
          if (opts.max !== undefined && digits.length >= opts.max) return finish('max-digits');
          this.clock.clearTimer(timer);
          timer = this.clock.setTimer(this.clock.now() + (opts.digitTimeout ?? 5_000), () => finish('timeout'));
        },
      };
      this.op = op;
    });
  }

  async record(): Promise<RecordResult> {
    throw new Error('recording is not scripted');
  }

  stop(): void {
    this.op?.interrupt();
  }

  async bridge(other: Endpoint): Promise<void> {
    const peer = other as ScriptedEndpoint;
    if (this.destroyed || peer.destroyed) return this.gone();
    this.stop();
    peer.stop();
    this.bridgedTo = peer;
    peer.bridgedTo = this;
  }

  async unbridge(): Promise<void> {
    if (this.bridgedTo) this.bridgedTo.bridgedTo = undefined;
    this.bridgedTo = undefined;
  }

  async modify(): Promise<string> {
    this.onModify?.();
    return this.localSdp;
  }

  /** The far end presses keys: each a 'dtmf' event, and to the playCollect in progress when it arrives. */
  press(digits: string): void {
    for (const dtmf of digits) {
      const op = this.op;
      this.emit('dtmf', { dtmf, source: 'rfc4733' });
      op?.digit?.(dtmf);
    }
  }

  injectDtmf(digit: string): void {
    this.press(digit);
  }

  /** The media server cannot release it (its connection is gone): destroy() fails. */
  failsToRelease = false;

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stop();
    this.emit('destroy');
    // Releasing takes a turn of the event loop, as closing the engine's socket does.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failsToRelease) throw new Error(`endpoint ${this.id} could not be released: the media server is gone`);
  }

  /** As the media engine does: an operation on a released endpoint fails. */
  private gone(): Promise<never> {
    return Promise.reject(new Error(`endpoint ${this.id} is destroyed`));
  }

  private start(file: string | string[], loop: boolean, collect: boolean): string[] {
    this.stop();
    const files = Array.isArray(file) ? file : [file];
    this.played.push({ files, loop, collect });
    return files;
  }
}

export class FakeMedia {
  readonly endpoints: ScriptedEndpoint[] = [];

  constructor(private readonly clock: Clock) {}

  /** Runs once while the next endpoint is being made, as if something happened in that moment (a hang-up). */
  whileNextEndpointIsMade?: () => void;

  async createEndpoint(): Promise<ScriptedEndpoint> {
    const during = this.whileNextEndpointIsMade;
    this.whileNextEndpointIsMade = undefined;
    during?.();
    return this.endpoint();
  }

  endpoint(): ScriptedEndpoint {
    const ep = new ScriptedEndpoint(this.clock);
    this.endpoints.push(ep);
    return ep;
  }

  /** Endpoints not yet destroyed. */
  get live(): ScriptedEndpoint[] {
    return this.endpoints.filter((e) => !e.destroyed);
  }
}

/** An answered leg: either end may hang up. */
export class FakeLeg implements PlacedLeg {
  readonly remoteSdp = 'v=0 far end';
  /** We sent BYE. */
  hungUpByUs = false;
  /** The far end sent BYE. */
  hungUpByFarEnd = false;
  private readonly onEnd: Array<() => void> = [];
  private answerOffer?: (remoteSdp: string) => Promise<string>;
  private transferListener?: (transfer: PhoneTransfer) => void;

  onHangup(fn: () => void): void {
    this.onEnd.push(fn);
  }

  onOffer(fn: (remoteSdp: string) => Promise<string>): void {
    this.answerOffer = fn;
  }

  /** The far end sends a re-INVITE with this offer: our answer, or undefined when nobody took offers on. */
  async farEndOffers(sdp: string): Promise<string | undefined> {
    return this.answerOffer?.(sdp);
  }

  onTransfer(fn: (transfer: PhoneTransfer) => void): void {
    this.transferListener = fn;
  }

  /** The phone asks to transfer its call (REFER, accepted): the status lines it is told (NOTIFY), as they come. */
  asksTransfer(target: string, replaces?: PhoneTransfer['replaces']): number[] {
    const told: number[] = [];
    if (!this.transferListener) throw new Error('nothing listens for transfers on this leg');
    this.transferListener({ target, ...(replaces ? { replaces } : {}), progress: (status) => { told.push(status); } });
    return told;
  }

  hangup(): void {
    this.hungUpByUs = true;
  }

  /** The far end hangs up. */
  farEndHangsUp(): void {
    if (this.hungUpByUs || this.hungUpByFarEnd) return;
    this.hungUpByFarEnd = true;
    for (const fn of this.onEnd) fn();
  }

  get up(): boolean {
    return !this.hungUpByUs && !this.hungUpByFarEnd;
  }
}

/** Legs the calls layer rings: the test answers, refuses or leaves them ringing. */
export class Ringing {
  readonly uris: string[];
  private resolve!: (r: PlacedLeg | number) => void;
  readonly result = new Promise<PlacedLeg | number>((resolve) => { this.resolve = resolve; });
  /** How it ended: answered, a failure status (487: cancelled by us), or still ringing. */
  outcome: 'ringing' | 'answered' | number = 'ringing';

  constructor(readonly legs: readonly Leg[], readonly endpoint: Endpoint, signal: AbortSignal) {
    this.uris = legs.map((l) => l.uri);
    signal.addEventListener('abort', () => this.end(487), { once: true });
  }

  get cancelled(): boolean {
    return this.outcome === 487;
  }

  answer(): FakeLeg {
    if (this.outcome !== 'ringing') throw new Error(`cannot answer: ${this.outcome}`);
    const leg = new FakeLeg();
    this.outcome = 'answered';
    this.resolve(leg);
    return leg;
  }

  refuse(status: number): void {
    this.end(status);
  }

  private end(status: number): void {
    if (this.outcome !== 'ringing') return;
    this.outcome = status;
    this.resolve(status);
  }
}

export class FakeTelephony implements Telephony {
  readonly rung: Ringing[] = [];

  constructor(private readonly media: FakeMedia, private readonly log: Logger) {}

  /** Callers come in through callsHarness().incoming, not through SIP. */
  async answer(): Promise<CallLine | undefined> {
    return undefined;
  }

  async dial(legs: readonly Leg[], endpoint: Endpoint, signal: AbortSignal): Promise<PlacedLeg | number> {
    if (signal.aborted) return 487;
    if (legs.length === 0) return 480;
    const ringing = new Ringing(legs, endpoint, signal);
    this.rung.push(ringing);
    return ringing.result;
  }

  /** The legs to a URI containing `to` that still ring. */
  ringing(to: string): Ringing | undefined {
    return this.rung.find((r) => r.outcome === 'ringing' && r.uris.some((u) => u.includes(to)));
  }

  /** A line for a caller answered with our media. */
  line(): { line: AnchoredLine; endpoint: ScriptedEndpoint; leg: FakeLeg } {
    const endpoint = this.media.endpoint();
    const leg = new FakeLeg();
    const line = new AnchoredLine(this, this.media, this.log);
    line.answered(endpoint, leg);
    return { line, endpoint, leg };
  }
}

/** Lets every piece of work the calls started run (they wait on promises, never on real time). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

export const SERVICE = 'Kundtjänst';
export const SERVICE_NUMBER = '+46313900600';
export const CALLER = '+46701740651';

/** A flow of these nodes, starting at the first. */
export function flow(nodes: NodeDef[]): Flow {
  return {
    name: 'test', file: 'ivr-flows/test.yaml', services: [SERVICE], numbers: [], isDefault: true, language: 'sv',
    start: nodes[0]!.id, maxSteps: 50, nodes: new Map(nodes.map((n) => [n.id, n])),
  };
}

export interface CallerOnLine {
  line: AnchoredLine;
  /** The caller's endpoint: what they hear, where they press keys. */
  endpoint: ScriptedEndpoint;
  /** The caller's leg: `farEndHangsUp()` is the caller hanging up. */
  leg: FakeLeg;
  /** Settles when the session is over. */
  over: Promise<void>;
}

export interface CallsHarness extends Centre {
  center: CallCenter;
  telephony: FakeTelephony;
  media: FakeMedia;
  callEvents: CallEvent[];
  /** The dial-out policy the calls ask (defaults: national numbers only); its alarms are there to hear. */
  dialOut: DialOutPolicy;
  /** How often the ACD store was put on disk (a booked callback). */
  persisted: number;
  /** A caller (default CALLER, from the trunk; one of the agents' extensions calls from its own phone) on the service number, answered now, runs `calledFlow`. */
  incoming(calledFlow: Flow, personalAgent?: string, caller?: string, opts?: { fromTrunk?: boolean }): CallerOnLine;
  /** Moves the clock `seconds` on, timer by timer, letting the calls' work run after each. */
  advance(seconds: number): Promise<void>;
  /** The call events of one type. */
  callEventsOf<T extends CallEvent['type']>(type: T): Extract<CallEvent, { type: T }>[];
  /** Nothing of any call is left: no ACD entry, no timer of the ACD or of the calls (wrap-ups included), no live endpoint. */
  assertNothingLeft(): void;
}

/** Agents by extension, rung on `sip:<extension>@phones.test` (a mobile on `sip:<number>@trunk.test`). */
export function agentAt(extension: string, over: Partial<AgentProfile> = {}): AgentProfile {
  return {
    id: extension, name: `Agent ${extension}`, skills: {}, groups: [], queues: ['support'],
    device: { kind: 'softphone', extension }, ...over,
  };
}

/** A number out through the trunk (the trunk's answer timeout as the default configuration has it). */
function throughTrunk(number: string, headers: Record<string, string>): Leg {
  return { uri: `sip:${number}@trunk.test`, headers, answerTimeoutSeconds: 4 };
}

export async function callsHarness(options: {
  agents: AgentProfile[];
  loggedIn?: string[];
  queue?: Partial<QueueConfig>;
  callbackRingSeconds?: number;
  /** Where the calls log (default: nowhere). */
  logger?: Logger;
}): Promise<CallsHarness> {
  const queueConfig: QueueConfig = {
    id: 'support', name: SERVICE, steps: [{ afterSeconds: 0, eligible: { everyone: true } }], priority: { kind: 'classes' },
    wrapUpSeconds: 10, ringTimeoutSeconds: 20, maxMissedOffers: 3, personalOverflowSeconds: 60, ...options.queue,
  };
  const c = await centre({ queues: [queueConfig], agents: options.agents, loggedIn: options.loggedIn ?? [] });
  const log = options.logger ?? pino({ level: 'silent' });
  const media = new FakeMedia(c.clock);
  const telephony = new FakeTelephony(media, log);
  const callEvents: CallEvent[] = [];
  let persisted = 0;
  const config = {
    queues: [{ id: 'support', announceEverySeconds: 30, callbackRingSeconds: options.callbackRingSeconds ?? 30 }],
    numbers: [{ number: SERVICE_NUMBER, service: SERVICE, queue: 'support' }],
    extensions: options.agents.map((a) => ({ extension: a.id })),
  } as unknown as CallCenterOptions['config'];
  // The product's own policy with its defaults: national numbers only.
  const dialOut = new DialOutPolicy({ config: loadConfig({ env: {} }).dialOut, countryCode: '46', logger: log, now: () => c.clock.now() });
  const center = new CallCenter({
    config, telephony, media, prompts: loadPromptSet(), acd: c.acd, clock: c.clock,
    flows: { forCall: () => undefined },
    registrar: { onChange: () => () => {}, contactsOf: () => [] },
    legs: {
      device: (d, headers) => [d.kind === 'mobile' ? throughTrunk(d.number, headers) : { uri: `sip:${d.extension}@phones.test`, headers }],
      outside: (number, headers, caller) => {
        const verdict = dialOut.check({ ...caller, number });
        return verdict.allowed ? { leg: throughTrunk(verdict.number, headers) } : { refused: verdict.refusal };
      },
      checkOutside: (number, caller) => dialOut.check({ ...caller, number }),
      isExtension: (id) => config.extensions.some((e) => e.extension === id),
    },
    announcements: { current: async () => undefined, verifyPin: async () => false, draftFile: () => '', save: async () => {} },
    logger: log,
    persistNow: () => { persisted++; },
  });
  center.on('event', (e) => callEvents.push(e));
  const clock: SimulatedClock = c.clock;
  let calls = 0;
  const harness: CallsHarness = {
    ...c,
    center, telephony, media, callEvents, dialOut,
    get persisted() { return persisted; },
    incoming(calledFlow, personalAgent, caller = CALLER, opts = {}) {
      const { line, endpoint, leg } = telephony.line();
      const callId = `call-${++calls}`;
      const fromExtension = !opts.fromTrunk && config.extensions.some((e) => e.extension === caller);
      const over = center.serve(line, {
        callId, caller: fromExtension ? { number: caller, extension: true } : { number: caller },
        number: { number: SERVICE_NUMBER, service: SERVICE, ...(personalAgent ? { personalAgent } : {}) }, flow: calledFlow,
      }, log.child({ callId }));
      return { line, endpoint, leg, over };
    },
    async advance(seconds) {
      const end = clock.now() + seconds * 1000;
      await flush();
      for (let next = clock.nextTimerAt(); next !== undefined && next <= end; next = clock.nextTimerAt()) {
        await clock.advanceTo(next);
        await flush();
      }
      await clock.advanceTo(end);
      await flush();
    },
    callEventsOf: <T extends CallEvent['type']>(type: T) => callEvents.filter((e): e is Extract<CallEvent, { type: T }> => e.type === type),
    assertNothingLeft() {
      expect({
        entries: c.of('queued').map((e) => e.entry.id).filter((id) => c.acd.entry(id) !== undefined),
        acdTimers: c.acd.pendingTimers(),
        clockTimers: clock.pending,
        endpoints: media.live.length,
        calls: center.activeCalls,
      }).toEqual({ entries: [], acdTimers: { steps: [], rings: [], wrapUps: [] }, clockTimers: 0, endpoints: 0, calls: 0 });
    },
  };
  return harness;
}
