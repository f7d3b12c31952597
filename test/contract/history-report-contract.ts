/**
 * The reports' contract on each database: a morning of contacts in
 * Stockholm (UTC+1 in December) written as the history feed writes them,
 * and every figure per interval and group counted here by hand from what
 * was written (server/stats/report.ts over ./history-contract.ts's
 * backends).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryWrite } from '../../server/history/records.js';
import type { HistoryRepository } from '../../server/history/repository.js';
import { contactReport, type ReportRequest, type ReportSettings } from '../../server/stats/report.js';
import type { HistoryBackend } from './history-contract.js';

const S = 1000;
const MIN = 60 * S;
/** hh:mm:ss on 2026-12-02 in Stockholm. */
const at = (hh: number, mm: number, ss = 0, day = 2, month = 11): number => Date.UTC(2026, month, day, hh - 1, mm, ss);

const SETTINGS: ReportSettings = {
  timezone: 'Europe/Stockholm',
  queues: [{ id: 'kundtjanst', targetSeconds: 20 }, { id: 'kort', targetSeconds: 30 }],
  shortAbandonSeconds: 5,
  now: at(12, 0),
};

const KUNDTJANST = { service: 'Kundtjänst', dialled: '+46313900601' };
const KORT = { service: 'Kort', dialled: '+46313900602' };

const contact = (id: string, startedAt: number, who: { service: string; dialled: string }, caseType?: string): HistoryWrite =>
  ({ kind: 'contact', id, fields: { startedAt, ...who, ...(caseType ? { caseType, caseTypeBy: 'agent' } : {}) } });

interface Stay { queue: string; at: number; waitS: number; agent?: string; talkS?: number; holdS?: number; wrapS?: number }

const answered = (contactId: string, entry: string, s: Stay): HistoryWrite => ({
  kind: 'segment', id: entry, fields: {
    contactId, queue: s.queue, kind: 'call', enqueuedAt: s.at, outcome: 'answered', answeredAt: s.at + s.waitS * S, agent: s.agent!,
    waitMs: s.waitS * S, talkMs: (s.talkS ?? 0) * S, ...(s.holdS !== undefined ? { holdMs: s.holdS * S } : {}), wrapUpMs: (s.wrapS ?? 0) * S,
  },
});
const left = (contactId: string, entry: string, outcome: 'abandoned' | 'overflowed', s: Stay): HistoryWrite => ({
  kind: 'segment', id: entry, fields: { contactId, queue: s.queue, kind: 'call', enqueuedAt: s.at, outcome, waitMs: s.waitS * S, endedAt: s.at + s.waitS * S },
});

const MORNING: HistoryWrite[] = [
  // 08:00-08:15
  contact('c1', at(8, 0), KUNDTJANST, 'faktura'),
  answered('c1', 'e1', { queue: 'kundtjanst', at: at(8, 0, 30), waitS: 10, agent: 'anna', talkS: 120, holdS: 30, wrapS: 30 }),
  contact('c2', at(8, 2), KUNDTJANST, 'lån'),
  answered('c2', 'e2', { queue: 'kundtjanst', at: at(8, 2, 10), waitS: 25, agent: 'erik', talkS: 200, wrapS: 40 }),
  contact('c3', at(8, 3), KUNDTJANST),
  left('c3', 'e3', 'abandoned', { queue: 'kundtjanst', at: at(8, 3, 5), waitS: 3 }),
  contact('c4', at(8, 4), KUNDTJANST),
  left('c4', 'e4', 'abandoned', { queue: 'kundtjanst', at: at(8, 4, 5), waitS: 40 }),
  contact('c5', at(8, 6), KORT),
  answered('c5', 'e5', { queue: 'kort', at: at(8, 6, 5), waitS: 30, agent: 'anna', talkS: 60 }),
  { kind: 'contact', id: 'c6', fields: { startedAt: at(8, 5), ...KUNDTJANST, avalancheMessages: 'storning', deflected: 1 } },
  // Overflowed from kundtjanst to kort after a minute, answered there: the contact stays Kundtjänst's.
  contact('c7', at(8, 9, 50), KUNDTJANST),
  left('c7', 'e7a', 'overflowed', { queue: 'kundtjanst', at: at(8, 10), waitS: 60 }),
  answered('c7', 'e7b', { queue: 'kort', at: at(8, 11), waitS: 5, agent: 'erik', talkS: 100 }),
  // 08:15-08:30
  contact('c8', at(8, 16), KORT),
  { kind: 'segment', id: 'e8', fields: { contactId: 'c8', queue: 'kort', kind: 'call', enqueuedAt: at(8, 16, 5), outcome: 'callback', callbackRequestedAt: at(8, 17) } },
  { kind: 'segment', id: 'e8', fields: { callbackOutcome: 'completed', callbackDoneAt: at(9, 30), callbackAttempts: 1 } },
  contact('c9', at(8, 19), KUNDTJANST),
  { kind: 'transfer', contactId: 'c9', at: at(8, 20), node: 'vidare', target: '+4631123456', outcome: 'busy' },
  { kind: 'transfer', contactId: 'c9', at: at(8, 21), node: 'vidare', target: '+4631123457', outcome: 'connected' },
  contact('c10', at(8, 22), KORT),
  left('c10', 'e10', 'abandoned', { queue: 'kort', at: at(8, 22, 5), waitS: 12 }),
  // A callback the flow booked: a callback's stay, not a call offered.
  contact('c13', at(8, 24), KORT),
  { kind: 'segment', id: 'e13', fields: { contactId: 'c13', queue: 'kort', kind: 'callback', enqueuedAt: at(8, 24, 10), outcome: 'callback', callbackRequestedAt: at(8, 24, 10), callbackOutcome: 'failed' } },
  // Offers rung out: erik's at 08:02, anna's at 08:16; anna's answered one is no missed offer.
  { kind: 'offer', entryId: 'e2', agent: 'erik', offeredAt: at(8, 2, 12), contactId: 'c2', result: 'missed', ringMs: 15 * S },
  { kind: 'offer', entryId: 'e1', agent: 'anna', offeredAt: at(8, 0, 35), contactId: 'c1', result: 'answered', ringMs: 5 * S },
  { kind: 'offer', entryId: 'e8', agent: 'anna', offeredAt: at(8, 16, 10), contactId: 'c8', result: 'missed', ringMs: 15 * S },
  // Anna's morning: ready 07:55, busy 08:01-08:05, wrap-up to 08:06, ready, lunch 08:20-08:40, ready, logged out 08:50.
  { kind: 'agent-state', agent: 'anna', at: at(7, 55), state: 'ready' },
  { kind: 'agent-state', agent: 'anna', at: at(8, 1), state: 'busy' },
  { kind: 'agent-state', agent: 'anna', at: at(8, 5), state: 'wrap-up' },
  { kind: 'agent-state', agent: 'anna', at: at(8, 6), state: 'ready' },
  { kind: 'agent-state', agent: 'anna', at: at(8, 20), state: 'paused', reason: 'lunch' },
  { kind: 'agent-state', agent: 'anna', at: at(8, 40), state: 'ready' },
  { kind: 'agent-state', agent: 'anna', at: at(8, 50), state: 'logged-out' },
];

/** Outside 2026-12-02 but inside December and its weeks. */
const AROUND: HistoryWrite[] = [
  // 23:59 on the 1st in Stockholm: the day before.
  contact('c12', at(23, 59, 0, 1), KORT),
  left('c12', 'e12', 'abandoned', { queue: 'kort', at: at(23, 59, 10, 1), waitS: 20 }),
  // Monday 7 December: the next week.
  contact('c14', at(9, 0, 0, 7), KORT),
  answered('c14', 'e14', { queue: 'kort', at: at(9, 0, 5, 7), waitS: 8, agent: 'anna', talkS: 90 }),
  // Midnight at the turn of the year: January's.
  contact('c11', at(0, 0, 0, 1, 12), KORT),
  left('c11', 'e11', 'abandoned', { queue: 'kort', at: at(0, 0, 10, 1, 12), waitS: 9 }),
];

/** A row with nothing in it: every figure as the report writes an interval and group without calls. */
const NOTHING = {
  offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, shortAbandoned: 0, serviceLevel: null,
  averageSpeedOfAnswerSeconds: null, averageWaitSeconds: null, longestWaitSeconds: 0, averageHandlingSeconds: null, handlingSeconds: 0,
  callbacksRequested: 0, callbacksCompleted: 0, deflections: 0, transfers: 0, overflows: 0,
};
const NOT_BY_CONTACT = { deflections: null, transfers: null };
const withoutGroup = <T extends { group: string }>({ group: _, ...line }: T): Omit<T, 'group'> => line;
const AGENT_NOTHING = { missedOffers: 0, occupancy: null, pauseSecondsByReason: {} };

export function historyReportContract(name: string, backend: HistoryBackend): void {
  describe(`reports on the contact records: ${name}`, () => {
    const opened: HistoryRepository[] = [];
    afterEach(async () => { await Promise.all(opened.splice(0).map((r) => r.close())); });
    const seeded = async (): Promise<HistoryRepository> => {
      const repo = await backend.open(await backend.place());
      opened.push(repo);
      await repo.write([...MORNING, ...AROUND]);
      return repo;
    };
    const report = async (repo: HistoryRepository, request: Partial<ReportRequest>) =>
      contactReport(repo, { from: '2026-12-02', to: '2026-12-03', interval: '15m', groupBy: 'service', ...request }, SETTINGS);

    it('counts every figure per quarter hour and service', async () => {
      const r = await report(await seeded(), {});
      const kundtjanst0800 = {
        start: '2026-12-02T08:00:00+01:00', group: 'Kundtjänst',
        // c1, c2, c3, c4, c7 in kundtjanst and c7 again in kort.
        offered: 6, answered: 3, answeredInTarget: 2, abandoned: 2, shortAbandoned: 1, overflows: 1,
        // 2 in target of 3 answered + 2 abandoned - 1 short.
        serviceLevel: 0.5,
        // (10 + 25 + 5) / 3; (10 + 25 + 3 + 40 + 60 + 5) / 6.
        averageSpeedOfAnswerSeconds: 13.3, averageWaitSeconds: 23.8, longestWaitSeconds: 60,
        // (120 + 30 + 30) + (200 + 40) + 100.
        handlingSeconds: 520, averageHandlingSeconds: 173.3,
        callbacksRequested: 0, callbacksCompleted: 0, deflections: 1, transfers: 0,
      };
      const kort0800 = {
        ...NOTHING, start: '2026-12-02T08:00:00+01:00', group: 'Kort',
        offered: 1, answered: 1, answeredInTarget: 1, serviceLevel: 1,
        averageSpeedOfAnswerSeconds: 30, averageWaitSeconds: 30, longestWaitSeconds: 30, handlingSeconds: 60, averageHandlingSeconds: 60,
      };
      const kort0815 = {
        ...NOTHING, start: '2026-12-02T08:15:00+01:00', group: 'Kort',
        // c8 (turned into a callback) and c10 (abandoned after 12 s); c13 is a callback's stay.
        offered: 2, abandoned: 1, serviceLevel: 0, averageWaitSeconds: 12, longestWaitSeconds: 12,
        callbacksRequested: 2, callbacksCompleted: 1,
      };
      const kundtjanst0815 = { ...NOTHING, start: '2026-12-02T08:15:00+01:00', group: 'Kundtjänst', transfers: 1 };
      expect(r.rows).toEqual([kort0800, kundtjanst0800, kort0815, kundtjanst0815]);
      expect(r.totals).toEqual([
        {
          start: '2026-12-02T08:00:00+01:00', offered: 7, answered: 4, answeredInTarget: 3, abandoned: 2, shortAbandoned: 1, overflows: 1,
          // 3 / (4 + 2 - 1); (40 + 30) / 4; (138 + 5 + 30) / 7.
          serviceLevel: 0.6, averageSpeedOfAnswerSeconds: 17.5, averageWaitSeconds: 24.7, longestWaitSeconds: 60,
          handlingSeconds: 580, averageHandlingSeconds: 145, callbacksRequested: 0, callbacksCompleted: 0, deflections: 1, transfers: 0,
        },
        { ...withoutGroup(kort0815), transfers: 1 },
      ]);
    });

    it('counts per queue and day, each call against its own queue target', async () => {
      const r = await report(await seeded(), { interval: 'day', groupBy: 'queue' });
      const start = '2026-12-02T00:00:00+01:00';
      expect(r.rows).toEqual([
        {
          ...NOTHING, ...NOT_BY_CONTACT, start, group: 'kort',
          // c5, c7 (from kundtjanst), c8, c10; 2 in target of 2 answered + 1 abandoned.
          offered: 4, answered: 2, answeredInTarget: 2, abandoned: 1, serviceLevel: 0.6667,
          // (30 + 5) / 2; (30 + 5 + 12) / 3; 60 + 100.
          averageSpeedOfAnswerSeconds: 17.5, averageWaitSeconds: 15.7, longestWaitSeconds: 30, handlingSeconds: 160, averageHandlingSeconds: 80,
          callbacksRequested: 2, callbacksCompleted: 1,
        },
        {
          ...NOTHING, ...NOT_BY_CONTACT, start, group: 'kundtjanst',
          offered: 5, answered: 2, answeredInTarget: 1, abandoned: 2, shortAbandoned: 1, overflows: 1, serviceLevel: 0.3333,
          // (10 + 25) / 2; (10 + 25 + 3 + 40 + 60) / 5; 180 + 240.
          averageSpeedOfAnswerSeconds: 17.5, averageWaitSeconds: 27.6, longestWaitSeconds: 60, handlingSeconds: 420, averageHandlingSeconds: 210,
        },
      ]);
    });

    it("counts each agent's calls, missed offers, occupancy and pauses per quarter hour", async () => {
      const r = await report(await seeded(), { groupBy: 'agent' });
      const q = (hhmm: string): string => `2026-12-02T${hhmm}:00+01:00`;
      const idle = { ...NOTHING, ...NOT_BY_CONTACT, ...AGENT_NOTHING };
      expect(r.rows).toEqual([
        // Ready from 07:55: five minutes logged in, none of it on calls.
        { ...idle, start: q('07:45'), group: 'anna', occupancy: 0 },
        // Nobody answered c3, c4 or c7's stay in kundtjanst.
        {
          ...idle, start: q('08:00'), group: '',
          offered: 3, abandoned: 2, shortAbandoned: 1, overflows: 1, serviceLevel: 0, averageWaitSeconds: 34.3, longestWaitSeconds: 60,
        },
        {
          ...idle, start: q('08:00'), group: 'anna',
          offered: 2, answered: 2, answeredInTarget: 2, serviceLevel: 1, averageSpeedOfAnswerSeconds: 20, averageWaitSeconds: 20,
          longestWaitSeconds: 30, handlingSeconds: 240, averageHandlingSeconds: 120,
          // Busy 4 and wrap-up 1 of 15 minutes logged in.
          occupancy: 0.3333,
        },
        {
          ...idle, start: q('08:00'), group: 'erik',
          offered: 2, answered: 2, answeredInTarget: 1, serviceLevel: 0.5, averageSpeedOfAnswerSeconds: 15, averageWaitSeconds: 15,
          longestWaitSeconds: 25, handlingSeconds: 340, averageHandlingSeconds: 170, missedOffers: 1,
        },
        {
          ...idle, start: q('08:15'), group: '',
          offered: 2, abandoned: 1, serviceLevel: 0, averageWaitSeconds: 12, longestWaitSeconds: 12, callbacksRequested: 2, callbacksCompleted: 1,
        },
        // Ready 08:15-08:20, lunch from 08:20.
        { ...idle, start: q('08:15'), group: 'anna', missedOffers: 1, occupancy: 0, pauseSecondsByReason: { lunch: 600 } },
        { ...idle, start: q('08:30'), group: 'anna', occupancy: 0, pauseSecondsByReason: { lunch: 600 } },
        // Ready 08:45-08:50, then logged out: nothing more.
        { ...idle, start: q('08:45'), group: 'anna', occupancy: 0 },
      ]);
    });

    it('counts per case type, per number dialled and month, and per week from Monday', async () => {
      const repo = await seeded();
      const byCase = await report(repo, { interval: 'day', groupBy: 'caseType' });
      expect(byCase.rows.map((row) => [row.group, row.offered, row.answered, row.averageHandlingSeconds])).toEqual([
        ['', 7, 2, 80], ['faktura', 1, 1, 180], ['lån', 1, 1, 240],
      ]);

      const byNumber = await report(repo, { from: '2026-12-01', to: '2027-01-01', interval: 'month', groupBy: 'dialled' });
      // c12 late on the 1st and c14 on the 7th are December's; c11 at midnight on New Year's is not.
      expect(byNumber.rows.map((row) => [row.start, row.group, row.offered, row.answered, row.abandoned, row.deflections, row.transfers])).toEqual([
        ['2026-12-01T00:00:00+01:00', '+46313900601', 6, 3, 2, 1, 1],
        ['2026-12-01T00:00:00+01:00', '+46313900602', 5, 2, 2, 0, 0],
      ]);

      const byWeek = await report(repo, { from: '2026-11-30', to: '2026-12-14', interval: 'week' });
      expect(byWeek.totals.map((line) => [line.start, line.offered])).toEqual([
        ['2026-11-30T00:00:00+01:00', 10], ['2026-12-07T00:00:00+01:00', 1],
      ]);
    });
  });
}
