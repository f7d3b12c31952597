/**
 * The real ACD (server/acd/acd.ts) on a SimulatedClock with the in-process
 * MemoryStore, as the simulation driver (./sim.ts) uses it.
 *
 * Queues route to everyone who is a member (one step, `everyone`), no
 * wrap-up, no priorities: the set-up Erlang C describes, so any difference
 * between the measured service level and Erlang C is the engine's.
 */
import { Acd } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { QueueConfig } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import { agent, queue } from '../unit/acd-fixtures.js';
import type { SimEngine } from './sim.js';

export interface AcdSetup {
  queues: string[];
  /** Each agent with the queues they serve. */
  agents: { id: string; queues: string[] }[];
}

/** The fixtures' plain queue is that set-up: one step for everyone, no wrap-up, and every call of one priority. */
export function simQueue(id: string): QueueConfig {
  return queue({ id, name: `Queue ${id}` });
}

/** A started ACD with every agent logged in and ready, at time 0. */
export async function acdEngine(setup: AcdSetup): Promise<SimEngine & { acd: Acd }> {
  const clock = new SimulatedClock(0);
  const store = new MemoryStore();
  const errors: unknown[] = [];
  const acd = new Acd({
    store,
    clock,
    queues: setup.queues.map(simQueue),
    agents: setup.agents.map((a) => agent(a.id, { queues: a.queues })),
    onError: (err) => errors.push(err),
  });
  await acd.start();
  for (const a of setup.agents) await acd.login(a.id);
  const throwIfFailed = (): void => {
    if (errors.length > 0) throw errors[0];
  };
  return {
    acd,
    clock,
    enqueue: async (call) => {
      await acd.enqueue({ id: call.id, queueId: call.queueId, kind: 'call', enqueuedAt: call.at, priority: 0, data: call.data });
      throwIfFailed();
    },
    accept: async (entryId, agentId) => {
      await acd.offerAccepted(entryId, agentId);
      throwIfFailed();
    },
    end: async (entryId) => {
      await acd.callEnded(entryId);
      throwIfFailed();
    },
    onEvent: (listener) => {
      acd.on(listener);
    },
    close: async () => {
      await acd.stop();
      await store.close();
      throwIfFailed();
    },
  };
}
