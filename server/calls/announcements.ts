/**
 * Operators' recorded announcements, one WAV per slot under
 * DATA_DIR/announcements/<slot>.wav; drafts under .../drafts/. Saving trims
 * the silence at each end of the draft (media/trim.ts) and renames the
 * trimmed file over the slot's (same file system, one atomic rename: a
 * caller starting to play the slot gets the old file or the new one, never
 * half of one; the media engine's sound cache notices the new inode and
 * reloads on the next play).
 *
 * Recordings can also be uploaded (any audio sox reads, converted to the
 * engines' form, media/convert-audio.ts): converted into drafts/, then
 * renamed over the slot's file the same way. Uploaded or recorded by phone,
 * a slot is one file: flows, queues and avalanche messages play it by name.
 *
 * PINs are the configured operators' (config `operators`): compared in
 * constant time, never logged, and tried a limited number of times per
 * extension (./pin-tries.ts).
 */
import { timingSafeEqual, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperatorConfig } from '../../config/schema.js';
import { convertToPrompt, wavSeconds } from '../../media/convert-audio.js';
import { saveTrimmedWav } from '../../media/trim.js';
import type { AnnouncementStore } from '../ivr/context.js';
import type { PinTries } from './pin-tries.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A slot's saved recording. */
export interface RecordingInfo {
  slot: string;
  bytes: number;
  /** Length in seconds; undefined when the file is not a WAV we can measure. */
  seconds: number | undefined;
  modified: Date;
}

const SLOT_FILE = /^([a-z0-9][a-z0-9_-]*)\.wav$/;

export class FileAnnouncementStore implements AnnouncementStore {
  private pins: Array<{ name: string; hash: Buffer }> = [];

  constructor(private readonly dir: string, operators: readonly Pick<OperatorConfig, 'name' | 'pin'>[] = [], private readonly tries?: PinTries) {
    this.reconfigure(operators);
  }

  /** The operators whose PINs are accepted from now on (the running configuration changed). */
  reconfigure(operators: readonly Pick<OperatorConfig, 'name' | 'pin'>[]): void {
    this.pins = operators.map((o) => ({ name: o.name, hash: digest(o.pin) }));
  }

  async current(slot: string): Promise<string | undefined> {
    const file = join(this.dir, `${slot}.wav`);
    return existsSync(file) ? file : undefined;
  }

  async verifyPin(pin: string, caller: string): Promise<boolean> {
    if (this.tries?.locked(caller)) return false;
    const ok = this.operatorOf(pin) !== undefined;
    if (!ok) this.tries?.wrong(caller);
    return ok;
  }

  /** The operator whose PIN this is (every PIN is compared, in constant time). */
  operatorOf(pin: string): string | undefined {
    const hash = digest(pin);
    let found: string | undefined;
    for (const p of this.pins) if (timingSafeEqual(p.hash, hash) && found === undefined) found = p.name;
    return found;
  }

  draftFile(slot: string, callId: string): string {
    const drafts = join(this.dir, 'drafts');
    mkdirSync(drafts, { recursive: true });
    return join(drafts, `${slot}-${callId.replace(/[^\w.-]/g, '_')}.wav`);
  }

  async save(slot: string, wavFile: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await saveTrimmedWav(wavFile, join(this.dir, `${slot}.wav`));
  }

  /** Every saved recording, by slot name. */
  async list(): Promise<RecordingInfo[]> {
    const names = existsSync(this.dir) ? await readdir(this.dir) : [];
    const out: RecordingInfo[] = [];
    for (const name of names.sort()) {
      const slot = SLOT_FILE.exec(name)?.[1];
      if (!slot) continue;
      const file = join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      out.push({ slot, bytes: info.size, seconds: await wavSeconds(file).catch(() => undefined), modified: info.mtime });
    }
    return out;
  }

  /** A fresh path in drafts/ for an upload to be written to, keeping its extension (sox reads by it). */
  uploadFile(extension: string | undefined): string {
    const drafts = join(this.dir, 'drafts');
    mkdirSync(drafts, { recursive: true });
    return join(drafts, `upload-${randomBytes(8).toString('hex')}${extension ? `.${extension}` : ''}`);
  }

  /**
   * Converts an uploaded file and makes it the slot's recording: the next
   * caller hears it. Throws AudioConversionError (media/convert-audio.ts)
   * with nothing kept; the upload itself is the caller's to remove.
   */
  async saveUpload(slot: string, upload: string, extension: string | undefined): Promise<void> {
    const converted = join(this.dir, 'drafts', `${slot}-upload-${randomBytes(8).toString('hex')}.wav`);
    try {
      await convertToPrompt(upload, converted, extension);
      await rename(converted, join(this.dir, `${slot}.wav`));
    } finally {
      await rm(converted, { force: true });
    }
  }

  /** Deletes a slot's recording; false when there was none. */
  async remove(slot: string): Promise<boolean> {
    const file = join(this.dir, `${slot}.wav`);
    if (!existsSync(file)) return false;
    await rm(file, { force: true });
    return true;
  }
}
