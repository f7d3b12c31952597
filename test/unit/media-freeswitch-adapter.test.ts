/**
 * The FreeSWITCH adapter (media/freeswitch.ts) against a stand-in of
 * drachtio-fsmrf (test/support/fsmrf-stand-in.ts): the exact headers,
 * applications and arguments FreeSWITCH would receive, and how the adapter
 * reads FreeSWITCH's answers and hangups. What FreeSWITCH does with them is
 * the contract suite's job on a real FreeSWITCH (test/freeswitch/).
 */
import { describe, expect, it, vi } from 'vitest';
import { freeswitchMediaServer, MEDIA_HEADERS } from '../../media/freeswitch.js';
import { MediaNegotiationError, type Endpoint } from '../../media/port.js';
import { waitFor } from '../support/wait.js';
import { StandInFsMediaServer, type StandInFsEndpoint } from '../support/fsmrf-stand-in.js';

const PLAIN_OFFER = 'v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n';
const WEBRTC_OFFER = 'v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=setup:actpass\r\n';

async function setUp(defaultRtpTimeoutSecs = 0): Promise<{ fs: StandInFsMediaServer; endpoint: Endpoint; ep: StandInFsEndpoint }> {
  const fs = new StandInFsMediaServer();
  const endpoint = await freeswitchMediaServer(fs, defaultRtpTimeoutSecs).createEndpoint({ remoteSdp: PLAIN_OFFER });
  return { fs, endpoint, ep: fs.endpoints[0]! };
}

/** The applications after the ones every endpoint gets at creation. */
function appsAfterCreation(ep: StandInFsEndpoint) {
  expect(ep.commands[0]).toEqual({ app: 'multiset', arg: 'playback_sleep_val=0 record_fill_cng=true' });
  return ep.commands.slice(1);
}

describe('FreeSWITCH adapter: media security and RTP timeout per call', () => {
  it('asks for plain RTP for a plain RTP offer and for an offer of ours, DTLS-SRTP for a WebRTC contact', async () => {
    const fs = new StandInFsMediaServer();
    const server = freeswitchMediaServer(fs, 0);
    await server.createEndpoint({ remoteSdp: PLAIN_OFFER });
    await server.createEndpoint({});
    await server.createEndpoint({ webrtc: true });
    expect(fs.invites).toEqual([
      { remoteSdp: PLAIN_OFFER, headers: { [MEDIA_HEADERS.security]: 'rtp' } },
      { remoteSdp: undefined, headers: { [MEDIA_HEADERS.security]: 'rtp' } },
      { remoteSdp: undefined, headers: { [MEDIA_HEADERS.security]: 'webrtc' } },
    ]);
  });

  it('refuses a WebRTC offer with a negotiation error and sends FreeSWITCH nothing', async () => {
    const fs = new StandInFsMediaServer();
    const err = await freeswitchMediaServer(fs, 0).createEndpoint({ remoteSdp: WEBRTC_OFFER }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaNegotiationError);
    expect((err as MediaNegotiationError).reason).toMatch(/UDP\/TLS\/RTP\/SAVPF/);
    expect(fs.invites).toEqual([]);
  });

  it("turns FreeSWITCH's 488 into a negotiation error, other failures pass as they are", async () => {
    const fs = new StandInFsMediaServer();
    const server = freeswitchMediaServer(fs, 0);
    fs.refuseWith = 488;
    await expect(server.createEndpoint({ remoteSdp: PLAIN_OFFER })).rejects.toBeInstanceOf(MediaNegotiationError);
    fs.refuseWith = 503;
    const err = await server.createEndpoint({ remoteSdp: PLAIN_OFFER }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(MediaNegotiationError);
    expect((err as { status: number }).status).toBe(503);
  });

  it('passes the RTP timeout in milliseconds: the server default, overridden per call, none when 0', async () => {
    const fs = new StandInFsMediaServer();
    const server = freeswitchMediaServer(fs, 30);
    await server.createEndpoint({});
    await server.createEndpoint({ rtpTimeoutSecs: 2.5 });
    await server.createEndpoint({ rtpTimeoutSecs: 0 });
    expect(fs.invites.map((i) => i.headers[MEDIA_HEADERS.timeout])).toEqual(['30000', '2500', undefined]);
  });
});

describe('FreeSWITCH adapter: endpoints FreeSWITCH ends', () => {
  it("emits 'rtp-timeout' then 'destroy' once when FreeSWITCH hangs up with MEDIA_TIMEOUT", async () => {
    const { endpoint, ep } = await setUp(5);
    const events: string[] = [];
    endpoint.on('rtp-timeout', () => events.push('rtp-timeout'));
    endpoint.on('destroy', () => events.push('destroy'));
    ep.hangUpByFreeswitch('MEDIA_TIMEOUT');
    ep.byeFromFreeswitch();
    await endpoint.destroy();
    expect(events).toEqual(['rtp-timeout', 'destroy']);
  });

  it("emits 'rtp-timeout' then 'destroy' once when FreeSWITCH's BYE, with MEDIA_TIMEOUT as its reason, comes first", async () => {
    const { endpoint, ep } = await setUp(5);
    const events: string[] = [];
    endpoint.on('rtp-timeout', () => events.push('rtp-timeout'));
    endpoint.on('destroy', () => events.push('destroy'));
    ep.byeFromFreeswitch('MEDIA_TIMEOUT');
    ep.hangUpByFreeswitch('MEDIA_TIMEOUT');
    expect(events).toEqual(['rtp-timeout', 'destroy']);
  });

  it("emits only 'destroy' for another hangup cause, and for a BYE the event socket did not report", async () => {
    const first = await setUp();
    const second = await setUp();
    const events: string[] = [];
    for (const [name, { endpoint }] of [['first', first], ['second', second]] as const) {
      endpoint.on('rtp-timeout', () => events.push(`${name} rtp-timeout`));
      endpoint.on('destroy', () => events.push(`${name} destroy`));
    }
    first.ep.hangUpByFreeswitch('NORMAL_CLEARING');
    second.ep.byeFromFreeswitch();
    expect(events).toEqual(['first destroy', 'second destroy']);
  });
});

describe('FreeSWITCH adapter: playing', () => {
  it('plays a list as one file_string with no pause and reports the whole length', async () => {
    const { endpoint, ep } = await setUp();
    ep.completes.set('playback', { variable_playback_ms: '2760' });
    const result = await endpoint.play(['/p/a.wav', '/p/b.wav', '/p/c.wav']);
    expect(appsAfterCreation(ep)).toEqual([{ app: 'playback', arg: 'file_string:///p/a.wav!/p/b.wav!/p/c.wav' }]);
    expect(result).toEqual({ playbackSeconds: 2.76, playbackMilliseconds: 2760, interrupted: false });
  });

  it('plays one file as it is', async () => {
    const { endpoint, ep } = await setUp();
    ep.completes.set('playback', { variable_playback_ms: '800' });
    await endpoint.play('/p/a.wav');
    expect(appsAfterCreation(ep)).toEqual([{ app: 'playback', arg: '/p/a.wav' }]);
  });

  it('loops music on hold as ten rounds of the list in one playback, again and again until stop() breaks it', async () => {
    const { endpoint, ep } = await setUp();
    const playing = endpoint.play(['/moh/a.wav', '/moh/b.wav'], { loop: true });
    const rounds = `file_string://${Array(10).fill('/moh/a.wav!/moh/b.wav').join('!')}`;
    await waitFor(() => ep.runningApp === 'playback', { what: 'the first ten rounds playing' });
    ep.finish({ variable_playback_ms: '30000' });
    await waitFor(() => ep.commands.length === 3, { what: 'the next ten rounds' });
    endpoint.stop();
    expect(await playing).toEqual({ playbackSeconds: 30, playbackMilliseconds: 30000, interrupted: true });
    expect(appsAfterCreation(ep)).toEqual([{ app: 'playback', arg: rounds }, { app: 'playback', arg: rounds }]);
    expect(ep.apis).toEqual([{ app: 'uuid_break', arg: `${ep.uuid} all` }]);
  });

  it('reports a play ended by stop() as interrupted', async () => {
    const { endpoint, ep } = await setUp();
    const playing = endpoint.play('/p/long.wav');
    endpoint.stop();
    expect(await playing).toMatchObject({ interrupted: true });
  });

  it('collects digits over a list of prompts played as one file_string', async () => {
    const { endpoint, ep } = await setUp();
    ep.completes.set('play_and_get_digits', { variable_myDigitBuffer: '12', variable_read_terminator_used: '#', variable_playback_ms: '1500' });
    const result = await endpoint.playCollect({ file: ['/p/a.wav', '/p/b.wav'], max: 4, terminators: '#' });
    expect(appsAfterCreation(ep)).toEqual([{ app: 'play_and_get_digits', arg: expect.stringContaining(' file_string:///p/a.wav!/p/b.wav ') }]);
    expect(result).toEqual({ digits: '12', terminatorUsed: '#', reason: 'terminator', playbackMilliseconds: 1500 });
  });
});

describe('FreeSWITCH adapter: recording', () => {

  it('writes time limit 0 (none) before the silence arguments when only silenceSecs is given; reports silence', async () => {
    const { endpoint, ep } = await setUp();
    ep.completes.set('record', { variable_record_ms: '4100', variable_silence_hits_exhausted: 'true' });
    const result = await endpoint.record('/rec/a.wav', { silenceSecs: 3 });
    expect(appsAfterCreation(ep)).toEqual([
      { app: 'multiset', arg: 'playback_terminators=none silence_hits_exhausted=' },
      { app: 'record', arg: '/rec/a.wav 0 200 3' },
    ]);
    expect(result).toEqual({ recordMilliseconds: 4100, terminatorUsed: undefined, reason: 'silence' });
  });

  it('writes the time limit rounded up to whole seconds as a backstop, and reports the limit reached', async () => {
    const { endpoint, ep } = await setUp();
    ep.completes.set('playback', { variable_playback_ms: '1000' });
    ep.completes.set('record', { variable_record_ms: '2000' });
    const result = await endpoint.record('/rec/b.wav', { timeLimitSecs: 1.5, terminators: '#', beep: true });
    expect(appsAfterCreation(ep)).toEqual([
      { app: 'playback', arg: 'tone_stream://%(400,0,1000)' },
      { app: 'multiset', arg: 'playback_terminators=# silence_hits_exhausted=' },
      { app: 'record', arg: '/rec/b.wav 2' },
    ]);
    expect(result.reason).toBe('time-limit');
  });

  it('breaks the record itself at a time limit shorter than FreeSWITCH counts, and reports the limit reached', async () => {
    const { endpoint, ep } = await setUp();
    vi.useFakeTimers();
    try {
      const recording = endpoint.record('/rec/e.wav', { timeLimitSecs: 0.2 });
      await vi.advanceTimersByTimeAsync(199);
      expect(ep.runningApp).toBe('record');
      expect(ep.apis).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(ep.apis).toEqual([{ app: 'uuid_break', arg: `${ep.uuid} all` }]);
      expect((await recording).reason).toBe('time-limit');
      expect(ep.commands.at(-1)).toEqual({ app: 'record', arg: '/rec/e.wav 1' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports the terminator key, and a recording stopped by stop() as interrupted', async () => {
    const { endpoint, ep } = await setUp();
    ep.completes.set('record', { variable_record_ms: '900', variable_playback_terminator_used: '#' });
    expect(await endpoint.record('/rec/c.wav', { terminators: '#', timeLimitSecs: 10, silenceSecs: 2 })).toEqual({
      recordMilliseconds: 900, terminatorUsed: '#', reason: 'terminator',
    });
    expect(ep.commands.at(-1)).toEqual({ app: 'record', arg: '/rec/c.wav 10 200 2' });
    ep.completes.delete('record');
    const recording = endpoint.record('/rec/d.wav');
    await waitFor(() => ep.runningApp === 'record', { what: 'the record application running' });
    endpoint.stop();
    expect(await recording).toMatchObject({ reason: 'interrupted' });
    expect(ep.commands.at(-1)).toEqual({ app: 'record', arg: '/rec/d.wav' });
  });
});
