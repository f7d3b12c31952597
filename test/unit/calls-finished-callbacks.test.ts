/**
 * Callbacks recently done (server/calls/callbacks/finished.ts), from a real
 * ACD's callback-done: what each says, newest first, and the bounds (the
 * last day, at most `max`).
 */
import { describe, expect, it } from 'vitest';
import { CALLBACK_NUMBER_KEY } from '../../server/calls/callbacks/dialogue.js';
import { FinishedCallbacks } from '../../server/calls/callbacks/finished.js';
import { SECOND, agent, centre, queue } from './acd-fixtures.js';

async function booked(c: Awaited<ReturnType<typeof centre>>, id: string, number: string): Promise<void> {
  await c.acd.enqueue(c.call(id, { data: { caller: '+46701740605', service: 'Kundtjänst' } }));
  await c.acd.requestCallback(id, { [CALLBACK_NUMBER_KEY]: number });
}

describe('callbacks recently done', () => {
  it('each one done: number, queue, service, booking time, attempts, outcome; newest first', async () => {
    const c = await centre({ queues: [queue({ callbackMaxAttempts: 1 })], agents: [agent('anna')] });
    const finished = new FinishedCallbacks({ acd: c.acd, clock: c.clock });
    const bookedAt = c.clock.now();
    await booked(c, 'cb1', '+46701740651');
    await c.acd.login('anna');
    await c.acd.offerAccepted('cb1', 'anna');
    await c.wait(30);
    await c.acd.callbackNoAnswer('cb1');
    await booked(c, 'cb2', '+46701740652');
    await c.acd.offerAccepted('cb2', 'anna');
    await c.acd.callEnded('cb2');
    expect(finished.list()).toEqual([
      { id: 'cb2', queueId: 'support', number: '+46701740652', service: 'Kundtjänst', bookedAt: bookedAt + 30 * SECOND, attempts: 0, outcome: 'completed', doneAt: c.clock.now() },
      { id: 'cb1', queueId: 'support', number: '+46701740651', service: 'Kundtjänst', bookedAt, attempts: 1, outcome: 'failed', doneAt: c.clock.now() },
    ]);
    expect(finished.get('cb1')?.outcome).toBe('failed');
    finished.stop();
  });

  it('at most `max`, the oldest going first; none older than `keepMs`', async () => {
    const c = await centre({ agents: [agent('anna')] });
    const finished = new FinishedCallbacks({ acd: c.acd, clock: c.clock, max: 2, keepMs: 60 * SECOND });
    for (const id of ['a', 'b', 'c']) {
      await booked(c, id, '+46701740651');
      await c.acd.cancelCallback(id);
      await c.wait(20);
    }
    expect(finished.list().map((x) => x.id)).toEqual(['c', 'b']);
    expect(finished.get('a')).toBeUndefined();
    await c.wait(20); // b was done 60 s ago: still kept
    expect(finished.list().map((x) => x.id)).toEqual(['c', 'b']);
    await c.wait(1);
    expect(finished.list().map((x) => x.id)).toEqual(['c']);
    finished.stop();
    await booked(c, 'd', '+46701740651');
    await c.acd.cancelCallback('d');
    expect(finished.list().map((x) => x.id)).toEqual(['c']);
  });
});
