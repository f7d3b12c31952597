/**
 * No media to be had is a lack of capacity like any other: with every RTP
 * port of the range in use, a new call that needs our media is refused with
 * 503 and Retry-After (never 488 with an internal error), and once the port
 * is free again the next call is taken. Real SIP and RTP on loopback, with
 * a range of one port and the call limit set out of the way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { header } from '../support/raw-sip.js';
import { freePortRange } from '../support/ports.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { CallRefused, TrunkCaller } from '../support/trunk-caller.js';

const CARD_NUMBER = '+46313900603';

let product: RunningProduct | undefined;
const callers: TrunkCaller[] = [];

afterEach(async () => {
  await Promise.all(callers.splice(0).map((c) => c.hangUp()));
  await product?.stop();
  product = undefined;
});

describe('no free RTP port', () => {
  it('the call that finds no port gets 503 with Retry-After; after the first caller leaves, a call is taken again', async () => {
    const first = await freePortRange(4, 'udp');
    const port = first % 2 === 0 ? first : first + 1;
    product = await startProduct({
      tweak: (c) => {
        c.rtp = { ...c.rtp, portMin: port, portMax: port + 1 };
        c.sip.maxConcurrentCalls = 10;
      },
    });
    const sipPort = product.sipPort;
    const holding = await TrunkCaller.call(sipPort, CARD_NUMBER, '+46701740651');
    callers.push(holding);

    const refused = await TrunkCaller.call(sipPort, CARD_NUMBER, '+46701740652').then(
      () => { throw new Error('the second call was answered with no RTP port free'); },
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(CallRefused);
    const response = (refused as CallRefused).response;
    expect(response).toMatch(/^SIP\/2\.0 503 /);
    expect(Number(header(response, 'Retry-After'))).toBeGreaterThan(0);
    expect(header(response, 'Warning')).toBeUndefined();

    await holding.hangUp();
    callers.splice(0);
    await expect.poll(() => product!.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    callers.push(await TrunkCaller.call(sipPort, CARD_NUMBER, '+46701740653'));
  }, 60_000);
});
