/**
 * SDP offer/answer of the embedded media engine (RFC 3264): what a phone's
 * offer gets back, what we refuse and how we say why, our own offers for
 * outbound legs, and re-INVITEs (hold, resume, codec change).
 */
import { describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { MediaNegotiationError } from '../../media/port.js';
import { chooseFromOffer, SdpSession } from '../../media/engine/sdp.js';

const LOCAL = { address: '192.0.2.10', port: 20000 };

function offer(opts: { m?: string; attrs?: string[]; c?: string; extra?: string } = {}): string {
  const lines = [
    'v=0',
    'o=phone 123 456 IN IP4 198.51.100.7',
    's=call',
    `c=${opts.c ?? 'IN IP4 198.51.100.7'}`,
    't=0 0',
    opts.m ?? 'm=audio 4000 RTP/AVP 0 8 101',
    ...(opts.attrs ?? ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv']),
  ];
  return `${lines.join('\r\n')}\r\n${opts.extra ?? ''}`;
}

function refusalOf(sdp: string): string {
  try {
    chooseFromOffer(sdp);
  } catch (err) {
    expect(err).toBeInstanceOf(MediaNegotiationError);
    return (err as MediaNegotiationError).reason;
  }
  throw new Error('the offer was accepted');
}

function answerTo(sdp: string): { text: string; parsed: sdpTransform.SessionDescription; media: ReturnType<typeof chooseFromOffer>['media'] } {
  const choice = chooseFromOffer(sdp);
  const text = new SdpSession(LOCAL).answer(choice);
  return { text, parsed: sdpTransform.parse(text), media: choice.media };
}

describe('answering a phone that offers G.711 and DTMF', () => {
  it('answers with the first codec of the offer that we speak, its telephone-event PT and our address', () => {
    const { parsed, media } = answerTo(offer());
    const m = parsed.media[0]!;
    expect(m.port).toBe(20000);
    expect(m.protocol).toBe('RTP/AVP');
    expect(String(m.payloads)).toBe('0 101');
    expect(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`)).toEqual(['0 PCMU/8000', '101 telephone-event/8000']);
    expect(m.fmtp).toEqual([{ payload: 101, config: '0-15' }]);
    expect(m.ptime).toBe(20);
    expect(m.direction).toBe('sendrecv');
    expect(parsed.connection?.ip).toBe('192.0.2.10');
    expect(media).toMatchObject({ codec: 'PCMU', sendPt: 0, recvPt: 0, dtmf: { sendPt: 101, recvPt: 101 }, remoteAddress: '198.51.100.7', remotePort: 4000 });
  });

  it('follows the offerer\'s preference: PCMA first gets PCMA', () => {
    const { media } = answerTo(offer({ m: 'm=audio 4000 RTP/AVP 8 0 96', attrs: ['a=rtpmap:96 telephone-event/8000'] }));
    expect(media.codec).toBe('PCMA');
    expect(media.dtmf).toEqual({ sendPt: 96, recvPt: 96 });
  });

  it('skips codecs it cannot do (opus, G.722) and takes the G.711 further down the list', () => {
    const { media } = answerTo(offer({
      m: 'm=audio 4000 RTP/AVP 111 9 8',
      attrs: ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:9 G722/8000', 'a=rtpmap:8 PCMA/8000'],
    }));
    expect(media.codec).toBe('PCMA');
    expect(media.dtmf).toBeUndefined();
  });

  it('accepts static payload types without rtpmap lines and a media-level c= line', () => {
    const sdp = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 5004 RTP/AVP 8', 'c=IN IP4 203.0.113.5', ''].join('\r\n');
    const { media } = answerTo(sdp);
    expect(media).toMatchObject({ codec: 'PCMA', remoteAddress: '203.0.113.5', remotePort: 5004 });
  });

  it('answers every m-line: the audio it takes, and video refused with port 0', () => {
    const sdp = offer({ extra: 'm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n' });
    const { parsed } = answerTo(sdp);
    expect(parsed.media.map((m) => [m.type, m.port])).toEqual([['audio', 20000], ['video', 0]]);
  });

  it('takes the plain RTP stream when SRTP is offered beside it', () => {
    const sdp = [
      'v=0', 'o=- 1 1 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 198.51.100.7', 't=0 0',
      'm=audio 4000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR',
      'm=audio 4002 RTP/AVP 0', '',
    ].join('\r\n');
    const { parsed, media } = answerTo(sdp);
    expect(parsed.media.map((m) => m.port)).toEqual([0, 20000]);
    expect(media.remotePort).toBe(4002);
  });
});

describe('refusing what the engine cannot do, with the reason', () => {
  it('an offer with no audio says so', () => {
    expect(refusalOf(offer({ m: 'm=video 4000 RTP/AVP 96', attrs: ['a=rtpmap:96 VP8/90000'] }))).toMatch(/no audio stream.*video/);
  });

  it('no common codec names what was offered and what we support', () => {
    const reason = refusalOf(offer({ m: 'm=audio 4000 RTP/AVP 111 9', attrs: ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:9 G722/8000'] }));
    expect(reason).toMatch(/no common codec/);
    expect(reason).toMatch(/opus\/48000/);
    expect(reason).toMatch(/PCMU\/8000 and PCMA\/8000/);
  });

  it('an SRTP offer (RTP/SAVP) says SRTP is not supported', () => {
    expect(refusalOf(offer({ m: 'm=audio 4000 RTP/SAVP 0' }))).toMatch(/SRTP \(RTP\/SAVP\) is not supported/);
  });

  it('a WebRTC offer without what WebRTC needs names the missing part', () => {
    const m = 'm=audio 9 UDP/TLS/RTP/SAVPF 111 0';
    const codecs = ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000'];
    expect(refusalOf(offer({ m, attrs: [...codecs, 'a=fingerprint:sha-256 00:11', 'a=setup:actpass', 'a=rtcp-mux'] }))).toMatch(/ICE credentials/);
    expect(refusalOf(offer({ m, attrs: [...codecs, ...ICE, 'a=setup:actpass', 'a=rtcp-mux'] }))).toMatch(/fingerprint/);
    expect(refusalOf(offer({ m, attrs: [...codecs, ...ICE, FINGERPRINT, 'a=setup:actpass'] }))).toMatch(/rtcp-mux/);
    expect(refusalOf(offer({ m, attrs: [...codecs, ...ICE, FINGERPRINT, 'a=setup:holdconn', 'a=rtcp-mux'] }))).toMatch(/setup:holdconn/);
  });

  it('an IPv6 media address is refused by name', () => {
    expect(refusalOf(offer({ c: 'IN IP6 2001:db8::1' }))).toMatch(/IPv6/);
  });

  it('an audio stream switched off with port 0 is refused', () => {
    expect(refusalOf(offer({ m: 'm=audio 0 RTP/AVP 0' }))).toMatch(/port 0/);
  });

  it('text that is not SDP is refused, not crashed on', () => {
    expect(refusalOf('hello')).toMatch(/no media|could not be parsed/);
  });
});

const ICE = ['a=ice-ufrag:Abcd', 'a=ice-pwd:efghijklmnopqrstuvwxyz12'];
const FINGERPRINT = 'a=fingerprint:sha-256 0A:1B:2C:3D';
const WEBRTC_LOCAL = { ...LOCAL, webrtc: { ice: { ufrag: 'ours1234', pwd: 'ourpassword0123456789abcd' }, fingerprint: { algorithm: 'sha-256', value: 'AA:BB:CC' } } };

/** An audio m-line as a browser offers it (Chromium's shape, trimmed). */
function browserOffer(setup = 'actpass', direction = 'sendrecv'): string {
  return offer({
    c: 'IN IP4 0.0.0.0',
    m: 'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126',
    attrs: [
      ...ICE, FINGERPRINT, `a=setup:${setup}`, 'a=mid:0', 'a=rtcp-mux', `a=${direction}`,
      'a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:126 telephone-event/8000',
      'a=candidate:1 1 udp 2122260223 192.0.2.50 54321 typ host',
    ],
    extra: '',
  }).replace('t=0 0\r\n', 't=0 0\r\na=group:BUNDLE 0\r\n');
}

describe('WebRTC offers and answers (JSEP: ICE-lite, DTLS-SRTP, rtcp-mux)', () => {
  it('answers a browser with ICE-lite, our credentials, one host candidate, fingerprint, setup:passive, its mid and BUNDLE', () => {
    const choice = chooseFromOffer(browserOffer());
    expect(choice.media).toMatchObject({
      codec: 'PCMU', dtmf: { sendPt: 126, recvPt: 126 }, direction: 'sendrecv',
      webrtc: { ice: { ufrag: 'Abcd', pwd: 'efghijklmnopqrstuvwxyz12' }, fingerprints: [{ algorithm: 'sha-256', value: '0A:1B:2C:3D' }], role: 'server', mid: '0', bundled: true },
    });
    const parsed = sdpTransform.parse(new SdpSession(WEBRTC_LOCAL).answer(choice));
    const m = parsed.media[0]!;
    expect(parsed.icelite).toBe('ice-lite');
    expect(parsed.groups?.map((g) => `${g.type} ${g.mids}`)).toEqual(['BUNDLE 0']);
    expect(m.protocol).toBe('UDP/TLS/RTP/SAVPF');
    expect(String(m.payloads)).toBe('0 126');
    expect(m).toMatchObject({ iceUfrag: 'ours1234', icePwd: 'ourpassword0123456789abcd', setup: 'passive', mid: 0, rtcpMux: 'rtcp-mux' });
    expect(m.fingerprint).toEqual({ type: 'sha-256', hash: 'AA:BB:CC' });
    expect(m.candidates).toEqual([expect.objectContaining({ component: 1, transport: 'udp', ip: '192.0.2.10', port: 20000, type: 'host' })]);
  });

  it('an offer with setup:passive makes us the DTLS client (active); c=0.0.0.0 is not hold for ICE media', () => {
    const choice = chooseFromOffer(browserOffer('passive'));
    expect(choice.media.webrtc?.role).toBe('client');
    expect(choice.media.direction).toBe('sendrecv');
    expect(sdpTransform.parse(new SdpSession(WEBRTC_LOCAL).answer(choice)).media[0]!.setup).toBe('active');
  });

  it('a re-offer keeps the DTLS role, still holds by direction, and may not switch to plain RTP', () => {
    const session = new SdpSession(WEBRTC_LOCAL);
    session.answer(chooseFromOffer(browserOffer('actpass')));
    const held = chooseFromOffer(browserOffer('actpass', 'sendonly'));
    const parsed = sdpTransform.parse(session.answer(held));
    expect(parsed.media[0]!.setup).toBe('passive');
    expect(parsed.media[0]!.direction).toBe('recvonly');
    expect(() => session.answer(chooseFromOffer(offer()))).toThrow(/plain RTP offer cannot replace/);
    expect(() => new SdpSession(LOCAL).answer(chooseFromOffer(browserOffer()))).toThrow(/WebRTC offer cannot replace/);
  });

  it('our WebRTC offer is actpass with ICE-lite and BUNDLE; the answer\'s setup fixes our role', () => {
    const session = new SdpSession(WEBRTC_LOCAL);
    const ours = sdpTransform.parse(session.offer());
    expect(ours.icelite).toBe('ice-lite');
    expect(ours.groups?.map((g) => `${g.type} ${g.mids}`)).toEqual(['BUNDLE 0']);
    expect(ours.media[0]).toMatchObject({ protocol: 'UDP/TLS/RTP/SAVPF', setup: 'actpass', mid: 0, rtcpMux: 'rtcp-mux', iceUfrag: 'ours1234' });
    const answer = browserOffer('active').replace('a=group:BUNDLE 0\r\n', '');
    expect(session.acceptAnswer(answer)).toMatchObject({ codec: 'PCMU', webrtc: { role: 'server', bundled: false } });
    session.offer();
    expect(session.acceptAnswer(browserOffer('passive')).webrtc?.role).toBe('client');
    session.offer();
    expect(() => session.acceptAnswer(browserOffer('actpass'))).toThrow(/setup:actpass/);
    session.offer();
    expect(() => session.acceptAnswer(offer())).toThrow(/we offered WebRTC media and the answer has RTP\/AVP/);
  });
});

describe('re-INVITEs: hold and resume (RFC 3264 §8.4)', () => {
  it('a sendonly offer (we are held) gets recvonly, inactive gets inactive, recvonly gets sendonly', () => {
    expect(answerTo(offer({ attrs: ['a=sendonly'] })).parsed.media[0]!.direction).toBe('recvonly');
    expect(answerTo(offer({ attrs: ['a=sendonly'] })).media.direction).toBe('recvonly');
    expect(answerTo(offer({ attrs: ['a=inactive'] })).media.direction).toBe('inactive');
    expect(answerTo(offer({ attrs: ['a=recvonly'] })).media.direction).toBe('sendonly');
  });

  it('old-style hold with c=0.0.0.0 means we must not send', () => {
    expect(answerTo(offer({ c: 'IN IP4 0.0.0.0' })).media.direction).toBe('recvonly');
  });

  it('bumps the o= version when the answer changes and keeps it when it does not', () => {
    const session = new SdpSession(LOCAL);
    const v = (sdp: string): number => sdpTransform.parse(sdp).origin!.sessionVersion;
    const first = session.answer(chooseFromOffer(offer()));
    const same = session.answer(chooseFromOffer(offer()));
    const held = session.answer(chooseFromOffer(offer({ attrs: ['a=sendonly'] })));
    expect(v(same)).toBe(v(first));
    expect(v(held)).toBe(v(first) + 1);
    expect(sdpTransform.parse(held).origin!.sessionId).toBe(sdpTransform.parse(first).origin!.sessionId);
  });
});

describe('our own offer for an outbound leg', () => {
  it('offers PCMU, PCMA and telephone-event, sendrecv, 20 ms', () => {
    const session = new SdpSession(LOCAL);
    const m = sdpTransform.parse(session.offer()).media[0]!;
    expect(String(m.payloads)).toBe('0 8 101');
    expect(m.fmtp).toEqual([{ payload: 101, config: '0-15' }]);
    expect(m.direction).toBe('sendrecv');
    expect(session.awaitingAnswer).toBe(true);
  });

  it('takes the answerer\'s codec and its telephone-event PT for sending', () => {
    const session = new SdpSession(LOCAL);
    session.offer();
    const media = session.acceptAnswer(offer({ m: 'm=audio 4000 RTP/AVP 8 100', attrs: ['a=rtpmap:100 telephone-event/8000'] }));
    expect(media).toMatchObject({ codec: 'PCMA', sendPt: 8, recvPt: 8, dtmf: { sendPt: 100, recvPt: 101 }, direction: 'sendrecv' });
    expect(session.awaitingAnswer).toBe(false);
  });

  it('an answer that refuses the audio, or picks a codec we never offered, is an error', () => {
    const refused = new SdpSession(LOCAL);
    refused.offer();
    expect(() => refused.acceptAnswer(offer({ m: 'm=audio 0 RTP/AVP 0' }))).toThrow(/refused the audio/);
    const odd = new SdpSession(LOCAL);
    odd.offer();
    expect(() => odd.acceptAnswer(offer({ m: 'm=audio 4000 RTP/AVP 18', attrs: ['a=rtpmap:18 G729/8000'] }))).toThrow(/no common codec/);
  });
});
