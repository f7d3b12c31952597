/**
 * One ACD state change at a time for an agent (log in, ready, pause, log
 * out), from the queue monitor's rows or the agent's own desktop: busy
 * while the product is asked, then its refusal in words (./failure.ts)
 * for beside the controls.
 */
import type { ReactiveControllerHost } from 'lit';
import { actOnAgent, type AgentAction } from './api.js';
import { failureText } from './failure.js';

export class AgentActionRunner {
  busy = false;
  /** The last refusal, or a failure found before asking (a missing reason, say). */
  error: string | undefined;

  constructor(private readonly host: ReactiveControllerHost) {}

  /** Asks the product; true when it did what was asked. */
  async run(agentId: string, action: AgentAction): Promise<boolean> {
    this.busy = true;
    this.error = undefined;
    this.host.requestUpdate();
    try {
      await actOnAgent(agentId, action);
      return true;
    } catch (err) {
      this.error = failureText(err);
      return false;
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }
}
