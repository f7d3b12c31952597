/**
 * The announcements routes through fastify inject, on a real RunningConfig
 * and announcement store in a temporary DATA_DIR, with real sox: every slot
 * with its length and users, upload (WAV, MP3) converted to the engines'
 * form, download, delete only when unused; an upload over the limit or not
 * audio keeps nothing; each role, no credentials.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROMPT_SECONDS } from '../../media/convert-audio.js';
import { announcementsRoutes } from '../../server/api/announcements-routes.js';
import { ROLES } from '../../server/users/roles.js';
import { readWav, writeToneWav } from '../support/audio.js';
import { buildTestApi, type TestApi } from '../support/api.js';
import { mediaParts, multipartFile, type MediaParts } from '../support/media-api.js';
import { tempDir } from '../support/tmp.js';

const LIMIT = 200_000;
let t: TestApi;
let parts: MediaParts;
beforeAll(async () => {
  parts = await mediaParts([{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }]);
  t = await buildTestApi({ features: [{ prefix: '/api/v1', plugin: announcementsRoutes({ ...parts, uploadLimitBytes: LIMIT }) }] });
  mkdirSync(parts.dir, { recursive: true });
  // As the recording flow (*77) leaves it.
  writeToneWav(join(parts.dir, 'kustbanken-reklam.wav'), { hz: 700, seconds: 2 });
});
afterAll(async () => { await t?.close(); parts?.running.close(); });

const url = '/api/v1/announcements';
type Announcement = { slot: string; recorded: boolean; seconds?: number; bytes?: number; recordable: boolean; uses: Array<Record<string, string>> };

function problem(res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }, status: number): { detail?: string; field?: string; code?: string } {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

const upload = (slot: string, filename: string, content: Buffer, headers = t.as.operator) => {
  const form = multipartFile('file', filename, content);
  return t.api.inject({ method: 'PUT', url: `${url}/${slot}`, headers: { ...headers, ...form.headers }, payload: form.payload });
};

/** Nothing left behind in the folder but the slots' recordings. */
const leftovers = (): string[] => readdirSync(parts.dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && !(e.parentPath === parts.dir && e.name.endsWith('.wav'))).map((e) => e.name);

describe('who may', () => {
  it('admins, supervisors and operators, by session or token; not agents; nobody without credentials', async () => {
    for (const role of ROLES) {
      for (const headers of [t.as[role], t.bearer[role]]) {
        expect((await t.api.inject({ method: 'GET', url, headers })).statusCode, role).toBe(role === 'agent' ? 403 : 200);
        expect((await t.api.inject({ method: 'GET', url: `${url}/kustbanken-reklam/audio`, headers })).statusCode, role).toBe(role === 'agent' ? 403 : 200);
      }
    }
    expect((await t.api.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await upload('nytt', 'a.wav', readFileSync(join(parts.dir, 'kustbanken-reklam.wav')), {})).statusCode).toBe(401);
    expect((await upload('nytt', 'a.wav', readFileSync(join(parts.dir, 'kustbanken-reklam.wav')), t.as.agent)).statusCode).toBe(403);
    expect((await t.api.inject({ method: 'DELETE', url: `${url}/kustbanken-reklam` })).statusCode).toBe(401);
    expect(existsSync(join(parts.dir, 'nytt.wav'))).toBe(false);
  });
});

describe('the list', () => {
  it('has the slots recorded by phone with their length, and every slot a flow, queue or avalanche message plays, with its users', async () => {
    const list = (await t.api.inject({ method: 'GET', url, headers: t.as.operator })).json<Announcement[]>();
    const brand = list.find((a) => a.slot === 'kustbanken-reklam')!;
    expect(brand).toMatchObject({ recorded: true, seconds: 2, bytes: 32_044, recordable: true });
    expect(brand.uses).toEqual([{ kind: 'queue', flow: 'kundtjanst', node: 'ko', queue: 'kundtjanst' }]);
    expect(list.find((a) => a.slot === 'lavin-1')).toEqual({ slot: 'lavin-1', recorded: false, recordable: true, uses: [{ kind: 'avalanche', id: '1' }] });
    expect(list.find((a) => a.slot === 'vaxel-sprakval')).toMatchObject({ recorded: false, recordable: true, uses: [{ kind: 'flow', flow: 'vaxel' }] });
    expect((await t.api.inject({ method: 'GET', url: `${url}/nothing-here`, headers: t.as.operator })).statusCode).toBe(404);
    expect(problem(await t.api.inject({ method: 'GET', url: `${url}/Bad Slot`, headers: t.as.operator }), 400).field).toBe('slot');
  });
});

describe('uploading', () => {
  it('converts a stereo 22.05 kHz WAV to 8 kHz mono 16-bit: listed, downloadable, and what the slot plays', async () => {
    const source = join(tempDir('upload-'), 'stereo.wav');
    execFileSync('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', source, 'synth', '1.5', 'sine', '500']);
    const res = await upload('storning', 'Störning.WAV', readFileSync(source));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Announcement>()).toMatchObject({ slot: 'storning', recorded: true, seconds: 1.5, uses: [] });
    const stored = readWav((await parts.announcements.current('storning'))!);
    expect(stored).toMatchObject({ sampleRate: 8000, channels: 1 });
    const audio = await t.api.inject({ method: 'GET', url: `${url}/storning/audio`, headers: t.as.supervisor });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.equals(readFileSync(join(parts.dir, 'storning.wav')))).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('reads an MP3 (Debian libsox-fmt-mp3)', async () => {
    const dir = tempDir('upload-');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', join(dir, 'tone.wav'), 'synth', '1', 'sine', '600']);
    try {
      execFileSync('sox', [join(dir, 'tone.wav'), join(dir, 'tone.mp3')], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`sox cannot write MP3 here: install libsox-fmt-mp3 (scripts/test-deps.sh does). ${(err as { stderr?: Buffer }).stderr?.toString() ?? ''}`);
    }
    const res = await upload('mp3-halsning', 'tone.mp3', readFileSync(join(dir, 'tone.mp3')));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Announcement>().seconds).toBeGreaterThan(0.9);
  });

  it('refuses what is not audio (415) and what is over the limit (413), keeping nothing and the old recording', async () => {
    const before = readFileSync(join(parts.dir, 'kustbanken-reklam.wav'));
    const notAudio = problem(await upload('kustbanken-reklam', 'notes.txt', Buffer.from('not a recording')), 415);
    expect(notAudio.detail).toMatch(/not audio that sox can read/);
    expect(notAudio.code).toBe('not-audio');
    expect(problem(await upload('kustbanken-reklam', 'fake.wav', Buffer.from('RIFF but not really')), 415).field).toBe('file');
    expect(problem(await upload('kustbanken-reklam', 'fake.mp3', Buffer.alloc(5000, 7)), 415).detail).not.toMatch(/\/tmp|drafts/);
    // A playlist would have sox read other files of the server.
    const playlist = Buffer.from(`${join(parts.dir, 'kustbanken-reklam.wav')}\n`);
    expect(problem(await upload('nytt', 'list.m3u', playlist), 415).detail).toBe('not audio: a .m3u file is a playlist');
    const big = join(tempDir('upload-'), 'long.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', big, 'synth', '20', 'sine', '300']);
    expect(problem(await upload('kustbanken-reklam', 'long.wav', readFileSync(big)), 413).detail).toBe(`the recording is larger than ${LIMIT} bytes`);
    expect(problem(await upload('nytt', 'long.wav', readFileSync(big)), 413)).toMatchObject({ field: 'file', code: 'too-large' });
    expect(readFileSync(join(parts.dir, 'kustbanken-reklam.wav')).equals(before)).toBe(true);
    expect(existsSync(join(parts.dir, 'nytt.wav'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('without sox on the server: a 503 that says so, nothing kept', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('no-sox-');
    try {
      const res = await upload('nytt', 'a.wav', readFileSync(join(parts.dir, 'kustbanken-reklam.wav')));
      expect(problem(res, 503).detail).toBe('sox is not installed on the server: uploads cannot be converted');
    } finally {
      process.env.PATH = path;
    }
    expect(existsSync(join(parts.dir, 'nytt.wav'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('takes, at the default limit, a recording larger than the API\'s 1 MiB limit for other bodies, cut at 10 minutes', async () => {
    const big = await buildTestApi({ features: [{ prefix: '/api/v1', plugin: announcementsRoutes(parts) }] });
    try {
      const source = join(tempDir('upload-'), 'long.wav');
      execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', source, 'synth', '660', 'sine', '300']);
      const form = multipartFile('file', 'long.wav', readFileSync(source));
      const res = await big.api.inject({ method: 'PUT', url: `${url}/lang`, headers: { ...big.as.operator, ...form.headers }, payload: form.payload });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<Announcement>().seconds).toBe(MAX_PROMPT_SECONDS);
      await parts.announcements.remove('lang');
    } finally {
      await big.close();
    }
  });

  it('needs a multipart form with a file', async () => {
    expect(problem(await t.api.inject({ method: 'PUT', url: `${url}/nytt`, headers: t.as.operator, payload: { file: 'x' } }), 415).detail).toMatch(/multipart\/form-data/);
    const noFile = `--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n`;
    const res = await t.api.inject({ method: 'PUT', url: `${url}/nytt`, headers: { ...t.as.operator, 'content-type': 'multipart/form-data; boundary=b' }, payload: noFile });
    expect(problem(res, 400).field).toBe('file');
  });
});

describe('deleting', () => {
  it('only a recording nothing plays; in use is 409 naming the user; unknown is 404', async () => {
    const inUse = problem(await t.api.inject({ method: 'DELETE', url: `${url}/kustbanken-reklam`, headers: t.as.operator }), 409);
    expect(inUse.detail).toBe("announcement 'kustbanken-reklam' is played by the brand messages of queue kundtjanst (flow kundtjanst node ko)");
    expect(existsSync(join(parts.dir, 'kustbanken-reklam.wav'))).toBe(true);
    writeToneWav(join(parts.dir, 'lavin-1.wav'), { hz: 1300, seconds: 1 });
    expect(problem(await t.api.inject({ method: 'DELETE', url: `${url}/lavin-1`, headers: t.as.operator }), 409).detail).toMatch(/avalanche message 1/);

    expect((await t.api.inject({ method: 'DELETE', url: `${url}/storning`, headers: t.as.operator })).statusCode).toBe(204);
    expect(existsSync(join(parts.dir, 'storning.wav'))).toBe(false);
    expect((await t.api.inject({ method: 'DELETE', url: `${url}/storning`, headers: t.as.operator })).statusCode).toBe(404);
    expect((await t.api.inject({ method: 'GET', url: `${url}/storning/audio`, headers: t.as.operator })).statusCode).toBe(404);
  });
});
