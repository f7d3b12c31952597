import { describe, expect, it } from 'vitest';
import { RecentHandleTimes, estimateWaitSeconds } from '../../server/acd/ewt.js';
import { agent, centre, queue } from './acd-fixtures.js';

describe('the estimated wait time for announcements', () => {
  it('grows with the line and the handling time, shrinks with more agents', () => {
    const base = { ahead: 4, staffed: 5, free: 0, handleSeconds: 180 };
    expect(estimateWaitSeconds(base)).toBe(180); // 5th in line, one agent free every 36 s
    expect(estimateWaitSeconds({ ...base, ahead: 9 })).toBe(360);
    expect(estimateWaitSeconds({ ...base, handleSeconds: 360 })).toBe(360);
    expect(estimateWaitSeconds({ ...base, staffed: 10 })).toBe(90);
    expect(estimateWaitSeconds({ ...base, ahead: 0, free: 1 })).toBe(0);
    expect(estimateWaitSeconds({ ...base, staffed: 0 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps the mean of the recent handling times only', () => {
    const recent = new RecentHandleTimes(3);
    expect(recent.mean()).toBeUndefined();
    for (const s of [1000, 100, 200, 300]) recent.add(s);
    expect(recent.mean()).toBe(200);
  });

  it('follows the queue\'s real handling times and staffing', async () => {
    const c = await centre({ queues: [queue({ defaultHandleSeconds: 100 })], agents: [agent('anna'), agent('bo')], loggedIn: ['anna'] });
    await c.acd.enqueue(c.call('c1'));
    await c.acd.offerAccepted('c1', 'anna');
    await c.acd.enqueue(c.call('w1'));
    // one agent, busy; one caller waiting; no call has ended yet: 2 x 100 s / 1
    expect(c.acd.estimatedWaitSeconds('support')).toBe(200);
    expect(c.acd.estimatedWaitSeconds('support', 'w1')).toBe(100);

    await c.wait(300);
    await c.acd.callEnded('c1'); // 300 s handled: the estimate follows
    await c.acd.offerAccepted('w1', 'anna');
    await c.acd.enqueue(c.call('w2'));
    expect(c.acd.estimatedWaitSeconds('support', 'w2')).toBe(300);

    await c.acd.login('bo'); // bo takes w2 at once
    await c.acd.enqueue(c.call('w3'));
    expect(c.acd.estimatedWaitSeconds('support', 'w3')).toBe(150); // two agents now

    await c.acd.pause('anna', 'lunch'); // after her call
    await c.acd.callEnded('w1');
    await c.acd.enqueue(c.call('w4'));
    expect(c.acd.snapshot().queues[0]!.staffed).toBe(1);
    expect(c.acd.estimatedWaitSeconds('support')).toBeGreaterThan(300);
  });

  it('is Infinity when nobody staffs the queue, and 0 when an agent is free', async () => {
    const c = await centre({ agents: [agent('anna')] });
    expect(c.acd.estimatedWaitSeconds('support')).toBe(Number.POSITIVE_INFINITY);
    await c.acd.login('anna');
    expect(c.acd.estimatedWaitSeconds('support')).toBe(0);
  });
});
