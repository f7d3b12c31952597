/**
 * The routing replay (server/stats/replay.ts) on small days worked out by
 * hand: what the callers and agents do, and the figures it gives
 * (server/stats/replay-figures.ts).
 */
import { describe, expect, it } from 'vitest';
import type { QueueConfig } from '../../server/acd/model.js';
import { ReplayError, replayDay, type ReplayArrival, type ReplayOptions, type ReplayScenario, type ReplayShift } from '../../server/stats/replay.js';
import { generateDay, mergeDays } from '../simulation/generated-day.js';
import { agent, queue } from './acd-fixtures.js';

const START = Date.UTC(2026, 2, 2, 7, 0); // 08:00 in Stockholm
const s = (seconds: number): number => START + seconds * 1000;
const HOUR_OPTIONS: ReplayOptions = { intervalMinutes: 60, targetSeconds: 20 };

function call(id: string, atSeconds: number, handleSeconds: number, over: Partial<ReplayArrival> = {}): ReplayArrival {
  return { id, at: s(atSeconds), queueId: 'support', handleSeconds, ...over };
}

function shift(agentId: string, fromSeconds: number, toSeconds: number): ReplayShift {
  return { agentId, from: s(fromSeconds), to: s(toSeconds) };
}

function scenario(over: Partial<ReplayScenario> & { queue?: Partial<QueueConfig> } = {}): ReplayScenario {
  return {
    queues: over.queues ?? [queue(over.queue)],
    agents: over.agents ?? [agent('anna')],
    shifts: over.shifts ?? [shift('anna', 0, 3600)],
  };
}

describe('callers', () => {
  it('a caller who hangs up within the short-abandon threshold is reported apart and left out of the service level', async () => {
    const report = await replayDay(
      [
        call('first', 0, 60), // answered at once
        call('quick', 10, 60, { patienceSeconds: 3 }), // hangs up after 3 s: a short abandon
        call('gives-up', 20, 60, { patienceSeconds: 30 }), // hangs up after 30 s
        call('patient', 30, 60), // answered at 60 s, after 30 s
      ],
      scenario(),
      { ...HOUR_OPTIONS, shortAbandonSeconds: 5 },
    );
    expect(report.day.queues.support).toEqual({
      offered: 4,
      answered: 2,
      answeredWithinTarget: 1,
      abandoned: 2,
      shortAbandoned: 1,
      unanswered: 0,
      serviceLevel: 1 / 3, // 1 within 20 s of 2 answered + 2 abandoned - 1 short
      averageSpeedOfAnswerSeconds: 15,
      averageWaitSeconds: (0 + 3 + 30 + 30) / 4,
      maxWaitSeconds: 30,
    });
    expect(report.day.agents.anna).toEqual({ staffedSeconds: 3600, occupiedSeconds: 120, occupancy: 120 / 3600, answered: 2 });
  });

  it('a VIP caller overtakes one who waited longer', async () => {
    const report = await replayDay(
      [call('first', 0, 60), call('ordinary', 10, 60), call('vip', 20, 60, { priority: 1 })],
      scenario(),
      HOUR_OPTIONS,
    );
    // The VIP is answered at 60 s (40 s wait), the ordinary caller at 120 s (110 s).
    expect(report.day.queues.support).toMatchObject({ answered: 3, maxWaitSeconds: 110, averageSpeedOfAnswerSeconds: 50 });
  });

  it('a caller is counted in the interval they arrived in, the agent’s answer in the interval it happened', async () => {
    const report = await replayDay(
      [call('first', 0, 930), call('late', 14 * 60 + 50, 60)],
      scenario(),
      { intervalMinutes: 15, targetSeconds: 20 },
    );
    const [first, second] = report.intervals;
    // 'late' arrives at 08:14:50 and is answered at 08:15:30.
    expect(first!.queues.support).toMatchObject({ offered: 2, answered: 2, maxWaitSeconds: 40 });
    expect(second!.queues.support!.offered).toBe(0);
    expect(first!.agents.anna!.answered).toBe(1);
    expect(second!.agents.anna!.answered).toBe(1);
    expect(report.intervals.map((i) => new Date(i.start).toISOString().slice(11, 16))).toEqual(['07:00', '07:15', '07:30', '07:45']);
  });

  it('unsorted arrivals are played in time order', async () => {
    const inOrder = [call('a', 0, 100), call('b', 10, 100), call('c', 20, 100)];
    const shuffled = [inOrder[2]!, inOrder[0]!, inOrder[1]!];
    expect(await replayDay(shuffled, scenario(), HOUR_OPTIONS)).toEqual(await replayDay(inOrder, scenario(), HOUR_OPTIONS));
  });
});

describe('agents', () => {
  it('the queue’s wrap-up keeps the agent from the next caller, and counts as occupied', async () => {
    const report = await replayDay([call('first', 0, 60), call('second', 10, 60)], scenario({ queue: { wrapUpSeconds: 30 } }), HOUR_OPTIONS);
    expect(report.day.queues.support).toMatchObject({ answered: 2, maxWaitSeconds: 80 });
    expect(report.day.agents.anna!.occupiedSeconds).toBe(2 * (60 + 30));
  });

  it('an agent answers after the ring time: it is part of the wait', async () => {
    const report = await replayDay([call('first', 0, 60)], scenario(), { ...HOUR_OPTIONS, ringSeconds: 5 });
    expect(report.day.queues.support).toMatchObject({ answered: 1, averageSpeedOfAnswerSeconds: 5 });
    expect(report.day.agents.anna!.occupiedSeconds).toBe(65);
  });

  it('a caller who hangs up while the agent’s phone rings is abandoned, and the agent is free again', async () => {
    const report = await replayDay([call('gone', 0, 60, { patienceSeconds: 3 }), call('next', 10, 60)], scenario(), { ...HOUR_OPTIONS, ringSeconds: 5 });
    expect(report.day.queues.support).toMatchObject({ answered: 1, abandoned: 1, shortAbandoned: 1, maxWaitSeconds: 5 });
    expect(report.day.agents.anna).toMatchObject({ occupiedSeconds: 3 + 65, answered: 1 });
  });

  it('an agent whose shift ends during a call finishes it and takes no more; a caller left with nobody is unanswered', async () => {
    const report = await replayDay([call('long', 30, 120), call('after', 40, 60)], scenario({ shifts: [shift('anna', 0, 60)] }), HOUR_OPTIONS);
    expect(report.day.queues.support).toMatchObject({ offered: 2, answered: 1, abandoned: 0, unanswered: 1, serviceLevel: 1 });
    expect(report.day.agents.anna).toMatchObject({ staffedSeconds: 150, occupiedSeconds: 120 });
  });

  it('a second shift starting while the agent finishes the first one’s last call keeps them logged in', async () => {
    const report = await replayDay(
      [call('long', 30, 120), call('next', 160, 60)],
      scenario({ shifts: [shift('anna', 0, 60), shift('anna', 120, 600)] }),
      HOUR_OPTIONS,
    );
    expect(report.day.queues.support).toMatchObject({ answered: 2, maxWaitSeconds: 0 });
    expect(report.day.agents.anna!.staffedSeconds).toBe(600);
  });

  it('a caller waits for the circle to widen to the agent logged in, as the queue’s steps say', async () => {
    const steps: QueueConfig['steps'] = [
      { afterSeconds: 0, eligible: { skill: 'kort' } },
      { afterSeconds: 45, eligible: { everyone: true } },
    ];
    const report = await replayDay([call('card', 0, 60)], scenario({ queue: { steps } }), HOUR_OPTIONS);
    expect(report.day.queues.support).toMatchObject({ answered: 1, averageSpeedOfAnswerSeconds: 45 });
  });

  it('a call for one agent waits for them until the personal overflow, then goes to another', async () => {
    const report = await replayDay(
      [call('first', 0, 300), call('for-anna', 10, 60, { personalAgentId: 'anna' })],
      scenario({ agents: [agent('anna'), agent('bo')], shifts: [shift('anna', 0, 600), shift('bo', 5, 600)], queue: { personalOverflowSeconds: 30 } }),
      HOUR_OPTIONS,
    );
    expect(report.day.queues.support).toMatchObject({ answered: 2, maxWaitSeconds: 30 });
    expect(report.day.agents.bo!.answered).toBe(1);
  });
});

describe('the replay itself', () => {
  const day = mergeDays(
    generateDay({ seed: 3, queueId: 'support', start: START, calls: 400, trafficErlangs: 4, ahtSeconds: 180, meanPatienceSeconds: 60 }),
    generateDay({ seed: 4, queueId: 'cards', start: START, calls: 200, trafficErlangs: 2, ahtSeconds: 180, meanPatienceSeconds: 60 }),
  );
  const twoQueues = (): ReplayScenario => {
    const agents = [
      agent('anna', { queues: ['support', 'cards'], skills: { kort: 4 } }),
      agent('bo', { queues: ['support', 'cards'] }),
      agent('cilla', { queues: ['support'] }),
      agent('david', { queues: ['support', 'cards'], skills: { kort: 2 } }),
      agent('eva', { queues: ['support'] }),
    ];
    return {
      queues: [
        queue(),
        queue({ id: 'cards', name: 'Kort', wrapUpSeconds: 20, steps: [{ afterSeconds: 0, eligible: { skill: 'kort', minLevel: 3 } }, { afterSeconds: 60, eligible: { skill: 'kort' } }, { afterSeconds: 120, eligible: { everyone: true } }] }),
      ],
      agents,
      shifts: agents.map((a, i) => ({ agentId: a.id, from: START + i * 600_000, to: START + 6 * 3_600_000 })),
    };
  };

  it('the same day and scenario give the same figures, every time', async () => {
    const first = await replayDay(day, twoQueues(), { intervalMinutes: 30, targetSeconds: 30 });
    const second = await replayDay(day, twoQueues(), { intervalMinutes: 30, targetSeconds: 30 });
    expect(second).toEqual(first);
    expect(first.day.queues.cards!.abandoned).toBeGreaterThan(0);
    expect(first.day.all.offered).toBe(600);
  });

  it('leaves no timer, socket or file handle behind', async () => {
    const before = process.getActiveResourcesInfo().sort();
    await replayDay(day, twoQueues(), { intervalMinutes: 15, targetSeconds: 30 });
    await expect(replayDay([call('x', 0, 10, { queueId: 'nowhere' })], scenario(), HOUR_OPTIONS)).rejects.toThrow(ReplayError);
    expect(process.getActiveResourcesInfo().sort()).toEqual(before);
  });

  it('a target per queue judges each queue’s answers, and all queues together by their own', async () => {
    const report = await replayDay(day, twoQueues(), { intervalMinutes: 60, targetSeconds: 30, targetSecondsByQueue: { cards: 0 } });
    const cards = report.day.queues.cards!;
    const support = report.day.queues.support!;
    expect(cards.answeredWithinTarget).toBeLessThan(cards.answered);
    expect(report.day.all.answeredWithinTarget).toBe(cards.answeredWithinTarget + support.answeredWithinTarget);
  });
});

describe('bad input gets a clear error naming what is wrong', () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['arrivals that are not a list', () => replayDay({} as ReplayArrival[], scenario(), HOUR_OPTIONS), /arrivals must be a list/],
    ['a scenario without shifts', () => replayDay([], { ...scenario(), shifts: undefined } as unknown as ReplayScenario, HOUR_OPTIONS), /scenario.shifts must be a list/],
    ['an arrival that is not an object', () => replayDay([null as unknown as ReplayArrival], scenario(), HOUR_OPTIONS), /arrivals\[0\] must be an object, got null/],
    ['an unknown queue', () => replayDay([call('x', 0, 10, { queueId: 'nowhere' })], scenario(), HOUR_OPTIONS), /arrivals\[0\] \("x"\): queueId is not a queue of the scenario, got "nowhere"/],
    ['two callers with one id', () => replayDay([call('x', 0, 10), call('x', 5, 10)], scenario(), HOUR_OPTIONS), /arrivals\[1\] \("x"\): id is used by two arrivals/],
    ['a negative handling time', () => replayDay([call('x', 0, -1)], scenario(), HOUR_OPTIONS), /handleSeconds must be a number of seconds >= 0, got -1/],
    ['a patience that is not a number', () => replayDay([call('x', 0, 10, { patienceSeconds: Number.NaN })], scenario(), HOUR_OPTIONS), /patienceSeconds must be/],
    ['an arrival time that is not a number', () => replayDay([call('x', 0, 10, { at: Number.POSITIVE_INFINITY })], scenario(), HOUR_OPTIONS), /at must be a time in milliseconds/],
    ['a call for an unknown agent', () => replayDay([call('x', 0, 10, { personalAgentId: 'nobody' })], scenario(), HOUR_OPTIONS), /personalAgentId is not an agent of the scenario/],
    ['a shift of an unknown agent', () => replayDay([], scenario({ shifts: [shift('nobody', 0, 10)] }), HOUR_OPTIONS), /shifts\[0\] \("nobody"\): agentId is not an agent/],
    ['a shift that ends before it starts', () => replayDay([], scenario({ shifts: [shift('anna', 10, 0)] }), HOUR_OPTIONS), /shifts\[0\] \("anna"\): from and to must be times in milliseconds, from before to/],
    ['an interval that does not divide a day', () => replayDay([], scenario(), { intervalMinutes: 7, targetSeconds: 20 }), /intervalMinutes must be a whole number of minutes that divides a day/],
    ['a ring time as long as the ring timeout', () => replayDay([], scenario(), { ...HOUR_OPTIONS, ringSeconds: 20 }), /ringSeconds \(20\) must be shorter than queue "support"'s ringTimeoutSeconds \(20\)/],
    ['a target for an unknown queue', () => replayDay([], scenario(), { ...HOUR_OPTIONS, targetSecondsByQueue: { nowhere: 10 } }), /targetSecondsByQueue.nowhere: not a queue of the scenario/],
  ];
  it.each(cases)('%s', async (_what, run, message) => {
    await expect(run()).rejects.toThrow(message);
    await expect(run()).rejects.toBeInstanceOf(ReplayError);
  });

  it('a scenario the ACD refuses: its own error, naming the queue and field', async () => {
    await expect(replayDay([], scenario({ queue: { steps: [{ afterSeconds: -1, eligible: { everyone: true } }] } }), HOUR_OPTIONS)).rejects.toThrow(
      /queue "support": steps\[0\].afterSeconds: must be a number >= 0/,
    );
  });
});
