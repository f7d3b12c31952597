/**
 * One webhook's undelivered events, in order, in memory and in an
 * append-only file: a line `{"add": event}` when an event is queued, a line
 * `{"done": id}` when it was delivered (or dropped). Reading the file back
 * gives the events added and not done, in their order.
 *
 * - Queuing never waits: `append` and `done` change the memory at once and
 *   hand their line to a writer that appends in the background, one write
 *   at a time, in order. `flush` waits for it (a clean stop).
 * - kill -9 loses at most the lines not yet handed to the operating system
 *   (the events of the last moment); a line cut off by the kill is skipped
 *   when read back. An event delivered but whose `done` line was lost is
 *   delivered again after the restart, with its id (receivers recognise it).
 * - Compaction: the file is rewritten with only the events still pending
 *   (a new file, synced, then renamed over the old one, so a kill at any
 *   moment leaves either file whole) when it is opened, and whenever the
 *   `done` lines since the last rewrite outnumber the pending events and a
 *   threshold. A failed write is logged and repaired by a rewrite on the
 *   next change.
 */
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { Value } from 'typebox/value';
import type { Logger } from 'pino';
import { WebhookEventSchema, type WebhookEvent } from './events.js';

/** Rewrite when at least this many events were done since the last rewrite (and more than are pending). */
const COMPACT_AFTER_DONE = 1000;

type Line = { add: WebhookEvent } | { done: string };

export class DeliveryJournal {
  private readonly pending = new Map<string, WebhookEvent>();
  /** Lines waiting for the writer. */
  private lines: string[] = [];
  private doneSinceRewrite = 0;
  private rewriteWanted = false;
  private writing: Promise<void> | undefined;
  /** Set after a failed write, until one succeeds: one error line per outage. */
  private failing = false;
  private closed = false;

  private constructor(
    private readonly file: string,
    private handle: FileHandle,
    private readonly logger: Logger,
  ) {}

  /** Reads the file (created when missing) and rewrites it with the pending events only. */
  static async open(file: string, logger: Logger): Promise<DeliveryJournal> {
    const events = await readPending(file, logger);
    await writeWhole(file, events);
    const journal = new DeliveryJournal(file, await open(file, 'a'), logger);
    for (const e of events) journal.pending.set(e.id, e);
    return journal;
  }

  get size(): number {
    return this.pending.size;
  }

  /** The oldest pending event. */
  first(): WebhookEvent | undefined {
    return this.pending.values().next().value;
  }

  append(event: WebhookEvent): void {
    if (this.closed) throw new Error('the webhook journal is closed');
    this.pending.set(event.id, event);
    this.write({ add: event });
  }

  /** The event was delivered, or dropped: it leaves the queue. */
  done(id: string): void {
    if (this.closed || !this.pending.delete(id)) return;
    this.doneSinceRewrite++;
    if (this.doneSinceRewrite >= COMPACT_AFTER_DONE && this.doneSinceRewrite > this.pending.size) this.rewriteWanted = true;
    this.write({ done: id });
  }

  /** Resolves when every change so far is written (or its write failed, and was logged). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.handle.close();
  }

  private write(line: Line): void {
    this.lines.push(`${JSON.stringify(line)}\n`);
    this.startWriter();
  }

  private startWriter(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      // Lines that came as the writer finished.
      if (this.lines.length > 0) this.startWriter();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.lines.length > 0 || this.rewriteWanted) {
        if (this.rewriteWanted) await this.rewrite();
        else {
          const chunk = this.lines.join('');
          this.lines = [];
          await this.handle.write(chunk);
        }
      }
      if (this.failing) this.logger.info({ file: this.file }, 'webhook journal written again');
      this.failing = false;
    } catch (err) {
      // What was lost is in memory: the next change rewrites the whole file from it.
      this.rewriteWanted = true;
      this.lines = [];
      if (!this.failing) this.logger.error({ err, file: this.file }, 'webhook journal write failed: undelivered events would not survive a restart until it works again');
      this.failing = true;
    }
  }

  /**
   * The file replaced by the pending events as they are now; the lines
   * waiting are in them. Changes made while it is written go to `lines`, and
   * are appended to the new file after it.
   */
  private async rewrite(): Promise<void> {
    const events = [...this.pending.values()];
    this.lines = [];
    this.rewriteWanted = false;
    this.doneSinceRewrite = 0;
    try {
      await writeWhole(this.file, events);
    } catch (err) {
      this.rewriteWanted = true;
      throw err;
    }
    // The old handle points at the replaced file.
    const previous = this.handle;
    this.handle = await open(this.file, 'a');
    await previous.close().catch(() => {});
  }
}

async function readPending(file: string, logger: Logger): Promise<WebhookEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const pending = new Map<string, WebhookEvent>();
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const line = parseLine(raw);
    if (!line) unreadable++;
    else if ('add' in line) pending.set(line.add.id, line.add);
    else pending.delete(line.done);
  }
  // A kill in the middle of a write cuts its last line: expected once, worth a look if more.
  if (unreadable > 0) logger.warn({ file, unreadable }, 'webhook journal: unreadable lines skipped (a write cut off by a crash)');
  return [...pending.values()];
}

function parseLine(raw: string): Line | undefined {
  try {
    const line = JSON.parse(raw) as unknown;
    if (typeof line !== 'object' || line === null) return undefined;
    if ('done' in line && typeof line.done === 'string') return { done: line.done };
    if ('add' in line && Value.Check(WebhookEventSchema, line.add)) return { add: line.add };
  } catch {
    // unreadable: counted by the caller
  }
  return undefined;
}

/** Events serialised per write while rewriting: a large backlog never holds the event loop for long. */
const REWRITE_CHUNK = 1000;

/** Replaces the file with these events, atomically: a new file, synced, renamed over the old. */
async function writeWhole(file: string, events: readonly WebhookEvent[]): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    for (let i = 0; i < events.length; i += REWRITE_CHUNK) {
      await handle.write(events.slice(i, i + REWRITE_CHUNK).map((e) => `${JSON.stringify({ add: e } satisfies Line)}\n`).join(''));
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
