/**
 * The textbook queue Erlang C describes, as a SimEngine: one line per queue,
 * first come first served, a call goes to a free agent of its queue the
 * moment there is one. No store, no rules.
 *
 * It calibrates the simulation driver (./sim.ts) on its own: if the driver
 * run against this engine agrees with Erlang C, a disagreement with the real
 * ACD is the ACD's, not the driver's.
 */
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AcdEvent } from '../../server/acd/model.js';
import type { SimEngine } from './sim.js';

export function idealEngine(opts: { queues: string[]; agents: { id: string; queues: string[] }[] }): SimEngine {
  const clock = new SimulatedClock(0);
  const listeners: ((e: AcdEvent) => void)[] = [];
  const emit = (e: AcdEvent): void => {
    for (const l of listeners) l(e);
  };
  const lines = new Map<string, { id: string; at: number }[]>(opts.queues.map((q) => [q, []]));
  const free: { id: string; queues: string[] }[] = [...opts.agents];
  const entries = new Map<string, { queueId: string; enqueuedAt: number; answeredAt?: number }>();

  const offer = (agent: { id: string; queues: string[] }, entryId: string): void => {
    const e = entries.get(entryId)!;
    emit({ type: 'offered-to-agent', at: clock.now(), entryId, agentId: agent.id, queueId: e.queueId });
  };

  return {
    clock,
    enqueue: async (call) => {
      entries.set(call.id, { queueId: call.queueId, enqueuedAt: clock.now() });
      const i = free.findIndex((a) => a.queues.includes(call.queueId));
      if (i >= 0) offer(free.splice(i, 1)[0]!, call.id);
      else lines.get(call.queueId)!.push({ id: call.id, at: clock.now() });
    },
    accept: async (entryId, agentId) => {
      const e = entries.get(entryId)!;
      e.answeredAt = clock.now();
      emit({ type: 'answered', at: clock.now(), entryId, agentId, queueId: e.queueId, waitMs: clock.now() - e.enqueuedAt });
    },
    end: async (entryId, agentId) => {
      const e = entries.get(entryId)!;
      entries.delete(entryId);
      emit({ type: 'ended', at: clock.now(), entryId, agentId, handleMs: clock.now() - e.answeredAt! });
      const agent = opts.agents.find((a) => a.id === agentId)!;
      // The longest-waiting call among the agent's queues.
      let best: { id: string; at: number } | undefined;
      let bestLine: { id: string; at: number }[] | undefined;
      for (const q of agent.queues) {
        const line = lines.get(q)!;
        if (line[0] && (!best || line[0].at < best.at)) {
          best = line[0];
          bestLine = line;
        }
      }
      if (best && bestLine) {
        bestLine.shift();
        offer(agent, best.id);
      } else {
        free.push(agent);
      }
    },
    onEvent: (l) => {
      listeners.push(l);
    },
    close: async () => {},
  };
}
