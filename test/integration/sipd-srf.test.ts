/**
 * drachtio-srf's own patterns (UAS, UAC, B2BUA, in-dialog requests,
 * srf.request, CANCEL) against the embedded SIP server alone, without the
 * product's app: the unchanged library must work as it does against
 * drachtio-server. SIPp plays the far ends on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Srf from 'drachtio-srf';
import type { SipServer } from '../../server/sipd/server.js';
import { startSipdWithSrf, type SipdWithSrf } from '../support/embedded-sipd.js';
import { assertSippOk, runSipp, startSippUas } from '../support/sipp.js';

let sip: SipdWithSrf;
let sipd: SipServer;
let srf: Srf;
let sipPort: number;

const SDP = [
  'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', '',
].join('\r\n');

/** The handler the next incoming INVITE goes to; each test sets its own. */
let onInvite: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void = (_req, res) => res.send(480);

beforeAll(async () => {
  sip = await startSipdWithSrf();
  ({ sipd, srf, port: sipPort } = sip);
  srf.invite((req, res) => onInvite(req, res));
});

afterAll(async () => {
  await sip?.stop();
});

function once<T>(setup: (resolve: (v: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    setup((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('drachtio-srf against the embedded SIP server', () => {
  it('refuses an application with the wrong secret', async () => {
    const intruder = new Srf();
    const err = await once<Error | undefined>((done) => {
      intruder.on('connect', (e) => done(e));
      void intruder.connect({ host: '127.0.0.1', port: sipd.control.port, secret: 'wrong' });
    });
    intruder.disconnect();
    expect(err?.message).toMatch(/authenticate/);
  });

  it('UAS: answers a caller and sees the caller hang up', async () => {
    const destroyed = once<string>((done) => {
      onInvite = async (req, res) => {
        const uas = await srf.createUAS(req, res, { localSdp: SDP });
        uas.on('destroy', () => done(uas.sip.callId));
      };
    });
    const caller = await runSipp({ scenario: 'uac-basic.xml', remote: sipPort, service: '1000', durationMs: 100 });
    assertSippOk(caller, 1);
    expect(await destroyed).toMatch(/@127\.0\.0\.1/);
  });

  it('UAC: calls out, sends an in-dialog INFO, then hangs up', async () => {
    const callee = await startSippUas({ scenario: 'uas-answer-info.xml', calls: 1 });
    const uac = await srf.createUAC(`sip:agent@127.0.0.1:${callee.port}`, { localSdp: SDP });
    expect(uac.remote.sdp).toContain('m=audio');
    const info = await uac.request({ method: 'INFO', headers: { 'Content-Type': 'text/plain' }, body: 'hello' } as unknown as Srf.SrfRequest);
    expect(info.status).toBe(200);
    await new Promise<void>((resolve) => uac.destroy(undefined, () => resolve()));
    assertSippOk(await callee.exited, 1);
    expect(sipd.stats.dialogs).toBe(0);
  });

  it("UAC: re-INVITEs the callee, and ACKs the re-INVITE's 200 with the re-INVITE's CSeq", async () => {
    const callee = await startSippUas({ scenario: 'uas-answer-reinvite.xml', calls: 1 });
    const uac = await srf.createUAC(`sip:agent@127.0.0.1:${callee.port}`, { localSdp: SDP });
    const reinvite = await uac.request({ method: 'INVITE', body: SDP } as unknown as Srf.SrfRequest);
    expect(reinvite.status).toBe(200);
    await new Promise<void>((resolve) => uac.destroy(undefined, () => resolve()));
    assertSippOk(await callee.exited, 1);
    expect(sipd.stats.dialogs).toBe(0);
  });

  it('UAC: cancels a call that is still ringing', async () => {
    const callee = await startSippUas({ scenario: 'uas-ring-expect-cancel.xml', calls: 1 });
    const failure = srf.createUAC(`sip:agent@127.0.0.1:${callee.port}`, { localSdp: SDP }, {
      cbProvisional: (res) => {
        if (res.status === 180) (res as unknown as { req: Srf.SrfRequest }).req.cancel(() => {});
      },
    });
    await expect(failure).rejects.toMatchObject({ status: 487 });
    assertSippOk(await callee.exited, 1);
  });

  it('B2BUA: connects a caller to a callee, and either hang-up ends both legs', async () => {
    const callee = await startSippUas({ scenario: 'uas-answer.xml', calls: 1 });
    const ended = once<void>((done) => {
      onInvite = async (req, res) => {
        const { uas, uac } = await srf.createB2BUA(req, res, `sip:agent@127.0.0.1:${callee.port}`, { localSdpB: req.body });
        uas.on('destroy', () => uac.destroy(undefined, () => done()));
        uac.on('destroy', () => uas.destroy());
      };
    });
    const caller = await runSipp({ scenario: 'uac-basic.xml', remote: sipPort, service: '1000', durationMs: 100 });
    assertSippOk(caller, 1);
    await ended;
    assertSippOk(await callee.exited, 1);
  });

  it('srf.request: sends an OPTIONS out of dialog and gets the answer', async () => {
    const peer = await startSippUas({ scenario: 'uas-options.xml', calls: 1 });
    // drachtio-srf's type declarations lag its API: request(uri, opts, callback) is documented usage.
    const request = srf.request.bind(srf) as unknown as (
      uri: string, opts: { method: string }, cb: (err: unknown, req: Srf.SrfRequest) => void) => void;
    const status = await once<number>((done) => {
      request(`sip:peer@127.0.0.1:${peer.port}`, { method: 'OPTIONS' }, (err, req) => {
        if (err) throw err;
        req.on('response', (res) => done(res?.status ?? 0));
      });
    });
    expect(status).toBe(200);
    assertSippOk(await peer.exited, 1);
  });
});
