/**
 * What a CRM is told of a call (server/api/webhooks/mapper.ts): the contact
 * center's and the ACD's events as webhook events, each with the caller,
 * the number dialled, the service, the queue and the agent filled in, and
 * valid against the published schema.
 */
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import type { AcdEvent, QueueEntry } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/events.js';
import { WebhookEventSchema, type WebhookEvent } from '../../server/api/webhooks/events.js';
import { WebhookEventMapper } from '../../server/api/webhooks/mapper.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const CALL = 'a84b4c76e66710@198.51.100.7';
const facts = { caller: '+46701740651', dialled: '+46313900603', service: 'Kort och spärr' };
const entry: QueueEntry = {
  id: 'e1', queueId: 'kort', kind: 'call', enqueuedAt: T0 + 2_000, priority: 0,
  data: { ...facts, callId: CALL, language: 'sv' },
};

/** The n-th id the test's mapper hands out. */
const uid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function mapper(acdEntries = new Map<string, QueueEntry>()) {
  let n = 0;
  const m = new WebhookEventMapper({ newId: () => uid(++n), entry: (id) => acdEntries.get(id) });
  const out: WebhookEvent[] = [];
  const call = (e: CallEvent) => { const w = m.fromCall(e); if (w) out.push(w); };
  const acd = (e: AcdEvent) => { const w = m.fromAcd(e); if (w) out.push(w); };
  return { m, out, call, acd };
}

describe('webhook events of a call', () => {
  it('a caller queued, offered to an agent, answered and hanging up: every event with the call\'s facts', () => {
    const { out, call, acd } = mapper();
    call({ type: 'call-started', at: T0, callId: CALL, ...facts, flow: 'kort-och-sparr' });
    acd({ type: 'queued', at: T0 + 2_000, entry });
    acd({ type: 'agent-state', at: T0 + 2_000, agentId: '1002', state: 'reserved', previous: 'ready' });
    acd({ type: 'offered-to-agent', at: T0 + 2_000, entryId: 'e1', agentId: '1002', queueId: 'kort' });
    acd({ type: 'answered', at: T0 + 9_450, entryId: 'e1', agentId: '1002', queueId: 'kort', waitMs: 7_450 });
    call({ type: 'call-ended', at: T0 + 60_000, callId: CALL, by: 'caller' });
    acd({ type: 'ended', at: T0 + 60_000, entryId: 'e1', agentId: '1002', handleMs: 50_550 });

    expect(out).toEqual([
      { version: 1, id: uid(1), type: 'call.started', time: '2026-12-02T09:00:00.000Z', callId: CALL, ...facts },
      { version: 1, id: uid(2), type: 'call.queued', time: '2026-12-02T09:00:02.000Z', callId: CALL, ...facts, queue: 'kort' },
      { version: 1, id: uid(3), type: 'call.offered', time: '2026-12-02T09:00:02.000Z', callId: CALL, ...facts, queue: 'kort', agent: '1002' },
      { version: 1, id: uid(4), type: 'call.answered', time: '2026-12-02T09:00:09.450Z', callId: CALL, ...facts, queue: 'kort', agent: '1002', waitSeconds: 7.5 },
      { version: 1, id: uid(5), type: 'call.ended', time: '2026-12-02T09:01:00.000Z', callId: CALL, ...facts, agent: '1002', endedBy: 'caller' },
    ]);
    for (const e of out) expect(Value.Check(WebhookEventSchema, e)).toBe(true);
  });

  it('a caller who gives up in the queue: abandoned with the wait; an avalanche message heard before', () => {
    const { out, call, acd } = mapper();
    call({ type: 'call-started', at: T0, callId: CALL, ...facts, flow: 'kort-och-sparr' });
    call({ type: 'avalanche-played', at: T0 + 1_000, callId: CALL, service: facts.service, dialled: facts.dialled, node: 'lavin', messageIds: ['1'] });
    acd({ type: 'queued', at: T0 + 2_000, entry });
    call({ type: 'call-ended', at: T0 + 32_000, callId: CALL, by: 'caller' });
    acd({ type: 'abandoned', at: T0 + 32_000, entryId: 'e1', queueId: 'kort', waitMs: 30_000 });

    expect(out.map((e) => e.type)).toEqual(['call.started', 'avalanche.heard', 'call.queued', 'call.ended', 'call.abandoned']);
    expect(out[1]).toMatchObject({ callId: CALL, ...facts, messageIds: ['1'] });
    expect(out[4]).toMatchObject({ callId: CALL, ...facts, queue: 'kort', waitSeconds: 30 });
    expect(out[3]).not.toHaveProperty('agent');
    for (const e of out) expect(Value.Check(WebhookEventSchema, e)).toBe(true);
  });

  it('a callback requested, then made by an agent after a restart: the number and the original call\'s facts', () => {
    const asCallback: QueueEntry = { ...entry, kind: 'callback', data: { ...entry.data, callbackNumber: '+46701740651' } };
    const first = mapper(new Map([['e1', asCallback]]));
    first.acd({ type: 'queued', at: T0 + 2_000, entry });
    first.acd({ type: 'callback-requested', at: T0 + 20_000, entryId: 'e1', queueId: 'kort' });
    expect(first.out[1]).toMatchObject({ type: 'callback.requested', callId: CALL, ...facts, queue: 'kort', callbackNumber: '+46701740651' });

    // Restarted: the callback still in line is remembered from the ACD's snapshot.
    const second = mapper();
    second.m.remember(asCallback);
    second.acd({ type: 'offered-to-agent', at: T0 + 90_000, entryId: 'e1', agentId: '1004', queueId: 'kort' });
    second.acd({ type: 'answered', at: T0 + 95_000, entryId: 'e1', agentId: '1004', queueId: 'kort', waitMs: 93_000 });
    second.acd({ type: 'ended', at: T0 + 200_000, entryId: 'e1', agentId: '1004', handleMs: 105_000 });
    second.acd({ type: 'callback-done', at: T0 + 200_000, entryId: 'e1', outcome: 'completed', entry: asCallback });
    // The offer and answer of a callback are no call's: only its done.
    expect(second.out).toEqual([{
      version: 1, id: uid(1), type: 'callback.done', time: new Date(T0 + 200_000).toISOString(), callId: CALL, ...facts,
      queue: 'kort', agent: '1004', callbackNumber: '+46701740651', outcome: 'completed',
    }]);
    for (const e of [...first.out, ...second.out]) expect(Value.Check(WebhookEventSchema, e)).toBe(true);
  });

  it('a callback booked by the flow (the service closed) is requested as it enters the queue', () => {
    const { out, call, acd } = mapper();
    call({ type: 'call-started', at: T0, callId: CALL, ...facts, flow: 'kort-och-sparr' });
    const booked: QueueEntry = { ...entry, kind: 'callback', data: { ...entry.data, callbackNumber: '+46701740651' } };
    acd({ type: 'queued', at: T0 + 15_000, entry: booked });
    expect(out[1]).toEqual({
      version: 1, id: uid(2), type: 'callback.requested', time: new Date(T0 + 15_000).toISOString(), callId: CALL, ...facts,
      queue: 'kort', callbackNumber: '+46701740651',
    });
  });

  it('an offer another instance made is left to that instance', () => {
    const { out, acd } = mapper();
    acd({ type: 'queued', at: T0, entry });
    acd({ type: 'offered-to-agent', at: T0, entryId: 'e1', agentId: '1002', queueId: 'kort', remote: true });
    expect(out.map((e) => e.type)).toEqual(['call.queued']);
  });
});
