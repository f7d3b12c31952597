/**
 * A trunk that proves itself with digest (trunks[].inboundAuth) instead of
 * by its address, on the wire with SIPp from an address that is not the
 * trunk's: its calls are the trunk's (the caller is the number it presents,
 * and like every trunk call it can never go back out), a wrong password is
 * refused, and the credentials are no good for registering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../server/calls/center.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { assertSippOk, describeSippResult, runSipp } from '../support/sipp.js';

const TRUNK_USER = 'operator-in';
const TRUNK_PASSWORD = 'inbound-trunk-secret-42';
const MAIN_NUMBER = '+46313900600';
const PRESENTED = '+46701740650';

let product: RunningProduct;
const events: CallEvent[] = [];

beforeAll(async () => {
  product = await startProduct({
    tweak: (c) => { c.trunks[0]!.inboundAuth = { username: TRUNK_USER, password: TRUNK_PASSWORD }; },
  });
  product.app.center.on('event', (e: CallEvent) => events.push(e));
});

afterAll(async () => {
  await product?.stop();
});

/** A call from 127.0.0.1, which is not among the trunk's trusted sources. */
function call(dialled: string, password: string) {
  return runSipp({
    scenario: 'uac-auth-basic.xml',
    remote: product.sipPort,
    service: dialled,
    keys: { caller: PRESENTED },
    durationMs: 300,
    timeoutMs: 10_000,
    // SIPp's digest uri is sip:host:port unless told: ours must be the Request-URI (RFC 7616 section 3.4).
    extraArgs: ['-au', TRUNK_USER, '-ap', password, '-auth_uri', `${dialled}@127.0.0.1:${product.sipPort}`],
  });
}

describe('a trunk that proves itself with digest', () => {
  it('with the right credentials its call is answered as a trunk call, the caller being the number it presents', async () => {
    assertSippOk(await call(MAIN_NUMBER, TRUNK_PASSWORD), 1);
    const started = events.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started');
    expect(started).toMatchObject({ caller: PRESENTED, dialled: MAIN_NUMBER });
  }, 30_000);

  it('like every trunk call, it cannot go back out through the trunk', async () => {
    const result = await call('+46701740699', TRUNK_PASSWORD);
    expect(result.successful, describeSippResult(result)).toBe(0);
    expect(result.messages).toMatch(/^SIP\/2\.0 404 /m);
    expect(result.messages).not.toMatch(/^SIP\/2\.0 (1[0-9][1-9]|200) /m);
  }, 30_000);

  it('a wrong password is refused with 403', async () => {
    const result = await call(MAIN_NUMBER, 'not-the-trunk-secret');
    expect(result.successful, describeSippResult(result)).toBe(0);
    expect(result.messages).toMatch(/^SIP\/2\.0 403 /m);
  }, 30_000);

  it('the trunk credentials do not register', async () => {
    assertSippOk(await runSipp({
      scenario: 'register-refused.xml',
      remote: product.sipPort,
      keys: { user: TRUNK_USER, contact_port: '25998', expires: '300' },
      extraArgs: ['-au', TRUNK_USER, '-ap', TRUNK_PASSWORD],
    }), 1);
  }, 30_000);
});
