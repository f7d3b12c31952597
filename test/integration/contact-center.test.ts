/**
 * One number in, the right agent answers: a caller on the operator network
 * dials the card-blocking number (Kort och spärr, +46313900603: no menu, no
 * opening hours, straight to the "kort" queue), waits in the ACD with music
 * and announcements, and the agent the ACD chooses answers on a baresip desk
 * phone, with real SIP and RTP on loopback. Agents log in by registering.
 *
 * The caller's baresip runs on 127.0.0.1, so here that address is the trunk's.
 * Each test gets a fresh product, so agents' idle times and states start clean.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flowDir, startApp } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/log.js';
import { tempDir } from '../support/tmp.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { heardFor, heardMore, startBaresip, stopAllBaresip, TALK_SECONDS, type BaresipPhone } from '../support/baresip.js';
import { waitFor } from '../support/wait.js';
import { analyzeWav, dominantFrequency, readWav, rms } from '../support/audio.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { Config } from '../../config/schema.js';

const CARD_NUMBER = '+46313900603';
const CALLER = '+46701740651';
const PASSWORDS: Record<string, string> = { '1001': 'demo-1001', '1002': 'demo-1002', '1004': 'demo-1004' };

let product: RunningProduct;
let acdEvents: AcdEvent[];
let callEvents: CallEvent[];

async function start(tweak?: (c: Config) => void): Promise<void> {
  product = await startProduct({
    tweak: (c) => {
      c.trunks[0]!.trustedSources = ['127.0.0.1'];
      const kort = c.queues.find((q) => q.id === 'kort')!;
      kort.wrapUpSeconds = 1;
      tweak?.(c);
    },
  });
  acdEvents = [];
  callEvents = [];
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));
}

beforeEach(() => {
  acdEvents = [];
  callEvents = [];
});

afterEach(async () => {
  await stopAllBaresip();
  const running = product as RunningProduct | undefined;
  product = undefined as unknown as RunningProduct;
  await running?.stop();
});

/** A desk phone for an agent; resolves once the ACD has logged the agent in. */
async function agentPhone(extension: string, opts: { autoAnswer?: boolean; toneHz?: number } = {}): Promise<BaresipPhone> {
  const phone = await startBaresip({
    user: extension, password: PASSWORDS[extension]!, autoAnswer: opts.autoAnswer ?? true,
    audioSource: { toneHz: opts.toneHz ?? 1000, seconds: 60 },
    registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
  });
  // Ready, or already offered the call of a waiting caller.
  await expect.poll(() => product.app.acd.agent(extension)?.state, { timeout: 5_000 }).toMatch(/^(ready|reserved|busy)$/);
  // Idle times are in milliseconds: the next agent to become free must be idle for less time than this one.
  const idleSince = product.app.acd.agent(extension)?.idleSince ?? Date.now();
  await waitFor(() => Date.now() > idleSince, { what: 'the clock past the moment the agent became free' });
  return phone;
}

async function callCardBlocking(): Promise<BaresipPhone> {
  const caller = await startBaresip({ user: CALLER, audioSource: { toneHz: 440, seconds: 60 } });
  await caller.dial(`sip:${CARD_NUMBER}@127.0.0.1:${product.sipPort}`);
  await caller.waitEvent('CALL_ESTABLISHED', 10_000);
  return caller;
}

const offeredTo = (): string[] => acdEvents.flatMap((e) => (e.type === 'offered-to-agent' ? [e.agentId] : []));

async function expectNothingLeft(): Promise<void> {
  await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => product.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  const kort = product.app.acd.snapshot().queues.find((q) => q.id === 'kort')!;
  expect(kort.entries).toEqual([]);
}

describe('one number in, the right agent answers', () => {
  it('a caller on the card-blocking number (no menu) is queued and reaches the free agent with the card skill; they hear each other', async () => {
    await start();
    // Anna (1001) is in the kort queue but without the skill, and idle longest: she must not get the call.
    const anna = await agentPhone('1001', { toneHz: 700 });
    const erik = await agentPhone('1002', { toneHz: 1000 });
    const caller = await callCardBlocking();
    const established = await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    // The agent's phone shows the service and the caller.
    expect(established.peerdisplayname).toBe(`[Kort och spärr] ${CALLER}`);
    await heardMore(caller, TALK_SECONDS);
    await caller.hangup();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    // Wrap-up after the call (1 s here), then ready again.
    await expect.poll(() => acdEvents.some((e) => e.type === 'ended' && e.agentId === '1002'), { timeout: 5_000 }).toBe(true);
    expect(acdEvents.some((e) => e.type === 'agent-state' && e.agentId === '1002' && e.state === 'wrap-up')).toBe(true);
    await expect.poll(() => product.app.acd.agent('1002')?.state, { timeout: 5_000 }).toBe('ready');
    await Promise.all([caller.stop(), erik.stop()]);
    // The phone unregistered: the agent is logged out.
    await expect.poll(() => product.app.acd.agent('1002')?.state, { timeout: 5_000 }).toBe('logged-out');

    expect(anna.events.some((e) => e.type === 'CALL_INCOMING' || e.type === 'CALL_ESTABLISHED')).toBe(false);
    expect(offeredTo()).toEqual(['1002']);
    const queued = acdEvents.find((e) => e.type === 'queued');
    expect(queued?.type === 'queued' && queued.entry).toMatchObject({
      queueId: 'kort', data: { caller: CALLER, dialled: CARD_NUMBER, service: 'Kort och spärr' },
    });
    const ringing = callEvents.find((e) => e.type === 'agent-ringing');
    expect(ringing).toMatchObject({ agentId: '1002' });
    expect(acdEvents.some((e) => e.type === 'answered' && e.agentId === '1002')).toBe(true);

    // Audio both ways through our media: the agent hears the caller's 440 Hz, the caller ends on the agent's 1000 Hz.
    const heardByAgent = analyzeWav(erik.recordings().dec[0]!);
    expect(Math.abs(heardByAgent.dominantHz - 440)).toBeLessThanOrEqual(10);
    const heardByCaller = readWav(caller.recordings().dec[0]!);
    const rate = heardByCaller.sampleRate;
    const end = heardByCaller.samples.length;
    expect(Math.abs(dominantFrequency(heardByCaller.samples, rate, { from: end - rate, to: end }) - 1000)).toBeLessThanOrEqual(10);
    await expectNothingLeft();
  }, 60_000);

  it('with two card agents free, the one idle longest gets the call, not the more skilled one', async () => {
    await start();
    const erik = await agentPhone('1002'); // kort level 4, free first
    const oskar = await agentPhone('1004'); // kort level 5, free later
    const caller = await callCardBlocking();
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    expect(offeredTo()).toEqual(['1002']);
    expect(oskar.events.some((e) => e.type === 'CALL_INCOMING' || e.type === 'CALL_ESTABLISHED')).toBe(false);
    await caller.hangup();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await expectNothingLeft();
  }, 60_000);

  it('an agent who does not answer is skipped and paused, and the next agent gets the call', async () => {
    await start((c) => {
      const kort = c.queues.find((q) => q.id === 'kort')!;
      kort.ringTimeoutSeconds = 3;
      kort.maxMissedOffers = 1;
    });
    const erik = await agentPhone('1002', { autoAnswer: false }); // idle longest, but does not answer
    const oskar = await agentPhone('1004');
    const caller = await callCardBlocking();
    await erik.waitEvent('CALL_INCOMING', 10_000);
    await oskar.waitEvent('CALL_ESTABLISHED', 15_000);
    // Erik's phone stopped ringing (CANCEL) when the ACD moved on.
    await erik.waitEvent('CALL_CLOSED', 5_000);
    expect(offeredTo()).toEqual(['1002', '1004']);
    expect(acdEvents.some((e) => e.type === 'offer-missed' && e.agentId === '1002')).toBe(true);
    expect(product.app.acd.agent('1002')).toMatchObject({ state: 'paused', pauseReason: 'no answer' });
    await caller.hangup();
    await oskar.waitEvent('CALL_CLOSED', 10_000);
    await expectNothingLeft();
  }, 60_000);

  it('a caller who hangs up while queued is counted abandoned and leaves no endpoint, dialog or ACD entry behind', async () => {
    await start();
    const caller = await callCardBlocking();
    await expect.poll(() => acdEvents.some((e) => e.type === 'queued'), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => callEvents.some((e) => e.type === 'queue-announcement'), { timeout: 10_000 }).toBe(true); // told their place
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 5_000);
    await expect.poll(() => acdEvents.find((e) => e.type === 'abandoned'), { timeout: 5_000 }).toMatchObject({ queueId: 'kort' });
    await expectNothingLeft();
  }, 60_000);

  it('a caller who hangs up while an agent phone rings: the ringing stops, the agent is not left reserved, nothing is left behind', async () => {
    await start();
    const erik = await agentPhone('1002', { autoAnswer: false });
    const caller = await callCardBlocking();
    await erik.waitEvent('CALL_INCOMING', 10_000);
    expect(product.app.acd.agent('1002')?.state).toBe('reserved');
    await caller.hangup();
    await erik.waitEvent('CALL_CLOSED', 5_000);
    await expect.poll(() => acdEvents.find((e) => e.type === 'abandoned'), { timeout: 5_000 }).toMatchObject({ queueId: 'kort' });
    await expect.poll(() => product.app.acd.agent('1002')?.state, { timeout: 5_000 }).toBe('ready');
    expect(acdEvents.some((e) => e.type === 'answered')).toBe(false);
    await expectNothingLeft();
  }, 60_000);

  it('a waiting caller hears their place in line, then the agent who logs in answers', async () => {
    await start();
    const caller = await callCardBlocking();
    await expect.poll(() => callEvents.find((e) => e.type === 'queue-announcement'), { timeout: 5_000 })
      .toMatchObject({ position: 1 });
    await heardFor(caller, 3.5); // what is read below: the first 3 s, the announcement
    const erik = await agentPhone('1002');
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await heardMore(caller, TALK_SECONDS);
    await caller.hangup();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await caller.stop();

    // Before the agent: the announcement (speech, not silence, not the agent's tone).
    const heard = readWav(caller.recordings().dec[0]!);
    const rate = heard.sampleRate;
    expect(rms(heard.samples, 0, 3 * rate)).toBeGreaterThan(0.01);
    expect(Math.abs(dominantFrequency(heard.samples, rate, { from: 0, to: 3 * rate }) - 1000)).toBeGreaterThan(50);
    const end = heard.samples.length;
    expect(Math.abs(dominantFrequency(heard.samples, rate, { from: end - rate, to: end }) - 1000)).toBeLessThanOrEqual(10);
    await expectNothingLeft();
  }, 60_000);
});

describe('the flows the entrance runs', () => {
  it('a flow with an error stops start-up with one line naming the file, the node and the problem', async () => {
    const dir = tempDir('flows-');
    for (const f of readdirSync(flowDir())) copyFileSync(join(flowDir(), f), join(dir, f));
    writeFileSync(join(dir, 'standard.yaml'), readFileSync(join(flowDir(), 'standard.yaml'), 'utf8').replace('next: hejda', 'next: saknas'));
    const config = loadConfig({ env: {} });
    config.dataDir = tempDir('data-');
    await expect(startApp(config, createLogger('silent'), { flowDir: dir })).rejects.toThrow(
      /standard\.yaml: node "stangt": next goes to "saknas", which does not exist$/,
    );
  });
});
