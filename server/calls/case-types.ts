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

export type CaseTypeResult =
  | { ok: true; contactId: string; queue: string; caseType: CaseTypeConfig }
  | {
    ok: false;
    /** `unknown-agent`: no such agent; `no-call`: none answered here to set it on; `unknown-code`: not in the queue's list. */
    refused: 'unknown-agent' | 'no-call' | 'unknown-code';
    reason: string;
  };

export interface AgentCaseTypesOptions {
  acd: Pick<Acd, 'profile'>;
  /** The queues as the running configuration says now. */
  queues: Pick<QueueLookup, 'get'>;
  records: Pick<ContactRecords, 'agentCall' | 'setCaseType'>;
}

export class AgentCaseTypes {
  constructor(private readonly opts: AgentCaseTypesOptions) {}

  /** Sets the case type `code` (and the note, if any) on the agent's current or last call. */
  set(agentId: string, code: string, note?: string): CaseTypeResult {
    const { acd, queues, records } = this.opts;
    if (!acd.profile(agentId)) return { ok: false, refused: 'unknown-agent', reason: `no agent ${agentId}` };
    const call = records.agentCall(agentId);
    if (!call) return { ok: false, refused: 'no-call', reason: `agent ${agentId} has answered no call here to give a case type` };
    const list = queues.get(call.queue)?.caseTypes ?? [];
    const caseType = list.find((t) => t.code === code);
    if (!caseType) {
      const known = list.length > 0 ? `its codes are ${list.map((t) => `${t.code} (${t.name})`).join(', ')}` : 'it has no case types';
      return { ok: false, refused: 'unknown-code', reason: `queue ${call.queue} has no case type with code "${code}": ${known}` };
    }
    records.setCaseType(call.contactId, code, note);
    return { ok: true, contactId: call.contactId, queue: call.queue, caseType: { code: caseType.code, name: caseType.name } };
  }
}
