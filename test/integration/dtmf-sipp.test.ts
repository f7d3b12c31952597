/**
 * Keys pressed by a real caller: SIPp plays RFC 4733 captures after the
 * answer, and drachtio-srf with the embedded media engine collects them
 * with playCollect, the way an IVR menu does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedMediaServer } from '../../media/engine/index.js';
import type { PlayCollectOptions, PlayCollectResult } from '../../media/port.js';
import { loadPromptSet, promptFile } from '../../media/speech.js';
import { startSipdWithSrf, type SipdWithSrf } from '../support/embedded-sipd.js';
import { assertSippOk, runSipp } from '../support/sipp.js';

const beep = promptFile(loadPromptSet(), 'sv', 'beep');
let sip: SipdWithSrf;
let media: EmbeddedMediaServer;

/** What the next call collects, and where its result goes. */
let collect: { opts: PlayCollectOptions; done: (r: PlayCollectResult) => void } | undefined;

beforeAll(async () => {
  sip = await startSipdWithSrf();
  media = new EmbeddedMediaServer({ bindAddress: '127.0.0.1', portMin: 41000, portMax: 41999 });
  const { srf } = sip;
  srf.invite(async (req, res) => {
    const ep = await media.createEndpoint({ remoteSdp: req.body });
    const uas = await srf.createUAS(req, res, { localSdp: ep.localSdp });
    uas.on('destroy', () => void ep.destroy());
    const job = collect;
    if (job) job.done(await ep.playCollect(job.opts));
  });
});

afterAll(async () => {
  await media?.close();
  await sip?.stop();
});

function callAndCollect(scenario: string, opts: Omit<PlayCollectOptions, 'file'>, holdMs: number): Promise<[PlayCollectResult, Awaited<ReturnType<typeof runSipp>>]> {
  const result = new Promise<PlayCollectResult>((done) => { collect = { opts: { file: beep, ...opts }, done }; });
  const caller = runSipp({ scenario, remote: sip.port, service: 'ivr', durationMs: holdMs, timeoutMs: 30_000 });
  return Promise.all([result, caller]);
}

describe('keys pressed by a caller reach playCollect (RFC 4733 from SIPp)', () => {
  it('every key, 0 to 9, * and #, is collected once and in order', async () => {
    const [got, caller] = await callAndCollect('uac-dtmf-all.xml', { max: 12, terminators: '', timeout: 5_000, digitTimeout: 3_000 }, 500);
    assertSippOk(caller, 1);
    expect(got.digits).toBe('0123456789*#');
    expect(got.reason).toBe('max-digits');
  });

  it('the terminator ends the input and is not part of the digits', async () => {
    const [got, caller] = await callAndCollect('uac-dtmf-12-pound.xml', { max: 10, terminators: '#', timeout: 5_000, digitTimeout: 3_000 }, 500);
    assertSippOk(caller, 1);
    expect(got).toMatchObject({ digits: '12', terminatorUsed: '#', reason: 'terminator' });
  });

  it('a caller who stops pressing is timed out after the inter-digit timeout', async () => {
    const [got, caller] = await callAndCollect('uac-dtmf-1.xml', { max: 4, terminators: '#', timeout: 5_000, digitTimeout: 1_000 }, 2_500);
    assertSippOk(caller, 1);
    expect(got).toMatchObject({ digits: '1', reason: 'timeout' });
  });

  it('a caller who presses nothing is timed out after the first-digit timeout', async () => {
    const [got, caller] = await callAndCollect('uac-basic.xml', { max: 4, terminators: '#', timeout: 1_000, digitTimeout: 1_000 }, 2_500);
    assertSippOk(caller, 1);
    expect(got).toMatchObject({ digits: '', reason: 'timeout' });
  });
});
