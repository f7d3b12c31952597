/**
 * Earlier versions kept whether each avalanche message was on, and when, in
 * DATA_DIR/avalanche.json, one file per instance. That state now lives in
 * the running configuration (./avalanche.ts). At start-up a file left by
 * an earlier version is taken over once: the state of each message the
 * configuration still has is written there (one audited change), and the
 * file is renamed to avalanche.json.adopted so it is not taken twice.
 * Messages the file alone had (added at run time with a recording file) are
 * logged and left behind in the renamed file.
 */
import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ChangeAvalanche } from './avalanche.js';

interface FileEntry { id?: unknown; on?: unknown; start?: unknown; end?: unknown }

export async function adoptAvalancheFile(file: string, change: ChangeAvalanche, logger: Logger): Promise<void> {
  if (!existsSync(file)) return;
  let entries: FileEntry[];
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { messages?: unknown };
    entries = Array.isArray(parsed.messages) ? (parsed.messages as FileEntry[]) : [];
  } catch (err) {
    logger.error({ file, err: (err as Error).message }, 'avalanche state file of an earlier version unreadable: left as it is, every message keeps its running-configuration state');
    return;
  }
  const left: string[] = [];
  try {
    await change('avalanche.json', 'took over the avalanche state of an earlier version', (messages) => {
      for (const e of entries) {
        const i = messages.findIndex((m) => m.id === e.id);
        if (i < 0 || typeof e.on !== 'boolean') {
          left.push(String(e.id));
          continue;
        }
        const { start: _start, end: _end, ...rest } = messages[i]!;
        messages[i] = {
          ...rest, on: e.on,
          ...(typeof e.start === 'string' ? { start: e.start } : {}),
          ...(typeof e.end === 'string' ? { end: e.end } : {}),
        };
      }
    });
  } catch (err) {
    logger.error({ file, err: (err as Error).message }, 'avalanche state of an earlier version refused by the running configuration: file left as it is');
    return;
  }
  await rename(file, `${file}.adopted`);
  logger.info({ file, left }, 'avalanche state of an earlier version taken into the running configuration');
}
