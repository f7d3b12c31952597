import { describe, expect, it } from 'vitest';
import { RealClock, SimulatedClock } from '../../server/acd/clock.js';

describe('the simulated clock lets a day pass in a moment', () => {
  it('runs due timers in time order, each at its own time, and stops at the target', async () => {
    const clock = new SimulatedClock(0);
    const seen: Array<[string, number]> = [];
    clock.setTimer(300, () => seen.push(['c', clock.now()]));
    clock.setTimer(100, () => seen.push(['a', clock.now()]));
    clock.setTimer(200, () => seen.push(['b', clock.now()]));
    clock.setTimer(900, () => seen.push(['late', clock.now()]));
    await clock.advanceTo(500);
    expect(seen).toEqual([['a', 100], ['b', 200], ['c', 300]]);
    expect(clock.now()).toBe(500);
    expect(clock.pending).toBe(1);
  });

  it('runs timers set by timers when they fall due before the target, and not cleared ones', async () => {
    const clock = new SimulatedClock(0);
    const seen: number[] = [];
    const dropped = clock.setTimer(150, () => seen.push(-1));
    clock.setTimer(100, () => {
      seen.push(clock.now());
      clock.setTimer(120, () => seen.push(clock.now()));
      clock.clearTimer(dropped);
    });
    await clock.advanceTo(1000);
    expect(seen).toEqual([100, 120]);
  });

  it('waits for a timer\'s promise before the next timer runs', async () => {
    const clock = new SimulatedClock(0);
    const seen: string[] = [];
    clock.setTimer(10, async () => {
      await Promise.resolve();
      await Promise.resolve();
      seen.push(`first done at ${clock.now()}`);
    });
    clock.setTimer(10, () => seen.push('second'));
    await clock.advanceTo(10);
    expect(seen).toEqual(['first done at 10', 'second']);
  });

  it('handles a hundred thousand timers quickly', async () => {
    const clock = new SimulatedClock(0);
    let n = 0;
    for (let i = 0; i < 100_000; i++) clock.setTimer((i * 7919) % 100_000, () => n++);
    const started = performance.now();
    await clock.runAll();
    expect(n).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('the real clock', () => {
  it('fires a timer at its time and not after it is cleared', async () => {
    const clock = new RealClock();
    const fired: string[] = [];
    const t = clock.setTimer(clock.now() + 5, () => fired.push('cleared'));
    clock.clearTimer(t);
    await new Promise<void>((resolve) => clock.setTimer(clock.now() + 20, () => { fired.push('due'); resolve(); }));
    expect(fired).toEqual(['due']);
  });
});
