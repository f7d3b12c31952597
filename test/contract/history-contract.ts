/**
 * The history repository's contract (server/history/repository.ts): one
 * suite that both implementations pass (SQLite, PostgreSQL): migrations
 * applied once and recorded, a failing migration stopping start-up with
 * nothing of it applied, writes read back, partial writes keeping what is
 * stored, the same batch written twice doubling nothing, a batch all or
 * nothing, agent intervals, and the reports as plain SQL (per interval and
 * service; handling per case type and agent; each queue's day).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration } from '../../server/history/migrations.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { HistoryStartError, type HistoryRepository } from '../../server/history/repository.js';

/** `place()`: a fresh, empty database; `open(place)` opens (and migrates) it, again and again. */
export interface HistoryBackend {
  place(): Promise<string>;
  open(place: string, migrations?: readonly Migration[]): Promise<HistoryRepository>;
}

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const MIN = 60_000;

export function historyContract(name: string, backend: HistoryBackend): void {
  describe(`HistoryRepository contract: ${name}`, () => {
    const opened: HistoryRepository[] = [];
    const open = async (place: string, migrations?: readonly Migration[]): Promise<HistoryRepository> => {
      const repo = await backend.open(place, migrations);
      opened.push(repo);
      return repo;
    };
    afterEach(async () => { await Promise.all(opened.splice(0).map((r) => r.close())); });

    it('reads back what was written about a contact, its steps, segment, offers, callback attempts and transfers', async () => {
      const repo = await open(await backend.place());
      await repo.write([
        { kind: 'contact', id: 'c1', fields: { startedAt: T0, caller: '+46701740651', dialled: '+46313900601', service: 'Kundtjänst', flow: 'kundtjanst' } },
        { kind: 'step', contactId: 'c1', seq: 1, at: T0 + 10, node: 'start', nodeType: 'menu' },
        { kind: 'step', contactId: 'c1', seq: 2, at: T0 + 5_000, node: 'kö', nodeType: 'queue' },
        { kind: 'segment', id: 'e1', fields: { contactId: 'c1', queue: 'kundtjanst', kind: 'call', priority: 0, vip: 1, enqueuedAt: T0 + 5_000 } },
        { kind: 'offer', entryId: 'e1', agent: 'erik', offeredAt: T0 + 6_000, contactId: 'c1' },
        { kind: 'offer', entryId: 'e1', agent: 'erik', offeredAt: T0 + 6_000, result: 'answered', ringMs: 3_000 },
        { kind: 'segment', id: 'e1', fields: { outcome: 'answered', answeredAt: T0 + 9_000, agent: 'erik', waitMs: 4_000 } },
        { kind: 'callback-attempt', entryId: 'e1', at: T0 + 20_000, agent: 'erik' },
        { kind: 'callback-attempt', entryId: 'e1', at: T0 + 20_000, outcome: 'no-answer', status: 486 },
        { kind: 'transfer', contactId: 'c1', at: T0 + 30_000, node: 'vidare', target: '+4631123456', outcome: 'connected' },
        { kind: 'contact', id: 'c1', fields: { endedAt: T0 + 60_000, endedBy: 'caller', caseType: 'faktura', caseTypeBy: 'flow' } },
      ]);
      expect(await repo.contact('c1')).toEqual({
        id: 'c1',
        fields: {
          startedAt: T0, endedAt: T0 + 60_000, caller: '+46701740651', dialled: '+46313900601', service: 'Kundtjänst',
          flow: 'kundtjanst', endedBy: 'caller', caseType: 'faktura', caseTypeBy: 'flow',
        },
        steps: [
          { seq: 1, at: T0 + 10, node: 'start', nodeType: 'menu' },
          { seq: 2, at: T0 + 5_000, node: 'kö', nodeType: 'queue' },
        ],
        segments: [{
          id: 'e1', queue: 'kundtjanst', kind: 'call', priority: 0, vip: 1, enqueuedAt: T0 + 5_000,
          outcome: 'answered', answeredAt: T0 + 9_000, agent: 'erik', waitMs: 4_000,
        }],
        offers: [{ entryId: 'e1', agent: 'erik', offeredAt: T0 + 6_000, result: 'answered', ringMs: 3_000 }],
        callbackAttempts: [{ entryId: 'e1', at: T0 + 20_000, agent: 'erik', outcome: 'no-answer', status: 486 }],
        transfers: [{ at: T0 + 30_000, node: 'vidare', target: '+4631123456', outcome: 'connected' }],
      });
      expect(await repo.contact('nobody')).toBeUndefined();
      expect(await repo.contactIds(T0, T0 + 1)).toEqual(['c1']);
      expect(await repo.contactIds(T0 + 1, T0 + MIN)).toEqual([]);
    });

    it('keeps the agent\'s case type over the flow\'s, with the agent\'s note', async () => {
      const repo = await open(await backend.place());
      await repo.write([
        { kind: 'contact', id: 'c1', fields: { startedAt: T0, caseType: '2', caseTypeBy: 'flow' } },
        { kind: 'contact', id: 'c1', fields: { caseType: '1', caseTypeBy: 'agent', wrapUpNote: 'Fakturan betald två gånger' } },
        { kind: 'contact', id: 'c1', fields: { endedAt: T0 + MIN } },
      ]);
      expect((await repo.contact('c1'))?.fields).toEqual({
        startedAt: T0, endedAt: T0 + MIN, caseType: '1', caseTypeBy: 'agent', wrapUpNote: 'Fakturan betald två gånger',
      });
    });

    it('doubles nothing when the same batch is written again (a restart after a crash)', async () => {
      const repo = await open(await backend.place());
      const batch: HistoryWrite[] = [
        { kind: 'contact', id: 'c1', fields: { startedAt: T0, service: 'Kort' } },
        { kind: 'step', contactId: 'c1', seq: 1, at: T0, node: 'start', nodeType: 'play' },
        { kind: 'segment', id: 'e1', fields: { contactId: 'c1', queue: 'kort', kind: 'call', enqueuedAt: T0 } },
        { kind: 'offer', entryId: 'e1', agent: 'anna', offeredAt: T0 + 1_000, contactId: 'c1', result: 'missed', ringMs: 15_000 },
        { kind: 'transfer', contactId: 'c1', at: T0 + 2_000, node: 'vidare', target: '1002', outcome: 'busy' },
        { kind: 'agent-state', agent: 'anna', at: T0, state: 'ready' },
      ];
      await repo.write(batch);
      const once = await repo.contact('c1');
      await repo.write(batch);
      expect(await repo.contact('c1')).toEqual(once);
      expect(await repo.contactIds(T0, T0 + MIN)).toEqual(['c1']);
      expect(await repo.agentIntervals('anna', T0, T0 + MIN)).toEqual([{ agent: 'anna', state: 'ready', startedAt: T0 }]);
    });

    it('writes a batch whole or not at all', async () => {
      const repo = await open(await backend.place());
      const broken = { kind: 'step', contactId: 'c2', seq: 1, at: T0 } as unknown as HistoryWrite;
      await expect(repo.write([{ kind: 'contact', id: 'c2', fields: { startedAt: T0 } }, broken])).rejects.toThrow();
      expect(await repo.contact('c2')).toBeUndefined();
    });

    it("keeps an agent's state intervals, each ended by the next", async () => {
      const repo = await open(await backend.place());
      await repo.write([
        { kind: 'agent-state', agent: 'erik', at: T0, state: 'ready' },
        { kind: 'agent-state', agent: 'erik', at: T0 + MIN, state: 'busy' },
        { kind: 'agent-state', agent: 'anna', at: T0 + MIN, state: 'ready' },
        { kind: 'agent-state', agent: 'erik', at: T0 + 4 * MIN, state: 'wrap-up' },
        { kind: 'agent-state', agent: 'erik', at: T0 + 5 * MIN, state: 'paused', reason: 'lunch' },
      ]);
      expect(await repo.agentIntervals('erik', T0, T0 + 60 * MIN)).toEqual([
        { agent: 'erik', state: 'ready', startedAt: T0, endedAt: T0 + MIN },
        { agent: 'erik', state: 'busy', startedAt: T0 + MIN, endedAt: T0 + 4 * MIN },
        { agent: 'erik', state: 'wrap-up', startedAt: T0 + 4 * MIN, endedAt: T0 + 5 * MIN },
        { agent: 'erik', state: 'paused', reason: 'lunch', startedAt: T0 + 5 * MIN },
      ]);
      expect(await repo.agentIntervals('anna', T0, T0 + 60 * MIN)).toEqual([{ agent: 'anna', state: 'ready', startedAt: T0 + MIN }]);
    });

    it('counts offered, answered and abandoned calls per 15-minute interval and service', async () => {
      const repo = await open(await backend.place());
      const call = (id: string, service: string, queuedAt: number, outcome: string): HistoryWrite[] => [
        { kind: 'contact', id, fields: { startedAt: queuedAt - 5_000, service } },
        { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue: 'q', kind: 'call', enqueuedAt: queuedAt, outcome } },
      ];
      await repo.write([
        ...call('a', 'Kundtjänst', T0 + 1 * MIN, 'answered'),
        ...call('b', 'Kundtjänst', T0 + 14 * MIN, 'abandoned'),
        ...call('c', 'Kundtjänst', T0 + 15 * MIN, 'answered'),
        ...call('d', 'Kort', T0 + 2 * MIN, 'overflowed'),
        ...call('e', 'Kort', T0 + 3 * MIN, 'callback'),
        // A callback booked by the flow was never a call waiting: not offered.
        { kind: 'segment', id: 'cb', fields: { contactId: 'd', queue: 'q', kind: 'callback', enqueuedAt: T0 + 4 * MIN, outcome: 'callback' } },
        // Outside the range asked for.
        ...call('f', 'Kort', T0 + 61 * MIN, 'answered'),
      ]);
      expect(await repo.intervalCounts(15, T0, T0 + 60 * MIN)).toEqual([
        { intervalStart: T0, service: 'Kort', offered: 2, answered: 0, abandoned: 0 },
        { intervalStart: T0, service: 'Kundtjänst', offered: 2, answered: 1, abandoned: 1 },
        { intervalStart: T0 + 15 * MIN, service: 'Kundtjänst', offered: 1, answered: 1, abandoned: 0 },
      ]);
      expect(await repo.intervalCounts(60, T0, T0 + 60 * MIN)).toEqual([
        { intervalStart: T0, service: 'Kort', offered: 2, answered: 0, abandoned: 0 },
        { intervalStart: T0, service: 'Kundtjänst', offered: 3, answered: 2, abandoned: 1 },
      ]);
    });

    it('sums answered calls and their handling time per case type and agent', async () => {
      const repo = await open(await backend.place());
      const answered = (id: string, caseType: string | undefined, agent: string, talkMs: number, wrapUpMs: number): HistoryWrite[] => [
        { kind: 'contact', id, fields: { startedAt: T0, ...(caseType ? { caseType, caseTypeBy: 'flow' } : {}) } },
        { kind: 'segment', id: `e-${id}`, fields: { contactId: id, kind: 'call', enqueuedAt: T0, outcome: 'answered', answeredAt: T0 + MIN, agent, talkMs, wrapUpMs } },
      ];
      await repo.write([
        ...answered('a', 'faktura', 'erik', 120_000, 30_000),
        ...answered('b', 'faktura', 'erik', 180_000, 20_000),
        ...answered('c', 'faktura', 'anna', 60_000, 10_000),
        ...answered('d', undefined, 'anna', 90_000, 0),
        { kind: 'contact', id: 'e', fields: { startedAt: T0, caseType: 'faktura' } },
        { kind: 'segment', id: 'e-e', fields: { contactId: 'e', kind: 'call', enqueuedAt: T0, outcome: 'abandoned' } },
      ]);
      expect(await repo.caseTypeHandling(T0, T0 + 60 * MIN)).toEqual([
        { caseType: '', agent: 'anna', answered: 1, talkMs: 90_000, holdMs: 0, wrapUpMs: 0 },
        { caseType: 'faktura', agent: 'anna', answered: 1, talkMs: 60_000, holdMs: 0, wrapUpMs: 10_000 },
        { caseType: 'faktura', agent: 'erik', answered: 2, talkMs: 300_000, holdMs: 0, wrapUpMs: 50_000 },
      ]);
      expect(await repo.caseTypeHandling(T0 + 2 * MIN, T0 + 60 * MIN)).toEqual([]);
    });

    it("counts each queue's day: offered, answered within its target, abandoned (short ones apart), callbacks", async () => {
      const repo = await open(await backend.place());
      const call = (id: string, queue: string, queuedAt: number, fields: Record<string, unknown>): HistoryWrite[] => [
        { kind: 'contact', id, fields: { startedAt: queuedAt - 5_000, service: 'Kundtjänst' } },
        { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue, kind: 'call', enqueuedAt: queuedAt, ...fields } },
      ];
      await repo.write([
        // kundtjanst has a 20 s target: 20 s is within it, 21 s is not.
        ...call('a', 'kundtjanst', T0, { outcome: 'answered', waitMs: 20_000 }),
        ...call('b', 'kundtjanst', T0 + MIN, { outcome: 'answered', waitMs: 21_000 }),
        ...call('c', 'kundtjanst', T0 + 2 * MIN, { outcome: 'abandoned', waitMs: 4_999 }),
        ...call('d', 'kundtjanst', T0 + 3 * MIN, { outcome: 'abandoned', waitMs: 5_000 }),
        ...call('e', 'kundtjanst', T0 + 4 * MIN, { outcome: 'callback', waitMs: 30_000, callbackRequestedAt: T0 + 4 * MIN + 30_000, callbackOutcome: 'completed', callbackDoneAt: T0 + 10 * MIN }),
        // kort has no target of its own: the default 60 s.
        ...call('f', 'kort', T0 + MIN, { outcome: 'answered', waitMs: 60_000 }),
        ...call('g', 'kort', T0 + MIN, { outcome: 'overflowed', waitMs: 90_000 }),
        // A callback asked for yesterday and completed today counts as completed, not as offered.
        ...call('h', 'kort', T0 - 60 * MIN, { outcome: 'callback', callbackRequestedAt: T0 - 59 * MIN, callbackOutcome: 'completed', callbackDoneAt: T0 + 5 * MIN }),
        // Outside the day.
        ...call('i', 'kundtjanst', T0 + 24 * 60 * MIN, { outcome: 'answered', waitMs: 1_000 }),
      ]);
      const rules = { targetMs: new Map([['kundtjanst', 20_000]]), defaultTargetMs: 60_000, shortAbandonMs: 5_000 };
      expect(await repo.queueDays(T0, T0 + 24 * 60 * MIN, rules)).toEqual([
        { queue: 'kort', offered: 2, answered: 1, answeredInTarget: 1, abandoned: 0, shortAbandoned: 0, callbacksRequested: 0, callbacksCompleted: 1 },
        { queue: 'kundtjanst', offered: 5, answered: 2, answeredInTarget: 1, abandoned: 2, shortAbandoned: 1, callbacksRequested: 1, callbacksCompleted: 1 },
      ]);
      expect(await repo.queueDays(T0, T0 + 24 * 60 * MIN, { ...rules, targetMs: new Map() })).toEqual([
        expect.objectContaining({ queue: 'kort' }),
        expect.objectContaining({ queue: 'kundtjanst', answered: 2, answeredInTarget: 2 }),
      ]);
      expect(await repo.queueDays(T0 - 48 * 60 * MIN, T0 - 24 * 60 * MIN, rules)).toEqual([]);
    });

    it("counts each service's day over the queues its calls waited in, each call against its own queue's target", async () => {
      const repo = await open(await backend.place());
      const call = (id: string, service: string | undefined, queue: string, queuedAt: number, fields: Record<string, unknown>): HistoryWrite[] => [
        { kind: 'contact', id, fields: { startedAt: queuedAt - 5_000, ...(service ? { service } : {}) } },
        { kind: 'segment', id: `e-${id}`, fields: { contactId: id, queue, kind: 'call', enqueuedAt: queuedAt, ...fields } },
      ];
      await repo.write([
        // Kundtjänst's calls wait in two queues: 25 s is within foretag's 30 s target, not within kundtjanst's 20 s.
        ...call('a', 'Kundtjänst', 'kundtjanst', T0, { outcome: 'answered', waitMs: 20_000 }),
        ...call('b', 'Kundtjänst', 'kundtjanst', T0 + MIN, { outcome: 'answered', waitMs: 25_000 }),
        ...call('c', 'Kundtjänst', 'foretag', T0 + 2 * MIN, { outcome: 'answered', waitMs: 25_000 }),
        ...call('d', 'Kundtjänst', 'foretag', T0 + 3 * MIN, { outcome: 'abandoned', waitMs: 4_000 }),
        ...call('e', 'Kort', 'kundtjanst', T0 + MIN, { outcome: 'abandoned', waitMs: 40_000 }),
        ...call('f', 'Kort', 'kundtjanst', T0 + 2 * MIN, { outcome: 'callback', waitMs: 30_000, callbackRequestedAt: T0 + 3 * MIN, callbackOutcome: 'completed', callbackDoneAt: T0 + 9 * MIN }),
        // A contact without a service (an internal call) and one outside the day are in no service's figures.
        ...call('g', undefined, 'kundtjanst', T0 + MIN, { outcome: 'answered', waitMs: 1_000 }),
        ...call('h', 'Kort', 'kundtjanst', T0 + 24 * 60 * MIN, { outcome: 'answered', waitMs: 1_000 }),
      ]);
      const rules = { targetMs: new Map([['kundtjanst', 20_000], ['foretag', 30_000]]), defaultTargetMs: 60_000, shortAbandonMs: 5_000 };
      expect(await repo.serviceDays(T0, T0 + 24 * 60 * MIN, rules)).toEqual([
        { service: 'Kort', offered: 2, answered: 0, answeredInTarget: 0, abandoned: 1, shortAbandoned: 0, callbacksRequested: 1, callbacksCompleted: 1 },
        { service: 'Kundtjänst', offered: 4, answered: 3, answeredInTarget: 2, abandoned: 1, shortAbandoned: 1, callbacksRequested: 0, callbacksCompleted: 0 },
      ]);
      expect(await repo.serviceDays(T0 - 48 * 60 * MIN, T0 - 24 * 60 * MIN, rules)).toEqual([]);
    });

    it('applies its migrations once, and a failing one stops the start with nothing of it applied', async () => {
      const place = await backend.place();
      await (await open(place)).close();
      // Opened again: the migrations are recorded as applied, so their CREATE TABLEs are not run twice.
      const again = await open(place);
      await again.write([{ kind: 'contact', id: 'kept', fields: { startedAt: T0 } }]);
      await again.close();

      const next = MIGRATIONS.length + 1;
      const failing: Migration = { version: next, name: 'a table, then a bad statement', statements: ['CREATE TABLE extra (x INTEGER)', 'CREATE TABLE contacts (x INTEGER)'] };
      const err = await open(place, [...MIGRATIONS, failing]).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HistoryStartError);
      expect((err as Error).message).toMatch(new RegExp(`^history database \\(.+\\): migration ${next} \\(a table, then a bad statement\\) failed, nothing of it was applied: .*contacts`));

      // The table the failed migration made first was rolled back with it: a migration making it again applies.
      const fixed: Migration = { version: next, name: 'the table alone', statements: ['CREATE TABLE extra (x INTEGER)'] };
      const repo = await open(place, [...MIGRATIONS, fixed]);
      expect((await repo.contact('kept'))?.fields).toEqual({ startedAt: T0 });
    });
  });
}
