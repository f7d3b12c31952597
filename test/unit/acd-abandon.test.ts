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

describe('a caller whose maximum wait in the flow runs out', () => {
  it('leaves the line as overflowed, not abandoned, with the time they waited', async () => {
    const c = await centre({ agents: [agent('anna')] });
    const t0 = c.clock.now();
    await c.acd.enqueue(c.call('c1'));
    await c.acd.enqueue(c.call('c2'));
    await c.wait(90);
    await c.acd.overflow('c1');
    expect(c.of('overflowed')).toEqual([{ type: 'overflowed', at: t0 + 90 * SECOND, entryId: 'c1', queueId: 'support', waitMs: 90 * SECOND }]);
    expect(c.of('abandoned')).toEqual([]);
    expect(c.acd.snapshot().queues[0]!.entries.map((e) => e.id)).toEqual(['c2']);
    expect(c.acd.pendingTimers().steps).not.toContain('c1');
  });

  it('an offer ringing is taken back without counting as the agent\'s miss', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    expect(c.offers()).toEqual([['c1', 'anna']]);
    await c.acd.overflow('c1');
    expect(c.of('offer-missed')).toEqual([]);
    expect(c.acd.agent('anna')?.state).toBe('ready');
    expect(c.acd.agent('anna')?.missedInRow).toBe(0);
  });

  it('an answered call cannot overflow', async () => {
    const c = await centre({ agents: [agent('anna')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await expect(c.acd.overflow('c1')).rejects.toThrow(/answered/);
    expect(c.of('overflowed')).toEqual([]);
  });
});
