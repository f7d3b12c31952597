/**
 * An extension rings every phone registered for it: an agent with a baresip
 * desk phone (UDP) and a sip.js softphone (WebSocket) registered at once gets
 * both ringing, the first to answer takes the call and the other stops
 * ringing (CANCEL). Real SIP on loopback, for a direct call to the extension
 * (SDP passed through) and for ACD offers (our media).
 *
 * The softphone's media is a test stand-in (plain RTP SDP, no RTP), see
 * test/support/softphone.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Invitation } from 'sip.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { waitFor } from '../support/wait.js';
import { toneRatio } from '../support/audio.js';
import {
  SessionState, startSoftphone, stopAllSoftphones, testSdhOf, type Softphone,
} from '../support/softphone.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import type { Config } from '../../config/schema.js';

const TEST_TIMEOUT_MS = 60_000;
const HOOK_TIMEOUT_MS = 20_000;
const CARD_NUMBER = '+46313900603';
const CALLER = '+46701740651';
const AGENT = '1002';

let product: RunningProduct | undefined;
let acdEvents: AcdEvent[] = [];
let callEvents: CallEvent[] = [];
const softphones: Softphone[] = [];

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const p of softphones) console.log(p.describe());
  softphones.length = 0;
  await stopAllSoftphones();
  await stopAllBaresip();
  const running = product;
  product = undefined;
  await running?.stop();
}, HOOK_TIMEOUT_MS);

async function start(tweak?: (c: Config) => void): Promise<RunningProduct> {
  product = await startProduct({ tweak });
  acdEvents = [];
  callEvents = [];
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));
  return product;
}

const running = (): RunningProduct => product!;

/** The agent's desk phone: baresip over UDP that rings until told to answer. */
async function deskPhone(extension: string): Promise<BaresipPhone> {
  return startBaresip({
    user: extension, password: `demo-${extension}`, autoAnswer: false,
    registrar: { host: '127.0.0.1', port: running().sipPort, transport: 'udp' },
  });
}

/** The agent's softphone on the same extension, over WebSocket. */
async function softphone(extension: string): Promise<Softphone> {
  const phone = await startSoftphone({ extension, wsPort: running().wsPort });
  softphones.push(phone);
  expect((await phone.register()).ok, phone.describe()).toBe(true);
  return phone;
}

/** Both phones of the extension registered: a desk phone and a softphone. */
async function twoPhones(extension: string): Promise<{ desk: BaresipPhone; soft: Softphone }> {
  const desk = await deskPhone(extension);
  const soft = await softphone(extension);
  const protocols = running().app.switch.registrar.contactsOf(extension).map((b) => b.flow.protocol).sort();
  expect(protocols).toEqual(['udp', 'ws']);
  return { desk, soft };
}

/** A call ringing both of the agent's phones, and the dialogs there were before it. */
interface Ringing {
  desk: BaresipPhone;
  soft: Softphone;
  caller: BaresipPhone;
  invitation: Invitation;
  dialogsBefore: number;
}

/** Both phones ring: the softphone's invitation, once the desk phone rings too. */
async function bothRing(desk: BaresipPhone, soft: Softphone): Promise<Invitation> {
  const [invitation] = await Promise.all([soft.nextInvitation(10_000), desk.waitEvent('CALL_INCOMING', 10_000)]);
  return invitation;
}

/** The softphone's invitation ends (CANCEL or BYE) within the time. */
function ended(phone: Softphone, invitation: Invitation): Promise<void> {
  return phone.waitForState(invitation, SessionState.Terminated, 10_000);
}

const received = (p: Softphone, re: RegExp) => p.trace.filter((e) => e.direction === 'received' && re.test(e.text));
const closedWithoutAnswer = (phone: BaresipPhone) => !phone.events.some((e) => e.type === 'CALL_ESTABLISHED');

async function expectNothingLeft(dialogsBefore: number): Promise<void> {
  const p = running();
  await expect.poll(() => p.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(dialogsBefore);
  await expect.poll(() => (p.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => p.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
}

describe('a direct call to an extension rings all its phones', () => {
  /** Extension 1005 dials the agent's extension; authenticated with its password. */
  async function colleague(): Promise<BaresipPhone> {
    return startBaresip({
      user: '1005', password: 'demo-1005', audioSource: { toneHz: 440, seconds: 60 },
      registrar: { host: '127.0.0.1', port: running().sipPort, transport: 'udp' },
    });
  }

  /** The colleague calls the agent, whose two phones both ring. */
  async function colleagueRingsBoth(): Promise<Ringing> {
    await start();
    const { desk, soft } = await twoPhones(AGENT);
    const caller = await colleague();
    const dialogsBefore = running().app.sipd!.stats.dialogs;
    await caller.dial(`sip:${AGENT}@127.0.0.1:${running().sipPort}`);
    return { desk, soft, caller, invitation: await bothRing(desk, soft), dialogsBefore };
  }

  it('desk phone and softphone both ring; the softphone answers over WebRTC, the desk phone stops ringing, hang-up leaves nothing', async () => {
    const { desk, soft, caller, invitation, dialogsBefore } = await colleagueRingsBoth();
    // The caller hears ringing while both phones ring.
    await caller.waitEvent('CALL_RINGING', 10_000);
    // Each phone sees its extension and who calls.
    expect(invitation.localIdentity.uri.user).toBe(AGENT);
    expect(invitation.remoteIdentity.uri.user).toBe('1005');

    await soft.answer(invitation);
    await caller.waitEvent('CALL_ESTABLISHED', 10_000);
    await desk.waitEvent('CALL_CLOSED', 10_000);
    expect(closedWithoutAnswer(desk)).toBe(true);
    // A desk phone and a browser speak different media: the call is anchored in ours, WebRTC to the softphone.
    const sdh = testSdhOf(invitation)!;
    expect(sdh.remoteSdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
    await sdh.webrtc!.connected();
    await waitFor(() => sdh.webrtc!.audio().length >= 50, { what: 'the colleague heard in the softphone' });
    expect(toneRatio(sdh.webrtc!.heard(), 8000, 440)).toBeGreaterThan(0.5);

    await caller.hangup();
    await ended(soft, invitation);
    expect(received(soft, /^BYE /), soft.describe()).toHaveLength(1);
    await expectNothingLeft(dialogsBefore);
  }, TEST_TIMEOUT_MS);

  it('one phone busy and the other not there: the caller gets busy (486), once', async () => {
    const { desk, soft, caller, invitation, dialogsBefore } = await colleagueRingsBoth();
    await invitation.reject({ statusCode: 480 });
    // The switch took the 480 (its ACK came back); the caller still rings on the desk phone.
    await waitFor(() => received(soft, /^ACK /).length > 0, { what: 'the ACK for the softphone\'s 480' });
    expect(caller.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    await desk.hangup(); // baresip declines a ringing call with 486
    // The caller's call ends on the desk phone's 486, so not on the softphone's 480.
    const closed = await caller.waitEvent('CALL_CLOSED', 10_000);
    expect(closed.param).toMatch(/486/);
    await expectNothingLeft(dialogsBefore);
    expect(caller.events.filter((e) => e.type === 'CALL_CLOSED')).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  it('a phone that declines everywhere (603) ends the ringing on the other at once', async () => {
    const { desk, caller, invitation, dialogsBefore } = await colleagueRingsBoth();
    await invitation.reject({ statusCode: 603 });
    await desk.waitEvent('CALL_CLOSED', 10_000);
    expect(closedWithoutAnswer(desk)).toBe(true);
    const closed = await caller.waitEvent('CALL_CLOSED', 10_000);
    expect(closed.param).toMatch(/603/);
    await expectNothingLeft(dialogsBefore);
  }, TEST_TIMEOUT_MS);
});

describe('an ACD offer rings all the agent\'s phones', () => {
  /** The card-blocking queue; the caller's baresip (127.0.0.1) counts as the operator trunk here. */
  async function startCenter(kort: Partial<Config['queues'][number]> = {}): Promise<void> {
    await start((c) => {
      c.trunks[0]!.trustedSources = ['127.0.0.1'];
      Object.assign(c.queues.find((q) => q.id === 'kort')!, { wrapUpSeconds: 1, ...kort });
    });
  }

  async function agentWithTwoPhones(): Promise<{ desk: BaresipPhone; soft: Softphone }> {
    const phones = await twoPhones(AGENT);
    await expect.poll(() => running().app.acd.agent(AGENT)?.state, { timeout: 5_000 }).toBe('ready');
    return phones;
  }

  /** A caller on the card-blocking number, offered to the agent: both phones ring. */
  async function callerRingsBoth(phones: { desk: BaresipPhone; soft: Softphone }): Promise<Ringing> {
    const dialogsBefore = running().app.sipd!.stats.dialogs;
    const caller = await startBaresip({ user: CALLER, audioSource: { toneHz: 440, seconds: 60 } });
    await caller.dial(`sip:${CARD_NUMBER}@127.0.0.1:${running().sipPort}`);
    await caller.waitEvent('CALL_ESTABLISHED', 10_000);
    return { ...phones, caller, invitation: await bothRing(phones.desk, phones.soft), dialogsBefore };
  }

  const count = (type: AcdEvent['type']) => acdEvents.filter((e) => e.type === type && 'agentId' in e && e.agentId === AGENT).length;

  it('both phones ring, the desk phone answers: the agent answered once and the softphone stops ringing', async () => {
    await startCenter();
    const { desk, soft, caller, invitation, dialogsBefore } = await callerRingsBoth(await agentWithTwoPhones());
    const ringing = callEvents.find((e) => e.type === 'agent-ringing');
    expect(ringing?.type === 'agent-ringing' && ringing.uris).toHaveLength(2);
    await desk.answer();
    await desk.waitEvent('CALL_ESTABLISHED', 10_000);
    await ended(soft, invitation);
    expect(received(soft, /^CANCEL /), soft.describe()).toHaveLength(1);
    await expect.poll(() => count('answered'), { timeout: 5_000 }).toBe(1);
    expect(count('offered-to-agent')).toBe(1);
    expect(count('offer-missed')).toBe(0);

    await caller.hangup();
    await desk.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => count('ended'), { timeout: 5_000 }).toBe(1);
    expect(count('answered')).toBe(1);
    await expectNothingLeft(dialogsBefore);
  }, TEST_TIMEOUT_MS);

  it('the desk phone is busy, the softphone rings on: no miss until the softphone answers', async () => {
    await startCenter();
    const { desk, soft, caller, invitation, dialogsBefore } = await callerRingsBoth(await agentWithTwoPhones());
    await desk.hangup(); // 486
    await desk.waitEvent('CALL_CLOSED', 5_000);
    expect(running().app.acd.agent(AGENT)?.state).toBe('reserved');
    expect(invitation.state).toBe(SessionState.Initial);

    // The softphone answers the offer still ringing: a miss on the 486 would have come before this answer.
    await soft.answer(invitation);
    await expect.poll(() => count('answered'), { timeout: 5_000 }).toBe(1);
    expect(callEvents.some((e) => e.type === 'agent-connected' && e.agentId === AGENT)).toBe(true);
    expect(count('offer-missed')).toBe(0);

    // The softphone, registered over WebSocket, was offered WebRTC media: it hears the caller's tone over SRTP.
    const sdh = testSdhOf(invitation)!;
    expect(sdh.remoteSdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
    await sdh.webrtc!.connected();
    await waitFor(() => sdh.webrtc!.audio().length >= 50, { what: 'the caller heard in the softphone' });
    expect(toneRatio(sdh.webrtc!.heard(), 8000, 440)).toBeGreaterThan(0.5);

    await caller.hangup();
    await ended(soft, invitation);
    await expectNothingLeft(dialogsBefore);
  }, TEST_TIMEOUT_MS);

  it('both phones refuse: the ACD is told once (one miss), and the caller waits on', async () => {
    // One miss pauses the agent, so the call is not offered to them again.
    await startCenter({ maxMissedOffers: 1 });
    const phones = await agentWithTwoPhones();
    const acd = running().app.acd;
    let rejected = 0;
    const offerRejected = acd.offerRejected.bind(acd);
    acd.offerRejected = (entryId, agentId) => {
      rejected += 1;
      return offerRejected(entryId, agentId);
    };
    const { desk, caller, invitation, dialogsBefore } = await callerRingsBoth(phones);
    await invitation.reject({ statusCode: 486 });
    await desk.hangup();
    await expect.poll(() => count('offer-missed'), { timeout: 5_000 }).toBe(1);
    await expect.poll(() => acd.agent(AGENT)?.state, { timeout: 5_000 }).toBe('paused');
    // The caller is still in line, with music, until they give up: counted after that, the ACD was told once.
    expect(caller.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    await caller.hangup();
    await expect.poll(() => acdEvents.some((e) => e.type === 'abandoned'), { timeout: 5_000 }).toBe(true);
    await expectNothingLeft(dialogsBefore);
    expect(rejected).toBe(1);
    expect(count('offer-missed')).toBe(1);
    expect(count('answered')).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('no phone answers within the ring timeout: both stop ringing, one miss', async () => {
    await startCenter({ ringTimeoutSeconds: 3, maxMissedOffers: 1 });
    const { desk, soft, caller, invitation, dialogsBefore } = await callerRingsBoth(await agentWithTwoPhones());
    await Promise.all([ended(soft, invitation), desk.waitEvent('CALL_CLOSED', 10_000)]);
    expect(received(soft, /^CANCEL /), soft.describe()).toHaveLength(1);
    expect(closedWithoutAnswer(desk)).toBe(true);
    await expect.poll(() => count('offer-missed'), { timeout: 5_000 }).toBe(1);
    expect(running().app.acd.agent(AGENT)).toMatchObject({ state: 'paused', pauseReason: 'no answer' });

    await caller.hangup();
    await expectNothingLeft(dialogsBefore);
  }, TEST_TIMEOUT_MS);
});
