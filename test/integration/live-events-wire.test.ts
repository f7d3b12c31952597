/**
 * The live events socket on the product: a SIPp caller on the operator
 * trunk dials the card-blocking number (straight to the "kort" queue, where
 * nobody answers), appears on a supervisor's socket, over real HTTP and
 * WebSocket, within one second of entering the queue, and leaves it when
 * they hang up.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../server/api/features.js';
import { liveEventsRoutes } from '../../server/api/live-events.js';
import { LiveFeed } from '../../server/stats/live-feed.js';
import { LiveState } from '../../server/stats/live-state.js';
import { buildTestApi, type TestApi } from '../support/api.js';
import { EventsClient, type EventMessage } from '../support/events-client.js';
import { startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { assertSippOk, runSipp } from '../support/sipp.js';

const CARD_NUMBER = '+46313900603';
const CALLER = '+46701740652';
const HOLD_MS = 3_000;

let product: RunningProduct;
let live: LiveState;
let feed: LiveFeed;
let t: TestApi;
let client: EventsClient;

beforeAll(async () => {
  product = await startProduct();
  live = new LiveState(product.app.acd, product.app.center);
  feed = new LiveFeed(live);
  t = await buildTestApi({ features: [{ prefix: API_PREFIX, plugin: liveEventsRoutes({ feed }) }] });
  await t.api.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.api.server.address() as AddressInfo).port;
  client = await EventsClient.connect(`ws://127.0.0.1:${port}${API_PREFIX}/events`, t.bearer.supervisor);
});

afterAll(async () => {
  await client?.close();
  await t?.close();
  feed?.stop();
  live?.stop();
  await product?.stop();
});

interface Call { callId: string; caller: string; stage: string; queueId: string | null }
interface Queue { id: string; waiting: number; offered: number }

const callOf = (m: EventMessage): Call | undefined => (m.type === 'call' || m.type === 'call-ended' ? m['call'] as Call : undefined);
const kort = (m: EventMessage): Queue | undefined => (m.type === 'queue' && (m['queue'] as Queue).id === 'kort' ? m['queue'] as Queue : undefined);

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
    const inLine = await client.next('kort with the caller in line', (m) => m.seq >= entered.seq && (kort(m)?.waiting ?? 0) + (kort(m)?.offered ?? 0) > 0);

    assertSippOk(await call, 1);
    const ended = await client.next('the call ended', (m) => m.type === 'call-ended' && callOf(m)?.caller === CALLER);
    expect(callOf(ended)!.callId).toBe(callOf(entered)!.callId);
    await client.next('kort empty again', (m) => m.seq > inLine.seq && kort(m)?.waiting === 0 && kort(m)?.offered === 0);
    expect(live.view().calls).toEqual([]);
  });
});
