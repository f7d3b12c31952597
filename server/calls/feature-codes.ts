/**
 * Feature codes: what an extension dials on its own phone (config
 * `featureCodes`, defaults below). Only authenticated extensions reach them;
 * the trunk never does.
 *
 *   *21          log in to the ACD (ready); from a pause, ready
 *   *22          log out of the ACD; calls to the extension itself still ring
 *   *23[digits]  pause, with the digits as reason (none: "pause")
 *   *24          ready again (logs in first when logged out)
 *   *77          an operator's extension records announcements: runs the flow
 *                whose `numbers` list the code (ivr-flows/inspelning.yaml; the
 *                operator's PIN is asked there); refused while the extension
 *                is locked out after too many wrong PINs (./pin-tries.ts)
 *   *78<id>      an operator's extension (`operator: true`, or in an
 *                operator's `extensions`) switches the prepared avalanche
 *                message <id> on, or off when it is on
 *   *25<code>    an agent gives their current or last call the case type
 *                <code> of its queue (./case-types.ts): keyed during
 *                wrap-up (or on a second line during the call), the same
 *                way as the other codes, on any phone. Not DTMF in the call:
 *                the bridge carries the agent's keys to the caller, and
 *                after the hang-up there is no call to key them in
 *
 * The ACD codes, *25, *78 and a refused *77 answer with our media, play a
 * confirmation (CONFIRMATIONS: thank_you when done, avalanche_on or
 * avalanche_off for *78, invalid_choice when refused: not an agent, logged
 * out and pausing, not an operator, PIN locked, unknown message, no call or
 * a code its queue does not list), and hang up
 * once it has played.
 *
 * An agent who logged out with *22 stays logged out while their phone keeps
 * registering (./agent-control.ts) until they dial *21 or *24 or their last
 * registration ends. *21 from a phone that is not registered is refused:
 * nothing would ring for the calls offered.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { CASE_TYPE_CODE_PATTERN } from '../../config/json-schema.js';
import type { Config, FeatureCodesConfig, NumberConfig } from '../../config/schema.js';
import type { MediaServer } from '../../media/port.js';
import { promptFile, type PromptSet } from '../../media/speech.js';
import type { Acd, Clock } from '../acd/index.js';
import type { FlowLibrary } from '../ivr/loader.js';
import type { Entrance, FeatureCodeHandler } from '../sip/ports.js';
import type { AgentAction, AgentControl } from './agent-control.js';
import { AnchoredCall, type SipSide } from './anchored-call.js';
import type { AgentCaseTypes } from './case-types.js';
import type { AvalancheStore } from './avalanche.js';
import type { PinTries } from './pin-tries.js';

export type FeatureAction =
  | { kind: 'login' }
  | { kind: 'logout' }
  | { kind: 'pause'; reason: string }
  | { kind: 'ready' }
  | { kind: 'record-announcements'; code: string }
  | { kind: 'avalanche-toggle'; id: string }
  | { kind: 'case-type'; code: string };

/** The pause reason when *23 is dialled without digits. */
export const DEFAULT_PAUSE_REASON = 'pause';
/** The service recording calls carry (what logs and events show). */
export const RECORDING_SERVICE = 'Inspelning';

/** The prompts the codes answer with before hanging up; each lasts a second or more (scripts/make-prompts.sh). */
export const CONFIRMATIONS = {
  done: 'thank_you',
  refused: 'invalid_choice',
  avalancheOn: 'avalanche_on',
  avalancheOff: 'avalanche_off',
} as const;
type Confirmation = (typeof CONFIRMATIONS)[keyof typeof CONFIRMATIONS];

/** What a dialled user part means as a feature code, or undefined. */
export function parseFeatureCode(dialled: string, codes: FeatureCodesConfig): FeatureAction | undefined {
  let d = dialled;
  try {
    d = decodeURIComponent(dialled);
  } catch {
    return undefined;
  }
  if (d === codes.login) return { kind: 'login' };
  if (d === codes.logout) return { kind: 'logout' };
  if (d === codes.ready) return { kind: 'ready' };
  if (d === codes.recordAnnouncements) return { kind: 'record-announcements', code: d };
  if (d.startsWith(codes.pause)) {
    const rest = d.slice(codes.pause.length);
    if (rest === '') return { kind: 'pause', reason: DEFAULT_PAUSE_REASON };
    if (/^[0-9]{1,6}$/.test(rest)) return { kind: 'pause', reason: rest };
    return undefined;
  }
  if (d.startsWith(codes.avalancheToggle)) {
    const rest = d.slice(codes.avalancheToggle.length);
    if (/^[0-9]{1,4}$/.test(rest)) return { kind: 'avalanche-toggle', id: rest };
  }
  if (d.startsWith(codes.caseType)) {
    const rest = d.slice(codes.caseType.length);
    if (new RegExp(CASE_TYPE_CODE_PATTERN).test(rest)) return { kind: 'case-type', code: rest };
  }
  return undefined;
}

export interface FeatureCodesOptions {
  config: Pick<Config, 'featureCodes' | 'operators' | 'extensions'>;
  sip: SipSide;
  media: MediaServer;
  prompts: PromptSet;
  acd: Acd;
  clock: Clock;
  flows: FlowLibrary;
  avalanche: AvalancheStore;
  /** The agents' own actions, with the contact center's rules about phones. */
  agents: AgentControl;
  /** Where the recording flow runs (the contact center). */
  entrance: Entrance;
  /** Agents' case types for their calls (*25). */
  caseTypes: Pick<AgentCaseTypes, 'set'>;
  /** Wrong operator PINs per extension: a locked-out extension's *77 is refused. */
  pinTries: PinTries;
  logger: Logger;
}

/** The switch's router hands an extension's feature codes over (server/sip/router.ts). */
export class FeatureCodes implements FeatureCodeHandler<FeatureAction> {
  private config: FeatureCodesOptions['config'];

  constructor(private readonly opts: FeatureCodesOptions) {
    this.config = opts.config;
  }

  /** Operators and extensions as the running configuration says now; the next code dialled sees them. */
  reconfigure(config: FeatureCodesOptions['config']): void {
    this.config = config;
  }

  match(dialled: string): FeatureAction | undefined {
    return parseFeatureCode(dialled, this.config.featureCodes);
  }

  async handle(req: Srf.SrfRequest, res: Srf.SrfResponse, extension: string, action: FeatureAction, log: Logger): Promise<void> {
    if (action.kind === 'record-announcements') {
      await this.recordAnnouncements(req, res, extension, action.code, log);
      return;
    }
    let answer: Confirmation;
    try {
      answer = action.kind === 'avalanche-toggle'
        ? await this.toggleAvalanche(extension, action.id, log)
        : action.kind === 'case-type'
          ? this.caseType(extension, action.code, log)
          : (await this.agentAction(extension, action, log)) ? CONFIRMATIONS.done : CONFIRMATIONS.refused;
    } catch (err) {
      log.error({ err, extension, code: action.kind }, 'feature code failed');
      answer = CONFIRMATIONS.refused;
    }
    await this.confirm(req, res, answer, log);
  }

  /** The ACD codes: true when done. *21 and *24 each log in a logged-out agent and make a paused one ready. */
  private async agentAction(agentId: string, action: FeatureAction, log: Logger): Promise<boolean> {
    if (action.kind !== 'login' && action.kind !== 'ready' && action.kind !== 'logout' && action.kind !== 'pause') return false;
    const loggedOut = (this.opts.acd.agent(agentId)?.state ?? 'logged-out') === 'logged-out';
    const asked: AgentAction = action.kind === 'login' || action.kind === 'ready' ? { kind: loggedOut ? 'login' : 'ready' } : action;
    const result = await this.opts.agents.apply(agentId, asked);
    if (!result.ok) {
      log.info({ extension: agentId, code: action.kind, refused: result.refused, reason: result.reason }, 'feature code refused');
      return false;
    }
    log.info({ agent: agentId, code: action.kind, state: result.status.state }, 'agent feature code');
    return true;
  }

  private caseType(agentId: string, code: string, log: Logger): Confirmation {
    const result = this.opts.caseTypes.set(agentId, code);
    if (!result.ok) {
      log.info({ extension: agentId, code: 'case-type', refused: result.refused, reason: result.reason }, 'feature code refused');
      return CONFIRMATIONS.refused;
    }
    log.info({ agent: agentId, callId: result.contactId, queue: result.queue, caseType: code }, 'case type set by phone');
    return CONFIRMATIONS.done;
  }

  /** The operator an extension belongs to (an operator's `extensions`, or `operator: true`), or undefined. */
  private operatorOf(extension: string): string | undefined {
    return this.config.operators.find((o) => o.extensions.includes(extension))?.name
      ?? (this.config.extensions.find((e) => e.extension === extension)?.operator ? `extension ${extension}` : undefined);
  }

  /** What the operator hears: whether the message is now on or off, or refused. */
  private async toggleAvalanche(extension: string, id: string, log: Logger): Promise<Confirmation> {
    const operator = this.operatorOf(extension);
    if (!operator) {
      log.warn({ extension, avalanche: id }, 'avalanche toggle refused: not an operator\'s extension');
      return CONFIRMATIONS.refused;
    }
    const m = await this.opts.avalanche.toggle(id, this.opts.clock.now(), `phone:${operator}`);
    if (!m) {
      log.info({ extension, avalanche: id }, 'avalanche toggle refused: no such message');
      return CONFIRMATIONS.refused;
    }
    log.info({ operator, avalanche: id, on: m.on }, 'avalanche message toggled by phone');
    return m.on ? CONFIRMATIONS.avalancheOn : CONFIRMATIONS.avalancheOff;
  }

  private async recordAnnouncements(req: Srf.SrfRequest, res: Srf.SrfResponse, extension: string, code: string, log: Logger): Promise<void> {
    if (!this.operatorOf(extension)) {
      log.warn({ extension }, 'recording announcements refused: not an operator\'s extension');
      await this.confirm(req, res, CONFIRMATIONS.refused, log);
      return;
    }
    if (this.opts.pinTries.locked(extension)) {
      log.warn({ extension }, 'recording announcements refused: too many wrong PINs from this extension within the hour');
      await this.confirm(req, res, CONFIRMATIONS.refused, log);
      return;
    }
    const flow = this.opts.flows.forCall({ dialled: code });
    if (!flow || !flow.numbers.includes(code)) {
      log.error({ code }, 'no IVR flow lists the recording code in its numbers');
      res.send(404);
      return;
    }
    const number: NumberConfig = { number: code, service: RECORDING_SERVICE };
    await this.opts.entrance.answer(req, res, { number: extension, fromTrunk: false }, number, log);
  }

  /** Answers, plays the confirmation to its end (its tail of silence lets the phone play the last word), then hangs up. */
  private async confirm(req: Srf.SrfRequest, res: Srf.SrfResponse, answer: Confirmation, log: Logger): Promise<void> {
    const { sip, media, prompts } = this.opts;
    const call = new AnchoredCall(sip, media, log);
    if (!(await call.answer(req, res))) return;
    await call.caller.play(promptFile(prompts, 'sv', answer)).catch(() => {});
    await call.hangup();
  }
}
