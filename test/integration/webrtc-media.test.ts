/**
 * WebRTC media in the embedded engine, against a real WebRTC stack
 * (werift's RTCPeerConnection: full ICE, DTLS-SRTP, rtcp-mux) on loopback:
 *
 * - the peer offers, the engine answers (DTLS server), and the engine
 *   offers, the peer answers (the engine is DTLS server, then client):
 *   ICE and DTLS complete, a tone goes each way and is heard as that tone;
 * - RFC 4733 digits both ways over SRTP;
 * - a WebRTC leg bridged to a plain-RTP phone: each hears the other's
 *   sound, matched by cross-correlation;
 * - bad peers: one that never checks, one whose checks pass but whose
 *   DTLS never starts, one that checks with the wrong password, one that
 *   vanishes after connecting: each endpoint is released after its time
 *   limit with a log line saying why, and a hundred of them leave no port,
 *   no endpoint and no file handle behind.
 */
import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { classes, Message, methods } from 'werift';
import { EmbeddedMediaServer } from '../../media/engine/media-server.js';
import type { EmbeddedEndpoint } from '../../media/engine/endpoint.js';
import type { DtmfEvent } from '../../media/port.js';
import { chirp, readWav, toneRatio, toPcm16 } from '../support/audio.js';
import { freePortRange } from '../support/ports.js';
import { digitsIn, matchAudio, RtpPeer, type RtpStream } from '../support/rtp-peer.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { WEBRTC_EVENT_PT, WebRtcPeer } from '../support/webrtc-peer.js';
import { writeToneWav } from '../support/audio.js';

/** The bar: no port, endpoint or handle left behind after this many failed attempts of each kind, made at once. */
const FAILED_ATTEMPTS = 100;
/** Room for all of them at once (the engine binds only even ports) and a little more. */
const RANGE = 2 * FAILED_ATTEMPTS + 40;
const warnings: { obj: object; msg?: string }[] = [];
const logger = { debug: () => {}, warn: (obj: object, msg?: string) => { warnings.push({ obj, msg }); } };
let server: EmbeddedMediaServer;
let portMin: number;
let dir: string;
const peers: WebRtcPeer[] = [];

beforeAll(async () => {
  portMin = await freePortRange(RANGE, 'udp');
  dir = tempDir('webrtc-media');
});

beforeEach(() => {
  warnings.length = 0;
  server = new EmbeddedMediaServer({
    portMin, portMax: portMin + RANGE - 1, bindAddress: '127.0.0.1', logger,
    // werift checks consent every 4-6 s (RFC 7675's interval): 8 s without one is a lapse.
    webrtcSetupTimeoutSecs: 2, webrtcConsentTimeoutSecs: 8,
  });
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

function peer(): WebRtcPeer {
  const p = new WebRtcPeer();
  peers.push(p);
  return p;
}

/** The peer offers, the engine answers. */
async function engineAnswers(p: WebRtcPeer): Promise<EmbeddedEndpoint> {
  const ep = await server.createEndpoint({ remoteSdp: await p.offer() });
  await p.useAnswer(ep.localSdp);
  await p.connected();
  return ep;
}

/** The engine offers, the peer answers (with its answer edited first, if asked). */
async function engineOffers(p: WebRtcPeer, edit?: (sdp: string) => string): Promise<EmbeddedEndpoint> {
  const ep = await server.createEndpoint({ webrtc: true });
  await ep.modify(await p.answer(ep.localSdp, edit));
  await p.connected();
  return ep;
}

/** Share of a signal's energy at `hz` over its middle part (both ends trimmed). */
function toneShare(pcm: ArrayLike<number>, hz: number): number {
  const n = pcm.length;
  return toneRatio(pcm, 8000, hz, Math.floor(n * 0.2), Math.floor(n * 0.8));
}

async function heardTone(from: EmbeddedEndpoint, to: RtpStream, hz: number): Promise<void> {
  const since = performance.now();
  const played = await from.play(writeToneWav(path.join(dir, `tone-${hz}.wav`), { hz, seconds: 1, amplitude: 0.5 }));
  expect(played.interrupted).toBe(false);
  await waitFor(() => to.audio(since).length >= 40, { what: `the ${hz} Hz tone at the peer` });
  expect(toneShare(to.heard(since), hz)).toBeGreaterThan(0.8);
}

async function recordsTone(ep: EmbeddedEndpoint, from: RtpStream, hz: number): Promise<void> {
  const file = path.join(dir, `heard-${hz}-${Date.now()}.wav`);
  const recording = ep.record(file, { timeLimitSecs: 1.6 });
  const tone = toPcm16(Float64Array.from({ length: 8000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 8000)));
  await from.talk('PCMU', tone);
  await recording;
  const heard = readWav(file).samples;
  expect(toneRatio(heard, 8000, hz)).toBeGreaterThan(0.6);
}

describe('a WebRTC peer and the engine', () => {
  it('the peer offers: ICE and DTLS complete with the engine as DTLS server, and a tone goes each way', async () => {
    const p = peer();
    const ep = await engineAnswers(p);
    expect(ep.webrtc).toBe(true);
    expect(p.dtlsRole).toBe('client');
    const answer = sdpTransform.parse(ep.localSdp);
    expect(answer.icelite).toBe('ice-lite');
    expect(answer.media[0]).toMatchObject({ protocol: 'UDP/TLS/RTP/SAVPF', setup: 'passive', rtcpMux: 'rtcp-mux' });
    await heardTone(ep, p, 1000);
    await recordsTone(ep, p, 600);
  });

  it('the engine offers actpass: the peer answering active makes the engine DTLS server, passive makes it client', async () => {
    const asServer = peer();
    const ep1 = await engineOffers(asServer);
    expect(asServer.dtlsRole).toBe('client');
    await heardTone(ep1, asServer, 800);
    await recordsTone(ep1, asServer, 440);

    const asClient = peer();
    const ep2 = await engineOffers(asClient, (sdp) => sdp.replace(/a=setup:active/g, 'a=setup:passive'));
    expect(asClient.dtlsRole).toBe('server');
    await heardTone(ep2, asClient, 1200);
    await recordsTone(ep2, asClient, 500);
  });

  it('RFC 4733 digits cross SRTP both ways', async () => {
    const p = peer();
    const ep = await engineAnswers(p);
    const digits: DtmfEvent[] = [];
    ep.on('dtmf', (d) => digits.push(d));
    await p.press('5#', { eventPt: WEBRTC_EVENT_PT });
    await waitFor(() => digits.length >= 2, { what: 'two digits at the engine' });
    expect(digits.map((d) => `${d.dtmf}/${d.source}`)).toEqual(['5/rfc4733', '#/rfc4733']);

    const since = performance.now();
    ep.sendDtmf('73');
    await waitFor(() => digitsIn(p.packets(since), WEBRTC_EVENT_PT) === '73', { what: 'digits 7 and 3 at the peer' });
  });
});

describe('bridged to plain RTP', () => {
  it('a WebRTC leg and a plain-RTP phone on PCMA hear each other (cross-correlation) and pass digits across', async () => {
    const browser = peer();
    const webrtc = await engineAnswers(browser);
    const phone = await RtpPeer.open();
    try {
      const plain = await server.createEndpoint({ remoteSdp: phone.offer({ codecs: ['PCMA'] }) });
      phone.useAnswer(plain.localSdp);
      await webrtc.bridge(plain);
      const sound = toPcm16(chirp(1.2, { f0: 300, f1: 3000, amplitude: 0.5 }));

      let since = performance.now();
      await phone.talk('PCMA', sound);
      await waitFor(() => browser.audio(since).length >= 55, { what: 'the phone heard at the browser' });
      expect(matchAudio(sound, browser.heard(since)).value).toBeGreaterThan(0.9);

      since = performance.now();
      await browser.talk('PCMU', sound);
      await waitFor(() => phone.audio(since).length >= 55, { what: 'the browser heard at the phone' });
      expect(matchAudio(sound, phone.heard(since)).value).toBeGreaterThan(0.9);

      since = performance.now();
      await browser.press('9', { eventPt: WEBRTC_EVENT_PT });
      await waitFor(() => digitsIn(phone.packets(since), 101) === '9', { what: 'digit 9 at the phone' });
    } finally {
      phone.close();
    }
  });
});

// ---- bad peers -------------------------------------------------------------------------------

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** A socket that speaks raw STUN to the engine: connectivity checks by hand. */
async function stunSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function check(ep: EmbeddedEndpoint, password: string): Buffer {
  const m = sdpTransform.parse(ep.localSdp).media[0]!;
  const request = new Message(methods.BINDING, classes.REQUEST);
  request.setAttribute('USERNAME', `${m.iceUfrag}:peer`).setAttribute('PRIORITY', 1).setAttribute('ICE-CONTROLLING', 1n)
    .setAttribute('USE-CANDIDATE', null).addMessageIntegrity(Buffer.from(password, 'utf8')).addFingerprint();
  return request.bytes;
}

const released = (ep: EmbeddedEndpoint): Promise<void> => new Promise((resolve) => ep.once('destroy', () => resolve()));
const warned = (ep: EmbeddedEndpoint): string[] =>
  warnings.filter((w) => (w.obj as { endpoint?: string }).endpoint === ep.id).map((w) => w.msg ?? '');

describe('peers that never get there are released after the time limit', () => {
  it('ICE that never connects: a hundred endpoints, each released with a log line, no port, endpoint or handle left', async () => {
    const offerSdp = await peer().offer(); // a real browser-shaped offer whose peer never checks
    const portsBefore = server.ports.inUse;
    const fdsBefore = openFds();
    const endpoints = await Promise.all(Array.from({ length: FAILED_ATTEMPTS }, () => server.createEndpoint({ remoteSdp: offerSdp })));
    const timeouts = endpoints.map((ep) => new Promise<void>((resolve) => ep.once('rtp-timeout', resolve)));
    await Promise.all([...endpoints.map(released), ...timeouts]);
    for (const ep of endpoints) expect(warned(ep)).toEqual([expect.stringMatching(/^WebRTC media failed: ICE did not connect within 2 s \(no valid connectivity check\)/)]);
    expect(server.size).toBe(0);
    expect(server.ports.inUse).toBe(portsBefore);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  });

  it('checks with the wrong password get no answer and count as no check; the log says so', async () => {
    const ep = await server.createEndpoint({ remoteSdp: await peer().offer() });
    const socket = await stunSocket();
    const answers: Buffer[] = [];
    socket.on('message', (msg) => answers.push(msg));
    try {
      const gone = released(ep);
      socket.send(check(ep, 'not-the-password-at-all'), ep.port, '127.0.0.1');
      await gone;
      expect(answers).toEqual([]);
      expect(warned(ep)[0]).toMatch(/ICE did not connect within 2 s \(no valid connectivity check; 1 with wrong credentials\)/);
    } finally {
      socket.close();
    }
  });

  it('a DTLS handshake that never completes: checks are answered, then the endpoint is released; a hundred leave no port, endpoint or handle behind', async () => {
    const offerSdp = await peer().offer();
    const portsBefore = server.ports.inUse;
    const socket = await stunSocket();
    const fdsBefore = openFds();
    const answers: Buffer[] = [];
    socket.on('message', (msg) => answers.push(msg));
    try {
      const endpoints = await Promise.all(Array.from({ length: FAILED_ATTEMPTS }, () => server.createEndpoint({ remoteSdp: offerSdp })));
      const gone = endpoints.map(released);
      for (const ep of endpoints) {
        const pwd = sdpTransform.parse(ep.localSdp).media[0]!.icePwd!;
        socket.send(check(ep, pwd), ep.port, '127.0.0.1');
      }
      await waitFor(() => answers.length === endpoints.length, { what: 'an answer to every check' });
      // A real ClientHello would start the handshake; a DTLS record that is garbage does not.
      for (const ep of endpoints) socket.send(Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff]), ep.port, '127.0.0.1');
      await Promise.all(gone);
      for (const ep of endpoints) expect(warned(ep)).toEqual([expect.stringMatching(/the DTLS handshake did not complete within 2 s/)]);
      expect(server.size).toBe(0);
      expect(server.ports.inUse).toBe(portsBefore);
      expect(openFds()).toBeLessThanOrEqual(fdsBefore);
    } finally {
      socket.close();
    }
  });

  it('a peer that vanishes after connecting: consent lapses, media stops and the endpoint is released', async () => {
    const p = peer();
    const ep = await engineAnswers(p);
    const gone = released(ep);
    // Gone without a word: its ICE stops checking and its DTLS sends no close_notify.
    p.pc.iceTransports.forEach((t) => { void t.stop(); });
    await gone;
    expect(warned(ep)[0]).toMatch(/ICE consent lapsed: no connectivity check for 8 s|the far end closed DTLS/);
    expect(server.size).toBe(0);
  });
});
