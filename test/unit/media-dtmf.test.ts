/**
 * RFC 4733 DTMF: decoding what real phones send (SIPp's captures of digit
 * presses, end packet repeated three times) into one digit each with its
 * duration, surviving lost end packets, and sending digits the way RFC 4733
 * asks. Also the playCollect digit rules, with time injected.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTelephoneEvent, DtmfReceiver, DtmfSender, encodeTelephoneEvent } from '../../media/engine/dtmf.js';
import { collectorSettings, DigitCollector } from '../../media/engine/collector.js';
import { decodeRtp, type RtpPacket } from '../../media/engine/rtp.js';

const PCAP_DIR = '/usr/share/sip-tester';
const PCAP_NAMES: Record<string, string> = { '*': 'star', '#': 'pound' };

/** The RTP packets of a classic pcap of Ethernet/IPv4/UDP frames, with capture times in ms. */
function readPcapRtp(file: string): { atMs: number; packet: RtpPacket; raw: Buffer }[] {
  const buf = readFileSync(file);
  expect(buf.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: { atMs: number; packet: RtpPacket; raw: Buffer }[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = buf.readUInt32LE(off);
    const usec = buf.readUInt32LE(off + 4);
    const len = buf.readUInt32LE(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    const ipHeader = (frame[14]! & 0x0f) * 4;
    const raw = Buffer.from(frame.subarray(14 + ipHeader + 8));
    const packet = decodeRtp(raw);
    if (packet) out.push({ atMs: sec * 1000 + usec / 1000, packet, raw });
  }
  return out;
}

function sippDigit(digit: string): { atMs: number; packet: RtpPacket; raw: Buffer }[] {
  return readPcapRtp(`${PCAP_DIR}/dtmf_2833_${PCAP_NAMES[digit] ?? digit}.pcap`);
}

describe('RFC 4733 telephone-events from a real capture (SIPp\'s dtmf_2833 pcaps)', () => {
  it('each of 0-9, *, # is reported exactly once, with its 280 ms duration, despite the triple end packet', () => {
    for (const digit of '0123456789*#') {
      const rx = new DtmfReceiver();
      const packets = sippDigit(digit);
      expect(packets.filter((p) => decodeTelephoneEvent(p.packet.payload)!.end)).toHaveLength(3);
      const found = packets.flatMap(({ atMs, packet }) => rx.push(packet.ssrc, packet.timestamp, packet.payload, atMs));
      expect(found).toEqual([{ digit, durationMs: 280 }]);
    }
  });

  it('the same key pressed twice is two digits (a new event timestamp), not a duplicate', () => {
    const rx = new DtmfReceiver();
    const packets = sippDigit('5');
    const found = [
      ...packets.flatMap(({ packet }) => rx.push(packet.ssrc, packet.timestamp, packet.payload, 0)),
      ...packets.flatMap(({ packet }) => rx.push(packet.ssrc, packet.timestamp + 4000, packet.payload, 500)),
    ];
    expect(found.map((d) => d.digit)).toEqual(['5', '5']);
  });

  it('a digit whose end packets were all lost is still reported: when the next starts, or when it goes quiet', () => {
    const rx = new DtmfReceiver(1000);
    const noEnd = (digit: string, tsShift: number) => sippDigit(digit)
      .filter((p) => !decodeTelephoneEvent(p.packet.payload)!.end)
      .map((p) => ({ ...p.packet, timestamp: p.packet.timestamp + tsShift }));
    const first = noEnd('1', 0).flatMap((p) => rx.push(p.ssrc, p.timestamp, p.payload, 100));
    expect(first).toEqual([]);
    const second = noEnd('2', 100_000).flatMap((p) => rx.push(p.ssrc, p.timestamp, p.payload, 400));
    expect(second.map((d) => d.digit)).toEqual(['1']);
    expect(rx.poll(900)).toBeUndefined();
    expect(rx.poll(1400)).toMatchObject({ digit: '2' });
    expect(rx.poll(3000)).toBeUndefined();
  });

  it('ignores payloads too short to be an event', () => {
    expect(new DtmfReceiver().push(1, 1, Buffer.from([1, 2]), 0)).toEqual([]);
  });
});

describe('sending a digit as RFC 4733 events', () => {
  it('marker on the first packet, one timestamp, growing duration, the end packet three times', () => {
    const tx = new DtmfSender();
    tx.enqueue('#', 100);
    const packets = [];
    for (let tick = 0; tick < 7; tick++) {
      const p = tx.next(tick * 160 + 16000);
      if (p) packets.push(p);
    }
    const events = packets.map((p) => decodeTelephoneEvent(p.payload)!);
    expect(packets.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(new Set(packets.map((p) => p.samples))).toEqual(new Set([16000]));
    expect(events.map((e) => e.event)).toEqual(Array(7).fill(11));
    expect(events.map((e) => e.duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(events.map((e) => e.end)).toEqual([false, false, false, false, true, true, true]);
    // Then a 40 ms pause, so the next digit is heard as a new press.
    expect(tx.busy).toBe(true);
    expect(tx.next(0)).toBeUndefined();
    expect(tx.next(0)).toBeUndefined();
    expect(tx.busy).toBe(false);
  });

  it('what we send, a receiver decodes as the digit and its duration', () => {
    const tx = new DtmfSender();
    const rx = new DtmfReceiver();
    tx.enqueue('7', 200);
    tx.enqueue('A', 60);
    const found = [];
    for (let tick = 0; tick < 40; tick++) {
      const p = tx.next(tick * 160);
      if (p) found.push(...rx.push(42, p.samples, p.payload, tick * 20));
    }
    expect(found).toEqual([{ digit: '7', durationMs: 200 }, { digit: 'A', durationMs: 60 }]);
  });

  it('the event payload round-trips', () => {
    const e = { event: 9, end: true, volume: 10, duration: 2240 };
    expect(decodeTelephoneEvent(encodeTelephoneEvent(e))).toEqual(e);
  });
});

describe('playCollect\'s digit rules (as FreeSWITCH play_and_get_digits)', () => {
  const collector = (opts: Parameters<typeof collectorSettings>[0]) => new DigitCollector(collectorSettings(opts));

  it('no timer runs while the prompt plays; the first-digit timeout starts when it ends', () => {
    const c = collector({ file: 'x', timeout: 3000 });
    expect(c.poll(60_000)).toBeUndefined();
    c.promptEnded(60_000);
    expect(c.poll(62_999)).toBeUndefined();
    expect(c.poll(63_000)).toEqual({ digits: '', reason: 'timeout' });
  });

  it('after a digit, the inter-digit timeout runs from the last digit', () => {
    const c = collector({ file: 'x', timeout: 3000, digitTimeout: 1000 });
    c.promptEnded(0);
    expect(c.digit('4', 2500)).toBeUndefined();
    expect(c.poll(3400)).toBeUndefined();
    expect(c.digit('2', 3400)).toBeUndefined();
    expect(c.poll(4399)).toBeUndefined();
    expect(c.poll(4400)).toEqual({ digits: '42', reason: 'timeout' });
  });

  it('the terminator ends collection and is not among the digits; max digits ends it at once', () => {
    const t = collector({ file: 'x', terminators: '#*' });
    t.digit('1', 0);
    expect(t.digit('*', 10)).toEqual({ digits: '1', terminatorUsed: '*', reason: 'terminator' });
    const m = collector({ file: 'x', max: 2 });
    m.digit('1', 0);
    expect(m.digit('#', 0)).toMatchObject({ reason: 'terminator' }); // '#' is the default terminator
    const n = collector({ file: 'x', max: 2, terminators: '' });
    n.digit('#', 0);
    expect(n.digit('9', 0)).toEqual({ digits: '#9', reason: 'max-digits' });
  });

  it('defaults are drachtio-fsmrf\'s', () => {
    expect(collectorSettings({ file: 'x' })).toEqual({ min: 0, max: 128, terminators: '#', timeoutMs: 120_000, digitTimeoutMs: 8000, bargeIn: true });
  });
});
