/**
 * Callbacks through the API (fastify inject) over a real ACD: those in line
 * with their place, those done, one by id, cancelling one (while it waits,
 * while it rings an agent; refused once an agent answered it, or when it is
 * done); bad and unknown ids; each role and no credentials.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../server/users/roles.js';
import { bookCallback, buildAcdApi, type AcdApi } from '../support/api-acd.js';
import type { Headers } from '../support/api.js';

let t: AcdApi;
beforeEach(async () => { t = await buildAcdApi(); });
afterEach(async () => { await t?.close(); });

interface Callback { id: string; queueId: string; number: string; service?: string; bookedAt: string; attempts: number; status: string; place?: number; agentId?: string; retryAfter?: string; doneAt?: string }

async function call<T = Callback>(method: 'GET' | 'DELETE', url: string, headers: Headers): Promise<{ status: number; body: T }> {
  const res = await t.api.inject({ method, url: `/api/v1${url}`, headers });
  return { status: res.statusCode, body: res.body ? res.json<T>() : (undefined as T) };
}

const SECOND = 1000;

describe('callbacks in line', () => {
  it('listed in the order they will be made, with number, queue, booking time, attempts and place', async () => {
    const bookedAt = t.clock.now();
    await bookCallback(t.acd, t.clock, 'cb1', '+46701740605');
    await t.clock.advanceBy(10 * SECOND);
    await t.acd.enqueue({ id: 'call1', queueId: 'support', kind: 'call', enqueuedAt: t.clock.now(), priority: 0, data: {} });
    await bookCallback(t.acd, t.clock, 'cb2', '+46701740606');
    const res = await call<Callback[]>('GET', '/callbacks/waiting', t.as.supervisor);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { id: 'cb1', queueId: 'support', number: '+46701740605', service: 'Kundtjänst', bookedAt: new Date(bookedAt).toISOString(), attempts: 0, status: 'waiting', place: 1 },
      { id: 'cb2', queueId: 'support', number: '+46701740606', service: 'Kundtjänst', bookedAt: new Date(bookedAt + 10 * SECOND).toISOString(), attempts: 0, status: 'waiting', place: 3 },
    ]);
  });

  it('one ringing an agent shows the agent; one retried after no answer its attempts and when it may be tried again', async () => {
    await bookCallback(t.acd, t.clock, 'cb1', '+46701740605');
    await t.acd.login('1001');
    expect(await call('GET', '/callbacks/cb1', t.as.admin)).toMatchObject({ status: 200, body: { status: 'ringing-agent', agentId: '1001' } });
    await t.acd.offerAccepted('cb1', '1001');
    expect(await call('GET', '/callbacks/cb1', t.as.admin)).toMatchObject({ status: 200, body: { status: 'dialling', agentId: '1001' } });
    await t.acd.callbackNoAnswer('cb1');
    await t.acd.pause('1001', 'lunch');
    const retried = await call('GET', '/callbacks/cb1', t.as.admin);
    expect(retried).toMatchObject({ status: 200, body: { status: 'waiting', attempts: 1, place: 1, retryAfter: new Date(t.clock.now() + 120 * SECOND).toISOString() } });
    expect(retried.body.agentId).toBeUndefined();
  });
});

describe('callbacks done', () => {
  it('completed and cancelled ones are listed newest first, and read by id', async () => {
    await bookCallback(t.acd, t.clock, 'done1', '+46701740605');
    await t.acd.login('1003');
    await t.acd.offerAccepted('done1', '1003');
    await t.clock.advanceBy(60 * SECOND);
    await t.acd.callEnded('done1');
    await bookCallback(t.acd, t.clock, 'gone1', '+46701740606');
    await t.acd.cancelCallback('gone1');
    const done = await call<Callback[]>('GET', '/callbacks/done', t.as.supervisor);
    expect(done.body.map((c) => [c.id, c.status, c.number])).toEqual([['gone1', 'cancelled', '+46701740606'], ['done1', 'completed', '+46701740605']]);
    expect(done.body[1]!.doneAt).toBe(new Date(t.clock.now()).toISOString());
    expect(await call('GET', '/callbacks/done1', t.as.supervisor)).toMatchObject({ status: 200, body: { status: 'completed', queueId: 'support' } });
    expect((await call<Callback[]>('GET', '/callbacks/waiting', t.as.supervisor)).body).toEqual([]);
  });

  it('kept 24 hours', async () => {
    await bookCallback(t.acd, t.clock, 'old1', '+46701740605');
    await t.acd.cancelCallback('old1');
    await t.clock.advanceBy(24 * 3600 * SECOND);
    expect((await call<Callback[]>('GET', '/callbacks/done', t.as.supervisor)).body.map((c) => c.id)).toEqual(['old1']);
    await t.clock.advanceBy(SECOND);
    expect((await call<Callback[]>('GET', '/callbacks/done', t.as.supervisor)).body).toEqual([]);
    expect((await call('GET', '/callbacks/old1', t.as.supervisor)).status).toBe(404);
  });
});

describe('cancelling a callback', () => {
  it('one waiting leaves the line, is done "cancelled", and is never offered', async () => {
    await bookCallback(t.acd, t.clock, 'cb1', '+46701740605');
    const res = await t.api.inject({ method: 'DELETE', url: '/api/v1/callbacks/cb1', headers: t.as.supervisor });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(t.acd.entry('cb1')).toBeUndefined();
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'callback-done', entryId: 'cb1', outcome: 'cancelled' }));
    await t.acd.login('1001');
    expect(t.events.filter((e) => e.type === 'offered-to-agent')).toEqual([]);
    expect(await call('GET', '/callbacks/cb1', t.as.supervisor)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
  });

  it('one ringing an agent: the offer is taken back, the agent is ready, not their miss', async () => {
    await t.acd.login('1001');
    await bookCallback(t.acd, t.clock, 'cb1', '+46701740605');
    expect(t.acd.agent('1001')).toMatchObject({ state: 'reserved', entryId: 'cb1' });
    expect((await call('DELETE', '/callbacks/cb1', t.bearer.admin)).status).toBe(204);
    expect(t.acd.agent('1001')).toMatchObject({ state: 'ready', missedInRow: 0 });
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'agent-state', agentId: '1001', previous: 'reserved', state: 'ready' }));
  });

  it('one an agent answered (the customer is dialled) is 409 and goes on; one done is 409; an unknown one 404; a call is no callback', async () => {
    await t.acd.login('1001');
    await bookCallback(t.acd, t.clock, 'cb1', '+46701740605');
    await t.acd.offerAccepted('cb1', '1001');
    expect(await call('DELETE', '/callbacks/cb1', t.as.supervisor)).toMatchObject({ status: 409, body: { detail: 'callback cb1 is being made by agent 1001: too late to cancel' } });
    expect(t.acd.entry('cb1')).toMatchObject({ offeredTo: '1001' });
    await t.acd.callEnded('cb1');
    expect(await call('DELETE', '/callbacks/cb1', t.as.supervisor)).toMatchObject({ status: 409, body: { detail: 'callback cb1 is already done (completed)' } });
    expect(await call('DELETE', '/callbacks/nope', t.as.supervisor)).toMatchObject({ status: 404, body: { detail: "no callback 'nope'" } });
    await t.acd.enqueue({ id: 'call1', queueId: 'support', kind: 'call', enqueuedAt: t.clock.now(), priority: 0, data: {} });
    expect((await call('DELETE', '/callbacks/call1', t.as.supervisor)).status).toBe(404);
    expect((await call('GET', '/callbacks/call1', t.as.supervisor)).status).toBe(404);
    expect(t.acd.entry('call1')).toBeDefined();
  });

  it('an id with characters no entry has is 400 naming it', async () => {
    expect(await call('GET', '/callbacks/a%20b', t.as.supervisor)).toMatchObject({ status: 400, body: { field: 'id' } });
    expect(await call('DELETE', '/callbacks/a$b', t.as.supervisor)).toMatchObject({ status: 400, body: { field: 'id' } });
  });
});

describe('who may', () => {
  it('admins and supervisors, by session or token; operators and agents 403; no credentials 401', async () => {
    await bookCallback(t.acd, t.clock, 'cb1', '+46701740605');
    const reads = ['/callbacks/waiting', '/callbacks/done', '/callbacks/cb1'];
    for (const role of ROLES) {
      const allowed = role === 'admin' || role === 'supervisor';
      for (const headers of [t.as[role as Role], t.bearer[role as Role]]) {
        for (const url of reads) expect((await call('GET', url, headers)).status, `${role} ${url}`).toBe(allowed ? 200 : 403);
        if (!allowed) expect((await call('DELETE', '/callbacks/cb1', headers)).status, role).toBe(403);
      }
    }
    for (const url of reads) expect((await call('GET', url, {})).status).toBe(401);
    expect((await call('DELETE', '/callbacks/cb1', {})).status).toBe(401);
    expect(t.acd.entry('cb1')).toBeDefined();
    expect((await call('DELETE', '/callbacks/cb1', t.as.supervisor)).status).toBe(204);
  });
});
