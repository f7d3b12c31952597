/**
 * Replacing a flow in the running configuration while calls are in
 * progress, with real SIP and RTP on loopback. A caller already in the
 * flow keeps the flow it started with to the end; the next caller gets the
 * new one. A change with an error is refused naming the flow, the node and
 * the reason; the flows in use stay, and so do the calls.
 *
 * The Kort och spärr number (+46313900603) runs a flow of two nodes: a
 * play of a recorded slot, then the "kort" queue (version 1), or a play of
 * another slot, then hang up (version 2). Each slot is a tone, so what a
 * caller hears tells which version their call runs. Nobody answers in the
 * queue: no agent is logged in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.js';
import { ConfigChangeError } from '../../server/running/errors.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';
import { startProduct, type RunningProduct } from '../support/product.js';
import { recordingClosed, startBaresip, stopAllBaresip, toneHeard, type BaresipPhone } from '../support/baresip.js';
import { readWav, toneRatio, writeToneWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';

const CARD_NUMBER = '+46313900603';
const VERSION_1_HZ = 600;
const VERSION_2_HZ = 1400;

let product: RunningProduct;
let flowDir: string;
const acdEvents: AcdEvent[] = [];
const callEvents: CallEvent[] = [];

function flowText(lines: string[]): string {
  return ['flow: kort-och-sparr', 'services: [Kort och spärr]', 'language: sv', 'nodes:', ...lines, ''].join('\n');
}

const version1 = flowText([
  '  - id: hej', '    type: play', '    announcement: version-1', '    next: ko',
  '  - id: ko', '    type: queue', '    queue: kort', '    music: default', '    announceEverySeconds: 0',
]);

const version2 = flowText([
  '  - id: hej', '    type: play', '    announcement: version-2', '    next: slut',
  '  - id: slut', '    type: hangup',
]);

/** Version 2 with a node that leads nowhere. */
const broken = flowText([
  '  - id: hej', '    type: play', '    announcement: version-2', '    next: borta',
  '  - id: slut', '    type: hangup',
]);

/** Replaces the flow through the running configuration, as the API does. */
function replaceFlow(text: string): Promise<unknown> {
  return product.app.running.change('supervisor', 'kort-och-sparr replaced', (draft) => { draft.flows['kort-och-sparr'] = text; });
}

async function phone(user: string): Promise<BaresipPhone> {
  return startBaresip({
    user, password: `demo-${user}`, audioSource: 'silence',
    registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
  });
}

/** Dials the card-blocking number; resolves with the call id once answered. */
async function dial(caller: BaresipPhone): Promise<string> {
  const started = callEvents.filter((e) => e.type === 'call-started').length;
  caller.clearEvents();
  await caller.dial(`sip:${CARD_NUMBER}@127.0.0.1:${product.sipPort}`);
  await caller.waitEvent('CALL_ESTABLISHED', 10_000);
  await expect.poll(() => callEvents.filter((e) => e.type === 'call-started').length, { timeout: 5_000 }).toBeGreaterThan(started);
  return callEvents.filter((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started').at(-1)!.callId;
}

/** The share of the first `seconds` of the caller's latest call that is the tone. */
function heard(caller: BaresipPhone, hz: number, seconds: number): number {
  const wav = readWav(caller.recordings().dec.at(-1)!);
  return toneRatio(wav.samples, wav.sampleRate, hz, 0, Math.min(wav.samples.length, seconds * wav.sampleRate));
}

const queuedCount = (): number => acdEvents.filter((e) => e.type === 'queued').length;

beforeAll(async () => {
  flowDir = tempDir('reload-flows-');
  writeFileSync(join(flowDir, 'kort-och-sparr.yaml'), version1);
  product = await startProduct({ flowDir, logger: createLogger('silent') });
  product.app.acd.on((e) => acdEvents.push(e));
  product.app.center.on('event', (e) => callEvents.push(e));
  const dir = join(product.config.dataDir, 'announcements');
  mkdirSync(dir, { recursive: true });
  writeToneWav(join(dir, 'version-1.wav'), { hz: VERSION_1_HZ, seconds: 4, amplitude: 0.5 });
  writeToneWav(join(dir, 'version-2.wav'), { hz: VERSION_2_HZ, seconds: 2, amplitude: 0.5 });
}, 30_000);

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
});

describe('a flow changed while calls are in progress', () => {
  let first: BaresipPhone;
  let firstCall: string;

  it('the caller already in the flow keeps the old version to its end; the next caller gets the new one', async () => {
    first = await phone('1005');
    firstCall = await dial(first);
    await toneHeard(first, VERSION_1_HZ); // the first caller is in the 4 s play of version 1

    const before = product.app.running.current.version;
    await replaceFlow(version2);
    expect(product.app.running.current.version).toBe(before + 1);

    // The first call goes on with version 1: the rest of its play, then the queue.
    await expect.poll(() => acdEvents.some((e) => e.type === 'queued' && e.entry.queueId === 'kort'), { timeout: 10_000 }).toBe(true);
    expect(queuedCount()).toBe(1);

    // A second caller, after the change: version 2's tone, then we hang up on them.
    const second = await phone('1006');
    const secondCall = await dial(second);
    expect(secondCall).not.toBe(firstCall);
    await second.waitEvent('CALL_CLOSED', 15_000);
    await recordingClosed(second);
    expect(heard(second, VERSION_2_HZ, 2)).toBeGreaterThan(0.3);
    expect(heard(second, VERSION_1_HZ, 2)).toBeLessThan(0.05);
    expect(callEvents.find((e) => e.type === 'call-ended' && e.callId === secondCall)).toBeDefined();
    // Nobody else was queued: the second caller never reached version 1's queue.
    expect(queuedCount()).toBe(1);
    await second.stop();

    // The first caller is still waiting, and heard version 1.
    expect(first.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    expect(product.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toHaveLength(1);
  }, 60_000);

  it('a change with an error is refused with the flow, the node and the reason; the flows in use and the calls stay', async () => {
    const version = product.app.running.current.version;
    const error = await replaceFlow(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigChangeError);
    expect(error).toMatchObject({ path: ['flows', 'kort-och-sparr'], message: 'flows.kort-och-sparr: node "hej": next goes to "borta", which does not exist' });
    expect(product.app.running.current.version).toBe(version);

    // The first caller is still in the queue.
    expect(first.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    expect(product.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toHaveLength(1);

    // A new caller still gets version 2, the last good one.
    const third = await phone('1006');
    await dial(third);
    await third.waitEvent('CALL_CLOSED', 15_000);
    await recordingClosed(third);
    expect(heard(third, VERSION_2_HZ, 2)).toBeGreaterThan(0.3);
    await third.stop();

    // The first caller heard version 1 all along and hangs up now: nothing is left behind.
    await first.hangup();
    await first.waitEvent('CALL_CLOSED', 10_000);
    await recordingClosed(first);
    expect(heard(first, VERSION_1_HZ, 3)).toBeGreaterThan(0.3);
    await expect.poll(() => acdEvents.find((e) => e.type === 'abandoned'), { timeout: 5_000 }).toMatchObject({ queueId: 'kort' });
    await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
    expect(product.app.acd.snapshot().queues.find((q) => q.id === 'kort')!.entries).toEqual([]);
  }, 60_000);
});
