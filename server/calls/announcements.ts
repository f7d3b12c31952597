/**
 * Operators' recorded announcements, one WAV per slot under
 * DATA_DIR/announcements/<slot>.wav; drafts under .../drafts/. No operator
 * PINs are configured yet, so recording by phone refuses every PIN.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnnouncementStore } from '../ivr/context.js';

export class FileAnnouncementStore implements AnnouncementStore {
  constructor(private readonly dir: string) {}

  async current(slot: string): Promise<string | undefined> {
    const file = join(this.dir, `${slot}.wav`);
    return existsSync(file) ? file : undefined;
  }

  async verifyPin(_pin: string): Promise<boolean> {
    return false;
  }

  draftFile(slot: string, callId: string): string {
    const drafts = join(this.dir, 'drafts');
    mkdirSync(drafts, { recursive: true });
    return join(drafts, `${slot}-${callId.replace(/[^\w.-]/g, '_')}.wav`);
  }

  async save(slot: string, wavFile: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await rename(wavFile, join(this.dir, `${slot}.wav`));
  }
}
