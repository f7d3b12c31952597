/**
 * The webhooks' backlog on disk (server/api/webhooks/journal.ts): what was
 * queued and not delivered comes back after a clean stop and after a kill
 * (the file reopened without a close, a last line cut off), in order; the
 * file is compacted so it does not grow for ever.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeliveryJournal } from '../../server/api/webhooks/journal.js';
import type { WebhookEvent } from '../../server/api/webhooks/events.js';
import { tempDir } from '../support/tmp.js';

const silent = pino({ level: 'silent' });

let n = 0;
function event(type: WebhookEvent['type'] = 'call.started'): WebhookEvent {
  n++;
  return {
    version: 1, id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type,
    time: new Date(1_780_000_000_000 + n).toISOString(), callId: `call-${n}@example`, caller: '+46701740651',
  };
}

const ids = (j: DeliveryJournal): string[] => {
  const out: string[] = [];
  // Reading the order back the way the sender does: the first, then done.
  for (let e = j.first(); e; e = j.first()) {
    out.push(e.id);
    j.done(e.id);
  }
  return out;
};

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('the webhook backlog on disk', () => {
  it('a clean restart brings back the undelivered events, in order, and not the delivered ones', async () => {
    const file = join(tempDir('webhooks-'), 'a.jsonl');
    const first = await DeliveryJournal.open(file, silent);
    const [a, b, c, d] = [event(), event('call.queued'), event('call.answered'), event('call.ended')];
    for (const e of [a, b, c, d]) first.append(e);
    first.done(a.id);
    first.done(c.id);
    await first.close();

    const again = await DeliveryJournal.open(file, silent);
    expect(again.size).toBe(2);
    expect(again.first()).toEqual(b);
    expect(ids(again)).toEqual([b.id, d.id]);
    await again.close();
  });

  it('kill -9: reopened without a close, with its last line cut off mid-write, nothing written whole is lost', async () => {
    const file = join(tempDir('webhooks-'), 'a.jsonl');
    const crashed = await DeliveryJournal.open(file, silent);
    const [a, b, c] = [event(), event(), event()];
    for (const e of [a, b, c]) crashed.append(e);
    crashed.done(a.id);
    await crashed.flush(); // written to the OS, never closed: what a kill leaves
    appendFileSync(file, '{"add":{"version":1,"id":"00000000-0000-4000-8000-0000'); // the write the kill cut

    const restarted = await DeliveryJournal.open(file, silent);
    expect(restarted.size).toBe(2);
    // The cut line is gone from the file, so what is appended next is read back whole.
    const e = event();
    restarted.append(e);
    await restarted.flush();
    const third = await DeliveryJournal.open(file, silent);
    expect(ids(third)).toEqual([b.id, c.id, e.id]);
    await Promise.all([third.close(), restarted.close(), crashed.close()]);
  });

  it('queuing counts the event at once; flush waits until its line is in the file', async () => {
    const file = join(tempDir('webhooks-'), 'a.jsonl');
    const j = await DeliveryJournal.open(file, silent);
    const e = event();
    j.append(e);
    expect(j.size).toBe(1);
    expect(j.first()).toEqual(e);
    await j.flush();
    expect(lines(file).map((l) => JSON.parse(l))).toEqual([{ add: e }]);
    await j.close();
  });

  it('is compacted once the delivered events outnumber the pending ones: the file holds the pending events only', async () => {
    const file = join(tempDir('webhooks-'), 'a.jsonl');
    const j = await DeliveryJournal.open(file, silent);
    const events = Array.from({ length: 1500 }, () => event());
    for (const e of events) j.append(e);
    await j.flush();
    for (const e of events.slice(0, 999)) j.done(e.id);
    await j.flush();
    expect(lines(file)).toHaveLength(1500 + 999); // below the threshold: appended only
    j.done(events[999]!.id); // the 1000th: more done than the 500 pending, so the file is rewritten
    // Changes while the rewrite is under way go into the new file after it.
    const late = event();
    j.append(late);
    j.done(events[1000]!.id);
    await j.flush();
    expect(lines(file).map((l) => JSON.parse(l))).toEqual([
      ...events.slice(1000).map((e) => ({ add: e })), { add: late }, { done: events[1000]!.id },
    ]);
    await j.close();
    const reopened = await DeliveryJournal.open(file, silent);
    expect(ids(reopened)).toEqual([...events.slice(1001).map((e) => e.id), late.id]);
    await reopened.close();
  });

  it('is compacted when opened: a restart starts from a file of pending events', async () => {
    const file = join(tempDir('webhooks-'), 'a.jsonl');
    const j = await DeliveryJournal.open(file, silent);
    const [a, b] = [event(), event()];
    j.append(a);
    j.append(b);
    j.done(a.id);
    await j.close();
    expect(lines(file)).toHaveLength(3);
    const reopened = await DeliveryJournal.open(file, silent);
    expect(lines(file).map((l) => JSON.parse(l))).toEqual([{ add: b }]);
    await reopened.close();
  });
});
