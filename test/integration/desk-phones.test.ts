/**
 * Desk phones: baresip registers to the switch with digest authentication,
 * and two baresip phones call each other through the switch with audio
 * flowing both ways (each sends its own tone; each must hear the other's).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ringExtensionsDirectly, startProduct, type RunningProduct } from '../support/product.js';
import { heardFor, startBaresip, stopAllBaresip } from '../support/baresip.js';
import { analyzeWav, toneRatio } from '../support/audio.js';
import { expectCallReaches1004 } from '../support/operator-network.js';

let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct({ tweak: ringExtensionsDirectly });
});

afterEach(async () => {
  await stopAllBaresip();
});

afterAll(async () => {
  await product?.stop();
});

const registrar = () => ({ host: '127.0.0.1', port: product.sipPort, transport: 'udp' as const });

describe('desk phones on the switch', () => {
  it('a desk phone registers its extension with digest authentication', async () => {
    const phone = await startBaresip({ user: '1001', password: 'demo-1001', registrar: registrar() });
    expect(phone.registration).toBe('registered');
    const bindings = product.app.switch.registrar.contactsOf('1001');
    expect(bindings.map((b) => b.flow.protocol)).toContain('udp');
  });

  it('a desk phone with the wrong password is refused', async () => {
    const attempt = startBaresip({ user: '1005', password: 'guess', registrar: registrar(), registerTimeoutMs: 5_000 });
    await expect(attempt).rejects.toThrow(/403|failed/i);
    expect(product.app.switch.registrar.contactsOf('1005')).toHaveLength(0);
  });

  it('two desk phones call each other through the switch and hear each other', async () => {
    const anna = await startBaresip({
      user: '1001', password: 'demo-1001', registrar: registrar(), audioSource: { toneHz: 440, seconds: 30 },
    });
    const erik = await startBaresip({
      user: '1002', password: 'demo-1002', registrar: registrar(), autoAnswer: true, audioSource: { toneHz: 1000, seconds: 30 },
    });
    await anna.dial(`sip:1002@127.0.0.1:${product.sipPort}`);
    await anna.waitEvent('CALL_ESTABLISHED', 10_000);
    await erik.waitEvent('CALL_ESTABLISHED', 10_000);
    await anna.waitEvent('CALL_RTPESTAB', 10_000);
    await erik.waitEvent('CALL_RTPESTAB', 10_000);
    await Promise.all([heardFor(anna, 2), heardFor(erik, 2)]); // checked below: over 1.5 s of each other's tone
    await anna.hangup();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    await Promise.all([anna.stop(), erik.stop()]);

    for (const [heard, hz] of [[erik.recordings().dec, 440], [anna.recordings().dec, 1000]] as const) {
      expect(heard).toHaveLength(1);
      const audio = analyzeWav(heard[0]!);
      expect(audio.activeSec).toBeGreaterThan(1.5);
      expect(Math.abs(audio.dominantHz - hz)).toBeLessThanOrEqual(10);
      expect(toneRatio(audio.wav.samples, audio.wav.sampleRate, hz)).toBeGreaterThan(0.8);
    }
  });

  it('a desk phone registered over TCP is called on its own connection', async () => {
    const phone = await startBaresip({
      user: '1004', password: 'demo-1004', registrar: { ...registrar(), transport: 'tcp' }, autoAnswer: true,
    });
    expect(product.app.switch.registrar.contactsOf('1004')[0]?.flow.protocol).toBe('tcp');
    await expectCallReaches1004(product.sipPort, phone);
  });
});
