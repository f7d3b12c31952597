/**
 * The agent desktop's softphone with real media: headless Chromium, its
 * microphone a WAV (a rising chirp), on the real product. Each sound is
 * found in what was heard by cross-correlation piece by piece: Chromium's
 * jitter buffer stretches time, and its echo cancellation, noise
 * suppression and gain control work on the microphone as for any agent.
 *
 * Anna (1001, made a card specialist here) connects the page's softphone.
 * A caller from the operator network dials card blocking: the page shows
 * service, number dialled, caller and wait, and she answers in the page.
 * Each hears the other: the caller's voice (a falling chirp) in what the
 * page plays (tapped through WebAudio), the page's microphone in what the
 * caller receives. She parks the call: the caller hears the queue's music;
 * she resumes: they hear each other again. She presses keys on the page's
 * keypad: the caller gets them as RFC 4733 events. She hangs up: the caller
 * gets the switch's BYE.
 *
 * She calls Erik's desk phone (baresip, talking the falling chirp) from the
 * page, and Erik calls her: each time each hears the other. She calls a
 * mobile out through the trunk: the operator network (SIPp, sending back
 * what it gets) sees the organisation's caller id, and the page hears its
 * own microphone come back.
 *
 * The caller is SIPp: its INVITE, its voice (a capture of RTP written here,
 * played once the call is answered) and its answer to the BYE. SIPp records
 * nothing, so what "the caller receives" is what arrives at the media
 * address its INVITE announces: a tap of this test (an RTP socket that keeps
 * every packet) listens there, and SIPp sends the voice from that address,
 * so the switch, which sends to where the caller's RTP comes from, sends
 * there too. The page's microphone, the music on hold and the key events
 * are all looked for in what the tap kept.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { loadPromptSet, musicFile } from '../../media/speech.js';
import { cachedWav, chirp, heardStretched, pcmWav, readWav, toPcm16, type Wav } from '../support/audio.js';
import { signInEachRole, TEST_USERS } from '../support/api.js';
import { signIn, useBrowser } from '../support/browser.js';
import { startBaresip, recordingClosed, stopAllBaresip } from '../support/baresip.js';
import { CARD_NUMBER, ERIK, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { callTalkingFromOperatorNetwork, startTrunkFarEnd, type TappedCall } from '../support/operator-network.js';
import { assertSippOk, killAllSipp } from '../support/sipp.js';
import { heardMark, heardSince, tapAudio } from '../support/page-audio.js';
import { digitsIn, matchAudio, to8k } from '../support/rtp-peer.js';
import { writeRtpPcap } from '../support/rtp-pcap.js';
import { TEST_ADMIN_PASSWORD } from '../support/product.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const ANNA = '1001';
const NUMBER_OUT = '0701740699';
const CALLER = '+46701740656';

/** The page's microphone: a rising chirp, then silence, over and over. */
const MICROPHONE = cachedWav('desk-microphone-chirp', () => Float32Array.from([...chirp(1.2, { f0: 400, f1: 2800 }), ...new Float64Array(6400)]));
/** The caller's voice: a falling chirp, then silence. */
const VOICE = Float32Array.from([...chirp(1.2, { f0: 2500, f1: 350 }), ...new Float64Array(4000)]);
const voiceWav: Wav = { sampleRate: 8000, channels: 1, samples: VOICE, durationSec: VOICE.length / 8000 };
/** VOICE over and over for `seconds`. */
const voiceLoop = (seconds: number): Float32Array => Float32Array.from({ length: seconds * 8000 }, (_, i) => VOICE[i % VOICE.length]!);
/** Erik's desk phone talks VOICE over and over, for a minute (baresip hangs up when its audio ends). */
const DESK_VOICE = cachedWav('desk-voice-60s', () => voiceLoop(60));
/** The caller's call: longer than the test lets it last. */
const CALLER_SECONDS = 90;

/** A recording at 8 kHz, as the sounds looked for are. */
const at8k = (wav: Wav): Wav => wav.sampleRate === 8000 ? wav
  : { ...wav, sampleRate: 8000, samples: Float32Array.from(to8k(wav.samples, wav.sampleRate)) };
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const browser = useBrowser({ fakeMicrophone: { file: MICROPHONE } });
let product: CallbackCenter;
let home: string;

beforeAll(async () => {
  product = await startCallbackCenter({
    flowDir: flowDir(),
    tweak: (c) => { c.extensions.find((e) => e.extension === ANNA)!.agent!.skills['kort'] = 4; },
  });
  // Makes the API's users, the agent among them.
  await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
  home = `http://127.0.0.1:${product.config.http.port}/`;
});

afterAll(async () => {
  killAllSipp();
  await stopAllBaresip();
  await product?.stop();
});

/**
 * The share of `sound`, which the far end sends over and over, found in
 * what the page plays over the next three rounds of it (tapAudio first): at
 * least one is whole once Chromium's jitter buffer has settled from the
 * call's start or a resume.
 */
async function pageHears(sound: Wav): Promise<number> {
  const { page } = browser;
  const mark = await heardMark(page);
  return heardStretched(await heardSince(page, mark, 3 * sound.durationSec + 0.5), sound);
}

/** The share of the page's microphone (one whole round of it) found in what the caller received since `since`. */
const heardMicrophone = (caller: TappedCall, since: number): number =>
  heardStretched(pcmWav(caller.tap.heard(since)), readWav(MICROPHONE));

describe("the agent desktop's softphone with media", () => {
  beforeAll(async () => {
    const { page } = browser;
    await page.goto(home);
    await signIn(page, TEST_USERS.agent.name, TEST_USERS.agent.password);
    await page.getByLabel('Webbläsaren (webbtelefon)').check();
    await page.getByLabel(`Lösenord för anknytning ${ANNA}`).fill('demo-1001');
    await page.getByRole('button', { name: 'Anslut webbtelefonen' }).click();
    await page.getByText('Webbtelefonen är ansluten.').waitFor({ timeout: 10_000 });
  });

  it('answers a caller in the page: audio both ways; parks the call (music to the caller) and resumes; the keypad reaches the caller', async () => {
    const { page } = browser;
    await page.locator('[data-desk-state]', { hasText: /^Ledig$/ }).waitFor();
    const voicePcap = writeRtpPcap(`${tempDir('caller-voice-')}/voice.pcap`, toPcm16(voiceLoop(CALLER_SECONDS)));
    const caller = await callTalkingFromOperatorNetwork(product.sipPort, CARD_NUMBER, CALLER, { voicePcap, timeoutMs: CALLER_SECONDS * 1000 });
    const inCall = page.locator('[data-section="call"]');
    try {
      const offer = page.locator('[data-section="offer"]');
      await offer.locator('[data-field="service"]', { hasText: 'Kort och spärr' }).waitFor({ timeout: 15_000 });
      await offer.locator('[data-field="dialled"]', { hasText: CARD_NUMBER }).waitFor();
      await offer.locator('[data-field="caller"]', { hasText: CALLER }).waitFor();
      await offer.locator('[data-field="wait"]', { hasText: /^\d+:\d\d$/ }).waitFor();
      await offer.getByRole('button', { name: 'Svara' }).click();

      await inCall.getByRole('button', { name: 'Lägg på' }).waitFor({ timeout: 10_000 });
      await page.locator('[data-desk-state]', { hasText: /^I samtal$/ }).waitFor();
      const answeredAt = performance.now();
      await browser.screenshots('agent-desktop-softphone-call');

      // The caller's voice, as the page plays it.
      await tapAudio(page.locator('#remote-audio'));
      expect(await pageHears(voiceWav), "share of the caller's chirp found in what the page heard").toBeGreaterThan(0.85);

      // The page's microphone, as the caller hears it.
      await waitFor(() => heardMicrophone(caller, answeredAt) > 0.85, { what: "the page's microphone at the caller", timeoutMs: 10_000 });

      // Parked: the caller hears the queue's music from its start, and not the microphone.
      await inCall.getByRole('button', { name: 'Parkera' }).click();
      await inCall.getByRole('button', { name: 'Parkera', pressed: true }).waitFor();
      await expect.poll(() => product.callEvents.find((e) => e.type === 'call-held'), { timeout: 5_000 }).toMatchObject({ agentId: ANNA });
      const heldAt = performance.now();
      await waitFor(() => caller.tap.heard(heldAt).length >= 2.5 * 8000, { what: 'the caller to hear 2.5 s on hold', timeoutMs: 10_000 });
      const music = readWav(musicFile(loadPromptSet(), 'default'));
      const match = matchAudio(to8k(music.samples.subarray(0, music.sampleRate * 1.5), music.sampleRate), caller.tap.heard(heldAt), 8000);
      expect(match.value, 'the music on hold at the caller').toBeGreaterThan(0.8);
      expect(heardMicrophone(caller, heldAt), 'the microphone while parked').toBeLessThan(0.2);

      await inCall.getByRole('button', { name: 'Parkera', pressed: true }).click();
      await inCall.getByRole('button', { name: 'Parkera', pressed: false }).waitFor();
      await expect.poll(() => product.callEvents.find((e) => e.type === 'call-resumed'), { timeout: 5_000 }).toMatchObject({ agentId: ANNA });
      const resumedAt = performance.now();
      await waitFor(() => heardMicrophone(caller, resumedAt) > 0.85, { what: "the page's microphone at the caller after resume", timeoutMs: 10_000 });
      expect(await pageHears(voiceWav), "the caller's chirp in the page after resume").toBeGreaterThan(0.85);

      // The keypad: each key an RFC 4733 event at the caller.
      const keysAt = performance.now();
      const keypad = inCall.getByRole('group', { name: 'Knappsats' });
      for (const key of ['1', '5', '#']) await keypad.getByRole('button', { name: key, exact: true }).click();
      await expect.poll(() => digitsIn(caller.tap.packets(keysAt), 101), { message: 'the keys at the caller', timeout: 5_000 }).toBe('15#');
    } finally {
      // She hangs up, also after a failed check, so the next test finds her free; a caller never answered is ended.
      const hangUp = inCall.getByRole('button', { name: 'Lägg på' });
      if (await hangUp.isVisible()) await hangUp.click();
      else killAllSipp();
      caller.tap.close();
    }
    assertSippOk(await caller.exited, 1);
    await inCall.waitFor({ state: 'detached', timeout: 10_000 });
  }, 90_000);

  it('calls a desk phone from the page and is called from it: audio both ways each time', async () => {
    const { page } = browser;
    const erik = await startBaresip({
      user: ERIK, password: 'demo-1002', autoAnswer: true, audioSource: DESK_VOICE,
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    const inCall = page.locator('[data-section="call"]');
    /** Audio both ways in the call up now, then hung up by `hangUp`: the page hears Erik's voice, Erik's phone the page's microphone. */
    const talkBothWays = async (hangUp: () => Promise<void>): Promise<void> => {
      await inCall.getByRole('button', { name: 'Lägg på' }).waitFor({ timeout: 10_000 });
      await tapAudio(page.locator('#remote-audio'));
      expect(await pageHears(voiceWav), "Erik's voice in the page").toBeGreaterThan(0.85);
      await hangUp();
      await inCall.waitFor({ state: 'detached', timeout: 10_000 });
      expect(heardStretched(at8k(readWav(await recordingClosed(erik))), readWav(MICROPHONE)), "the page's microphone at Erik's phone").toBeGreaterThan(0.85);
    };

    try {
      await page.getByLabel(/^Ring ett nummer/).fill(ERIK);
      await page.getByRole('button', { name: 'Ring', exact: true }).click();
      await erik.waitEvent('CALL_ESTABLISHED', 10_000);
      await talkBothWays(() => inCall.getByRole('button', { name: 'Lägg på' }).click());

      await page.locator('[data-desk-state]', { hasText: /^Ledig$/ }).waitFor();
      await erik.dial(ANNA);
      const ringing = page.locator('[data-section="offer"]');
      await ringing.getByRole('heading', { name: `Samtal från ${ERIK}` }).waitFor({ timeout: 10_000 });
      await browser.screenshots('agent-desktop-colleague-calls');
      await ringing.getByRole('button', { name: 'Svara' }).click();
      await erik.waitEvent('CALL_ESTABLISHED', 10_000);
      await talkBothWays(() => erik.hangup());
    } finally {
      // Hangs up a call a failed check left up, for the next test.
      await erik.stop();
    }
  }, 90_000);

  it("calls a number out through the trunk with the organisation's caller id: the far end gets the page's microphone and the page hears it back", async () => {
    const { page } = browser;
    const farEnd = await startTrunkFarEnd(product.trunkPort, { scenario: 'uas-answer.xml', echo: true });
    await page.getByLabel(/^Ring ett nummer/).fill(NUMBER_OUT);
    await page.getByRole('button', { name: 'Ring', exact: true }).click();
    const inCall = page.locator('[data-section="call"]');
    await inCall.getByRole('button', { name: 'Lägg på' }).waitFor({ timeout: 10_000 });
    await tapAudio(page.locator('#remote-audio'));
    // The far end sends back what it gets: the page hearing its own microphone heard it go out and come back.
    expect(await pageHears(readWav(MICROPHONE)), 'the microphone, out through the trunk and back').toBeGreaterThan(0.85);
    await inCall.getByRole('button', { name: 'Lägg på' }).click();
    const result = await farEnd.exited;
    assertSippOk(result, 1);
    const invite = /^INVITE [^]*?\r?\n\r?\n/m.exec(result.messages)?.[0] ?? '';
    expect(invite).toMatch(new RegExp(`^From:[^\\n]*${escapeRegExp(product.config.trunks[0]!.callerId)}`, 'm'));
  }, 60_000);
});
