/**
 * Calls through the running switch, with SIPp as callers on the operator
 * network and as agents' phones: the B2BUA, CANCEL, unknown numbers, lost
 * 200 OKs and retransmitted INVITEs, all real SIP on loopback; and what a
 * caller gets from a switch whose router is not attached yet.
 */
import { randomUUID } from 'node:crypto';
import Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.js';
import { attachRouter } from '../../server/sip/router.js';
import { createSwitch } from '../../server/sip/switch.js';
import { SipServer } from '../../server/sipd/server.js';
import { ringExtensionsDirectly, startProduct, testConfig, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import { UdpPeer } from '../support/raw-sip.js';
import { assertSippOk, describeSippResult, runSipp, startRegisteredSippPhone, type SippResult } from '../support/sipp.js';
import { waitFor } from '../support/wait.js';
import { RealClock } from '../../server/acd/index.js';

let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct({ tweak: ringExtensionsDirectly });
});

afterAll(async () => {
  await product?.stop();
});

/** An agent's phone: a SIPp callee that first registers its port as the extension's contact. */
async function agentPhone(extension: string, scenario: string, password = `demo-${extension}`) {
  return startRegisteredSippPhone(product.sipPort, extension, { scenario, password });
}

function register(extension: string, contactPort: number, password: string, scenario = 'register.xml'): Promise<SippResult> {
  return runSipp({
    scenario,
    remote: product.sipPort,
    keys: { user: extension, contact_port: String(contactPort), expires: '300' },
    extraArgs: ['-au', extension, '-ap', password],
  });
}

/** A caller on the operator network (the trunk's trusted address). */
function caller(scenario: string, dialled: string, extra: Partial<Parameters<typeof runSipp>[0]> = {}): Promise<SippResult> {
  return runSipp({
    scenario,
    remote: product.sipPort,
    service: dialled,
    keys: { caller: '+46701740650' },
    extraArgs: ['-i', TRUNK_SOURCE_IP],
    ...extra,
  });
}

describe('a caller reaches an agent through the B2BUA', () => {
  it('a local number rings its extension, the agent sees the service, and the caller hangs up', async () => {
    const phone = await agentPhone('1002', 'uas-answer.xml');
    const call = await caller('uac-basic.xml', '+46313900601', { durationMs: 200 });
    assertSippOk(call, 1);
    const callee = await phone.exited;
    assertSippOk(callee, 1);
    const invite = callee.messages.slice(callee.messages.indexOf('INVITE sip:'));
    expect(invite).toMatch(/^From: "\[Kundtjänst\] \+46701740650" <sip:\+46701740650@/m);
    expect(invite).toMatch(/^X-Service: Kundtjänst/m);
    expect(invite).toMatch(/^X-Dialled-Number: \+46313900601/m);
  });

  it('the national form of the main number reaches the same place, and the agent hangs up', async () => {
    const phone = await agentPhone('1001', 'uas-answer-then-bye.xml');
    const call = await caller('uac-expect-bye.xml', '0313900600');
    assertSippOk(call, 1);
    assertSippOk(await phone.exited, 1);
  });

  it('a caller over TCP reaches an agent whose phone is on UDP', async () => {
    const phone = await agentPhone('1006', 'uas-answer.xml');
    const call = await caller('uac-basic.xml', '+46313900607', { transport: 'tcp', durationMs: 200 });
    assertSippOk(call, 1);
    expect(call.messages).toMatch(/^Via: SIP\/2\.0\/TCP /m);
    assertSippOk(await phone.exited, 1);
  });

  it('a caller who gives up while it rings gets 487, and the phone gets CANCEL', async () => {
    const phone = await agentPhone('1003', 'uas-ring-expect-cancel.xml');
    const call = await caller('uac-cancel.xml', '+46313900602');
    assertSippOk(call, 1);
    const callee = await phone.exited;
    assertSippOk(callee, 1);
    expect(callee.messages).toMatch(/^CANCEL sip:/m);
  });

  it('an unknown number gets 404', async () => {
    const call = await caller('uac-404.xml', '+46313900699');
    assertSippOk(call, 1);
  });

  it('a lost 200 OK over UDP is retransmitted until the caller ACKs it', async () => {
    const phone = await agentPhone('1004', 'uas-answer.xml');
    const call = await caller('uac-ignore-200.xml', '+46313900604');
    assertSippOk(call, 1);
    const okCount = (call.messages.match(/^SIP\/2\.0 200 OK/gm) ?? []).length;
    expect(okCount, describeSippResult(call)).toBeGreaterThanOrEqual(3);
    assertSippOk(await phone.exited, 1);
  });

  it('a retransmitted INVITE is absorbed and does not make a second call', async () => {
    const phone = await agentPhone('1005', 'uas-answer.xml');
    const call = await caller('uac-retransmit-invite.xml', '+46313900605');
    assertSippOk(call, 1);
    const callee = await phone.exited;
    assertSippOk(callee, 1);
    const invites = (callee.messages.match(/^INVITE sip:/gm) ?? []).length;
    expect(invites, describeSippResult(callee)).toBe(1);
  });

  it('an INVITE that has run out of hops gets 483', async () => {
    assertSippOk(await caller('uac-483.xml', '+46313900601'), 1);
  });

  it('OPTIONS gets 200', async () => {
    assertSippOk(await runSipp({ scenario: 'uac-options.xml', remote: product.sipPort }), 1);
  });
});

describe('who may use the switch', () => {
  it('a wrong password is refused at registration', async () => {
    const reg = await register('1006', 25999, 'not-the-password', 'register-refused.xml');
    assertSippOk(reg, 1);
  });

  it('a caller that is neither the trunk nor authenticated is challenged and never reaches the trunk', async () => {
    const call = await runSipp({ scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46701740699', timeoutMs: 5_000 });
    expect(call.successful).toBe(0);
    expect(call.messages).toMatch(/^SIP\/2\.0 407 /m);
  });

  it('the trunk cannot call back out through itself', async () => {
    const call = await caller('uac-404.xml', '+46701740699');
    assertSippOk(call, 1);
  });
});

describe('before the router is attached', () => {
  it('a new call gets 503 from the SIP server itself, and once the router is attached it is taken', async () => {
    const config = await testConfig();
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    const sipd = new SipServer({
      host: '127.0.0.1', sipPort: config.sip.port, controlHost: '127.0.0.1', controlPort: config.drachtio.port,
      secret: config.drachtio.secret, logger,
    });
    await sipd.start();
    const srf = new Srf();
    const udp = await UdpPeer.open(config.sip.port);
    try {
      await new Promise<void>((resolve, reject) => {
        srf.on('connect', (err) => (err ? reject(err) : resolve()));
        void srf.connect({ host: '127.0.0.1', port: sipd.control.port, secret: config.drachtio.secret });
      });
      const sw = createSwitch(srf, config, logger, { clock: new RealClock() });
      await waitFor(() => sipd.control.routesFor('REGISTER').length === 1, { what: 'the switch to take REGISTER' });

      const early = rawInvite(udp.port);
      await udp.send(early.text);
      expect(await udp.answerTo(early.callId, { final: true, timeoutMs: 3_000 })).toMatch(/^SIP\/2\.0 503 /);

      const unanswered = async () => { throw new Error('not reached: the caller is not authenticated'); };
      attachRouter({
        srf, directory: sw.directory, auth: sw.auth, throttle: sw.throttle, legs: sw.legs, overload: sw.overload, sessionTimers: sw.sessionTimers, logger,
        entrance: { answer: unanswered }, greeting: { answer: unanswered },
        features: { match: () => undefined, handle: unanswered },
        onAnswered: () => async () => {},
      });
      await waitFor(() => sipd.control.routesFor('INVITE').length === 1, { what: 'the router to take INVITE' });
      const taken = rawInvite(udp.port);
      await udp.send(taken.text);
      expect(await udp.answerTo(taken.callId, { final: true, timeoutMs: 3_000 })).toMatch(/^SIP\/2\.0 407 /);
      sw.stop();
    } finally {
      udp.close();
      srf.disconnect();
      await sipd.stop();
    }
  });
});

/** An INVITE from an unauthenticated phone at 127.0.0.1:`port` for extension 1002. */
function rawInvite(port: number): { text: string; callId: string } {
  const callId = `${randomUUID()}@switch-calls.test`;
  const host = `127.0.0.1:${port}`;
  const lines = [
    'INVITE sip:1002@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP ${host};branch=z9hG4bK-${randomUUID()};rport`,
    'Max-Forwards: 70',
    `From: <sip:1001@${host}>;tag=${randomUUID().slice(0, 8)}`,
    'To: <sip:1002@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:1001@${host}>`,
    'Content-Length: 0',
  ];
  return { text: `${lines.join('\r\n')}\r\n\r\n`, callId };
}

