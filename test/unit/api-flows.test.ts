/**
 * The IVR flow routes through fastify inject, over a real running
 * configuration: list, read, validate, replace, add, delete; invalid YAML,
 * a flow naming an unknown queue, unknown flows, each role, no credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConfig } from '../../server/running/index.js';
import { buildTestApi, expectOnlyRolesAdmitted, type GuardedRoute, type TestApi } from '../support/api.js';
import { openRunning } from '../support/running-api.js';

let t: TestApi;
let running: RunningConfig;
beforeAll(async () => {
  running = await openRunning();
  t = await buildTestApi({ running });
});
afterAll(async () => { await t?.close(); running?.close(); });

interface Problem { status: number; detail?: string; field?: string }
type Res = { statusCode: number; headers: Record<string, unknown>; json: <T>() => T; body: string };

function problem(res: Res, status: number): Problem {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

const vaxel = (): string => running.current.operational.flows['vaxel']!;
const A_FLOW = 'flow: extra\ndescription: A spare\nnodes:\n  - id: slut\n    type: hangup\n    prompts: [goodbye]\n';

describe('reading flows (admin, supervisor)', () => {
  it('lists every flow with the services and numbers whose calls run it, the default flow taking the services without one', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/v1/flows', headers: t.as.supervisor });
    expect(res.statusCode).toBe(200);
    expect(res.headers['etag']).toBe(`"${running.current.version}"`);
    const flows = res.json<Array<{ name: string; default: boolean; services: string[]; numbers: string[] }>>();
    expect(flows.map((f) => f.name).sort()).toEqual(['foretag', 'inspelning', 'kort-och-sparr', 'kundtjanst', 'standard', 'vaxel']);
    expect(flows.find((f) => f.name === 'vaxel')).toMatchObject({ default: false, services: ['Växel'], numbers: ['+46313900600'] });
    const standard = flows.find((f) => f.name === 'standard')!;
    expect(standard.default).toBe(true);
    expect(standard.services).toContain('Bolån');
    expect(flows.find((f) => f.name === 'inspelning')!.numbers).toEqual(['*77']);
  });

  it('reads one flow: its YAML text and its nodes', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/v1/flows/vaxel', headers: t.bearer.admin });
    expect(res.statusCode).toBe(200);
    const flow = res.json<{ yaml: string; start: string; nodes: Array<{ id: string; type: string; branches?: Record<string, string> }> }>();
    expect(flow.yaml).toBe(vaxel());
    expect(flow.start).toBe('oppettider');
    expect(flow.nodes[0]).toMatchObject({ id: 'oppettider', type: 'hours', branches: { open: 'lavin', closed: 'stangt' } });
  });

  it('an unknown flow is 404', async () => {
    expect(problem(await t.api.inject({ method: 'GET', url: '/api/v1/flows/saknas', headers: t.as.admin }), 404).detail).toBe("no flow 'saknas'");
  });
});

describe('validating a flow applies nothing', () => {
  it('a good flow is valid', async () => {
    const before = running.current.version;
    const res = await t.api.inject({ method: 'POST', url: '/api/v1/flows/vaxel/validate', headers: t.as.admin, payload: { yaml: vaxel().replace('08:00-18:00', '07:00-18:00') } });
    expect(res.json()).toEqual({ valid: true, errors: [] });
    expect(running.current.version).toBe(before);
  });

  it('invalid YAML is named with its line', async () => {
    const res = await t.api.inject({ method: 'POST', url: '/api/v1/flows/vaxel/validate', headers: t.as.admin, payload: { yaml: 'flow: vaxel\nnodes: [\n' } });
    const body = res.json<{ valid: boolean; errors: Array<{ file: string; node?: string; reason: string }> }>();
    expect(body.valid).toBe(false);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.file).toBe('flows.vaxel');
    expect(body.errors[0]!.node).toBeUndefined();
    expect(body.errors[0]!.reason).toMatch(/line \d+, column \d+: invalid YAML/);
  });

  it('a queue node naming an unknown queue is named by node and reason', async () => {
    const res = await t.api.inject({ method: 'POST', url: '/api/v1/flows/vaxel/validate', headers: t.as.admin, payload: { yaml: vaxel().replace('queue: vaxel\n    music', 'queue: saknas\n    music') } });
    const body = res.json<{ valid: boolean; errors: Array<{ file: string; node?: string; reason: string }> }>();
    expect(body.valid).toBe(false);
    expect(body.errors[0]).toMatchObject({ file: 'flows.vaxel', node: 'ko' });
    expect(body.errors[0]!.reason).toMatch(/saknas/);
  });
});

describe('changing flows (admin only)', () => {
  it('replacing a flow with a bad one is 422 naming the node; nothing is applied', async () => {
    const before = running.current;
    const res = await t.api.inject({ method: 'PUT', url: '/api/v1/flows/vaxel', headers: t.as.admin, payload: { yaml: vaxel().replace('queue: vaxel\n    music', 'queue: saknas\n    music') } });
    const p = problem(res, 422);
    expect(p.detail).toMatch(/^flows\.vaxel: node "ko": /);
    expect(p.field).toBe('/flows/vaxel');
    expect(running.current).toBe(before);
  });

  it('replacing a flow makes a new version the next call runs, audited', async () => {
    const before = running.current;
    const text = vaxel().replace('"08:00-17:00"', '"08:00-16:00"');
    const res = await t.api.inject({ method: 'PUT', url: '/api/v1/flows/vaxel', headers: { ...t.as.admin, 'if-match': `"${before.version}"` }, payload: { yaml: text } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['etag']).toBe(`"${before.version + 1}"`);
    expect(running.current.operational.flows['vaxel']).toBe(text);
    expect(running.current.flows.forCall({ dialled: '+46313900600', service: 'Växel' })!.nodes.get('oppettider')!['weekly']).toMatchObject({ fri: '08:00-16:00' });
    // The version the old calls hold is untouched.
    expect(before.flows.forCall({ dialled: '+46313900600', service: 'Växel' })!.nodes.get('oppettider')!['weekly']).toMatchObject({ fri: '08:00-17:00' });
    const { records } = await running.auditPage({ limit: 1 });
    expect(records[0]).toMatchObject({ actor: 'admin', summary: 'replaced flow vaxel' });
    expect(records[0]!.changes.map((c) => c.path)).toEqual(['flows.vaxel']);
  });

  it('a stale If-Match is 409, an unknown flow 404, a body without yaml 400', async () => {
    problem(await t.api.inject({ method: 'PUT', url: '/api/v1/flows/vaxel', headers: { ...t.as.admin, 'if-match': '"1"' }, payload: { yaml: vaxel() } }), 409);
    problem(await t.api.inject({ method: 'PUT', url: '/api/v1/flows/saknas', headers: t.as.admin, payload: { yaml: vaxel() } }), 404);
    expect(problem(await t.api.inject({ method: 'PUT', url: '/api/v1/flows/vaxel', headers: t.as.admin, payload: { text: 'x' } }), 400).field).toBe('/yaml');
  });

  it('adds a flow, refuses to add it twice, deletes it when nothing runs it', async () => {
    const made = await t.api.inject({ method: 'POST', url: '/api/v1/flows', headers: t.as.admin, payload: { name: 'extra', yaml: A_FLOW } });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ name: 'extra', description: 'A spare', services: [], numbers: [], default: false });
    problem(await t.api.inject({ method: 'POST', url: '/api/v1/flows', headers: t.as.admin, payload: { name: 'extra', yaml: A_FLOW } }), 409);
    const gone = await t.api.inject({ method: 'DELETE', url: '/api/v1/flows/extra', headers: t.as.admin });
    expect(gone.statusCode, gone.body).toBe(204);
    expect(running.current.operational.flows['extra']).toBeUndefined();
    problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/flows/extra', headers: t.as.admin }), 404);
  });

  it('a bad name for a new flow is 422 naming it', async () => {
    const p = problem(await t.api.inject({ method: 'POST', url: '/api/v1/flows', headers: t.as.admin, payload: { name: 'no/slash', yaml: A_FLOW } }), 422);
    expect(p.field).toBe('/flows/no/slash');
  });

  it('a flow a service runs cannot be deleted', async () => {
    const p = problem(await t.api.inject({ method: 'DELETE', url: '/api/v1/flows/vaxel', headers: t.as.admin }), 409);
    expect(p.detail).toBe("flow 'vaxel' is in use by Växel, +46313900600: give them another flow first");
    expect(running.current.operational.flows['vaxel']).toBeDefined();
  });
});

describe('who may', () => {
  const routes = [
    { method: 'GET', url: '/api/v1/flows', roles: ['admin', 'supervisor'] },
    { method: 'GET', url: '/api/v1/flows/vaxel', roles: ['admin', 'supervisor'] },
    { method: 'POST', url: '/api/v1/flows/vaxel/validate', roles: ['admin'], payload: { yaml: 'x' } },
    { method: 'PUT', url: '/api/v1/flows/vaxel', roles: ['admin'], payload: { yaml: 'x' } },
    { method: 'POST', url: '/api/v1/flows', roles: ['admin'], payload: { name: 'x', yaml: 'x' } },
    { method: 'DELETE', url: '/api/v1/flows/saknas', roles: ['admin'] },
  ] satisfies GuardedRoute[];

  it('each role gets in where admitted and 403 elsewhere; no credentials is 401', async () => {
    const before = running.current.version;
    await expectOnlyRolesAdmitted(t, routes);
    expect(running.current.version).toBe(before); // the admin's 'x' flows were all refused
  });
});
