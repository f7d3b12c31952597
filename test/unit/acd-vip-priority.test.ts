import { describe, expect, it } from 'vitest';
import { orderKey, servedBefore } from '../../server/acd/ordering.js';
import { agent, centre, queue } from './acd-fixtures.js';

describe('a VIP caller goes ahead of ordinary callers', () => {
  it.each([
    ['priority classes', queue({ priority: { kind: 'classes' } })],
    ['a head start of 60 s per point', queue({ priority: { kind: 'head-start', secondsPerPoint: 60 } })],
  ])('with %s, a VIP overtakes two callers who called earlier', async (_, q) => {
    const c = await centre({ queues: [q], agents: [agent('anna')] });
    await c.acd.enqueue(c.call('ordinary-1'));
    await c.wait(10);
    await c.acd.enqueue(c.call('ordinary-2'));
    await c.wait(10);
    await c.acd.enqueue(c.call('vip', { priority: 1 }));
    expect(c.acd.snapshot().queues[0]!.entries.map((e) => e.id)).toEqual(['vip', 'ordinary-1', 'ordinary-2']);
    expect(c.acd.positionOf('ordinary-2')).toBe(3);

    await c.acd.login('anna');
    expect(c.offers()).toEqual([['vip', 'anna']]);
  });

  it('with priority classes, a VIP goes ahead however long the ordinary callers have waited', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('ordinary'));
    await c.wait(3600);
    await c.acd.enqueue(c.call('vip', { priority: 1 }));
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['vip', 'anna']]);
  });

  it('with a head start, a VIP does not overtake a caller who has waited longer than the head start', async () => {
    const c = await centre({ queues: [queue({ priority: { kind: 'head-start', secondsPerPoint: 60 } })], agents: [agent('anna')] });
    await c.acd.enqueue(c.call('long-waiting'));
    await c.wait(90);
    await c.acd.enqueue(c.call('vip', { priority: 1 }));
    await c.acd.login('anna');
    expect(c.offers()).toEqual([['long-waiting', 'anna']]);
  });

  it('among VIPs, and among ordinary callers, the one who called first goes first', async () => {
    const c = await centre({ agents: [agent('anna')] });
    await c.acd.enqueue(c.call('o1'));
    await c.acd.enqueue(c.call('v1', { priority: 2 }));
    await c.wait(1);
    await c.acd.enqueue(c.call('o2'));
    await c.acd.enqueue(c.call('v2', { priority: 2 }));
    await c.acd.enqueue(c.call('urgent', { priority: 5 }));
    expect(c.acd.snapshot().queues[0]!.entries.map((e) => e.id)).toEqual(['urgent', 'v1', 'v2', 'o1', 'o2']);
  });
});

describe('the order of the line', () => {
  it('compares entries of a classes queue by class, then by enqueue time', () => {
    const q = queue();
    const base = { queueId: q.id, kind: 'call' as const, data: {} };
    const early = orderKey(q, { ...base, id: 'a', enqueuedAt: 0, priority: 0 }, 0);
    const vip = orderKey(q, { ...base, id: 'b', enqueuedAt: 50_000, priority: 1 }, 1);
    expect(servedBefore(vip, early)).toBe(true);
    expect(servedBefore(early, vip)).toBe(false);
  });

  it('counts each head-start point as seconds of extra waiting', () => {
    const q = queue({ priority: { kind: 'head-start', secondsPerPoint: 30 } });
    const base = { queueId: q.id, kind: 'call' as const, data: {} };
    const key = orderKey(q, { ...base, id: 'a', enqueuedAt: 100_000, priority: 2 }, 0);
    expect(key.time).toBe(40_000);
    expect(key.cls).toBe(0);
  });
});
