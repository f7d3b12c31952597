/**
 * WebRTC media of the embedded engine with a real browser: headless
 * Chromium's own RTCPeerConnection takes a call from the engine (our
 * WebRTC offer: ICE-lite, DTLS actpass, PCMU/PCMA, telephone-event),
 * answers it, and audio flows both ways:
 *
 * - what the engine plays is captured in the page through WebAudio and
 *   found in it piece by piece by cross-correlation (Chromium's jitter
 *   buffer stretches time while it settles);
 * - the page's fake microphone (a WAV given to Chromium) is recorded by
 *   the engine and found whole in the recording the same way.
 */
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { EmbeddedMediaServer } from '../../media/engine/media-server.js';
import { cachedWav, chirp, heardStretched, heardWhole, readWav } from '../support/audio.js';
import { useBrowser } from '../support/browser.js';
import { heardMark, heardSince, tapAudio } from '../support/page-audio.js';
import { freePortRange } from '../support/ports.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

/** The page's microphone: a chirp, then silence, over and over. */
const MICROPHONE = cachedWav('webrtc-microphone-chirp', () => Float32Array.from([...chirp(1.2, { f0: 400, f1: 2800 }), ...new Float64Array(6400)]));
/** What the engine plays to the page: another chirp. */
const PROMPT = cachedWav('webrtc-prompt-chirp', () => Float32Array.from(chirp(1.5, { f0: 2500, f1: 350 })));

const browser = useBrowser({ fakeMicrophone: { file: MICROPHONE } });
let pageServer: http.Server;
let media: EmbeddedMediaServer;

/**
 * An address Chromium reaches from its own host candidates: it leaves
 * loopback out of ICE, so the engine listens on the machine's interface.
 */
function hostAddress(): string {
  const found = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!found) throw new Error('no non-loopback IPv4 interface for Chromium to reach the engine on');
  return found.address;
}

beforeAll(async () => {
  pageServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>webrtc</title>'));
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  const portMin = await freePortRange(20, 'udp');
  media = new EmbeddedMediaServer({ portMin, portMax: portMin + 19, bindAddress: hostAddress() });
});

afterAll(async () => {
  await media.close();
  pageServer.closeAllConnections();
  await new Promise((resolve) => pageServer.close(resolve));
});

it('Chromium answers the engine\'s WebRTC offer: the engine hears the page\'s microphone whole, the page hears the engine\'s prompt', async () => {
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`);
  const endpoint = await media.createEndpoint({ webrtc: true });

  // The page: microphone in, the received track played by an audio element (tapped below).
  const answer = await page.evaluate(async (offer) => {
    const w = window as unknown as { pc: RTCPeerConnection };
    const pc = new RTCPeerConnection();
    w.pc = pc;
    const microphone = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    pc.ontrack = (event) => {
      const element = document.createElement('audio');
      element.id = 'remote';
      element.srcObject = new MediaStream([event.track]);
      element.muted = true;
      document.body.append(element);
      void element.play();
    };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    for (const track of microphone.getAudioTracks()) pc.addTrack(track, microphone);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      else pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    });
    return pc.localDescription!.sdp;
  }, endpoint.localSdp);

  const m = sdpTransform.parse(answer).media[0]!;
  expect(m.protocol).toBe('UDP/TLS/RTP/SAVPF');
  expect(m.setup).toBe('active');
  await endpoint.modify(answer);
  await waitFor(() => endpoint.remoteAddress !== undefined, { what: 'ICE and DTLS with Chromium' });
  await page.waitForFunction(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState === 'connected');
  await tapAudio(page.locator('#remote'));

  // The page's microphone, as the engine records it.
  const recorded = `${tempDir('webrtc-chromium')}/from-page.wav`;
  await endpoint.record(recorded, { timeLimitSecs: 3.5 });
  expect(heardWhole(readWav(recorded), readWav(MICROPHONE)), 'the microphone\'s chirp in the engine\'s recording').toBeDefined();

  // The engine's prompt, as the page hears it.
  const before = await heardMark(page);
  const played = await endpoint.play(PROMPT);
  expect(played.interrupted).toBe(false);
  // Half a second past the prompt's end covers the page's jitter buffer.
  const heard = await heardSince(page, before, 2);
  // Chromium's jitter buffer stretches time as it settles: each piece is matched near the one before.
  expect(heardStretched(heard, readWav(PROMPT)), 'share of the engine\'s chirp found in what the page heard').toBeGreaterThan(0.85);

  await page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.close());
  await endpoint.destroy();
});
