import { describe, expect, it } from 'vitest';
import { SECOND, agent, centre } from './acd-fixtures.js';

describe('a caller who hangs up before an answer', () => {
  it('is reported abandoned with the time they waited, and leaves the line', async () => {
    const c = await centre({ agents: [agent('anna')] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1', { data: { caller: '+46701740606', dialled: '+46313900601' } }));
    await c.acd.enqueue(c.call('c2'));
    await c.wait(47);
    await c.acd.abandon('c1');
    expect(c.of('abandoned')).toEqual([{ type: 'abandoned', at: t0 + 47 * SECOND, entryId: 'c1', queueId: 'support', waitMs: 47 * SECOND }]);
    expect(c.acd.snapshot().queues[0]!.entries.map((e) => e.id)).toEqual(['c2']);
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['c2', 'anna']]);
  });

  it('hanging up during the call is the end of the call, not an abandon', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.wait(30);
    await c.acd.abandon('c1');
    expect(c.of('abandoned')).toEqual([]);
    expect(c.of('ended')).toMatchObject([{ entryId: 'c1', handleMs: 30 * SECOND }]);
  });

  it('the call ending before it was answered is an abandon', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('c1'));
    await c.wait(12);
    await c.acd.callEnded('c1');
    expect(c.of('abandoned')).toMatchObject([{ entryId: 'c1', waitMs: 12 * SECOND }]);
  });
});
