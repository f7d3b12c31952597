import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../server/acd/clock.js';
import { parsePlanCsv, scheduleDeviation } from '../../server/stats/schedule.js';
import { ShortfallAlarm, type ShortfallEvent } from '../../server/stats/shortfall-alarm.js';

describe('staffing plan from CSV', () => {
  it('reads a plan, comma or semicolon separated, quoted or not, with a byte order mark and CRLF', () => {
    const comma = parsePlanCsv('date,interval start,queue,agents\n2026-05-11,08:00,support,12\n\n2026-05-11,08:30,"sales",3\n');
    expect(comma).toEqual({
      ok: true,
      plan: [
        { date: '2026-05-11', start: '08:00', queue: 'support', agents: 12 },
        { date: '2026-05-11', start: '08:30', queue: 'sales', agents: 3 },
      ],
    });
    const semicolon = parsePlanCsv('\uFEFFDate;Interval start;Queue;Agents\r\n2026-05-11;08:00;växel;0\r\n');
    expect(semicolon).toEqual({ ok: true, plan: [{ date: '2026-05-11', start: '08:00', queue: 'växel', agents: 0 }] });
  });

  it('refuses the whole file and names every bad line', () => {
    const r = parsePlanCsv(
      [
        'date,interval start,queue,agents',
        '2026-05-11,08:00,support,12',
        '2026-02-30,08:00,support,1',
        '2026-05-11,8:00,support,1',
        '2026-05-11,08:30,,1',
        '2026-05-11,09:00,support,2.5',
        '2026-05-11,09:00,support',
        '2026-05-11,08:00,support,11',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(r.problems[0]!.message).toMatch(/not a date/);
    expect(r.problems[1]!.message).toMatch(/HH:MM/);
    expect(r.problems[2]!.message).toMatch(/queue is empty/);
    expect(r.problems[3]!.message).toMatch(/whole number/);
    expect(r.problems[4]!.message).toMatch(/expected 4 fields/);
    expect(r.problems[5]!.message).toMatch(/already planned on line 2/);
  });

  it('wants its header', () => {
    expect(parsePlanCsv('2026-05-11,08:00,support,12')).toEqual({ ok: false, problems: [{ line: 1, message: expect.stringMatching(/header/) }] });
    expect(parsePlanCsv('')).toMatchObject({ ok: false });
  });
});

describe('need, plan and ready side by side', () => {
  it('joins the three series per interval and queue and says how far ready falls short', () => {
    const rows = scheduleDeviation({
      needed: [
        { date: '2026-05-11', start: '08:00', queue: 'support', agents: 10 },
        { date: '2026-05-11', start: '08:15', queue: 'support', agents: 12 },
      ],
      planned: [
        { date: '2026-05-11', start: '08:15', queue: 'support', agents: 11 },
        { date: '2026-05-11', start: '08:00', queue: 'support', agents: 10 },
        { date: '2026-05-11', start: '08:00', queue: 'sales', agents: 2 },
      ],
      ready: [
        { date: '2026-05-11', start: '08:00', queue: 'support', agents: 10.5 },
        { date: '2026-05-11', start: '08:15', queue: 'support', agents: 9 },
      ],
    });
    expect(rows).toEqual([
      { date: '2026-05-11', start: '08:00', queue: 'sales', planned: 2 },
      { date: '2026-05-11', start: '08:00', queue: 'support', needed: 10, planned: 10, ready: 10.5, readyMinusNeeded: 0.5, readyMinusPlanned: 0.5 },
      { date: '2026-05-11', start: '08:15', queue: 'support', needed: 12, planned: 11, ready: 9, readyMinusNeeded: -3, readyMinusPlanned: -2 },
    ]);
  });
});

describe('shortfall alarm on the simulated clock', () => {
  const MIN = 60_000;
  function setUp(holdMinutes = 5) {
    const clock = new SimulatedClock(0);
    const events: ShortfallEvent[] = [];
    const alarm = new ShortfallAlarm({ clock, holdMinutes, onEvent: (e) => events.push(e) });
    return { clock, events, alarm };
  }

  it('raises when ready stays below need for the hold time, exactly then, and ends when enough are ready', async () => {
    const { clock, events, alarm } = setUp();
    alarm.sample('support', { ready: 10, needed: 10, planned: 10 });
    await clock.advanceTo(2 * MIN);
    alarm.sample('support', { ready: 8, needed: 10, planned: 10 });
    await clock.advanceTo(4 * MIN);
    alarm.sample('support', { ready: 9, needed: 10, planned: 8 });
    await clock.advanceTo(6 * MIN + 59_999);
    expect(events).toEqual([]);
    await clock.advanceTo(7 * MIN);
    expect(events).toEqual([
      { type: 'shortfall-started', queue: 'support', at: 7 * MIN, since: 2 * MIN, reasons: ['below-need'], sample: { ready: 9, needed: 10, planned: 8 } },
    ]);
    expect(alarm.raised()).toEqual(['support']);
    await clock.advanceTo(9 * MIN);
    alarm.sample('support', { ready: 10, needed: 10, planned: 8 });
    expect(events[1]).toEqual({ type: 'shortfall-ended', queue: 'support', at: 9 * MIN, since: 2 * MIN });
    expect(alarm.raised()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('below plan counts too; a dip shorter than the hold time raises nothing', async () => {
    const { clock, events, alarm } = setUp(5);
    alarm.sample('sales', { ready: 3, planned: 4 });
    await clock.advanceTo(4 * MIN);
    alarm.sample('sales', { ready: 4, planned: 4 });
    await clock.advanceTo(20 * MIN);
    expect(events).toEqual([]);
    alarm.sample('sales', { ready: 1, needed: 2, planned: 4 });
    await clock.advanceTo(25 * MIN);
    expect(events).toMatchObject([{ type: 'shortfall-started', queue: 'sales', since: 20 * MIN, reasons: ['below-need', 'below-plan'] }]);
  });

  it('queues are watched apart; close leaves no timer behind; bad samples are refused', async () => {
    const { clock, events, alarm } = setUp(1);
    alarm.sample('a', { ready: 0, needed: 1 });
    await clock.advanceTo(30_000);
    alarm.sample('b', { ready: 0, needed: 1 });
    await clock.advanceTo(MIN);
    expect(events.map((e) => [e.type, e.queue])).toEqual([['shortfall-started', 'a']]);
    alarm.close();
    expect(clock.pending).toBe(0);
    await clock.advanceTo(10 * MIN);
    expect(events).toHaveLength(1);
    expect(() => alarm.sample('a', { ready: -1 })).toThrow(RangeError);
    expect(() => alarm.sample('a', { ready: 1, needed: Number.NaN })).toThrow(RangeError);
    expect(() => new ShortfallAlarm({ clock, holdMinutes: -1, onEvent: () => {} })).toThrow(RangeError);
  });
});
