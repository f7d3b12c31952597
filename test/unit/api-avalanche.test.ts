/**
 * The avalanche routes through fastify inject, on a real RunningConfig in a
 * temporary DATA_DIR: list, read, create, change, delete, switch on and off
 * now; who hears a message and how many it turned away (from call events);
 * good and bad input, unknown ids, each role, no credentials.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avalancheRoutes } from '../../server/api/avalanche-routes.js';
import { ROLES } from '../../server/users/roles.js';
import { writeToneWav } from '../support/audio.js';
import { buildTestApi, type TestApi } from '../support/api.js';
import { mediaParts, type MediaParts } from '../support/media-api.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');
let t: TestApi;
let parts: MediaParts;
beforeAll(async () => {
  parts = await mediaParts([{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }], () => NOW);
  t = await buildTestApi({ features: [{ prefix: '/api/v1', plugin: avalancheRoutes(parts) }] });
});
afterAll(async () => { await t?.close(); parts?.running.close(); });

const url = '/api/v1/avalanche';
type Message = { id: string; on: boolean; inForce: boolean; recorded: boolean; start?: string; end?: string; language?: string; services: string[]; hearing: string[]; played: number; deflected: number };

function problem(res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }, status: number): { detail?: string; field?: string; code?: string; params?: object } {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

describe('who may', () => {
  it('admins, supervisors and operators, by session or token; not agents; nobody without credentials', async () => {
    for (const role of ROLES) {
      for (const headers of [t.as[role], t.bearer[role]]) {
        const res = await t.api.inject({ method: 'GET', url, headers });
        expect(res.statusCode, role).toBe(role === 'agent' ? 403 : 200);
      }
      const on = await t.api.inject({ method: 'POST', url: `${url}/1/on`, headers: t.as[role] });
      expect(on.statusCode, role).toBe(role === 'agent' ? 403 : 200);
    }
    expect((await t.api.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await t.api.inject({ method: 'POST', url: `${url}/1/off` })).statusCode).toBe(401);
    expect((await t.api.inject({ method: 'POST', url, payload: { id: '5', services: ['Växel'], slot: 'x' } })).statusCode).toBe(401);
    expect(parts.running.current.operational.avalanche.map((m) => m.id)).toEqual(['1']);
  });
});

describe('switching now', () => {
  it('on: in force from now, open-ended, audited as the user; off: ended now; with the ETag of the new version', async () => {
    const on = await t.api.inject({ method: 'POST', url: `${url}/1/on`, headers: t.as.operator });
    expect(on.statusCode).toBe(200);
    expect(on.json<Message>()).toMatchObject({ id: '1', on: true, inForce: true, start: new Date(NOW).toISOString(), recorded: false });
    expect(on.json<Message>().end).toBeUndefined();
    expect(on.headers.etag).toBe(`"${parts.running.current.version}"`);
    expect((await parts.running.auditPage({ limit: 1 })).records[0]).toMatchObject({ actor: 'olga', summary: 'avalanche message 1 switched on' });

    const off = await t.api.inject({ method: 'POST', url: `${url}/1/off`, headers: t.as.supervisor });
    expect(off.json<Message>()).toMatchObject({ on: false, inForce: false, end: new Date(NOW).toISOString() });
  });

  it('a stale If-Match is 409 and changes nothing; an unknown id is 404', async () => {
    const version = parts.running.current.version;
    const stale = await t.api.inject({ method: 'POST', url: `${url}/1/on`, headers: { ...t.as.operator, 'if-match': `"${version - 1}"` } });
    expect(problem(stale, 409).field).toBe('If-Match');
    expect(parts.running.current.version).toBe(version);
    expect(problem(await t.api.inject({ method: 'POST', url: `${url}/42/on`, headers: t.as.operator }), 404).detail).toBe("no avalanche message '42'");
    expect(problem(await t.api.inject({ method: 'POST', url: `${url}/abc/on`, headers: t.as.operator }), 400).field).toBe('id');
  });
});

describe('preparing messages', () => {
  it('creates one scheduled between start and end (on by default), reads it, changes it, deletes it', async () => {
    const created = await t.api.inject({
      method: 'POST', url, headers: t.as.operator,
      payload: { id: '2', services: ['Växel', 'Företag'], slot: 'storning', language: 'sv', start: '2026-03-02T11:00:00+01:00', end: '2026-03-02T12:00:00Z' },
    });
    expect(created.statusCode, created.body).toBe(201);
    // 11:00+01:00 is 10:00Z: now is within.
    expect(created.json<Message>()).toMatchObject({ id: '2', on: true, inForce: true, start: '2026-03-02T10:00:00.000Z', end: '2026-03-02T12:00:00.000Z', language: 'sv' });
    expect((await t.api.inject({ method: 'GET', url: `${url}/2`, headers: t.as.admin })).json<Message>().services).toEqual(['Växel', 'Företag']);

    const later = await t.api.inject({ method: 'PATCH', url: `${url}/2`, headers: t.as.operator, payload: { start: '2026-03-02T11:00:00Z', language: null } });
    expect(later.statusCode, later.body).toBe(200);
    expect(later.json<Message>()).toMatchObject({ inForce: false, start: '2026-03-02T11:00:00.000Z' });
    expect(later.json<Message>().language).toBeUndefined();

    expect((await t.api.inject({ method: 'DELETE', url: `${url}/2`, headers: t.as.operator })).statusCode).toBe(204);
    expect((await t.api.inject({ method: 'GET', url: `${url}/2`, headers: t.as.operator })).statusCode).toBe(404);
    expect((await t.api.inject({ method: 'DELETE', url: `${url}/2`, headers: t.as.operator })).statusCode).toBe(404);
    expect((await t.api.inject({ method: 'PATCH', url: `${url}/2`, headers: t.as.operator, payload: { on: true } })).statusCode).toBe(404);
  });

  it('refuses bad input, naming the field, and keeps the configuration as it was', async () => {
    const version = parts.running.current.version;
    const send = (payload: unknown) => t.api.inject({ method: 'POST', url, headers: t.as.operator, payload: payload as object });
    expect(problem(await send({ id: '1', services: ['Växel'], slot: 'a' }), 409)).toMatchObject({ field: '/id', code: 'duplicate-id', params: { id: '1' } });
    expect(problem(await send({ id: '3', services: ['Nowhere'], slot: 'a' }), 422))
      .toMatchObject({ field: '/avalanche/1/services/0', code: 'unknown-reference', params: { kind: 'service', id: 'Nowhere' } });
    expect(problem(await send({ id: '3', services: ['Växel'], slot: 'a', start: '2026-03-02T12:00:00Z', end: '2026-03-02T11:00:00Z' }), 422))
      .toMatchObject({ field: '/avalanche/1/end', detail: expect.stringMatching(/after start/), code: 'ends-before-start' });
    expect(problem(await send({ id: 'x1', services: ['Växel'], slot: 'a' }), 400).field).toBe('/id');
    expect(problem(await send({ id: '3', services: [], slot: 'a' }), 400)).toMatchObject({ field: '/services', code: 'not-empty' });
    expect(problem(await send({ id: '3', services: ['Växel'], slot: 'A B' }), 400).field).toBe('/slot');
    expect(problem(await send({ id: '3', services: ['Växel'], slot: 'a', start: 'tomorrow' }), 400).field).toBe('/start');
    expect(problem(await send({ id: '3', services: ['Växel'], slot: 'a', file: '/etc/passwd' }), 400).field).toBe('/file');
    expect(problem(await send({ services: ['Växel'], slot: 'a' }), 400).field).toBe('/id');
    expect(problem(await t.api.inject({ method: 'PATCH', url: `${url}/1`, headers: t.as.operator, payload: { on: 'yes' } }), 400).field).toBe('/on');
    expect(parts.running.current.version).toBe(version);
  });
});

describe('who hears it and whom it turned away', () => {
  it('counts from the call events: hearing until the next node or the end, deflected when the caller hung up on it', async () => {
    mkdirSync(parts.dir, { recursive: true });
    writeToneWav(join(parts.dir, 'lavin-1.wav'), { hz: 1300, seconds: 1 });
    const facts = { at: NOW, service: 'Kundtjänst', dialled: '+46313900601', node: 'lavin' };
    for (const callId of ['a', 'b', 'c']) parts.audience.observe({ ...facts, callId, type: 'avalanche-played', messageIds: ['1'] });
    parts.audience.observe({ ...facts, callId: 'a', type: 'avalanche-deflected', messageIds: ['1'], during: true, secondsAfter: 0 });
    parts.audience.observe({ ...facts, callId: 'b', type: 'ivr-node', flow: 'kundtjanst', nodeType: 'queue' });
    const m = (await t.api.inject({ method: 'GET', url: `${url}/1`, headers: t.as.supervisor })).json<Message>();
    expect(m).toMatchObject({ recorded: true, hearing: ['c'], played: 3, deflected: 1 });
  });
});
