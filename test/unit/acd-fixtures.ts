/**
 * A small contact centre for the ACD's story tests: queues and agents with
 * sensible defaults, an Acd on a MemoryStore and a SimulatedClock, and the
 * events it emitted.
 */
import { Acd, type NewEntry } from '../../server/acd/acd.js';
import { SimulatedClock } from '../../server/acd/clock.js';
import type { AcdEvent, AgentProfile, QueueConfig } from '../../server/acd/model.js';
import { MemoryStore } from '../../server/store/memory.js';
import type { AcdStore } from '../../server/acd/store-port.js';

export const SECOND = 1000;

export function queue(over: Partial<QueueConfig> = {}): QueueConfig {
  return {
    id: 'support',
    name: 'Kundtjänst',
    steps: [{ afterSeconds: 0, eligible: { everyone: true } }],
    priority: { kind: 'classes' },
    wrapUpSeconds: 0,
    ringTimeoutSeconds: 20,
    maxMissedOffers: 3,
    personalOverflowSeconds: 60,
    ...over,
  };
}

let ext = 1000;
export function agent(id: string, over: Partial<AgentProfile> = {}): AgentProfile {
  return {
    id,
    name: id[0]!.toUpperCase() + id.slice(1),
    skills: {},
    groups: [],
    queues: ['support'],
    device: { kind: 'softphone', extension: String(++ext) },
    ...over,
  };
}

export interface Centre {
  acd: Acd;
  clock: SimulatedClock;
  store: AcdStore;
  events: AcdEvent[];
  /** A call entering `queueId` (default the first queue) now. */
  call(id: string, over?: Partial<NewEntry>): NewEntry;
  /** [entryId, agentId] of every offer so far, in order. */
  offers(): Array<[string, string]>;
  /** The events of one type. */
  of<T extends AcdEvent['type']>(type: T): Extract<AcdEvent, { type: T }>[];
  /** Moves the clock forward by seconds. */
  wait(seconds: number): Promise<void>;
}

export async function centre(options: {
  queues?: QueueConfig[];
  agents: AgentProfile[];
  store?: AcdStore;
  clock?: SimulatedClock;
  /** Agents to log in (in this order, one second apart, so the first is the longest idle). */
  loggedIn?: string[];
}): Promise<Centre> {
  const queues = options.queues ?? [queue()];
  const clock = options.clock ?? new SimulatedClock(1_700_000_000_000);
  const store = options.store ?? new MemoryStore();
  const acd = new Acd({ store, clock, queues, agents: options.agents, onError: (err) => { throw err; } });
  const events: AcdEvent[] = [];
  acd.on((e) => events.push(e));
  await acd.start();
  for (const id of options.loggedIn ?? []) {
    await acd.login(id);
    await clock.advanceBy(SECOND);
  }
  return {
    acd,
    clock,
    store,
    events,
    call: (id, over = {}) => ({
      id,
      queueId: queues[0]!.id,
      kind: 'call',
      enqueuedAt: clock.now(),
      priority: 0,
      data: { caller: '+46701740605', dialled: '+46313900600' },
      ...over,
    }),
    offers: () =>
      events.flatMap((e) => (e.type === 'offered-to-agent' ? [[e.entryId, e.agentId] as [string, string]] : [])),
    of: <T extends AcdEvent['type']>(type: T) => events.filter((e): e is Extract<AcdEvent, { type: T }> => e.type === type),
    wait: (seconds) => clock.advanceBy(seconds * SECOND),
  };
}
