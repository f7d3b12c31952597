/**
 * A number with a greeting: the switch answers with its own media, plays
 * the welcome prompt, then rings the agent and bridges the two legs' media.
 * Real RTP both ways: the caller (a baresip on the operator network) sends
 * 440 Hz and the agent (a baresip desk phone) 1000 Hz; each must hear the
 * other's tone, the caller must have heard the welcome first, and hanging
 * up must leave no media endpoint behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ringExtensionsDirectly, startProduct, type RunningProduct } from '../support/product.js';
import { heardFor, heardMore, startBaresip, stopAllBaresip, TALK_SECONDS } from '../support/baresip.js';
import { analyzeWav, dominantFrequency, readWav, rms } from '../support/audio.js';
import type { EmbeddedMediaServer } from '../../media/engine/index.js';

let product: RunningProduct;

beforeAll(async () => {
  // The caller's baresip runs on 127.0.0.1, so here that address is the trunk's.
  product = await startProduct({
    tweak: (c) => {
      ringExtensionsDirectly(c);
      c.trunks[0]!.trustedSources = ['127.0.0.1'];
    },
  });
});

afterEach(async () => {
  await stopAllBaresip();
});

afterAll(async () => {
  await product?.stop();
});

describe('a number that greets its callers', () => {
  it('the caller hears the welcome, then caller and agent hear each other through our media', async () => {
    const agent = await startBaresip({
      user: '1001', password: 'demo-1001', autoAnswer: true, audioSource: { toneHz: 1000, seconds: 60 },
      registrar: { host: '127.0.0.1', port: product.sipPort, transport: 'udp' },
    });
    const caller = await startBaresip({ user: 'kund', audioSource: { toneHz: 440, seconds: 60 } });
    await caller.dial(`sip:+46313900600@127.0.0.1:${product.sipPort}`);
    await caller.waitEvent('CALL_ESTABLISHED', 10_000);
    await agent.waitEvent('CALL_ESTABLISHED', 20_000);
    await heardMore(caller, TALK_SECONDS);
    await caller.hangup();
    await agent.waitEvent('CALL_CLOSED', 10_000);
    await Promise.all([caller.stop(), agent.stop()]);

    const heardByAgent = analyzeWav(agent.recordings().dec[0]!);
    expect(Math.abs(heardByAgent.dominantHz - 440)).toBeLessThanOrEqual(10);

    const heardByCaller = readWav(caller.recordings().dec[0]!);
    const rate = heardByCaller.sampleRate;
    const samples = heardByCaller.samples;
    // The welcome prompt is speech in the first seconds, not the agent's tone.
    expect(rms(samples, 0, 2 * rate)).toBeGreaterThan(0.01);
    expect(Math.abs(dominantFrequency(samples, rate, { from: 0, to: 2 * rate }) - 1000)).toBeGreaterThan(50);
    // The last second is the agent's tone, bridged through our media.
    const end = samples.length;
    expect(Math.abs(dominantFrequency(samples, rate, { from: end - rate, to: end }) - 1000)).toBeLessThanOrEqual(10);

    await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
  }, 60_000);

  it('a caller who hangs up during the welcome leaves no endpoint, leg or timer behind', async () => {
    const caller = await startBaresip({ user: 'kund', audioSource: { toneHz: 440, seconds: 60 } });
    await caller.dial(`sip:+46313900600@127.0.0.1:${product.sipPort}`);
    await caller.waitEvent('CALL_ESTABLISHED', 10_000);
    await heardFor(caller, 0.3); // into the welcome
    await caller.hangup();
    await caller.waitEvent('CALL_CLOSED', 5_000);
    await expect.poll(() => (product.app.media as EmbeddedMediaServer).size, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => product.app.sipd!.stats.dialogs, { timeout: 5_000 }).toBe(0);
  }, 30_000);
});
