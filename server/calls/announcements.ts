/**
 * Operators' recorded announcements, one WAV per slot under
 * DATA_DIR/announcements/<slot>.wav; drafts under .../drafts/. Saving trims
 * the silence at each end of the draft (media/trim.ts) and renames the
 * trimmed file over the slot's (same file system, one atomic rename: a
 * caller starting to play the slot gets the old file or the new one, never
 * half of one; the media engine's sound cache notices the new inode and
 * reloads on the next play).
 *
 * PINs are the configured operators' (config `operators`): compared in
 * constant time, never logged, and tried a limited number of times per
 * extension (./pin-tries.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorConfig } from '../../config/schema.js';
import { saveTrimmedWav } from '../../media/trim.js';
import type { AnnouncementStore } from '../ivr/context.js';
import type { PinTries } from './pin-tries.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

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
}
