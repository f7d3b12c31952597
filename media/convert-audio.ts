/**
 * Any audio sox can read, made into what the engines play: 8 kHz mono
 * 16-bit linear PCM WAV (the embedded engine's native form, ./engine/wav.ts;
 * FreeSWITCH plays it as it is). sox reads the input by its file name's
 * extension (MP3 needs Debian's libsox-fmt-mp3 beside sox), or by its
 * header when it has none.
 *
 * A failure says whose fault it is: `not-audio` (the input is not audio
 * sox can read), `format-unavailable` (sox here lacks the handler for that
 * extension), `sox-missing` (no sox at all).
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { ENGINE_RATE } from './engine/wav.js';

export type ConversionFailure = 'not-audio' | 'format-unavailable' | 'sox-missing';

export class AudioConversionError extends Error {
  constructor(readonly reason: ConversionFailure, message: string) {
    super(message);
    this.name = 'AudioConversionError';
  }
}

/** Extensions sox reads only with an extra Debian package, and which package. */
const EXTRA_FORMATS: Readonly<Record<string, string>> = { mp3: 'libsox-fmt-mp3' };

/** Extensions sox reads as playlists naming other files: an upload must not make it read files of this machine. */
const PLAYLISTS = new Set(['m3u', 'pls']);

const SOX_TIMEOUT_MS = 60_000;

/**
 * A recording is cut at this length: a few compressed megabytes can hold
 * hours of sound, which as WAV would fill the disk.
 */
export const MAX_PROMPT_SECONDS = 600;

export async function convertToPrompt(input: string, output: string, extension: string | undefined): Promise<void> {
  if (extension && PLAYLISTS.has(extension)) throw new AudioConversionError('not-audio', `not audio: a .${extension} file is a playlist`);
  const args = [input, '-r', String(ENGINE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav', output, 'trim', '0', String(MAX_PROMPT_SECONDS)];
  await new Promise<void>((resolve, reject) => {
    execFile('sox', args, { timeout: SOX_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new AudioConversionError('sox-missing', 'sox is not installed on the server'));
      const said = stderr.split('\n').find((l) => l.includes('FAIL'))?.replace(/^sox FAIL \w+: /, '').replace(/`[^']*\//g, '`') ?? 'sox could not read it';
      const pkg = extension ? EXTRA_FORMATS[extension] : undefined;
      if (pkg && /no handler for file extension/.test(said)) {
        return reject(new AudioConversionError('format-unavailable', `sox on the server cannot read .${extension} files (install ${pkg})`));
      }
      reject(new AudioConversionError('not-audio', `not audio that sox can read: ${said}`));
    });
  });
}

/** The header chunks are read from the start of the file only. */
const HEADER_BYTES = 4096;

/** The length in seconds of a PCM WAV file (from its header and data chunk), or undefined when it is not one. */
export async function wavSeconds(file: string): Promise<number | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const bytes = Buffer.alloc(Math.min(HEADER_BYTES, fileSize));
    await handle.read(bytes, 0, bytes.length, 0);
    if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') return undefined;
    let byteRate: number | undefined;
    for (let at = 12; at + 8 <= bytes.length;) {
      const id = bytes.toString('ascii', at, at + 4);
      const size = bytes.readUInt32LE(at + 4);
      if (id === 'fmt ' && at + 16 <= bytes.length) byteRate = bytes.readUInt32LE(at + 16);
      if (id === 'data') return byteRate ? Math.min(size, fileSize - at - 8) / byteRate : undefined;
      at += 8 + size + (size % 2);
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
