/**
 * Hold from the agent's phone, with real SIP and RTP on loopback: a caller
 * from the operator network (sending a 500 Hz tone) dials card blocking
 * (straight to the "kort" queue), where Erik's phone answers, holds the
 * call (a re-INVITE with a=sendonly) and resumes it. While held the caller
 * hears the queue's music on hold, the very recording in the prompts, and
 * the agent nothing; after resume the two hear each other again; the
 * contact record has the time on hold apart from the talk.
 *
 * Two phones: a desk phone made of SIPp that holds 3 s and echoes what it
 * hears (so a caller who hears their own tone after resume was heard by
 * the agent, and heard back), and baresip, a real softphone, holding with
 * its own hold command while it sends a 1000 Hz tone.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { loadPromptSet, musicFile } from '../../media/speech.js';
import { stopAllBaresip } from '../support/baresip.js';
import { CARD_NUMBER, ERIK, eriksPhone, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { readWav, toneRatio, toneSamples, toPcm16 } from '../support/audio.js';
import { matchAudio, to8k } from '../support/rtp-peer.js';
import { assertSippOk, killAllSipp, startRegisteredSippPhone } from '../support/sipp.js';
import { TrunkCaller } from '../support/trunk-caller.js';
import { waitFor } from '../support/wait.js';

const CALLER_HZ = 500;
const AGENT_HZ = 1000;

let running: CallbackCenter | undefined;
let caller: TrunkCaller | undefined;
/** The caller's talk, until `talking` is false. */
let talking = false;
let talk: Promise<void> = Promise.resolve();
let history: SqliteHistory | undefined;

async function hangUp(): Promise<void> {
  talking = false;
  await talk;
  await caller?.hangUp();
  caller = undefined;
}

afterEach(async () => {
  await hangUp();
  caller = undefined;
  killAllSipp();
  await stopAllBaresip();
  await running?.stop();
  running = undefined;
  await history?.close();
  history = undefined;
});

/** How much of the last `seconds` of what the caller heard is a steady `hz` tone (0..1). */
function toneShare(heard: Int16Array, hz: number, seconds: number): number {
  const tail = Float64Array.from(heard.subarray(Math.max(0, heard.length - seconds * 8000)), (v) => v / 32768);
  return toneRatio(tail, 8000, hz);
}

/** The product with the repo's flows, kort's wrap-up shortened; the caller rings once Erik is ready and talks until the end. */
async function callErik(r: CallbackCenter): Promise<TrunkCaller> {
  await expect.poll(() => r.app.acd.agent(ERIK)?.state, { timeout: 10_000 }).toBe('ready');
  const c = caller = await TrunkCaller.call(r.sipPort, CARD_NUMBER, '+46701740651');
  const voice = toPcm16(toneSamples({ hz: CALLER_HZ, seconds: 0.5, amplitude: 0.4 }));
  talking = true;
  talk = (async () => {
    while (talking) await c.rtp.talk('PCMU', voice);
  })();
  return c;
}

/** From `heldAt` on the caller hears the queue's music from its start, and not `agentHz`. */
async function expectMusicOnHold(c: TrunkCaller, heldAt: number, agentHz: number): Promise<void> {
  await waitFor(() => c.rtp.heard(heldAt).length >= 2 * 8000, { what: 'the caller to hear 2 s on hold', timeoutMs: 10_000 });
  const onHold = c.rtp.heard(heldAt);
  const music = readWav(musicFile(loadPromptSet(), 'default'));
  const opening = to8k(music.samples.subarray(0, music.sampleRate * 1.5), music.sampleRate);
  const match = matchAudio(opening, onHold, 8000);
  expect(match.value).toBeGreaterThan(0.8);
  expect(match.coverage).toBeGreaterThan(0.9);
  expect(toneShare(onHold, agentHz, 1)).toBeLessThan(0.2);
}

/** After the call: the record's segment holds the time between hold and resume, apart from the talk. */
async function expectHoldRecorded(r: CallbackCenter): Promise<void> {
  await expect.poll(() => r.acdEvents.find((e) => e.type === 'ended'), { timeout: 10_000 }).toBeDefined();
  await r.app.contactRecords.flush();
  const held = r.callEvents.find((e) => e.type === 'call-held');
  const resumed = r.callEvents.find((e) => e.type === 'call-resumed');
  const ended = r.acdEvents.find((e) => e.type === 'ended');
  if (held?.type !== 'call-held' || resumed?.type !== 'call-resumed' || ended?.type !== 'ended') throw new Error('no hold, resume and end seen');
  history = SqliteHistory.open(join(r.config.dataDir, SQLITE_FILE));
  const segment = (await history.contact(held.callId))!.segments[0]!;
  expect(segment).toMatchObject({ id: held.entryId, outcome: 'answered', agent: ERIK, holdMs: resumed.at - held.at });
  expect(segment.holdMs).toBeGreaterThanOrEqual(2_000);
  expect(segment.talkMs! + segment.holdMs!).toBe(ended.handleMs);
}

describe('the agent\'s phone holds the call', () => {
  it('a desk phone holds 3 s: the caller hears the queue\'s music, then is heard by the agent and hears them again; the record has the hold', async () => {
    const r = running = await startCallbackCenter({ flowDir: flowDir() });
    const phone = await startRegisteredSippPhone(r.sipPort, ERIK, { scenario: 'uas-hold-resume.xml', echo: true });
    const c = await callErik(r);
    // The phone echoes: the caller hearing their own tone went to the agent and back.
    const calledAt = performance.now();
    await waitFor(() => toneShare(c.rtp.heard(calledAt), CALLER_HZ, 0.5) > 0.8, { what: 'the caller to hear themselves through the agent', timeoutMs: 10_000 });

    await expect.poll(() => r.callEvents.find((e) => e.type === 'call-held'), { timeout: 10_000 }).toMatchObject({ agentId: ERIK });
    await expectMusicOnHold(c, performance.now(), CALLER_HZ);

    await expect.poll(() => r.callEvents.find((e) => e.type === 'call-resumed'), { timeout: 10_000 }).toMatchObject({ agentId: ERIK });
    const resumedAt = performance.now();
    await waitFor(() => toneShare(c.rtp.heard(resumedAt), CALLER_HZ, 0.5) > 0.8, { what: 'the caller to be heard by the agent again', timeoutMs: 10_000 });

    await hangUp();
    assertSippOk(await phone.exited, 1);
    await expectHoldRecorded(r);
  }, 90_000);

  it('a softphone (baresip) holds with its hold command: the caller hears the music, after resume the agent again; the record has the hold', async () => {
    const r = running = await startCallbackCenter({ flowDir: flowDir() });
    const erik = await eriksPhone(r.sipPort);
    const c = await callErik(r);
    await erik.waitEvent('CALL_ESTABLISHED', 20_000);
    const bridgedAt = performance.now();
    await waitFor(() => toneShare(c.rtp.heard(bridgedAt), AGENT_HZ, 0.5) > 0.8, { what: 'the caller to hear the agent', timeoutMs: 10_000 });

    await erik.hold();
    const heldAt = performance.now();
    await expect.poll(() => r.callEvents.find((e) => e.type === 'call-held'), { timeout: 5_000 }).toMatchObject({ agentId: ERIK });
    await expectMusicOnHold(c, heldAt, AGENT_HZ);

    await erik.resume();
    const resumedAt = performance.now();
    await expect.poll(() => r.callEvents.find((e) => e.type === 'call-resumed'), { timeout: 5_000 }).toMatchObject({ agentId: ERIK });
    await waitFor(() => toneShare(c.rtp.heard(resumedAt), AGENT_HZ, 0.5) > 0.8, { what: 'the caller to hear the agent again', timeoutMs: 10_000 });

    await hangUp();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await expectHoldRecorded(r);
  }, 90_000);
});
