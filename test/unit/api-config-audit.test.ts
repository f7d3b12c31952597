/**
 * The running configuration as a whole through fastify inject: the audit
 * log (who changed what, before and after, secrets masked; paged newest
 * first), the export as YAML (admins only, marked secret, never logged) and
 * the import (checked whole, nothing applied when any of it is wrong), an
 * export imported again giving back the same configuration.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.js';
import { buildTestApi, expectProblem, type TestApi } from '../support/api.js';

const logLines: string[] = [];
let t: TestApi;
beforeAll(async () => {
  const logger = createLogger('trace', new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));
  t = await buildTestApi({ logger });
});
afterAll(async () => { await t?.close(); });

const yaml = { 'content-type': 'application/yaml' };

interface AuditPage { records: Array<{ version: number; actor: string; summary: string; changes: Array<{ path: string; before?: unknown; after?: unknown }> }>; next?: number }

describe('the audit log', () => {
  it('shows who changed what, before and after, newest first; passwords masked', async () => {
    const staffed = await t.api.inject({ method: 'PATCH', url: '/api/v1/extensions/1002/agent', headers: t.as.supervisor, payload: { groups: ['frontoffice', 'kort-team'] } });
    expect(staffed.statusCode, staffed.body).toBe(200);
    const password = await t.api.inject({ method: 'PUT', url: '/api/v1/extensions/1003/password', headers: t.bearer.admin, payload: { password: 'maja-new-secret' } });
    expect(password.statusCode).toBe(204);

    const res = await t.api.inject({ method: 'GET', url: '/api/v1/config/audit?limit=2', headers: t.as.supervisor });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toMatch(/maja-new-secret|demo-100\d/);
    const page = res.json<AuditPage>();
    expect(page.records.map((r) => r.actor)).toEqual(['token:test admin', 'sam']);
    expect(page.records[0]).toMatchObject({ summary: 'set the password of extension 1003', changes: [{ path: 'extensions.1003', after: { password: '(secret, changed)' } }] });
    expect(page.records[1]!.summary).toBe('changed the skills, groups or queues of agent 1002');
    expect(page.records[1]!.changes).toEqual([expect.objectContaining({
      path: 'extensions.1002',
      before: expect.objectContaining({ agent: expect.objectContaining({ groups: ['frontoffice'] }) }),
      after: expect.objectContaining({ agent: expect.objectContaining({ groups: ['frontoffice', 'kort-team'] }) }),
    })]);
    expect(page.next).toBe(page.records[1]!.version);

    const older = (await t.api.inject({ method: 'GET', url: `/api/v1/config/audit?before=${page.next}`, headers: t.as.admin })).json<AuditPage>();
    expect(older.records.at(-1)).toMatchObject({ version: 1, actor: 'seed' });
    expect(older.records[0]!.version).toBe(page.next! - 1);
  });

  it('is for admins and supervisors; bad paging is a 400 naming the parameter', async () => {
    expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/config/audit' }), 401);
    for (const role of ['operator', 'agent'] as const) {
      expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/config/audit', headers: t.as[role] }), 403);
    }
    expect(expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/config/audit?limit=0', headers: t.as.admin }), 400).field).toBe('limit');
    expect(expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/config/audit?before=x', headers: t.as.admin }), 400).field).toBe('before');
  });
});

describe('export and import', () => {
  it('the export is YAML with the secrets, for admins only, marked not to be stored and never logged', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/v1/config', headers: t.as.admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBe(`"${t.running.current.version}"`);
    expect(res.body).toMatch(/^# Running configuration, version \d+\. Holds passwords and PINs/);
    expect(res.body).toContain('password: demo-1001');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toMatch(/demo-100\d|246810|maja-new-secret/);
    expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/config' }), 401);
    for (const role of ['supervisor', 'operator', 'agent'] as const) {
      expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/config', headers: t.as[role] }), 403);
    }
  });

  it('an export imported again after changes brings the configuration back, audited as one change', async () => {
    const exported = (await t.api.inject({ method: 'GET', url: '/api/v1/config', headers: t.as.admin })).body;
    const before = t.running.current;
    const added = await t.api.inject({ method: 'POST', url: '/api/v1/queues', headers: t.as.admin, payload: { id: 'tillfallig', name: 'Tillfällig', steps: [{ afterSeconds: 0, everyone: true }] } });
    expect(added.statusCode).toBe(201);
    await t.api.inject({ method: 'PUT', url: '/api/v1/extensions/1004/password', headers: t.as.admin, payload: { password: 'oskar-new-secret' } });

    const imported = await t.api.inject({ method: 'PUT', url: '/api/v1/config', headers: { ...t.as.admin, ...yaml }, payload: exported });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({ version: before.version + 3 });
    expect(imported.headers.etag).toBe(`"${before.version + 3}"`);
    expect(t.running.current.operational).toEqual(before.operational);
    expectProblem(await t.api.inject({ method: 'GET', url: '/api/v1/queues/tillfallig', headers: t.as.admin }), 404);

    const [latest] = (await t.api.inject({ method: 'GET', url: '/api/v1/config/audit?limit=1', headers: t.as.admin })).json<AuditPage>().records;
    expect(latest).toMatchObject({ actor: 'admin', summary: 'imported the running configuration' });
    expect(latest!.changes.map((c) => c.path).sort()).toEqual(['extensions.1004', 'queues.tillfallig']);
    expect(logLines.join('')).not.toMatch(/oskar-new-secret|demo-100\d/);
  });

  it('an import that is not valid as a whole is refused naming the place; nothing applied', async () => {
    const exported = (await t.api.inject({ method: 'GET', url: '/api/v1/config', headers: t.as.admin })).body;
    const version = t.running.current.version;
    const put = (payload: string, headers: Record<string, string> = yaml) => t.api.inject({ method: 'PUT', url: '/api/v1/config', headers: { ...t.as.admin, ...headers }, payload });

    const badSteps = exported.replace('afterSeconds: 0', 'afterSeconds: 5');
    expect(badSteps).not.toBe(exported);
    expect(expectProblem(await put(badSteps), 422).field).toBe('/queues/0/steps/0/afterSeconds');
    expect(expectProblem(await put('queues: [unclosed'), 422).title).toBe('Unprocessable Content');
    expect(expectProblem(await put(`${exported}\nrtp: { portMin: 1 }\n`), 422).field).toBe('/rtp');
    expect(expectProblem(await put('queues: []\n'), 422).detail).toMatch(/is missing/);
    expect(expectProblem(await put(exported, { 'content-type': 'application/json' }), 400).title).toBe('Bad Request');
    expect(expectProblem(await t.api.inject({ method: 'PUT', url: '/api/v1/config', headers: t.as.admin, payload: { queues: [] } }), 415).detail)
      .toMatch(/application\/yaml/);
    expect(expectProblem(await put(exported, { ...yaml, 'if-match': `"${version - 1}"` }), 409).field).toBe('If-Match');
    expect(t.running.current.version).toBe(version);
  });

  it('only admins import', async () => {
    expectProblem(await t.api.inject({ method: 'PUT', url: '/api/v1/config', headers: yaml, payload: 'queues: []' }), 401);
    for (const role of ['supervisor', 'operator', 'agent'] as const) {
      expectProblem(await t.api.inject({ method: 'PUT', url: '/api/v1/config', headers: { ...t.as[role], ...yaml }, payload: 'queues: []' }), 403);
    }
  });
});
