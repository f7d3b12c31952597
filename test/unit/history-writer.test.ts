/**
 * The history's batch writer on a real SQLite file: a write is queued and
 * returns at once, writes go in batches, a batch the database refuses is
 * kept and written on the next try, and stopping writes what is queued.
 * The refusal is the one stand-in: a repository that passes every write to
 * SQLite except the first `failures`.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryWrite } from '../../server/history/records.js';
import type { HistoryRepository } from '../../server/history/repository.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { HistoryWriter } from '../../server/history/writer.js';
import { tempDir } from '../support/tmp.js';

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const contact = (n: number): HistoryWrite => ({ kind: 'contact', id: `c${n}`, fields: { startedAt: T0 + n } });

describe('history writer', () => {
  let sqlite: SqliteHistory | undefined;
  afterEach(async () => { await sqlite?.close(); });

  /** SQLite, with each batch's size noted and the first `failures` batches refused. */
  function repository(failures = 0): { repo: HistoryRepository; batches: number[] } {
    sqlite = SqliteHistory.open(join(tempDir('history-writer-'), 'history.sqlite'));
    const real = sqlite;
    const batches: number[] = [];
    let refuse = failures;
    const repo = Object.assign(Object.create(real) as HistoryRepository, {
      write: async (batch: readonly HistoryWrite[]) => {
        if (refuse-- > 0) throw new Error('database unavailable');
        batches.push(batch.length);
        await real.write(batch);
      },
    });
    return { repo, batches };
  }

  it('queues writes without waiting for the database and writes them in batches of at most batchSize', async () => {
    const { repo, batches } = repository();
    const writer = new HistoryWriter(repo, { logger: pino({ level: 'silent' }), batchSize: 400, delayMs: 50 });
    for (let n = 0; n < 1_000; n++) writer.add(contact(n));
    expect(writer.backlog()).toBe(1_000);
    expect(batches).toEqual([]);
    await expect.poll(() => writer.backlog(), { timeout: 5_000 }).toBe(0);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(Math.max(...batches)).toBeLessThanOrEqual(400);
    expect(await repo.contactIds(T0, T0 + 1_000)).toHaveLength(1_000);
    await writer.stop();
  });

  it('keeps a batch the database refused and writes it on the next try, saying so in the log', async () => {
    const { repo } = repository(2);
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => { logged.push(JSON.parse(line).msg as string); } });
    const writer = new HistoryWriter(repo, { logger, delayMs: 5, retryMs: 20 });
    writer.add(contact(1));
    writer.add(contact(2));
    await expect.poll(() => writer.backlog(), { timeout: 5_000 }).toBe(0);
    expect(await repo.contactIds(T0, T0 + 10)).toEqual(['c1', 'c2']);
    expect(logged).toEqual(['history batch not written: tried again shortly', 'history batch not written: tried again shortly']);
    await writer.stop();
  });

  it('tries a refused batch again after retryMs, however many writes arrive meanwhile', async () => {
    const { repo, batches } = repository(1);
    const writer = new HistoryWriter(repo, { logger: pino({ level: 'silent' }), batchSize: 10, delayMs: 1, retryMs: 60_000 });
    writer.add(contact(0));
    await writer.flush();
    expect(writer.backlog()).toBe(1);
    // Refused once: now 100 writes, ten full batches, arrive; none is tried before the retry is due.
    for (let n = 1; n <= 100; n++) writer.add(contact(n));
    // Nothing is awaited here but the absence of a write: a few timer turns in which one would have happened.
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([]);
    await writer.stop();
    expect(await repo.contactIds(T0, T0 + 1_000)).toHaveLength(101);
  });

  it('writes everything queued when stopped, and records nothing after', async () => {
    const { repo } = repository();
    const writer = new HistoryWriter(repo, { logger: pino({ level: 'silent' }), delayMs: 60_000 });
    writer.add(contact(1));
    await writer.stop();
    expect(writer.backlog()).toBe(0);
    writer.add(contact(2));
    expect(writer.backlog()).toBe(0);
    expect(await repo.contactIds(T0, T0 + 10)).toEqual(['c1']);
  });
});
