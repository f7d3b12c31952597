/**
 * What the avalanche and announcements routes work on, real and in a
 * temporary DATA_DIR: a RunningConfig seeded from the configuration files
 * (with `avalanche` messages of the test's own) and the announcement store.
 */
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { AvalancheConfig } from '../../config/schema.js';
import { loadPromptSet } from '../../media/speech.js';
import { FileAnnouncementStore } from '../../server/calls/announcements.js';
import { AvalancheAudience } from '../../server/calls/avalanche-audience.js';
import { loadConfig } from '../../server/config/load.js';
import { RunningConfig } from '../../server/running/index.js';
import { FileRunningStore } from '../../server/store/running-file.js';
import { tempDir } from './tmp.js';

export interface MediaParts {
  running: RunningConfig;
  announcements: FileAnnouncementStore;
  audience: AvalancheAudience;
  /** DATA_DIR/announcements. */
  dir: string;
  now: () => number;
}

export async function mediaParts(avalanche: AvalancheConfig[], now: () => number = Date.now): Promise<MediaParts> {
  const dataDir = tempDir('api-media-');
  const base = loadConfig({ env: {} });
  base.avalanche = avalanche;
  const running = await RunningConfig.open({
    base, store: new FileRunningStore(dataDir), flows: { prompts: loadPromptSet(), dir: resolve('ivr-flows') }, logger: pino({ level: 'silent' }),
  });
  const dir = join(dataDir, 'announcements');
  return { running, announcements: new FileAnnouncementStore(dir), audience: new AvalancheAudience(), dir, now };
}

/** A multipart/form-data request body with one file, as a browser sends it. */
export function multipartFile(field: string, filename: string, content: Buffer, type = 'application/octet-stream'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----vaxel${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
