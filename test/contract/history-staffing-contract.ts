/**
 * The history's staffing reads (server/history/staffing-reads.ts), part of
 * the repository contract: both databases give the same figures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryWrite } from '../../server/history/records.js';
import type { HistoryRepository } from '../../server/history/repository.js';
import type { HistoryBackend } from './history-contract.js';

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const MIN = 60_000;

export function historyStaffingContract(name: string, backend: HistoryBackend): void {
  describe(`HistoryRepository staffing reads: ${name}`, () => {
    const opened: HistoryRepository[] = [];
    const open = async (): Promise<HistoryRepository> => {
      const repo = await backend.open(await backend.place());
      opened.push(repo);
      return repo;
    };
    afterEach(async () => { await Promise.all(opened.splice(0).map((r) => r.close())); });

    const call = (id: string, queue: string, queuedAt: number, fields: Record<string, unknown>): HistoryWrite[] => [
      { kind: 'contact', id, fields: { startedAt: queuedAt - 5_000, service: 'Kundtjänst' } },
      { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue, kind: 'call', enqueuedAt: queuedAt, ...fields } },
    ];

    it("sums each queue's calls per interval with their handling and waiting time, and lists them one by one", async () => {
      const repo = await open();
      await repo.write([
        ...call('a', 'kundtjanst', T0 + MIN, { outcome: 'answered', waitMs: 10_000, talkMs: 100_000, holdMs: 20_000, wrapUpMs: 30_000, priority: 1 }),
        ...call('b', 'kundtjanst', T0 + 14 * MIN, { outcome: 'abandoned', waitMs: 40_000 }),
        ...call('c', 'kundtjanst', T0 + 15 * MIN, { outcome: 'answered', waitMs: 5_000, talkMs: 60_000 }),
        ...call('d', 'kort', T0 + 2 * MIN, { outcome: 'overflowed', waitMs: 90_000 }),
        // A callback booked by the flow never waited in line; a call still waiting has no outcome yet.
        { kind: 'segment', id: 'cb', fields: { contactId: 'd', queue: 'kort', kind: 'callback', enqueuedAt: T0 + 4 * MIN } },
        ...call('e', 'kort', T0 + 5 * MIN, {}),
        ...call('f', 'kort', T0 + 61 * MIN, { outcome: 'answered', waitMs: 1_000, talkMs: 1_000 }),
      ]);
      expect(await repo.queueIntervals(15, T0, T0 + 60 * MIN)).toEqual([
        { intervalStart: T0, queue: 'kort', offered: 2, answered: 0, abandoned: 0, handledMs: 0, waitedMs: 0 },
        { intervalStart: T0, queue: 'kundtjanst', offered: 2, answered: 1, abandoned: 1, handledMs: 150_000, waitedMs: 50_000 },
        { intervalStart: T0 + 15 * MIN, queue: 'kundtjanst', offered: 1, answered: 1, abandoned: 0, handledMs: 60_000, waitedMs: 5_000 },
      ]);
      expect(await repo.queuedCalls(T0, T0 + 15 * MIN)).toEqual([
        { id: 'e-a', queue: 'kundtjanst', enqueuedAt: T0 + MIN, priority: 1, outcome: 'answered', waitMs: 10_000, talkHoldMs: 120_000 },
        { id: 'e-d', queue: 'kort', enqueuedAt: T0 + 2 * MIN, priority: 0, outcome: 'overflowed', waitMs: 90_000, talkHoldMs: 0 },
        { id: 'e-e', queue: 'kort', enqueuedAt: T0 + 5 * MIN, priority: 0, talkHoldMs: 0 },
        { id: 'e-b', queue: 'kundtjanst', enqueuedAt: T0 + 14 * MIN, priority: 0, outcome: 'abandoned', waitMs: 40_000, talkHoldMs: 0 },
      ]);
    });

    it('gives the agent state intervals that overlap a period, the open one included', async () => {
      const repo = await open();
      await repo.write([
        { kind: 'agent-state', agent: 'anna', at: T0 - 60 * MIN, state: 'ready' },
        { kind: 'agent-state', agent: 'anna', at: T0 + 10 * MIN, state: 'paused', reason: 'lunch' },
        { kind: 'agent-state', agent: 'erik', at: T0 - 30 * MIN, state: 'ready' },
        { kind: 'agent-state', agent: 'erik', at: T0 - 10 * MIN, state: 'logged-out' },
        { kind: 'agent-state', agent: 'erik', at: T0 + 60 * MIN, state: 'ready' },
      ]);
      expect(await repo.agentStates(T0, T0 + 60 * MIN)).toEqual([
        { agent: 'anna', state: 'ready', startedAt: T0 - 60 * MIN, endedAt: T0 + 10 * MIN },
        { agent: 'anna', state: 'paused', reason: 'lunch', startedAt: T0 + 10 * MIN },
        { agent: 'erik', state: 'logged-out', startedAt: T0 - 10 * MIN, endedAt: T0 + 60 * MIN },
      ]);
    });
  });
}
