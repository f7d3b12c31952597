/**
 * G.711 (PCMU = mu-law, PCMA = A-law), the two codecs the engine speaks.
 *
 * The companding itself is alawmulaw's. Because a G.711 byte has only 256
 * values, we run the library once per value at load and keep the results as
 * lookup tables: decoding or transcoding a 20 ms packet is then 160 array
 * reads, which matters when hundreds of streams are relayed at once.
 */
import alawmulaw from 'alawmulaw';

export type Codec = 'PCMU' | 'PCMA';

/** The byte each codec uses for digital silence (what pads a short last frame). */
export const SILENCE_BYTE: Readonly<Record<Codec, number>> = {
  PCMU: alawmulaw.mulaw.encodeSample(0),
  PCMA: alawmulaw.alaw.encodeSample(0),
};

const DECODE: Readonly<Record<Codec, Int16Array>> = {
  PCMU: Int16Array.from({ length: 256 }, (_, b) => alawmulaw.mulaw.decodeSample(b)),
  PCMA: Int16Array.from({ length: 256 }, (_, b) => alawmulaw.alaw.decodeSample(b)),
};

/** Byte-to-byte tables for relaying between a PCMU leg and a PCMA leg. */
const TRANSCODE = {
  PCMU_PCMA: Uint8Array.from({ length: 256 }, (_, b) => alawmulaw.alaw.encodeSample(DECODE.PCMU[b]!)),
  PCMA_PCMU: Uint8Array.from({ length: 256 }, (_, b) => alawmulaw.mulaw.encodeSample(DECODE.PCMA[b]!)),
};

/** 16-bit linear PCM to G.711 bytes. */
export function encode(codec: Codec, pcm: Int16Array): Uint8Array {
  return codec === 'PCMU' ? alawmulaw.mulaw.encode(pcm) : alawmulaw.alaw.encode(pcm);
}

/** G.711 bytes to 16-bit linear PCM. */
export function decode(codec: Codec, bytes: Uint8Array): Int16Array {
  const table = DECODE[codec];
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** The same audio in the other G.711 law (returns the input when the codecs match). */
export function transcode(from: Codec, to: Codec, bytes: Buffer): Buffer {
  if (from === to) return bytes;
  const table = from === 'PCMU' ? TRANSCODE.PCMU_PCMA : TRANSCODE.PCMA_PCMU;
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}
