/**
 * The agent's case type (ärendetyp) for a call, at wrap-up or during it:
 * a code from the list of the queue the call came through (config
 * `queues[].caseTypes`), keyed on the phone (featureCodes.caseType + code,
 * ./feature-codes.ts) or picked in the agent desktop (the API). It lands on
 * the call's contact record as set by the agent, replacing the flow's.
 *
 * The call is the agent's current one, else their last: the one answered
 * most recently on this instance (a restart forgets it). A code the queue
 * does not list is refused, naming the queue's codes.
 */
import type { CaseTypeConfig } from '../../config/schema.js';
import type { Acd } from '../acd/index.js';
import type { ContactRecords } from './contact-records.js';
import type { QueueLookup } from './services.js';

/** The agent's current or last call and the case types its queue offers. */
export type CaseTypeChoice =
  | { ok: true; contactId: string; queue: string; caseTypes: CaseTypeConfig[] }
  | { ok: false; refused: 'unknown-agent' | 'no-call'; reason: string };

/** `unknown-agent`: no such agent; `no-call`: none answered here to set it on; `unknown-code`: not in the queue's list. */
export type CaseTypeResult =
  | { ok: true; contactId: string; queue: string; caseType: CaseTypeConfig }
  | { ok: false; refused: 'unknown-agent' | 'no-call'; reason: string }
  /** Not in the queue's list, which `caseTypes` is. */
  | { ok: false; refused: 'unknown-code'; reason: string; caseTypes: CaseTypeConfig[] };

export interface AgentCaseTypesOptions {
  acd: Pick<Acd, 'profile'>;
  /** The queues as the running configuration says now. */
  queues: Pick<QueueLookup, 'get'>;
  records: Pick<ContactRecords, 'agentCall' | 'setCaseType'>;
}

export class AgentCaseTypes {
  constructor(private readonly opts: AgentCaseTypesOptions) {}

  /** The agent's current or last call, and its queue's case types as the running configuration says now. */
  choice(agentId: string): CaseTypeChoice {
    const { acd, queues, records } = this.opts;
    if (!acd.profile(agentId)) return { ok: false, refused: 'unknown-agent', reason: `no agent ${agentId}` };
    const call = records.agentCall(agentId);
    if (!call) return { ok: false, refused: 'no-call', reason: `agent ${agentId} has answered no call here to give a case type` };
    const caseTypes = (queues.get(call.queue)?.caseTypes ?? []).map(({ code, name }) => ({ code, name }));
    return { ok: true, contactId: call.contactId, queue: call.queue, caseTypes };
  }

  /** Sets the case type `code` (and the note, if any) on the agent's current or last call. */
  set(agentId: string, code: string, note?: string): CaseTypeResult {
    const choice = this.choice(agentId);
    if (!choice.ok) return choice;
    const { contactId, queue, caseTypes } = choice;
    const caseType = caseTypes.find((t) => t.code === code);
    if (!caseType) {
      const known = caseTypes.length > 0 ? `its codes are ${codeList(caseTypes)}` : 'it has no case types';
      return { ok: false, refused: 'unknown-code', reason: `queue ${queue} has no case type with code "${code}": ${known}`, caseTypes };
    }
    this.opts.records.setCaseType(contactId, code, note);
    return { ok: true, contactId, queue, caseType };
  }
}

/** The codes with their names, as a refusal lists them: `1 (Faktura), 2 (Adressändring)`. */
export function codeList(caseTypes: readonly CaseTypeConfig[]): string {
  return caseTypes.map((t) => `${t.code} (${t.name})`).join(', ');
}
