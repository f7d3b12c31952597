/**
 * Audio as SIPp's play_pcap_audio takes it: a classic pcap (libpcap's file
 * format, link type Ethernet) of IPv4/UDP frames, each holding one RTP
 * packet. SIPp keeps only the UDP payload and the capture times: it sends
 * each packet when its time comes, from its own media address to the one
 * the far end's SDP names, so the addresses and ports in the file are
 * placeholders.
 */
import { writeFileSync } from 'node:fs';
import { buildRtp, encodeG711, PT, type G711 } from './rtp-peer.js';

const LINKTYPE_ETHERNET = 1;
const FRAME_SAMPLES = 160;
const FRAME_US = 20_000;
const ETHERNET_BYTES = 14;
const IPV4_BYTES = 20;
const UDP_BYTES = 8;
const PLACEHOLDER_PORT = 40_000;

function fileHeader(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps, little-endian
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16); // snaplen
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return header;
}

/** The RFC 791 header checksum: one's complement of the one's-complement sum of its 16-bit words. */
function ipv4Checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One Ethernet frame, 127.0.0.1 to itself, carrying `payload` in UDP (checksum 0: none, which SIPp replaces). */
function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(ETHERNET_BYTES + IPV4_BYTES + UDP_BYTES + payload.length);
  out.writeUInt16BE(0x0800, 12); // IPv4
  const ip = out.subarray(ETHERNET_BYTES, ETHERNET_BYTES + IPV4_BYTES);
  ip[0] = 0x45; // version 4, 5 words of header
  ip.writeUInt16BE(IPV4_BYTES + UDP_BYTES + payload.length, 2);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip[8] = 64; // TTL
  ip[9] = 17; // UDP
  ip.writeUInt32BE(0x7f000001, 12);
  ip.writeUInt32BE(0x7f000001, 16);
  ip.writeUInt16BE(ipv4Checksum(ip), 10);
  const udp = out.subarray(ETHERNET_BYTES + IPV4_BYTES);
  udp.writeUInt16BE(PLACEHOLDER_PORT, 0);
  udp.writeUInt16BE(PLACEHOLDER_PORT, 2);
  udp.writeUInt16BE(UDP_BYTES + payload.length, 4);
  payload.copy(udp, UDP_BYTES);
  return out;
}

/**
 * Writes `pcm` (8 kHz) to `file` as one RTP stream of `codec`: a packet for
 * every 20 ms, captured 20 ms apart, with sequence numbers and timestamps
 * that run on as a phone's do (the first packet marked). Returns `file`.
 */
export function writeRtpPcap(file: string, pcm: Int16Array, codec: G711 = 'PCMU'): string {
  const ssrc = Math.floor(Math.random() * 0xffffffff);
  const frames = Math.floor(pcm.length / FRAME_SAMPLES);
  const parts: Buffer[] = [fileHeader()];
  for (let i = 0; i < frames; i++) {
    const payload = encodeG711(codec, pcm.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
    const packet = frame(buildRtp({ marker: i === 0, payloadType: PT[codec], sequenceNumber: i, timestamp: i * FRAME_SAMPLES, ssrc, payload }));
    const record = Buffer.alloc(16);
    const capturedUs = i * FRAME_US;
    record.writeUInt32LE(Math.floor(capturedUs / 1_000_000), 0);
    record.writeUInt32LE(capturedUs % 1_000_000, 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    parts.push(record, packet);
  }
  writeFileSync(file, Buffer.concat(parts));
  return file;
}
