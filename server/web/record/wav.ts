/**
 * Decoded sound as a WAV file: mono, 16-bit linear PCM at the sound's own
 * rate. The server's sox reads WAV but not the WebM/Opus that Chromium's
 * MediaRecorder gives, so a recording made in the page is uploaded as WAV.
 */

/** The channels mixed down to one, clipped to [-1, 1]. */
function mono(sound: AudioBuffer): Float32Array {
  const mixed = new Float32Array(sound.length);
  for (let c = 0; c < sound.numberOfChannels; c++) {
    const channel = sound.getChannelData(c);
    for (let i = 0; i < sound.length; i++) mixed[i]! += channel[i]! / sound.numberOfChannels;
  }
  return mixed;
}

export function encodeWav(sound: AudioBuffer): Blob {
  const samples = mono(sound);
  const dataBytes = samples.length * 2;
  const view = new DataView(new ArrayBuffer(44 + dataBytes));
  const ascii = (at: number, text: string): void => { for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i)); };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // linear PCM
  view.setUint16(22, 1, true); // one channel
  view.setUint32(24, sound.sampleRate, true);
  view.setUint32(28, sound.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  samples.forEach((s, i) => view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, s)) * 0x7fff), true));
  return new Blob([view.buffer], { type: 'audio/wav' });
}

/** Whatever MediaRecorder gave (WebM/Opus in Chromium), decoded by the browser and made WAV. */
export async function recordingAsWav(recorded: Blob): Promise<Blob> {
  const context = new AudioContext();
  try {
    return encodeWav(await context.decodeAudioData(await recorded.arrayBuffer()));
  } finally {
    await context.close();
  }
}
