/**
 * The contact records of a scripted day: the events the contact center and
 * the ACD tell of an answered call (through a menu), an abandoned one, a
 * short abandon, a callback dialled twice, a transfer, an avalanche
 * deflection and agents' states, fed to the history's feed and written by
 * its writer to SQLite; the rows read back are what happened.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent, QueueEntry } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/events.js';
import { HistoryFeed } from '../../server/calls/history-feed.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { HistoryWriter } from '../../server/history/writer.js';
import { tempDir } from '../support/tmp.js';

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
/** The ACD instance the feed under test records for. */
const HERE = 'instance-here';
const S = 1000;
const KUNDTJANST = { dialled: '+46313900601', service: 'Kundtjänst' };

function entry(id: string, callId: string, at: number, over: Partial<QueueEntry> = {}, data: Record<string, string> = {}): QueueEntry {
  return {
    id, queueId: 'kundtjanst', kind: 'call', enqueuedAt: at, priority: 0,
    data: { callId, caller: '+46701740651', ...KUNDTJANST, ...data }, ...over,
  };
}

const started = (callId: string, at: number): CallEvent =>
  ({ type: 'call-started', at, callId, caller: '+46701740651', ...KUNDTJANST, flow: 'kundtjanst' });
const node = (callId: string, at: number, name: string, nodeType: string): CallEvent =>
  ({ type: 'ivr-node', at, callId, ...KUNDTJANST, flow: 'kundtjanst', node: name, nodeType });
const ended = (callId: string, at: number, by: string): CallEvent => ({ type: 'call-ended', at, callId, by });

describe('contact records fed from the calls and the ACD', () => {
  let history: SqliteHistory | undefined;
  afterEach(async () => { await history?.close(); });

  async function record(script: Array<CallEvent | AcdEvent>, lookup: (id: string) => QueueEntry | undefined = () => undefined) {
    history = SqliteHistory.open(join(tempDir('history-feed-'), 'history.sqlite'));
    const writer = new HistoryWriter(history, { logger: pino({ level: 'silent' }) });
    const feed = new HistoryFeed((w) => writer.add(w), lookup, HERE);
    const acdTypes = new Set(['queued', 'offered-to-agent', 'offer-missed', 'answered', 'abandoned', 'overflowed', 'ended',
      'callback-requested', 'callback-done', 'agent-state', 'step-changed']);
    for (const e of script) {
      if (acdTypes.has(e.type)) feed.fromAcd(e as AcdEvent);
      else feed.fromCall(e as CallEvent);
    }
    await writer.stop();
    expect(writer.backlog()).toBe(0);
    return history;
  }

  it('records an answered call: its path through the menu, the case type from the flow, the missed and answered offers, talk, hold (one ended by the hang-up) and wrap-up', async () => {
    const e1 = entry('e1', 'c1', T0 + 8 * S, { priority: 5 }, { vip: 'true', caseType: 'faktura' });
    const repo = await record([
      started('c1', T0),
      node('c1', T0 + 1, 'start', 'menu'),
      node('c1', T0 + 6 * S, 'faktura', 'set'),
      node('c1', T0 + 7 * S, 'ko', 'queue'),
      { type: 'queued', at: T0 + 8 * S, entry: e1 },
      { type: 'offered-to-agent', at: T0 + 9 * S, entryId: 'e1', agentId: 'anna', queueId: 'kundtjanst' },
      { type: 'offer-missed', at: T0 + 24 * S, entryId: 'e1', agentId: 'anna' },
      { type: 'agent-state', at: T0 + 24 * S, agentId: 'anna', state: 'paused', previous: 'reserved', reason: 'no answer' },
      { type: 'offered-to-agent', at: T0 + 25 * S, entryId: 'e1', agentId: 'erik', queueId: 'kundtjanst' },
      { type: 'answered', at: T0 + 29 * S, entryId: 'e1', agentId: 'erik', queueId: 'kundtjanst', waitMs: 21 * S },
      { type: 'agent-state', at: T0 + 29 * S, agentId: 'erik', state: 'busy', previous: 'reserved' },
      { type: 'ivr-ended', at: T0 + 29 * S, callId: 'c1', ...KUNDTJANST, flow: 'kundtjanst', reason: 'connected', steps: 3 },
      { type: 'call-held', at: T0 + 60 * S, callId: 'c1', entryId: 'e1', agentId: 'erik' },
      { type: 'call-resumed', at: T0 + 75 * S, callId: 'c1', entryId: 'e1', agentId: 'erik' },
      { type: 'call-held', at: T0 + 200 * S, callId: 'c1', entryId: 'e1', agentId: 'erik' },
      { type: 'ended', at: T0 + 209 * S, entryId: 'e1', agentId: 'erik', handleMs: 180 * S },
      { type: 'agent-state', at: T0 + 209 * S, agentId: 'erik', state: 'wrap-up', previous: 'busy' },
      ended('c1', T0 + 209 * S, 'agent'),
      { type: 'agent-state', at: T0 + 239 * S, agentId: 'erik', state: 'ready', previous: 'wrap-up' },
    ]);
    expect(await repo.contact('c1')).toEqual({
      id: 'c1',
      fields: {
        startedAt: T0, endedAt: T0 + 209 * S, caller: '+46701740651', ...KUNDTJANST, flow: 'kundtjanst', flowEnd: 'connected',
        endedBy: 'agent', caseType: 'faktura', caseTypeBy: 'flow',
      },
      steps: [
        { seq: 1, at: T0 + 1, node: 'start', nodeType: 'menu' },
        { seq: 2, at: T0 + 6 * S, node: 'faktura', nodeType: 'set' },
        { seq: 3, at: T0 + 7 * S, node: 'ko', nodeType: 'queue' },
      ],
      segments: [{
        id: 'e1', queue: 'kundtjanst', kind: 'call', priority: 5, vip: 1, enqueuedAt: T0 + 8 * S, outcome: 'answered',
        answeredAt: T0 + 29 * S, agent: 'erik', waitMs: 21 * S, talkMs: 156 * S, holdMs: 24 * S, wrapUpMs: 30 * S, endedAt: T0 + 209 * S,
      }],
      offers: [
        { entryId: 'e1', agent: 'anna', offeredAt: T0 + 9 * S, result: 'missed', ringMs: 15 * S },
        { entryId: 'e1', agent: 'erik', offeredAt: T0 + 25 * S, result: 'answered', ringMs: 4 * S },
      ],
      callbackAttempts: [],
      transfers: [],
    });
    expect(await repo.agentIntervals('erik', T0, T0 + 3_600 * S)).toEqual([
      { agent: 'erik', state: 'busy', startedAt: T0 + 29 * S, endedAt: T0 + 209 * S },
      { agent: 'erik', state: 'wrap-up', startedAt: T0 + 209 * S, endedAt: T0 + 239 * S },
      { agent: 'erik', state: 'ready', startedAt: T0 + 239 * S },
    ]);
    expect(await repo.agentIntervals('anna', T0, T0 + 3_600 * S)).toEqual([
      { agent: 'anna', state: 'paused', reason: 'no answer', startedAt: T0 + 24 * S },
    ]);
  });

  it('records abandons, a short one among them, with their waits, and an offer the caller hung up on', async () => {
    const repo = await record([
      started('c2', T0),
      { type: 'queued', at: T0 + 5 * S, entry: entry('e2', 'c2', T0 + 5 * S) },
      { type: 'offered-to-agent', at: T0 + 50 * S, entryId: 'e2', agentId: 'erik', queueId: 'kundtjanst' },
      { type: 'abandoned', at: T0 + 65 * S, entryId: 'e2', queueId: 'kundtjanst', waitMs: 60 * S },
      ended('c2', T0 + 65 * S, 'caller'),
      started('c3', T0 + 100 * S),
      { type: 'queued', at: T0 + 101 * S, entry: entry('e3', 'c3', T0 + 101 * S) },
      { type: 'abandoned', at: T0 + 104 * S, entryId: 'e3', queueId: 'kundtjanst', waitMs: 3 * S },
      ended('c3', T0 + 104 * S, 'caller'),
    ]);
    const long = await repo.contact('c2');
    expect(long?.segments).toEqual([{ id: 'e2', queue: 'kundtjanst', kind: 'call', priority: 0, vip: 0, enqueuedAt: T0 + 5 * S, outcome: 'abandoned', waitMs: 60 * S, endedAt: T0 + 65 * S }]);
    expect(long?.offers).toEqual([{ entryId: 'e2', agent: 'erik', offeredAt: T0 + 50 * S, result: 'abandoned', ringMs: 15 * S }]);
    expect(long?.fields.endedBy).toBe('caller');
    expect((await repo.contact('c3'))?.segments.map((s) => [s.outcome, s.waitMs])).toEqual([['abandoned', 3 * S]]);
    expect(await repo.intervalCounts(15, T0, T0 + 900 * S)).toEqual([
      { intervalStart: T0, service: 'Kundtjänst', offered: 2, answered: 0, abandoned: 2 },
    ]);
  });

  it('records a callback asked for in line, each dial attempt and its outcome, and how it ended', async () => {
    const waiting = entry('e4', 'c4', T0 + 5 * S);
    const asCallback: QueueEntry = { ...waiting, kind: 'callback', data: { ...waiting.data, callbackNumber: '+46701740651' } };
    const repo = await record([
      started('c4', T0),
      { type: 'queued', at: T0 + 5 * S, entry: waiting },
      { type: 'callback-requested', at: T0 + 40 * S, entryId: 'e4', queueId: 'kundtjanst' },
      ended('c4', T0 + 45 * S, 'caller'),
      { type: 'offered-to-agent', at: T0 + 300 * S, entryId: 'e4', agentId: 'erik', queueId: 'kundtjanst' },
      { type: 'answered', at: T0 + 303 * S, entryId: 'e4', agentId: 'erik', queueId: 'kundtjanst', waitMs: 298 * S },
      { type: 'callback-dialling', at: T0 + 304 * S, entryId: 'e4', agentId: 'erik', number: '+46701740651', uri: 'sip:+46701740651@trunk' },
      { type: 'callback-no-answer', at: T0 + 334 * S, entryId: 'e4', agentId: 'erik', number: '+46701740651', status: 480 },
      { type: 'offered-to-agent', at: T0 + 460 * S, entryId: 'e4', agentId: 'erik', queueId: 'kundtjanst' },
      { type: 'answered', at: T0 + 462 * S, entryId: 'e4', agentId: 'erik', queueId: 'kundtjanst', waitMs: 457 * S },
      { type: 'callback-dialling', at: T0 + 463 * S, entryId: 'e4', agentId: 'erik', number: '+46701740651', uri: 'sip:+46701740651@trunk' },
      { type: 'callback-connected', at: T0 + 470 * S, entryId: 'e4', agentId: 'erik', number: '+46701740651' },
      { type: 'ended', at: T0 + 600 * S, entryId: 'e4', agentId: 'erik', handleMs: 138 * S },
      { type: 'callback-done', at: T0 + 600 * S, entryId: 'e4', outcome: 'completed', entry: { ...asCallback, attempts: 1 } },
    ]);
    const record4 = await repo.contact('c4');
    expect(record4?.segments).toEqual([{
      id: 'e4', queue: 'kundtjanst', kind: 'call', priority: 0, vip: 0, enqueuedAt: T0 + 5 * S, outcome: 'callback',
      callbackRequestedAt: T0 + 40 * S, agent: 'erik', talkMs: 138 * S, holdMs: 0, endedAt: T0 + 600 * S,
      callbackOutcome: 'completed', callbackDoneAt: T0 + 600 * S, callbackAttempts: 1,
    }]);
    expect(record4?.callbackAttempts).toEqual([
      { entryId: 'e4', at: T0 + 304 * S, agent: 'erik', outcome: 'no-answer', status: 480 },
      { entryId: 'e4', at: T0 + 463 * S, agent: 'erik', outcome: 'connected' },
    ]);
    // Waiting for its callback is not waiting in line: the call counts as neither answered nor abandoned.
    expect(await repo.intervalCounts(15, T0, T0 + 900 * S)).toEqual([
      { intervalStart: T0, service: 'Kundtjänst', offered: 1, answered: 0, abandoned: 0 },
    ]);
  });

  it('records an avalanche deflection, a transfer by the flow, an overflow, and a case type set by the agent', async () => {
    const repo = await record([
      started('c5', T0),
      { type: 'avalanche-played', at: T0 + 2 * S, callId: 'c5', ...KUNDTJANST, node: 'lavin', messageIds: ['storning-bank'] },
      { type: 'avalanche-deflected', at: T0 + 9 * S, callId: 'c5', ...KUNDTJANST, node: 'lavin', messageIds: ['storning-bank'], during: true, secondsAfter: 0 },
      ended('c5', T0 + 9 * S, 'caller'),
      started('c6', T0 + 20 * S),
      { type: 'queued', at: T0 + 21 * S, entry: entry('e6', 'c6', T0 + 21 * S) },
      { type: 'overflowed', at: T0 + 141 * S, entryId: 'e6', queueId: 'kundtjanst', waitMs: 120 * S },
      { type: 'transfer', at: T0 + 142 * S, callId: 'c6', ...KUNDTJANST, node: 'vidare', to: '+46317001000', outcome: 'connected' },
      ended('c6', T0 + 400 * S, 'caller'),
    ]);
    expect((await repo.contact('c5'))?.fields).toMatchObject({ avalancheMessages: 'storning-bank', avalancheAt: T0 + 2 * S, deflected: 1, endedBy: 'caller' });
    const c6 = await repo.contact('c6');
    expect(c6?.segments.map((s) => [s.outcome, s.waitMs])).toEqual([['overflowed', 120 * S]]);
    expect(c6?.transfers).toEqual([{ at: T0 + 142 * S, node: 'vidare', target: '+46317001000', outcome: 'connected' }]);
    expect(c6?.fields.deflected).toBeUndefined();
  });

  it('takes an entry it did not see queued (a callback kept across a restart) from the ACD', async () => {
    const kept = entry('e7', 'c7', T0, { kind: 'callback' });
    const repo = await record([
      // Recorded before the restart.
      started('c7', T0 - 600 * S),
      { type: 'offered-to-agent', at: T0 + 10 * S, entryId: 'e7', agentId: 'erik', queueId: 'kundtjanst' },
      { type: 'answered', at: T0 + 12 * S, entryId: 'e7', agentId: 'erik', queueId: 'kundtjanst', waitMs: 612 * S },
    ], (id) => (id === 'e7' ? kept : undefined));
    // The offer belongs to the call the callback came from, found through the entry's data.
    expect((await repo.contact('c7'))?.offers).toEqual([{ entryId: 'e7', agent: 'erik', offeredAt: T0 + 10 * S, result: 'answered', ringMs: 2 * S }]);
  });

  it('with several instances, records an offer where it rings: its caller\'s offers made elsewhere, not another\'s caller offered here', async () => {
    const ours = entry('e8', 'c8', T0, { owner: HERE, offeredTo: 'erik', offeredAt: T0 + S });
    const theirs = entry('e9', 'c9', T0, { owner: 'instance-elsewhere', offeredTo: 'anna', offeredAt: T0 + S });
    const repo = await record([
      started('c8', T0),
      { type: 'queued', at: T0, entry: ours },
      // Made by another instance: told here, where the caller is and the answer is heard.
      { type: 'offered-to-agent', at: T0 + S, entryId: 'e8', agentId: 'erik', queueId: 'kundtjanst', remote: true },
      { type: 'answered', at: T0 + 3 * S, entryId: 'e8', agentId: 'erik', queueId: 'kundtjanst', waitMs: 3 * S },
      // Made here for the other instance's caller: that instance records it.
      { type: 'offered-to-agent', at: T0 + S, entryId: 'e9', agentId: 'anna', queueId: 'kundtjanst' },
    ], (id) => ({ e8: ours, e9: theirs })[id]);
    expect((await repo.contact('c8'))?.offers).toEqual([{ entryId: 'e8', agent: 'erik', offeredAt: T0 + S, result: 'answered', ringMs: 2 * S }]);
    expect(await repo.contact('c9')).toBeUndefined();
  });

  it('keeps an offer made elsewhere that is told before its own caller\'s queueing (the other instance claimed at once)', async () => {
    const ours = entry('e10', 'c10', T0, { owner: HERE, offeredTo: 'erik', offeredAt: T0 + 1 });
    const repo = await record([
      started('c10', T0),
      { type: 'offered-to-agent', at: T0 + 1, entryId: 'e10', agentId: 'erik', queueId: 'kundtjanst', remote: true },
      { type: 'queued', at: T0, entry: ours },
      { type: 'answered', at: T0 + 2 * S, entryId: 'e10', agentId: 'erik', queueId: 'kundtjanst', waitMs: 2 * S },
    ], (id) => (id === 'e10' ? ours : undefined));
    expect((await repo.contact('c10'))?.offers).toEqual([{ entryId: 'e10', agent: 'erik', offeredAt: T0 + 1, result: 'answered', ringMs: 2 * S - 1 }]);
  });
});
