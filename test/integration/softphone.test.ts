/**
 * The agents' softphone (sip.js, as in the browser) against the running
 * switch over SIP-over-WebSocket (RFC 7118): registration with digest auth,
 * a call from the softphone to a desk phone (SIPp over UDP), and a call from
 * the operator network (SIPp) that the switch must deliver on the softphone's
 * own WebSocket connection.
 *
 * Media is a test stand-in (plain RTP/AVP PCMU SDP, no RTP), see
 * test/support/softphone.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ringExtensionsDirectly, startProduct, TRUNK_SOURCE_IP, type RunningProduct } from '../support/product.js';
import {
  assertSippOk, describeSippResult, killAllSipp, runSipp, startRegisteredSippPhone, type SippResult, type SippUas,
} from '../support/sipp.js';
import {
  RegistererState, SessionState, startSoftphone, stopAllSoftphones, testSdhOf, withTimeout,
  type Softphone, type SoftphoneOptions,
} from '../support/softphone.js';

/** Vitest's own limits sit above every wait below, so a stuck step fails with its own message. */
const TEST_TIMEOUT_MS = 45_000;
const HOOK_TIMEOUT_MS = 20_000;

let product: RunningProduct;
const phones: SippUas[] = [];
const softphones: Softphone[] = [];

beforeAll(async () => {
  product = await startProduct({ tweak: ringExtensionsDirectly });
}, HOOK_TIMEOUT_MS);

afterEach(async (ctx) => {
  // SOFTPHONE_TRACE=1 prints every softphone's SIP trace (always on failure).
  if (process.env.SOFTPHONE_TRACE === '1' || ctx.task.result?.state === 'fail') {
    for (const p of softphones) console.log(p.describe());
  }
  softphones.length = 0;
  await stopAllSoftphones();
  await Promise.all(phones.splice(0).map((p) => p.stop(1_000)));
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await stopAllSoftphones();
  killAllSipp();
  await product?.stop();
}, HOOK_TIMEOUT_MS);

async function softphone(extension: string, extra: Partial<SoftphoneOptions> = {}): Promise<Softphone> {
  const phone = await startSoftphone({ extension, wsPort: product.wsPort, ...extra });
  softphones.push(phone);
  return phone;
}

/** A desk phone: a SIPp callee over UDP that registers its port as the extension's contact. */
async function deskPhone(extension: string, scenario: string): Promise<SippUas> {
  const phone = await startRegisteredSippPhone(product.sipPort, extension, { scenario });
  phones.push(phone);
  return phone;
}

const sent = (p: Softphone, re: RegExp) => p.trace.filter((e) => e.direction === 'sent' && re.test(e.text));
const received = (p: Softphone, re: RegExp) => p.trace.filter((e) => e.direction === 'received' && re.test(e.text));

describe('the softphone registers over WebSocket', () => {
  it('a wrong password is refused: registration fails with 403 and no binding is made', async () => {
    const phone = await softphone('1003', { password: 'not-the-password' });
    const outcome = await phone.register();
    expect(outcome.ok, phone.describe()).toBe(false);
    expect(outcome.status, phone.describe()).toBe(403);
    expect(phone.registerer.state).not.toBe(RegistererState.Registered);
    // It was challenged first and answered the challenge with (wrong) credentials.
    expect(received(phone, /^SIP\/2\.0 401 /), phone.describe()).toHaveLength(1);
    expect(sent(phone, /^REGISTER [^]*\r\nAuthorization: Digest /i), phone.describe()).toHaveLength(1);
    const contacts = product.app.switch.registrar.contactsOf('1003').map((b) => b.uri);
    expect(contacts).not.toContain(phone.contact);
  }, TEST_TIMEOUT_MS);

  it('extension 1003 registers with digest auth and is bound to its WebSocket flow', async () => {
    const phone = await softphone('1003');
    const outcome = await phone.register();
    expect(outcome, phone.describe()).toMatchObject({ ok: true, status: 200 });
    expect(phone.registerer.state).toBe(RegistererState.Registered);
    expect(received(phone, /^SIP\/2\.0 401 /), phone.describe()).toHaveLength(1);
    expect(phone.contact).toMatch(/;transport=ws/);
    const connection = phone.connection();
    expect(connection?.protocol, 'negotiated WebSocket subprotocol').toBe('sip');
    const binding = product.app.switch.registrar.contactsOf('1003').find((b) => b.uri === phone.contact);
    expect(binding, phone.describe()).toBeDefined();
    // The binding remembers the phone's own connection (its client port), not the .invalid Contact.
    expect(binding!.flow).toEqual({ protocol: 'ws', address: '127.0.0.1', port: connection?.localPort });
  }, TEST_TIMEOUT_MS);
});

describe('calls with the softphone', () => {
  it('the softphone calls a desk phone (SIPp over UDP), the call is established, and the softphone hangs up', async () => {
    const desk = await deskPhone('1002', 'uas-answer.xml');
    const phone = await softphone('1003');
    expect((await phone.register()).ok, phone.describe()).toBe(true);

    const session = await phone.call('1002', 15_000);
    expect(session.state).toBe(SessionState.Established);
    // The INVITE was challenged (407) and sent again with Proxy-Authorization.
    expect(received(phone, /^SIP\/2\.0 407 /), phone.describe()).toHaveLength(1);
    expect(sent(phone, /^INVITE [^]*\r\nProxy-Authorization: Digest /i), phone.describe()).toHaveLength(1);
    // The desk phone's answer came back through the B2BUA.
    expect(testSdhOf(session)?.remoteSdp, phone.describe()).toMatch(/^m=audio \d+ RTP\/AVP 0/m);

    await phone.hangup(session);
    const result: SippResult = await withTimeout(desk.exited, 15_000, 'the desk phone (SIPp) to finish');
    assertSippOk(result, 1);
    expect(result.messages, describeSippResult(result)).toMatch(/^BYE sip:/m);
    // The desk phone got the softphone's (stand-in) offer.
    expect(result.messages, describeSippResult(result)).toMatch(/^o=sipjs-test-standin /m);
  }, TEST_TIMEOUT_MS);

  it('a caller from the operator network reaches the softphone on its WebSocket, it answers, and the caller hangs up', async () => {
    const phone = await softphone('1003');
    expect((await phone.register()).ok, phone.describe()).toBe(true);
    const registeredPort = product.app.switch.registrar.contactsOf('1003').find((b) => b.uri === phone.contact)?.flow.port;
    expect(registeredPort).toBe(phone.connection()?.localPort);

    // +46313900602 (Företag) rings extension 1003.
    const caller = runSipp({
      scenario: 'uac-basic.xml',
      remote: product.sipPort,
      service: '+46313900602',
      keys: { caller: '+46701740650' },
      durationMs: 500,
      timeoutMs: 20_000,
      extraArgs: ['-i', TRUNK_SOURCE_IP],
    });

    let callerResult: SippResult | undefined;
    try {
      const invitation = await phone.nextInvitation(10_000);
      const invite = received(phone, /^INVITE /)[0]?.text ?? '';
      // The switch sent it on the WebSocket the phone registered on.
      expect(invite, phone.describe()).toMatch(/^Via: SIP\/2\.0\/WS /im);
      expect(invite).toMatch(/^X-Service: Företag/m);
      expect(invite).toMatch(/^X-Dialled-Number: \+46313900602/m);
      expect(invitation.remoteIdentity.uri.user).toBe('+46701740650');
      // The phone sees its own extension in To, not its random Contact user.
      expect(invitation.localIdentity.uri.user).toBe('1003');
      expect(invite.startsWith(`INVITE ${phone.contact}`), phone.describe()).toBe(true);
      // Still the one connection the phone registered on (a WebSocket cannot be opened towards it).
      expect(phone.connection()?.localPort).toBe(registeredPort);

      await phone.answer(invitation);
      // The trunk speaks plain RTP, the softphone WebRTC: the switch offered it WebRTC media and it answered in kind.
      expect(testSdhOf(invitation)?.remoteSdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
      expect(testSdhOf(invitation)?.localSdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 /m);

      // The caller hangs up after 500 ms of talk: the switch passes the BYE on.
      await phone.waitForState(invitation, SessionState.Terminated, 10_000);
      expect(received(phone, /^BYE /), phone.describe()).toHaveLength(1);
    } finally {
      callerResult = await caller;
    }
    assertSippOk(callerResult, 1);
  }, TEST_TIMEOUT_MS);

  it('a softphone that vanished without unregistering does not keep calls from the desk phone', async () => {
    const desk = await deskPhone('1002', 'uas-answer.xml');
    const phone = await softphone('1002');
    expect((await phone.register()).ok, phone.describe()).toBe(true);
    await phone.ua.transport.disconnect(); // the browser tab closes; the binding stays until it expires

    const call = await runSipp({
      scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46313900601', keys: { caller: '+46701740651' },
      durationMs: 200, timeoutMs: 20_000, extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(call, 1);
    assertSippOk(await desk.exited, 1);
    const flows = product.app.switch.registrar.contactsOf('1002').map((b) => b.flow.protocol);
    expect(flows).not.toContain('ws');
  }, TEST_TIMEOUT_MS);
});
