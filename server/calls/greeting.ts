/**
 * A number that greets its callers, then rings one extension (`target` with
 * `greeting: true` in config): answered with our media, the caller hears
 * the welcome prompt and may press one key (it changes nothing), then music
 * while every phone of the extension rings; the first to answer is bridged
 * (./anchored-call.ts). When no phone answers the caller hears that every
 * agent is busy, and the call ends.
 *
 * The switch hands such calls here (server/sip/ports.ts, Greeting). Once
 * connected, the extensions on the call are reported as on a call outside
 * the ACD (OnAnswered, ./other-calls.ts) until it ends.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { MediaServer } from '../../media/port.js';
import { musicFile, promptFile, type PromptSet } from '../../media/speech.js';
import { presentationHeaders, type LegBuilder } from '../sip/legs.js';
import type { Caller, GreetedNumber, Greeting, OnAnswered } from '../sip/ports.js';
import { AnchoredCall, type SipSide } from './anchored-call.js';

/** How long the greeting waits for a key after the welcome prompt. */
const GREETING_KEY_TIMEOUT_MS = 2_000;

export interface GreetingOptions {
  sip: SipSide;
  media: MediaServer;
  prompts: PromptSet;
  legs: LegBuilder;
  onAnswered: OnAnswered;
}

export class GreetThenConnect implements Greeting {
  constructor(private readonly opts: GreetingOptions) {}

  async answer(req: Srf.SrfRequest, res: Srf.SrfResponse, caller: Caller, number: GreetedNumber, log: Logger): Promise<void> {
    const { sip, media } = this.opts;
    const call = new AnchoredCall(sip, media, log);
    if (!(await call.answer(req, res))) return;
    try {
      await this.greetThenRing(call, req, caller, number, log);
    } finally {
      // However it went (a failure of ours included), the caller's leg and endpoint do not outlive it.
      await call.hangup();
    }
  }

  private async greetThenRing(call: AnchoredCall, req: Srf.SrfRequest, caller: Caller, number: GreetedNumber, log: Logger): Promise<void> {
    const { prompts, legs, onAnswered } = this.opts;
    const greeting = await call.caller.playCollect({
      file: promptFile(prompts, 'sv', 'welcome'), max: 1, timeout: GREETING_KEY_TIMEOUT_MS,
    });
    log.info({ key: greeting.digits || undefined, reason: greeting.reason }, 'greeting done');
    if (!call.active) return;
    void call.caller.play(musicFile(prompts), { loop: true }).catch(() => {});
    const headers = presentationHeaders({ number: caller.number, service: { name: number.service, dialled: number.number } });
    const status = await call.connect(legs.phones(number.target, headers));
    if (status === undefined) {
      if (!call.active) return;
      const ended = onAnswered([number.target, ...(caller.fromTrunk ? [] : [caller.number])], req.get('Call-ID'), log);
      await call.done;
      await ended();
      return;
    }
    if (!call.active) return;
    log.info({ extension: number.target, status }, 'no agent answered: goodbye');
    await call.caller.play(promptFile(prompts, 'sv', 'all_agents_busy')).catch(() => {});
  }
}
