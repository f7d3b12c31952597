/**
 * The agent's own events, live: their state read whole at the start and
 * after a resync (GET /api/v1/live/agents/<own id>, and the call they are
 * rung for or on: a page opened mid-offer knows the number dialled and the
 * wait at once), then followed on the events socket, which sends an agent
 * only what concerns them.
 */
import { call } from '../api.js';
import { EventsConnection } from '../live/connection.js';
import type { AgentLive, LiveMessage } from '../live/wire.js';
import { ownCall } from './desk-api.js';
import type { DeskState } from './desk-state.js';

export class OwnEvents extends EventsConnection {
  constructor(private readonly desk: DeskState, changed: (event?: LiveMessage) => void, sessionEnded: () => void) {
    super(changed, sessionEnded);
  }

  protected async load(): Promise<void> {
    const { agentId } = this.desk;
    const agent = await call<AgentLive>('GET', `/live/agents/${encodeURIComponent(agentId)}`);
    this.desk.load(agent, agent.call?.callId !== undefined ? await ownCall(agentId) : null, Date.now());
  }

  protected applyEvent(message: LiveMessage, now: number): void {
    this.desk.apply(message, now);
  }
}
