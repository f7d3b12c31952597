/**
 * `sip.maxQueueDelayMs` reaches the product's embedded SIP server: with a
 * low limit, a process that stalled (its event loop blocked, as under a
 * burst of work) refuses a new INVITE at the door with 503 and Retry-After;
 * with 0 the same stall refuses nothing. Real UDP on loopback carries the
 * requests; the stall is the test blocking the product's own thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startProduct, type RunningProduct } from '../support/product.js';
import { header, rawRequest, UdpPeer } from '../support/raw-sip.js';
import { waitFor } from '../support/wait.js';

const STALL_MS = 3_000;

let product: RunningProduct | undefined;
let udp: UdpPeer | undefined;

afterEach(async () => {
  udp?.close();
  await product?.stop();
  udp = undefined;
  product = undefined;
});

/** Blocks this thread, which is also the product's, as a long piece of work would. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* busy */ }
}

async function startWith(maxQueueDelayMs: number): Promise<{ product: RunningProduct; udp: UdpPeer }> {
  product = await startProduct({ tweak: (c) => { c.sip.maxQueueDelayMs = maxQueueDelayMs; } });
  udp = await UdpPeer.open(product.sipPort);
  return { product, udp };
}

describe('sip.maxQueueDelayMs', () => {
  it('at 50 ms: after a stall a new INVITE gets 503 with Retry-After from the SIP server', async () => {
    const { product, udp } = await startWith(50);
    const shedder = product.app.sipd!.shedder;
    expect(shedder.opts.maxDelayMs).toBe(50);
    stall(STALL_MS);
    await waitFor(() => shedder.shedding, { what: 'the SIP server to refuse new calls' });
    const invite = rawRequest('INVITE', `sip:+46313900601@127.0.0.1:${product.sipPort}`, udp.port);
    await udp.send(invite.text);
    const answer = await udp.answerTo(invite.callId, { timeoutMs: 5_000, final: true });
    expect(answer).toMatch(/^SIP\/2\.0 503 /);
    expect(header(answer, 'Retry-After')).toBe('2');
  });

  it('at 0: the same stall refuses nothing, and no probe is measured', async () => {
    const { product, udp } = await startWith(0);
    const shedder = product.app.sipd!.shedder;
    stall(STALL_MS);
    // The OPTIONS is sent and answered after the stall, so the shedder's overdue tick (had it one) has run:
    // at the default 250 ms a 3 s stall would be refusing calls now, for about a second.
    const options = rawRequest('OPTIONS', `sip:127.0.0.1:${product.sipPort}`, udp.port);
    await udp.send(options.text);
    expect(await udp.answerTo(options.callId, { timeoutMs: 5_000, final: true })).toMatch(/^SIP\/2\.0 200 /);
    expect(shedder.enabled).toBe(false);
    expect(shedder.shedding).toBe(false);
    expect(shedder.delayMs).toBe(0);
  });
});
