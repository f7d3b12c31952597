/**
 * The API's agent-state and callback routes over a real ACD (a MemoryStore
 * and a SimulatedClock), for route tests through fastify inject:
 *
 * - agent 1001 (the test agent user, test/support/api.ts) answers on a
 *   softphone registered over WebSocket; 1002 on a desk phone that is not; 1003 on
 *   a mobile. All are members of queue `support`.
 * - The registrar is a stand-in that knows which extensions have a phone
 *   registered (`registered`): registering takes real SIP, which the
 *   on-the-wire tests use.
 */
import { Acd, SimulatedClock, type AcdEvent, type AgentProfile, type QueueConfig } from '../../server/acd/index.js';
import { agentStateRoutes } from '../../server/api/agent-state-routes.js';
import { callbacksRoutes } from '../../server/api/callbacks-routes.js';
import { API_PREFIX } from '../../server/api/features.js';
import { AgentControl } from '../../server/calls/agent-control.js';
import { CALLBACK_NUMBER_KEY } from '../../server/calls/callbacks/dialogue.js';
import { FinishedCallbacks } from '../../server/calls/callbacks/finished.js';
import type { Binding, Registrar } from '../../server/sip/registrar.js';
import { MemoryStore } from '../../server/store/memory.js';
import type { ApiFeature } from '../../server/api/server.js';
import { buildTestApi, type TestApi } from './api.js';

export const QUEUE: QueueConfig = {
  id: 'support', name: 'Kundtjänst', steps: [{ afterSeconds: 0, eligible: { everyone: true } }], priority: { kind: 'classes' },
  wrapUpSeconds: 30, ringTimeoutSeconds: 20, maxMissedOffers: 3, personalOverflowSeconds: 60,
};

const member = (id: string, name: string, device: AgentProfile['device']): AgentProfile =>
  ({ id, name, skills: {}, groups: [], queues: ['support'], device });

export const AGENTS: AgentProfile[] = [
  member('1001', 'Anna', { kind: 'softphone', extension: '1001' }),
  member('1002', 'Bo', { kind: 'desk', extension: '1002' }),
  member('1003', 'Cilla', { kind: 'mobile', number: '+46701740603' }),
];

export interface AcdApi extends TestApi {
  acd: Acd;
  clock: SimulatedClock;
  agents: AgentControl;
  events: AcdEvent[];
  /** Extensions with a phone registered (stand-in registrar); 1001 at first. */
  registered: Set<string>;
}

/** The stand-in registrar: a phone for each extension in `registered`, over WebSocket for the softphone (1001). */
export type StandInRegistrar = Pick<Registrar, 'contactsOf' | 'remove'>;

/** `features`: more of the API's features over the same ACD, clock and registrar. */
export async function buildAcdApi(
  features: (acd: Acd, clock: SimulatedClock, registrar: StandInRegistrar) => ApiFeature[] = () => [],
): Promise<AcdApi> {
  const clock = new SimulatedClock(Date.UTC(2026, 11, 2, 8, 0, 0));
  const store = new MemoryStore();
  const acd = new Acd({ store, clock, queues: [QUEUE], agents: AGENTS, onError: (err) => { throw err; } });
  const events: AcdEvent[] = [];
  acd.on((e) => events.push(e));
  await acd.start();
  const registered = new Set(['1001']);
  const phone = (ext: string): Binding => ({
    uri: `sip:${ext}@127.0.0.1:5070`, expiresAt: Infinity, registeredAt: 0, flow: { protocol: ext === '1001' ? 'ws' : 'udp', address: '127.0.0.1', port: 5070 },
  });
  const registrar: StandInRegistrar = {
    contactsOf: (ext) => (registered.has(ext) ? [phone(ext)] : []),
    remove: (ext, uri) => { if (phone(ext).uri === uri) registered.delete(ext); },
  };
  const agents = new AgentControl({ acd, registrar });
  const finished = new FinishedCallbacks({ acd, clock });
  const t = await buildTestApi({
    features: [
      { prefix: API_PREFIX, plugin: agentStateRoutes({ acd, agents }) },
      { prefix: API_PREFIX, plugin: callbacksRoutes({ acd, finished }) },
      ...features(acd, clock, registrar),
    ],
  });
  return {
    ...t, acd, clock, agents, events, registered,
    close: async () => {
      await t.close();
      finished.stop();
      await acd.stop();
      await store.close();
    },
  };
}

/** A caller to `support` who asked to be called back on `number`: a callback in line. */
export async function bookCallback(acd: Acd, clock: SimulatedClock, id: string, number: string): Promise<void> {
  await acd.enqueue({ id, queueId: 'support', kind: 'call', enqueuedAt: clock.now(), priority: 0, data: { caller: number, dialled: '+46313900600', service: 'Kundtjänst' } });
  await acd.requestCallback(id, { [CALLBACK_NUMBER_KEY]: number });
}
