/**
 * Agents' states and callbacks through the API on the running product, over
 * real HTTP, with real SIP and RTP on loopback:
 *
 * - Erik cannot be logged in before his phone registers (409); then a
 *   supervisor pauses Erik, the only agent ready for the card-blocking
 *   queue (his baresip desk phone registered and answers by itself): the
 *   next SIPp caller from the operator network waits, offered to nobody;
 *   made ready through the API, Erik is offered the call and answers;
 * - a SIPp caller books a callback: it is listed in line; cancelled through
 *   the API it is done "cancelled", and when Erik logs in it is never made
 *   (he is not rung, nobody is dialled); cancelled while his phone rings for
 *   it, the ringing stops and nothing is left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import type { AcdEvent } from '../../server/acd/index.js';
import { flowDir } from '../../server/app.js';
import { signInEachRole, type Headers } from '../support/api.js';
import { startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { CARD_NUMBER, ERIK, eriksPhone, startCallbackCenter, takeCallback, type CallbackCenter } from '../support/callbacks.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { TEST_ADMIN_PASSWORD } from '../support/product.js';

const CALLER = '+46701740651';

let product: CallbackCenter | undefined;
afterEach(async () => {
  await stopAllBaresip();
  await product?.stop();
  product = undefined;
});

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & Array<Record<string, unknown>> }>;
}

/** The product's API over HTTP, as a signed-in supervisor. */
async function supervisorApi(p: CallbackCenter): Promise<Api> {
  const { as } = await signInEachRole(p.app.api, TEST_ADMIN_PASSWORD);
  const headers: Headers = as.supervisor;
  const base = `http://127.0.0.1:${p.config.http.port}/api/v1`;
  return {
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

const offers = (events: AcdEvent[]): string[] => events.flatMap((e) => (e.type === 'offered-to-agent' ? [e.entryId] : []));
const incoming = (phone: BaresipPhone): boolean => phone.events.some((e) => e.type === 'CALL_INCOMING' || e.type === 'CALL_ESTABLISHED');

describe('agent states through the API, on the wire', () => {
  it('the only ready agent paused by a supervisor: the next caller waits, offered to nobody; made ready, the agent gets the call', async () => {
    // The repo's flows: the card-blocking queue offers no callback, the caller just waits.
    product = await startCallbackCenter({ flowDir: flowDir() });
    const p = product;
    const api = await supervisorApi(p);
    // No phone registered yet: nothing would ring, so no log-in.
    expect(await api.call('POST', `/agents/${ERIK}/login`)).toMatchObject({ status: 409, body: { detail: expect.stringMatching(/none is registered/) } });
    const erik = await eriksPhone(p.sipPort);
    await expect.poll(() => p.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');

    const paused = await api.call('POST', `/agents/${ERIK}/pause`, { reason: 'meeting' });
    expect(paused).toMatchObject({ status: 200, body: { agentId: ERIK, state: 'paused', pauseReason: 'meeting', reachable: true } });

    // Held until our BYE: the caller stays in line as long as it takes.
    const caller = callFromOperatorNetwork(p.sipPort, CARD_NUMBER, CALLER);
    await expect.poll(() => p.acdEvents.find((e) => e.type === 'queued'), { timeout: 10_000 }).toMatchObject({ entry: { queueId: 'kort' } });
    await p.app.acd.idle();
    // Each decision is made as the caller joins: nobody was offered the call, and it waits.
    expect(offers(p.acdEvents)).toEqual([]);
    expect(p.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.waiting).toBe(1);
    expect(incoming(erik)).toBe(false);
    expect((await api.call('GET', `/agents/${ERIK}/state`)).body).toMatchObject({ state: 'paused' });

    const readied = await api.call('POST', `/agents/${ERIK}/ready`);
    expect(readied.status).toBe(200);
    // Offered at once: the answer finds him rung (or, on a quick phone, already on the call).
    expect(['reserved', 'busy']).toContain(readied.body.state);
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await expect.poll(() => p.acdEvents.find((e) => e.type === 'answered'), { timeout: 5_000 }).toMatchObject({ agentId: ERIK, queueId: 'kort' });
    expect((await api.call('GET', `/agents/${ERIK}/state`)).body).toMatchObject({ state: 'busy' });

    await erik.hangup();
    expect((await caller).successful).toBe(1);
    await expect.poll(() => p.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
  }, 60_000);
});

describe('callbacks through the API, on the wire', () => {
  it('a callback booked by a caller is listed; cancelled through the API it is never made', async () => {
    product = await startCallbackCenter();
    const p = product;
    const api = await supervisorApi(p);

    await takeCallback(p.sipPort, CARD_NUMBER, CALLER);
    const waiting = await api.call('GET', '/callbacks/waiting');
    expect(waiting.status).toBe(200);
    expect(waiting.body).toHaveLength(1);
    expect(waiting.body[0]).toMatchObject({ queueId: 'kort', number: CALLER, service: 'Kort och spärr', attempts: 0, status: 'waiting', place: 1 });
    const id = String(waiting.body[0]!.id);

    expect((await api.call('DELETE', `/callbacks/${id}`)).status).toBe(204);
    expect(p.acdEvents.find((e) => e.type === 'callback-done')).toMatchObject({ entryId: id, outcome: 'cancelled' });
    expect((await api.call('GET', '/callbacks/waiting')).body).toEqual([]);
    expect((await api.call('GET', '/callbacks/done')).body).toMatchObject([{ id, number: CALLER, status: 'cancelled' }]);
    expect(await api.call('DELETE', `/callbacks/${id}`)).toMatchObject({ status: 409 });

    // An agent of the queue logs in: nothing to offer, nobody rung, nobody dialled.
    const erik = await eriksPhone(p.sipPort);
    await expect.poll(() => p.app.acd.agent(ERIK)?.state, { timeout: 5_000 }).toBe('ready');
    await p.app.acd.idle();
    expect(offers(p.acdEvents)).toEqual([]);
    expect(p.callEvents.filter((e) => e.type.startsWith('callback-')).map((e) => e.type)).toEqual(['callback-booked']);
    expect(incoming(erik)).toBe(false);
  }, 90_000);

  it('cancelled while the agent\'s phone rings for it: the ringing stops, the agent is ready again, nobody is dialled, nothing is left', async () => {
    product = await startCallbackCenter();
    const p = product;
    const api = await supervisorApi(p);
    await takeCallback(p.sipPort, CARD_NUMBER, CALLER);
    const erik = await startBaresip({
      user: ERIK, password: 'demo-1002', autoAnswer: false, audioSource: 'silence',
      registrar: { host: '127.0.0.1', port: p.sipPort, transport: 'udp' },
    });
    await erik.waitEvent('CALL_INCOMING', 10_000);
    const [ringing] = (await api.call('GET', '/callbacks/waiting')).body;
    expect(ringing).toMatchObject({ status: 'ringing-agent', agentId: ERIK });

    expect((await api.call('DELETE', `/callbacks/${String(ringing!.id)}`)).status).toBe(204);
    await erik.waitEvent('CALL_CLOSED', 5_000);
    expect(p.app.acd.agent(ERIK)).toMatchObject({ state: 'ready', missedInRow: 0 });
    expect(p.acdEvents.find((e) => e.type === 'callback-done')).toMatchObject({ outcome: 'cancelled' });
    expect(p.callEvents.map((e) => e.type)).not.toContain('callback-dialling');
    await expect.poll(() => (p.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => p.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    expect(p.app.acd.pendingTimers()).toEqual({ steps: [], rings: [], wrapUps: [] });
  }, 90_000);
});
