/**
 * Self-check of the test harness (test/support) with real peers on loopback:
 * every SIPp scenario in test/sipp is run against its SIPp counterpart or a
 * baresip phone, and two baresip phones call each other directly and must
 * hear each other's tone. If this file fails, the integration tests of the
 * switch cannot be trusted.
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, freePortRange } from '../support/ports.js';
import { assertSippOk, describeSippResult, killAllSipp, runSipp, startSippUas, type SippUas } from '../support/sipp.js';
import { heardFor, startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { analyzeWav, toneRatio } from '../support/audio.js';

const uasList: SippUas[] = [];
async function uas(...args: Parameters<typeof startSippUas>): Promise<SippUas> {
  const u = await startSippUas(...args);
  uasList.push(u);
  return u;
}

afterEach(async () => {
  await Promise.all(uasList.splice(0).map((u) => u.stop(500)));
  await stopAllBaresip();
});
afterAll(() => killAllSipp());

function bindable(port: number, kind: 'udp' | 'tcp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    } else {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    }
  });
}

describe('ports', () => {
  it('hands out distinct ports that are free on UDP and TCP', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort('both')));
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) {
      expect(await bindable(p, 'udp')).toBe(true);
      expect(await bindable(p, 'tcp')).toBe(true);
    }
    const first = await freePortRange(3, 'udp');
    for (let p = first; p < first + 3; p++) {
      expect(ports).not.toContain(p);
      expect(await bindable(p, 'udp')).toBe(true);
    }
  });
});

describe('SIPp scenarios against SIPp', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`uac-basic -> uas-answer over ${transport}, 3 calls`, async () => {
      const callee = await uas({ scenario: 'uas-answer.xml', transport, calls: 3 });
      const r = await runSipp({ scenario: 'uac-basic.xml', remote: callee.port, transport, service: '1001', calls: 3, rate: 10, durationMs: 200 });
      assertSippOk(r, 3);
      expect(r.messages).toContain('INVITE sip:1001@127.0.0.1');
      const u = await callee.exited;
      assertSippOk(u, 3);
    }, 30_000);
  }

  it('uac-cancel -> uas-ring-expect-cancel: CANCEL, 200, 487, ACK on the INVITE branch', async () => {
    const callee = await uas({ scenario: 'uas-ring-expect-cancel.xml', calls: 1 });
    const r = await runSipp({ scenario: 'uac-cancel.xml', remote: callee.port, service: '1002' });
    assertSippOk(r, 1);
    const u = await callee.exited;
    assertSippOk(u, 1);
    const branch = /INVITE sip:[^\n]*\nVia: [^\n]*branch=([^;\s]+)/.exec(u.messages)?.[1];
    expect(branch).toMatch(/^z9hG4bK-\d+-1-inv$/);
    expect(u.messages).toMatch(new RegExp(`CANCEL sip:[^\\n]*\\nVia: [^\\n]*branch=${branch}`));
    expect(u.messages).toMatch(new RegExp(`ACK sip:[^\\n]*\\nVia: [^\\n]*branch=${branch}`));
    expect(u.messages).toContain('SIP/2.0 487 Request Terminated');
  }, 30_000);

  it('uac-ignore-200 only ACKs the 2nd retransmission of the 200 OK', async () => {
    const callee = await uas({ scenario: 'uas-answer.xml', calls: 1 });
    const r = await runSipp({ scenario: 'uac-ignore-200.xml', remote: callee.port, service: '1001', durationMs: 100 });
    assertSippOk(r, 1);
    expect(r.args).toContain('-nr');
    const u = await callee.exited;
    assertSippOk(u, 1);
    // SIPp (UAS) sent its 200 three times: the original plus 2 retransmissions (T1, 2*T1).
    expect(u.messages.match(/message sent[^\n]*\n\nSIP\/2\.0 200 OK[^\n]*\n(?:[^\n]+\n)*CSeq: 1 INVITE/g)?.length).toBe(3);
    expect(Number(u.stats['Retransmissions(C)'])).toBe(2);
    // ...so the call took at least T1 + 2*T1 = 1.5 s to be acknowledged.
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1400);
  }, 30_000);

  it('uas-lost-200 gets an ACK for each copy of its 200 OK', async () => {
    const callee = await uas({ scenario: 'uas-lost-200.xml', calls: 1 });
    const r = await runSipp({ scenario: 'uac-basic.xml', remote: callee.port, service: '1001', durationMs: 2500 });
    assertSippOk(r, 1);
    const u = await callee.exited;
    assertSippOk(u, 1);
    expect(u.messages.match(/message received[^\n]*\n\nACK /g)?.length).toBe(3);
  }, 30_000);

  it('uac-bench -> uas-bench under a little load', async () => {
    const callee = await uas({ scenario: 'uas-bench.xml' });
    const r = await runSipp({ scenario: 'uac-bench.xml', remote: callee.port, service: '1003', calls: 40, rate: 40, limit: 20, durationMs: 100 });
    assertSippOk(r, 40);
    const u = await callee.stop();
    expect(u.successful).toBe(40);
    expect(u.failed).toBe(0);
  }, 30_000);

  it('-key values and a CSV injection file are passed to SIPp', async () => {
    const callee = await uas({ scenario: 'uas-answer.xml', calls: 2 });
    const r = await runSipp({
      scenario: 'uac-basic.xml', remote: callee.port, service: '1001', calls: 2, keys: { caller: '+46317001234' },
      inf: { rows: [['a'], ['b']] },
    });
    assertSippOk(r, 2);
    expect(r.args.join(' ')).toMatch(/-inf \S+inject\.csv/);
    const u = await callee.exited;
    expect(u.messages).toContain('From: <sip:+46317001234@127.0.0.1');
  }, 30_000);

  it('reports failures instead of hanging: nobody listening', async () => {
    const port = await freePort('both');
    const r = await runSipp({ scenario: 'uac-options.xml', remote: port, timeoutMs: 3000, recvTimeoutMs: 1000 });
    expect(r.successful).toBe(0);
    expect(r.code).not.toBe(0);
    expect(() => assertSippOk(r)).toThrow(/did not succeed/);
    expect(describeSippResult(r)).toContain('uac-options.xml');
  }, 30_000);
});

describe('SIPp scenarios against baresip', () => {
  it('uac-basic and uac-options against an auto-answering phone', async () => {
    const phone = await startBaresip({ user: 'bob', autoAnswer: true });
    const o = await runSipp({ scenario: 'uac-options.xml', remote: phone.sipPort, service: 'bob' });
    assertSippOk(o, 1);
    const r = await runSipp({ scenario: 'uac-basic.xml', remote: phone.sipPort, service: 'bob', durationMs: 500 });
    assertSippOk(r, 1);
    // Auto-answer in baresip 1.0.0 emits no CALL_INCOMING, only CALL_ESTABLISHED.
    const est = await phone.waitEvent('CALL_ESTABLISHED');
    expect(est.direction).toBe('incoming');
    expect(est.peeruri).toContain('+46701234567');
    await phone.waitEvent('CALL_CLOSED');
  }, 30_000);

  it('uac-404: an unknown user is refused with 404 and ACKed', async () => {
    const phone = await startBaresip({ user: 'bob' });
    const r = await runSipp({ scenario: 'uac-404.xml', remote: phone.sipPort, service: 'nobody' });
    assertSippOk(r, 1);
  }, 30_000);

  it('uac-cancel against a ringing phone', async () => {
    const phone = await startBaresip({ user: 'bob', autoAnswer: false });
    const r = await runSipp({ scenario: 'uac-cancel.xml', remote: phone.sipPort, service: 'bob' });
    assertSippOk(r, 1);
    await phone.waitEvent('CALL_INCOMING');
    await phone.waitEvent('CALL_CLOSED');
    expect(phone.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
  }, 30_000);

  it('uac-retransmit-invite: the phone sees one call only', async () => {
    const phone = await startBaresip({ user: 'bob', autoAnswer: true });
    const r = await runSipp({ scenario: 'uac-retransmit-invite.xml', remote: phone.sipPort, service: 'bob', durationMs: 300 });
    assertSippOk(r, 1);
    expect(r.messages.match(/message sent[^\n]*\n\nINVITE /g)?.length).toBe(2);
    await phone.waitEvent('CALL_CLOSED');
    expect(phone.events.filter((e) => e.type === 'CALL_ESTABLISHED')).toHaveLength(1);
    expect(phone.events.filter((e) => e.type === 'CALL_CLOSED')).toHaveLength(1);
  }, 30_000);

  it('uas-answer-then-bye: the callee hangs up on the phone', async () => {
    const callee = await uas({ scenario: 'uas-answer-then-bye.xml', calls: 1, durationMs: 500 });
    const phone = await startBaresip({ user: 'alice' });
    await phone.dial(`sip:1004@127.0.0.1:${callee.port}`);
    await phone.waitEvent('CALL_ESTABLISHED');
    const closed = await phone.waitEvent('CALL_CLOSED', 5000);
    // baresip 1.0.0 reports a received BYE as "Connection reset by peer" (ECONNRESET).
    expect(closed.param).toBe('Connection reset by peer');
    assertSippOk(await callee.exited, 1);
  }, 30_000);

  it('uas-ring-expect-cancel: the phone gives up while it rings', async () => {
    const callee = await uas({ scenario: 'uas-ring-expect-cancel.xml', calls: 1 });
    const phone = await startBaresip({ user: 'alice' });
    await phone.dial(`sip:1005@127.0.0.1:${callee.port}`);
    await phone.waitEvent('CALL_RINGING');
    await phone.hangup();
    await phone.waitEvent('CALL_CLOSED');
    assertSippOk(await callee.exited, 1);
  }, 30_000);

  it('uas-answer over TCP: the phone dials with ;transport=tcp', async () => {
    const callee = await uas({ scenario: 'uas-answer.xml', calls: 1, transport: 'tcp' });
    const phone = await startBaresip({ user: 'alice' });
    await phone.dial(`sip:1006@127.0.0.1:${callee.port};transport=tcp`);
    await phone.waitEvent('CALL_ESTABLISHED');
    await callee.waitMessage(/^ACK /m); // the callee has the whole answer: now it waits for the BYE
    await phone.hangup();
    await phone.waitEvent('CALL_CLOSED');
    assertSippOk(await callee.exited, 1);
  }, 30_000);
});

describe('baresip phones', () => {
  it('two phones call each other directly and hear each other\'s tone', async () => {
    const alice: BaresipPhone = await startBaresip({ user: 'alice', audioSource: { toneHz: 440, seconds: 30 } });
    const bob: BaresipPhone = await startBaresip({ user: 'bob', autoAnswer: true, audioSource: { toneHz: 1000, seconds: 30 } });
    await alice.dial(bob.uri);
    await alice.waitEvent('CALL_ESTABLISHED');
    const est = await bob.waitEvent('CALL_ESTABLISHED');
    expect(est.direction).toBe('incoming');
    expect(est.peeruri).toBe(alice.uri);
    await alice.waitEvent('CALL_RTPESTAB');
    await bob.waitEvent('CALL_RTPESTAB');
    await Promise.all([heardFor(alice, 2), heardFor(bob, 2)]); // checked below: over 1.5 s of each other's tone
    await alice.hangup();
    await alice.waitEvent('CALL_CLOSED');
    await bob.waitEvent('CALL_CLOSED');
    await Promise.all([alice.stop(), bob.stop()].map((p) => p.catch(() => undefined)));

    const heardByBob = bob.recordings().dec;
    const heardByAlice = alice.recordings().dec;
    expect(heardByBob).toHaveLength(1);
    expect(heardByAlice).toHaveLength(1);
    for (const [file, hz] of [[heardByBob[0]!, 440], [heardByAlice[0]!, 1000]] as const) {
      const a = analyzeWav(file);
      expect(a.wav.sampleRate).toBe(8000);
      expect(a.activeSec).toBeGreaterThan(1.5);
      expect(a.rms).toBeGreaterThan(0.1);
      expect(Math.abs(a.dominantHz - hz)).toBeLessThanOrEqual(10);
      expect(toneRatio(a.wav.samples, a.wav.sampleRate, hz)).toBeGreaterThan(0.8);
      // Cross-check with sox where it is installed.
      const sox = spawnSync('sox', [file, '-n', 'stat'], { encoding: 'utf8' });
      if (sox.status === 0) {
        const rough = Number(/Rough\s+frequency:\s+(\d+)/.exec(sox.stderr)?.[1]);
        expect(Math.abs(rough - hz)).toBeLessThan(hz * 0.05);
      }
    }
  }, 40_000);

  it('manual answer, then DTMF from one phone reaches the other', async () => {
    const alice = await startBaresip({ user: 'alice' });
    const bob = await startBaresip({ user: 'bob', autoAnswer: false });
    await alice.dial(bob.uri);
    const inc = await bob.waitEvent('CALL_INCOMING');
    expect(inc.peeruri).toBe(alice.uri);
    await alice.waitEvent('CALL_RINGING');
    await bob.answer();
    await alice.waitEvent('CALL_ESTABLISHED');
    await bob.waitEvent('CALL_ESTABLISHED');
    await alice.waitEvent('CALL_RTPESTAB');
    await alice.sendDtmf('15#');
    const digits: string[] = [];
    for (let i = 0; i < 3; i++) digits.push((await bob.waitEvent('CALL_DTMF_START')).param ?? '');
    expect(digits.join('')).toBe('15#');
    await alice.hangup();
    await bob.waitEvent('CALL_CLOSED');
  }, 30_000);

  it('a crashed phone fails waits at once instead of hanging', async () => {
    const phone = await startBaresip({ user: 'carol' });
    const wait = phone.waitEvent('CALL_INCOMING', 20_000);
    process.kill(phone.pid!, 'SIGKILL');
    const started = Date.now();
    await expect(wait).rejects.toThrow(/exited|closed/);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(phone.dial('sip:x@127.0.0.1:9')).rejects.toThrow();
    await phone.stop();
  }, 30_000);

  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers with digest auth over ${transport} (SIPp uas-registrar) and fails on a wrong password`, async () => {
      const registrar = await uas({ scenario: 'uas-registrar.xml', transport, calls: 2, keys: { reg_user: '1001', reg_pass: 'secret' } });
      const ok = await startBaresip({ user: '1001', password: 'secret', registrar: { port: registrar.port, transport } });
      expect(ok.events.map((e) => e.type)).toContain('REGISTER_OK');
      expect(ok.registration).toBe('registered');
      expect(ok.aor).toBe(`sip:1001@127.0.0.1:${registrar.port}`);
      await expect(
        startBaresip({ user: '1001', password: 'wrong', registrar: { port: registrar.port, transport } }),
      ).rejects.toThrow(/registration failed: 403/);
      const r = await registrar.exited;
      expect(r.successful).toBe(2);
      expect(r.messages).toMatch(/Authorization: Digest username="1001"/);
    }, 30_000);
  }

  it('registration against a registrar that never answers times out cleanly', async () => {
    const port = await freePort('both');
    const started = Date.now();
    await expect(
      startBaresip({ user: '1001', password: 'x', registrar: { port }, registerTimeoutMs: 1500 }),
    ).rejects.toThrow(/REGISTER_OK|registration/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
