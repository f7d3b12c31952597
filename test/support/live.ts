/**
 * The live state on a real ACD (in-memory store, simulated clock), with the
 * contact center's call events played by the test: what a call session
 * reports as a caller arrives and leaves (server/calls/events.ts).
 */
import { EventEmitter } from 'node:events';
import type { CallEvent } from '../../server/calls/events.js';
import { LiveState } from '../../server/stats/live-state.js';
import { centre, type Centre } from '../unit/acd-fixtures.js';

export interface LiveCentre extends Centre {
  live: LiveState;
  /** A caller answered by the product who enters the first queue at once; returns the ACD entry id. */
  arrive(callId: string, caller?: string, opts?: { vip?: boolean }): Promise<string>;
  /** The caller hangs up: abandoned if still in line, the end of the conversation if answered. */
  hangUp(callId: string): Promise<void>;
}

export async function liveCentre(options: Parameters<typeof centre>[0]): Promise<LiveCentre> {
  const c = await centre(options);
  const calls = new EventEmitter<{ event: [CallEvent] }>();
  const live = new LiveState(c.acd, calls);
  const service = 'Kundtjänst';
  const dialled = '+46313900601';
  return {
    ...c,
    live,
    async arrive(callId, caller = '+46701740605', opts = {}) {
      calls.emit('event', { type: 'call-started', at: c.clock.now(), callId, caller, dialled, service, flow: 'kundtjanst' });
      // As the flow's queue node puts it (server/ivr/nodes/queue.ts).
      const vip: Record<string, string> = opts.vip ? { vip: 'true' } : {};
      const entry = c.call(`entry-${callId}`, { data: { callId, caller, dialled, service, ...vip } });
      await c.acd.enqueue(entry);
      return entry.id;
    },
    async hangUp(callId) {
      // As the call session does: the ACD tells an abandon from the end of an answered call.
      if (c.acd.entry(`entry-${callId}`)) await c.acd.callEnded(`entry-${callId}`);
      calls.emit('event', { type: 'call-ended', at: c.clock.now(), callId, by: 'caller' });
    },
  };
}
