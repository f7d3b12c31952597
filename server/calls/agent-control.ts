/**
 * An agent's state changed by hand: by the agent on their phone (feature
 * codes, ./feature-codes.ts) or through the API (for themselves, or by a
 * supervisor). The ACD applies its own rules (server/acd/agents.ts: a
 * logged-out agent cannot pause or be made ready, a pause or log-out asked
 * for during a call waits for its end, ready during a call cancels it); this
 * adds the contact center's rules about phones:
 *
 * - an agent answering on a desk phone or softphone is logged in only while
 *   one is registered for the extension (the registration rule,
 *   ./center.ts): logging in with none registered is refused, since nothing
 *   would ring. An agent answering on a mobile needs no registration.
 * - an agent logged out by hand stays logged out while the phone keeps
 *   registering (`loggedOutByHand`), until they log in or are made ready by
 *   hand, or their last registration ends.
 */
import { AcdError, type Acd, type AgentStatus } from '../acd/index.js';
import type { Registrar } from '../sip/registrar.js';

export type AgentAction =
  | { kind: 'login' }
  | { kind: 'logout' }
  | { kind: 'pause'; reason: string }
  | { kind: 'ready' };

export type AgentActionResult =
  | { ok: true; status: AgentStatus }
  | {
    ok: false;
    /** `unknown-agent`: no such agent; `no-phone`: log-in refused, nothing to ring; `refused`: the ACD's rules refuse it now. */
    refused: 'unknown-agent' | 'no-phone' | 'refused';
    reason: string;
  };

export interface AgentControlOptions {
  acd: Acd;
  registrar: Pick<Registrar, 'contactsOf'>;
}

export class AgentControl {
  /** Agents logged out by hand: the registration rule does not log them in again (./center.ts). */
  readonly loggedOutByHand = new Set<string>();

  constructor(private readonly opts: AgentControlOptions) {}

  /** Whether the agent has something that rings: a registered phone, or a mobile. */
  canBeRung(agentId: string): boolean {
    const profile = this.opts.acd.profile(agentId);
    if (!profile) return false;
    return profile.device.kind === 'mobile' || this.opts.registrar.contactsOf(agentId).length > 0;
  }

  async apply(agentId: string, action: AgentAction): Promise<AgentActionResult> {
    const { acd } = this.opts;
    if (!acd.profile(agentId)) return { ok: false, refused: 'unknown-agent', reason: `no agent ${agentId}` };
    if (action.kind === 'login' && acd.agent(agentId)?.state === 'logged-out' && !this.canBeRung(agentId)) {
      return { ok: false, refused: 'no-phone', reason: `agent ${agentId} answers on a phone and none is registered for the extension` };
    }
    try {
      switch (action.kind) {
        case 'login':
          this.loggedOutByHand.delete(agentId);
          await acd.login(agentId);
          break;
        case 'ready':
          await acd.ready(agentId);
          // After the ACD agreed: a refused ready leaves a hand log-out standing.
          this.loggedOutByHand.delete(agentId);
          break;
        case 'logout':
          this.loggedOutByHand.add(agentId);
          await acd.logout(agentId);
          break;
        case 'pause':
          await acd.pause(agentId, action.reason);
          break;
      }
    } catch (err) {
      if (err instanceof AcdError) return { ok: false, refused: 'refused', reason: err.message };
      throw err;
    }
    return { ok: true, status: acd.agent(agentId)! };
  }
}
