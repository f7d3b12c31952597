/**
 * The live state and its events socket on the product, over real HTTP and
 * WebSocket, a supervisor calling with an API token:
 *
 * - a SIPp caller on the operator trunk dials the card-blocking number
 *   (straight to the "kort" queue, where nobody answers), appears on the
 *   socket within one second of entering the queue, and leaves it when
 *   they hang up;
 * - a queue added to the running configuration appears in /live and on the
 *   socket, and is said to be gone once removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../server/api/features.js';
import { signInEachRole, type Headers } from '../support/api.js';
import { EventsClient, type EventMessage } from '../support/events-client.js';
import { startProduct, TEST_ADMIN_PASSWORD, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, runSipp } from '../support/sipp.js';

const CARD_NUMBER = '+46313900603';
const CALLER = '+46701740652';
const HOLD_MS = 3_000;

let product: RunningProduct;
let supervisor: Headers;
let client: EventsClient;

beforeAll(async () => {
  product = await startProduct();
  supervisor = (await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD)).bearer.supervisor;
  client = await EventsClient.connect(`ws://127.0.0.1:${product.config.http.port}${API_PREFIX}/events`, supervisor);
});

afterAll(async () => {
  await client?.close();
  await product?.stop();
});

interface Call { callId: string; caller: string; stage: string; queueId: string | null }
interface Queue { id: string; name: string; waiting: number; offered: number; agents: Record<string, number> }
interface LiveView { queues: Queue[]; calls: Call[] }

const callOf = (m: EventMessage): Call | undefined => (m.type === 'call' || m.type === 'call-ended' ? m['call'] as Call : undefined);
const queueOf = (m: EventMessage, id: string): Queue | undefined => (m.type === 'queue' && (m['queue'] as Queue).id === id ? m['queue'] as Queue : undefined);

async function getLive(): Promise<LiveView> {
  const res = await fetch(`http://127.0.0.1:${product.config.http.port}${API_PREFIX}/live`, { headers: supervisor });
  expect(res.status).toBe(200);
  return await res.json() as LiveView;
}

describe('live events on the wire', () => {
  it('shows a SIPp caller entering the queue within one second, and leaving when they hang up', async () => {
    let queuedAt = 0;
    const stop = product.app.acd.on((e) => { if (e.type === 'queued' && e.entry.data['caller'] === CALLER) queuedAt = Date.now(); });
    const call = runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: CARD_NUMBER, keys: { caller: CALLER },
      durationMs: HOLD_MS, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    const entered = await client.next('the caller in the kort queue', (m) => callOf(m)?.caller === CALLER && callOf(m)?.queueId === 'kort');
    const seenAt = Date.now();
    stop();
    expect(queuedAt).toBeGreaterThan(0);
    expect(seenAt - queuedAt).toBeLessThan(1_000);
    expect(callOf(entered)).toMatchObject({ service: 'Kort och spärr', dialled: CARD_NUMBER });
    expect(['waiting', 'ringing']).toContain(callOf(entered)!.stage);
    const inLine = await client.next('kort with the caller in line', (m) => m.seq >= entered.seq && (queueOf(m, 'kort')?.waiting ?? 0) + (queueOf(m, 'kort')?.offered ?? 0) > 0);
    expect((await getLive()).calls).toEqual([expect.objectContaining({ callId: callOf(entered)!.callId, queueId: 'kort' })]);

    assertSippOk(await call, 1);
    const ended = await client.next('the call ended', (m) => m.type === 'call-ended' && callOf(m)?.caller === CALLER);
    expect(callOf(ended)!.callId).toBe(callOf(entered)!.callId);
    await client.next('kort empty again', (m) => m.seq > inLine.seq && queueOf(m, 'kort')?.waiting === 0 && queueOf(m, 'kort')?.offered === 0);
    expect((await getLive()).calls).toEqual([]);
  });

  it('follows the running configuration: a queue added appears in /live and on the socket; removed, it is said to be gone', async () => {
    const before = client.messages.length;
    await product.app.running.change('admin', 'a sales queue, answered by 1001', (d) => {
      d.queues.push({ ...d.queues.find((q) => q.id === 'kort')!, id: 'salj', name: 'Sälj' });
      d.extensions.find((e) => e.extension === '1001')!.agent!.queues.push('salj');
    });
    const added = await client.next('the sales queue', (m) => queueOf(m, 'salj') !== undefined);
    expect(client.messages.indexOf(added)).toBeGreaterThanOrEqual(before);
    expect(queueOf(added, 'salj')).toMatchObject({ name: 'Sälj', waiting: 0, agents: { 'logged-out': 1 } });
    expect((await getLive()).queues.find((q) => q.id === 'salj')).toMatchObject({ name: 'Sälj' });

    await product.app.running.change('admin', 'no sales queue after all', (d) => {
      d.queues = d.queues.filter((q) => q.id !== 'salj');
      const anna = d.extensions.find((e) => e.extension === '1001')!.agent!;
      anna.queues = anna.queues.filter((q) => q !== 'salj');
    });
    const removed = await client.next('the sales queue gone', (m) => m.type === 'queue-removed' && m['queueId'] === 'salj');
    expect(removed.seq).toBeGreaterThan(added.seq);
    expect((await getLive()).queues.map((q) => q.id)).not.toContain('salj');
  });
});
