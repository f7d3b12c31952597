/**
 * The agent's case type (ärendetyp) for their call, through the API
 * (fastify inject) and as the phone's code does it (AgentCaseTypes), over
 * a real ACD and real contact records on SQLite: calls queued in `support`
 * (codes 1 Faktura, 2 Adressändring) are answered by Anna (1001, the test
 * agent user); what she sets lands on the contact as hers, over the flow's,
 * with her note. The desktop's form reads first what it offers: the call's
 * queue's codes and the wrap-up time left. Codes the queue does not list,
 * agents with no call, other agents' calls, unknown agents and bad input
 * are refused with a clear problem (its code for the pages to word), and
 * nothing is recorded for them.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Acd, SimulatedClock } from '../../server/acd/index.js';
import { API_PREFIX } from '../../server/api/features.js';
import { WRAP_UP_NOTE_MAX, wrapUpRoutes } from '../../server/api/wrap-up-routes.js';
import { AgentCaseTypes } from '../../server/calls/case-types.js';
import { ContactRecords } from '../../server/calls/contact-records.js';
import type { CallEvent } from '../../server/calls/events.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { MemoryStore } from '../../server/store/memory.js';
import { AGENTS, QUEUE } from '../support/api-acd.js';
import { buildTestApi, expectProblem, type Headers, type TestApi } from '../support/api.js';
import { tempDir } from '../support/tmp.js';

const CASE_TYPES = [{ code: '1', name: 'Faktura' }, { code: '2', name: 'Adressändring' }];

let clock: SimulatedClock;
let acd: Acd;
let store: MemoryStore;
let history: SqliteHistory;
let records: ContactRecords;
let caseTypes: AgentCaseTypes;
let t: TestApi;
const center = new EventEmitter<{ event: [CallEvent] }>();

beforeEach(async () => {
  clock = new SimulatedClock(Date.UTC(2026, 11, 2, 8, 0, 0));
  store = new MemoryStore();
  acd = new Acd({ store, clock, queues: [QUEUE], agents: AGENTS, onError: (err) => { throw err; } });
  history = SqliteHistory.open(join(tempDir('case-types-'), 'history.sqlite'));
  records = new ContactRecords({ repository: history, center, acd, logger: pino({ level: 'silent' }) });
  await acd.start();
  caseTypes = new AgentCaseTypes({
    acd, records, queues: { get: (id) => (id === QUEUE.id ? { announceEverySeconds: 0, caseTypes: CASE_TYPES } : undefined) },
  });
  t = await buildTestApi({ features: [{ prefix: API_PREFIX, plugin: wrapUpRoutes({ caseTypes, acd, now: () => clock.now() }) }] });
});

afterEach(async () => {
  await t.close();
  await records.stop();
  await acd.stop();
  await store.close();
  await history.close();
});

/** A call from the flow (its case type `fromFlow`, if any) answered by `agentId`; ended unless `talking`. */
async function answeredCall(callId: string, agentId: string, opts: { fromFlow?: string; talking?: boolean } = {}): Promise<void> {
  center.emit('event', { type: 'call-started', at: clock.now(), callId, caller: '+46701740651', dialled: '+46313900601', service: 'Kundtjänst', flow: 'kundtjanst' });
  if (acd.agent(agentId)?.state === 'logged-out') await acd.login(agentId);
  const entryId = `entry-${callId}`;
  await acd.enqueue({
    id: entryId, queueId: QUEUE.id, kind: 'call', enqueuedAt: clock.now(), priority: 0,
    data: { callId, ...(opts.fromFlow ? { caseType: opts.fromFlow } : {}) },
  });
  expect(acd.entry(entryId)?.offeredTo).toBe(agentId);
  await acd.offerAccepted(entryId, agentId);
  if (!opts.talking) await acd.callEnded(entryId);
}

async function put(agentId: string, headers: Headers, payload: unknown) {
  return t.api.inject({ method: 'PUT', url: `/api/v1/agents/${agentId}/wrap-up`, headers, payload: payload as object });
}

async function get(agentId: string, headers: Headers) {
  return t.api.inject({ method: 'GET', url: `/api/v1/agents/${agentId}/wrap-up`, headers });
}

async function recorded(callId: string) {
  await records.flush();
  return (await history.contact(callId))?.fields;
}

describe('the agent\'s case type at wrap-up', () => {
  it('through the API: the agent\'s code and note land on their last call as theirs, over the flow\'s', async () => {
    await answeredCall('c1', '1001', { fromFlow: '2' });
    expect(await recorded('c1')).toMatchObject({ caseType: '2', caseTypeBy: 'flow' });

    const res = await put('1001', t.as.agent, { caseType: '1', note: '  Fakturan betald två gånger  ' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ callId: 'c1', queue: 'support', caseType: { code: '1', name: 'Faktura' }, note: 'Fakturan betald två gånger' });
    expect(await recorded('c1')).toMatchObject({ caseType: '1', caseTypeBy: 'agent', wrapUpNote: 'Fakturan betald två gånger' });
  });

  it('during the call as after it; a second call takes the code from then on, the first keeps its own', async () => {
    await answeredCall('c1', '1001');
    expect(caseTypes.set('1001', '2')).toMatchObject({ ok: true, contactId: 'c1' });
    await clock.advanceBy(60_000);
    await answeredCall('c2', '1001', { talking: true });
    expect(caseTypes.set('1001', '1')).toEqual({ ok: true, contactId: 'c2', queue: 'support', caseType: { code: '1', name: 'Faktura' } });
    expect(await recorded('c1')).toMatchObject({ caseType: '2', caseTypeBy: 'agent' });
    expect(await recorded('c2')).toMatchObject({ caseType: '1', caseTypeBy: 'agent' });
    expect((await recorded('c2'))?.wrapUpNote).toBeUndefined();
  });

  it('the form reads the call, its queue\'s case types and the wrap-up time left by the ACD\'s clock; none left once ready', async () => {
    await answeredCall('c1', '1001');
    await clock.advanceBy(12_500);
    const read = await get('1001', t.as.agent);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual({ callId: 'c1', queue: 'support', caseTypes: CASE_TYPES, secondsLeft: QUEUE.wrapUpSeconds - 12 });
    await acd.ready('1001');
    expect((await get('1001', t.as.agent)).json()).toMatchObject({ callId: 'c1', secondsLeft: null });
  });

  it('reading: no call answered is 409 no-call, an unknown agent 404, another agent\'s 403', async () => {
    expect(expectProblem(await get('1001', t.as.agent), 409)).toMatchObject({ code: 'no-call', detail: 'agent 1001 has answered no call here to give a case type' });
    expect(expectProblem(await get('1999', t.as.supervisor), 404).detail).toBe("no agent '1999'");
    await answeredCall('c1', '1003');
    expect(expectProblem(await get('1003', t.as.agent), 403).title).toBe('Forbidden');
    expect((await get('1003', t.as.supervisor)).json()).toMatchObject({ callId: 'c1', caseTypes: CASE_TYPES });
  });

  it('a code the queue does not list is 422 naming caseType and the queue\'s codes; nothing is recorded', async () => {
    await answeredCall('c1', '1001', { fromFlow: '2' });
    const refused = expectProblem(await put('1001', t.as.agent, { caseType: '9' }), 422);
    expect(refused).toMatchObject({
      field: '/caseType', detail: 'queue support has no case type with code "9": its codes are 1 (Faktura), 2 (Adressändring)',
      code: 'unknown-case-type', params: { codes: '1 (Faktura), 2 (Adressändring)' },
    });
    expect(caseTypes.set('1001', '9')).toMatchObject({ ok: false, refused: 'unknown-code' });
    expect(await recorded('c1')).toMatchObject({ caseType: '2', caseTypeBy: 'flow' });
  });

  it('an agent with no call answered is 409; an unknown agent 404; a code that is not digits or a long note 400 naming the field', async () => {
    expect(expectProblem(await put('1001', t.as.agent, { caseType: '1' }), 409)).toMatchObject({ code: 'no-call', detail: 'agent 1001 has answered no call here to give a case type' });
    expect(expectProblem(await put('1999', t.as.supervisor, { caseType: '1' }), 404).detail).toBe("no agent '1999'");
    expect(expectProblem(await put('1001', t.as.agent, { caseType: 'Faktura' }), 400).field).toBe('/caseType');
    expect(expectProblem(await put('1001', t.as.agent, { caseType: '1', note: 'x'.repeat(WRAP_UP_NOTE_MAX + 1) }), 400).field).toBe('/note');
    expect(expectProblem(await put('1001', t.as.agent, { caseType: '1', extra: true }), 400).field).toBe('/extra');
  });

  it('admins and supervisors set it for any agent, an agent only for themselves; operators and no credentials are refused', async () => {
    await answeredCall('c1', '1003');
    expect(expectProblem(await put('1003', t.as.agent, { caseType: '1' }), 403).title).toBe('Forbidden');
    expect(expectProblem(await put('1003', t.as.operator, { caseType: '1' }), 403).title).toBe('Forbidden');
    expect(expectProblem(await put('1003', {}, { caseType: '1' }), 401).title).toBe('Unauthorized');
    expect((await recorded('c1'))?.caseType).toBeUndefined();
    expect((await put('1003', t.as.supervisor, { caseType: '1' })).statusCode).toBe(200);
    expect((await put('1003', t.bearer.admin, { caseType: '2' })).statusCode).toBe(200);
    expect(await recorded('c1')).toMatchObject({ caseType: '2', caseTypeBy: 'agent' });
  });
});
