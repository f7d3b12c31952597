/**
 * RTP packets (RFC 3550) as the embedded engine writes and reads them, and
 * the 20 ms media clock that paces them.
 */
import { describe, expect, it } from 'vitest';
import { decodeRtp, encodeRtp, isRtcp, RtpSender, sequenceDiff, timestampDiff } from '../../media/engine/rtp.js';
import { PacingClock } from '../../media/engine/clock.js';

describe('RTP packets on the wire', () => {
  it('a packet survives encode and decode, header fields and payload intact', () => {
    const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => i));
    const wire = encodeRtp({ marker: true, payloadType: 8, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload });
    expect(wire.length).toBe(172);
    expect(wire[0]).toBe(0x80);
    expect(wire[1]).toBe(0x88);
    expect(decodeRtp(wire)).toEqual({ marker: true, payloadType: 8, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, csrc: undefined, payload });
  });

  it('reads past CSRCs, a header extension and padding to the real payload', () => {
    const payload = Buffer.from([1, 2, 3, 4, 5]);
    const header = Buffer.alloc(12 + 8 + 8);
    header[0] = 0x80 | 0x20 | 0x10 | 2; // V=2, P, X, CC=2
    header[1] = 0;
    header.writeUInt16BE(7, 2);
    header.writeUInt32BE(1234, 4);
    header.writeUInt32BE(42, 8);
    header.writeUInt32BE(100, 12);
    header.writeUInt32BE(200, 16);
    header.writeUInt16BE(0xbede, 20); // RFC 8285 one-byte header profile
    header.writeUInt16BE(1, 22); // one 32-bit word of extension
    const padding = Buffer.from([0, 0, 3]);
    const p = decodeRtp(Buffer.concat([header, payload, padding]))!;
    expect(p.csrc).toEqual([100, 200]);
    expect([...p.payload]).toEqual([1, 2, 3, 4, 5]);
    expect(p.sequenceNumber).toBe(7);
  });

  it('rejects what is not RTP: too short, wrong version, lying lengths', () => {
    expect(decodeRtp(Buffer.alloc(11))).toBeUndefined();
    const v1 = Buffer.alloc(20);
    v1[0] = 0x40;
    expect(decodeRtp(v1)).toBeUndefined();
    const cc = Buffer.alloc(14);
    cc[0] = 0x8f; // claims 15 CSRCs
    expect(decodeRtp(cc)).toBeUndefined();
    const pad = Buffer.alloc(14);
    pad[0] = 0xa0;
    pad[13] = 200; // more padding than packet
    expect(decodeRtp(pad)).toBeUndefined();
  });

  it('tells RTCP from RTP on a shared port (RFC 5761)', () => {
    const sr = Buffer.from([0x80, 200, 0, 6]);
    expect(isRtcp(sr)).toBe(true);
    expect(isRtcp(encodeRtp({ marker: true, payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(0) }))).toBe(false);
  });

  it('compares sequence numbers and timestamps across wrap-around', () => {
    expect(sequenceDiff(2, 65534)).toBe(4);
    expect(sequenceDiff(65534, 2)).toBe(-4);
    expect(timestampDiff(80, 0xffffffb0)).toBe(160);
    expect(timestampDiff(0xffffffb0, 80)).toBe(-160);
  });
});

describe('an outgoing RTP stream', () => {
  it('starts at a random SSRC and sequence, counts sequence by one and wraps', () => {
    const a = new RtpSender();
    const b = new RtpSender();
    expect(a.ssrc).not.toBe(b.ssrc);
    const first = decodeRtp(a.packet(0, 0, new Uint8Array(160)))!;
    let last = first;
    for (let i = 1; i <= 70000; i++) last = decodeRtp(a.packet(0, i * 160, new Uint8Array(1)))!;
    expect(last.sequenceNumber).toBe((first.sequenceNumber + 70000) & 0xffff);
    expect(last.ssrc).toBe(a.ssrc);
    // The timestamp is origin + media samples, modulo 2^32.
    expect(timestampDiff(last.timestamp, first.timestamp)).toBe((70000 * 160) | 0);
  });
});

describe('the 20 ms media clock', () => {
  it('runs tick n at start + n × 20 ms without drifting, even when a tick is slow', async () => {
    const clock = new PacingClock();
    const seen: { tick: number; at: number }[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => { resolveDone = resolve; });
    const member = {
      onTick(tick: number, nowMs: number) {
        seen.push({ tick, at: nowMs });
        // Some ticks take 8 ms of work (a busy engine): later ticks must not slip.
        if (tick % 10 === 5) { const until = performance.now() + 8; while (performance.now() < until) { /* busy */ } }
        if (seen.length === 75) resolveDone();
      },
    };
    clock.add(member);
    await done;
    clock.remove(member);
    const lateness = seen.map((s) => s.at - s.tick * 20);
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
    // Ticks in order; never early for their due time (start + n × 20 ms).
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.tick).toBeGreaterThan(seen[i - 1]!.tick);
    for (const late of lateness) expect(late).toBeGreaterThanOrEqual(0);
    // Typically within a few ms of it (a loaded machine may stall single ticks)...
    expect(median(lateness)).toBeLessThan(5);
    // ...and the delay does not accumulate: 1.5 s in, the clock is still on
    // time (a setInterval(20) with 8 ms ticks would be tens of ms behind).
    expect(median(lateness.slice(-15))).toBeLessThan(5);
    expect(clock.size).toBe(0);
  });

  it('spreads streams over phases 5 ms apart, each still sending every 20 ms', async () => {
    const clock = new PacingClock();
    const seen: Array<Array<{ tick: number; at: number }>> = [[], [], [], []];
    const members = seen.map((list) => ({ onTick: (tick: number, at: number) => void list.push({ tick, at }) }));
    for (const m of members) clock.add(m);
    await new Promise((r) => setTimeout(r, 500));
    for (const m of members) clock.remove(m);
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
    // Each stream keeps the 20 ms spacing...
    for (const list of seen) {
      const gaps = list.slice(1).map((s, i) => s.at - list[i]!.at);
      expect(Math.abs(median(gaps) - 20)).toBeLessThan(2);
    }
    // ...and the four streams are served about 5 ms after one another within a tick.
    const offsets = seen.map((list) => median(list.map((s) => s.at - s.tick * 20)));
    for (let p = 1; p < 4; p++) expect(offsets[p]! - offsets[p - 1]!).toBeGreaterThan(3);
  });

  it('stops its timer when the last stream leaves (nothing keeps running)', () => {
    const clock = new PacingClock();
    const m = { onTick() {} };
    clock.add(m);
    clock.remove(m);
    expect((clock as unknown as { timer: unknown }).timer).toBeUndefined();
  });
});
