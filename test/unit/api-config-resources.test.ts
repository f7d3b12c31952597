/**
 * The running configuration's resources through fastify inject: services
 * and numbers, queues, extensions and agents, operators. Each with good
 * input, bad input (wrong types: 400 naming the body field; what the whole
 * check refuses: 422 naming the place in the configuration, nothing
 * applied), unknown ids, each role and no credentials; reads carry the
 * version's ETag and changes honour If-Match. Secrets never come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../server/users/roles.js';
import { buildTestApi, expectProblem, type TestApi } from '../support/api.js';

let t: TestApi;
beforeAll(async () => { t = await buildTestApi(); });
afterAll(async () => { await t?.close(); });

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const call = (method: Method, path: string, role: Role | null, payload?: unknown, headers: Record<string, string> = {}) => t.api.inject({
  method, url: `/api/v1${path}`, headers: { ...(role ? t.as[role] : {}), ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}),
});
const version = (): number => t.running.current.version;

/** Who may call a route: the others get 403, no credentials 401. */
async function admits(method: Method, path: string, allowed: readonly Role[], payload?: unknown): Promise<void> {
  expectProblem(await call(method, path, null, payload), 401);
  for (const role of ROLES.filter((r) => !allowed.includes(r))) {
    expect((await call(method, path, role, payload)).statusCode, `${method} ${path} as ${role}`).toBe(403);
  }
}

describe('services and numbers', () => {
  it('GET /services: each service with its numbers, queue and flow, for admins, supervisors and operators', async () => {
    const res = await call('GET', '/services', 'operator');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(`"${version()}"`);
    const services = res.json<Array<{ service: string; queue?: string; numbers: Array<{ number: string; flow?: string }> }>>();
    expect(services.find((s) => s.service === 'Kundtjänst')).toEqual({
      service: 'Kundtjänst', queue: 'kundtjanst', numbers: [{ number: '+46313900601', flow: 'kundtjanst' }],
    });
    expect(services.find((s) => s.service === 'Kort och spärr')!.numbers).toEqual([{ number: '+46313900603', flow: 'kort-och-sparr' }]);
    await admits('GET', '/services', ['admin', 'supervisor', 'operator']);
  });

  it('an admin adds a direct-dial number, changes it and removes it; each change a new version', async () => {
    const before = version();
    const made = await call('POST', '/numbers', 'admin', { number: '+46313900699', service: 'Maja direkt', target: '1003', greeting: true });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toEqual({ number: '+46313900699', service: 'Maja direkt', target: '1003', greeting: true });
    expect(made.headers.etag).toBe(`"${before + 1}"`);
    expect(t.running.current.config.numbers.find((n) => n.number === '+46313900699')?.target).toBe('1003');
    const services = (await call('GET', '/services', 'admin')).json<Array<{ service: string; numbers: unknown[] }>>();
    expect(services.find((s) => s.service === 'Maja direkt')!.numbers).toEqual([{ number: '+46313900699', target: '1003' }]);

    const changed = await call('PUT', '/numbers/+46313900699', 'admin', { service: 'Maja direkt', target: '1005' });
    expect(changed.json()).toEqual({ number: '+46313900699', service: 'Maja direkt', target: '1005' });
    expect((await call('GET', '/numbers/+46313900699', 'admin')).json()).toMatchObject({ target: '1005' });
    expect((await call('DELETE', '/numbers/+46313900699', 'admin')).statusCode).toBe(204);
    expectProblem(await call('GET', '/numbers/+46313900699', 'admin'), 404);
    expect(version()).toBe(before + 3);
  });

  it('bad input: a wrong type is 400 naming the field; an unknown target or a number used twice is 422; nothing applied', async () => {
    const before = version();
    expect(expectProblem(await call('POST', '/numbers', 'admin', { number: '+46313900698', service: 'X', target: '1003', greeting: 'yes' }), 400).field).toBe('/greeting');
    expect(expectProblem(await call('POST', '/numbers', 'admin', { number: '+46313900698', service: 'X', target: '1003', colour: 'red' }), 400).field).toBe('/colour');
    const unknown = expectProblem(await call('POST', '/numbers', 'admin', { number: '+46313900698', service: 'X', target: '9999' }), 422);
    expect(unknown.field).toMatch(/^\/numbers\/\d+\/target$/);
    expect(unknown.detail).toMatch(/unknown extension "9999"/);
    const twice = expectProblem(await call('POST', '/numbers', 'admin', { number: '+46313900601', service: 'Kundtjänst', queue: 'kundtjanst' }), 422);
    expect(twice.detail).toMatch(/duplicate number/);
    expect(expectProblem(await call('POST', '/numbers', 'admin', { number: '0313', service: 'X', target: '1003' }), 422).field).toMatch(/\/number$/);
    expect(version()).toBe(before);
  });

  it('unknown numbers are 404 problems; numbers are for admins only', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await call(method, '/numbers/+46999999999', 'admin', method === 'PUT' ? { service: 'X', target: '1001' } : undefined);
      expect(expectProblem(res, 404).detail).toBe("no number '+46999999999'");
    }
    await admits('GET', '/numbers', ['admin']);
    await admits('POST', '/numbers', ['admin'], { number: '+46313900698', service: 'X', target: '1003' });
    await admits('DELETE', '/numbers/+46313900601', ['admin']);
  });
});

describe('queues', () => {
  it('supervisors read every queue with its rules; the ETag is the running version', async () => {
    const res = await call('GET', '/queues', 'supervisor');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(`"${version()}"`);
    const kort = res.json<Array<{ id: string }>>().find((q) => q.id === 'kort');
    expect(kort).toMatchObject({
      name: 'Kort och spärr', steps: [{ afterSeconds: 0, skill: 'kort', minLevel: 3 }, { afterSeconds: 120, group: 'frontoffice' }],
      priority: 'classes', wrapUpSeconds: 20, ringTimeoutSeconds: 15, maxMissedOffers: 2, announceEverySeconds: 30,
    });
    expect((await call('GET', '/queues/foretag', 'supervisor')).json()).toMatchObject({ priority: 'head-start', headStartSecondsPerPoint: 30 });
    await admits('GET', '/queues', ['admin', 'supervisor']);
    await admits('GET', '/queues/kort', ['admin', 'supervisor']);
  });

  it('an admin adds a queue (left-out settings take their defaults), replaces it under If-Match, and removes it', async () => {
    const made = await call('POST', '/queues', 'admin', {
      id: 'forsakring', name: 'Försäkring', steps: [{ afterSeconds: 0, skill: 'forsakring' }, { afterSeconds: 90, everyone: true }],
      callbackRetrySeconds: 300, callbackMaxAttempts: 4,
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ id: 'forsakring', priority: 'classes', wrapUpSeconds: 30, ringTimeoutSeconds: 20, callbackMaxAttempts: 4 });
    const tag = made.headers.etag as string;

    const settings = { name: 'Försäkring', steps: [{ afterSeconds: 0, group: 'radgivare' }], ringTimeoutSeconds: 25, announceEverySeconds: 0 };
    const stale = await call('PUT', '/queues/forsakring', 'admin', settings, { 'if-match': `"${version() - 1}"` });
    expect(expectProblem(stale, 409).field).toBe('If-Match');
    const replaced = await call('PUT', '/queues/forsakring', 'admin', settings, { 'if-match': tag });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ ringTimeoutSeconds: 25, announceEverySeconds: 0, steps: [{ afterSeconds: 0, group: 'radgivare' }] });
    expect(replaced.json()).not.toHaveProperty('callbackMaxAttempts');
    expect(t.running.current.config.queues.find((q) => q.id === 'forsakring')!.ringTimeoutSeconds).toBe(25);

    expect((await call('DELETE', '/queues/forsakring', 'admin')).statusCode).toBe(204);
    expectProblem(await call('GET', '/queues/forsakring', 'admin'), 404);
  });

  it('an admin gives a queue its case types; a code used twice or not digits is 422 naming the place, nothing applied', async () => {
    const caseTypes = [{ code: '1', name: 'Kort spärrat' }, { code: '22', name: 'Nytt kort' }];
    const settings = { name: 'Kort och spärr', steps: [{ afterSeconds: 0, skill: 'kort', minLevel: 3 }] };
    const set = await call('PUT', '/queues/kort', 'admin', { ...settings, caseTypes });
    expect(set.statusCode, set.body).toBe(200);
    expect((await call('GET', '/queues/kort', 'supervisor')).json()).toMatchObject({ caseTypes });
    expect(t.running.current.operational.queues.find((q) => q.id === 'kort')!.caseTypes).toEqual(caseTypes);

    const before = version();
    const twice = expectProblem(await call('PUT', '/queues/kort', 'admin', { ...settings, caseTypes: [...caseTypes, { code: '1', name: 'Igen' }] }), 422);
    expect(twice.field).toMatch(/^\/queues\/\d+\/caseTypes\/2\/code$/);
    expect(twice.detail).toMatch(/duplicate case type code "1"/);
    const letters = expectProblem(await call('PUT', '/queues/kort', 'admin', { ...settings, caseTypes: [{ code: 'A1', name: 'Fel' }] }), 422);
    expect(letters.field).toMatch(/^\/queues\/\d+\/caseTypes\/0\/code$/);
    expect(letters.detail).toMatch(/1 to 4 digits/);
    expect(expectProblem(await call('PUT', '/queues/kort', 'admin', { ...settings, caseTypes: [{ code: '3' }] }), 400).field).toBe('/caseTypes/0/name');
    expect(version()).toBe(before);
  });

  it('a step naming a skill no agent has yet is accepted: skills are free names, agents gain them later', async () => {
    const made = await call('POST', '/queues', 'admin', { id: 'nytt', name: 'Nytt', steps: [{ afterSeconds: 0, skill: 'ingen-har-den' }] });
    expect(made.statusCode, made.body).toBe(201);
    expect((await call('DELETE', '/queues/nytt', 'admin')).statusCode).toBe(204);
  });

  it('bad input: wrong types are 400; an id used twice, steps out of order or a queue still in use are 422; nothing applied', async () => {
    const before = version();
    expect(expectProblem(await call('POST', '/queues', 'admin', { id: 'x', name: 'X', steps: [{ afterSeconds: 0, everyone: true }], ringTimeoutSeconds: '20' }), 400).field)
      .toBe('/ringTimeoutSeconds');
    expect(expectProblem(await call('POST', '/queues', 'admin', { id: 'x', name: 'X', steps: [{ afterSeconds: 0, everyone: false }] }), 400).field)
      .toBe('/steps/0/everyone');
    expect(expectProblem(await call('POST', '/queues', 'admin', { id: 'x', name: 'X' }), 400).field).toBe('/steps');

    const twice = expectProblem(await call('POST', '/queues', 'admin', { id: 'kort', name: 'Igen', steps: [{ afterSeconds: 0, everyone: true }] }), 422);
    expect(twice.field).toMatch(/^\/queues\/\d+\/id$/);
    expect(twice).toMatchObject({ code: 'duplicate-id', params: { id: 'kort' } });
    expect(twice.detail).toMatch(/duplicate queue id "kort"/);
    const late = expectProblem(await call('PUT', '/queues/kort', 'admin', { name: 'Kort', steps: [{ afterSeconds: 30, skill: 'kort' }] }), 422);
    expect(late.field).toMatch(/^\/queues\/\d+\/steps\/0\/afterSeconds$/);
    expect(late.code).toBe('first-step-at-zero');
    // A code whose wording needs nothing filled in comes without params.
    expect(late).not.toHaveProperty('params');
    // A value out of range: the code and its limits, for a client to word; the detail as the command line says it.
    const noRing = expectProblem(await call('PUT', '/queues/kort', 'admin', { name: 'Kort', steps: [{ afterSeconds: 0, skill: 'kort' }], ringTimeoutSeconds: 0 }), 422);
    expect(noRing).toMatchObject({ code: 'integer-at-least', params: { min: 1 } });
    expect(noRing.field).toMatch(/^\/queues\/\d+\/ringTimeoutSeconds$/);
    expect(noRing.detail).toMatch(/ringTimeoutSeconds: must be a whole number of seconds >= 1, got number 0$/);
    const longTarget = expectProblem(await call('PUT', '/queues/kort', 'admin', { name: 'Kort', steps: [{ afterSeconds: 0, skill: 'kort' }], targetSeconds: 3601 }), 422);
    expect(longTarget).toMatchObject({ code: 'integer-between', params: { min: 1, max: 3600 } });
    expect(expectProblem(await call('PUT', '/queues/kort', 'admin', { name: 'Kort', steps: [{ afterSeconds: 0, skill: 'kort', group: 'x' }] }), 422).field)
      .toMatch(/^\/queues\/\d+\/steps\/0$/);
    const headStart = await call('PUT', '/queues/kort', 'admin', { name: 'Kort', steps: [{ afterSeconds: 0, everyone: true }], priority: 'head-start' });
    expect(expectProblem(headStart, 422).field).toMatch(/\/headStartSecondsPerPoint$/);
    const inUse = expectProblem(await call('DELETE', '/queues/kort', 'admin'), 422);
    expect(inUse.detail).toMatch(/unknown queue "kort"/);
    expect(version()).toBe(before);
  });

  it('unknown queues are 404; only admins change queues', async () => {
    expect(expectProblem(await call('GET', '/queues/saknas', 'admin'), 404).detail).toBe("no queue 'saknas'");
    expectProblem(await call('PUT', '/queues/saknas', 'admin', { name: 'S', steps: [{ afterSeconds: 0, everyone: true }] }), 404);
    expectProblem(await call('DELETE', '/queues/saknas', 'admin'), 404);
    await admits('POST', '/queues', ['admin'], { id: 'x', name: 'X', steps: [{ afterSeconds: 0, everyone: true }] });
    await admits('PUT', '/queues/kort', ['admin'], { name: 'X', steps: [{ afterSeconds: 0, everyone: true }] });
    await admits('DELETE', '/queues/kort', ['admin']);
  });
});

describe('extensions and agents', () => {
  it('supervisors read extensions and agents; passwords never, only whether one is set', async () => {
    const res = await call('GET', '/extensions', 'supervisor');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(`"${version()}"`);
    expect(res.body).not.toMatch(/demo-100\d|"password"/);
    expect(res.json<unknown[]>().find((e) => (e as { extension: string }).extension === '1002')).toEqual({
      extension: '1002', name: 'Erik Johansson', mobile: '+46701740606', passwordSet: true,
      agent: { skills: { kundtjanst: 5, kort: 4 }, groups: ['frontoffice'], queues: ['kundtjanst', 'kort'], answerOn: 'phone' },
    });
    expect((await call('GET', '/extensions/1001', 'supervisor')).json()).toMatchObject({ operator: true, passwordSet: true });
    expect((await call('GET', '/extensions/1001', 'supervisor')).body).not.toContain('demo-1001');
    await admits('GET', '/extensions', ['admin', 'supervisor']);
    await admits('GET', '/extensions/1001', ['admin', 'supervisor']);
  });

  it('a supervisor staffs a queue: changes an agent\'s skills and queues, the rest stays', async () => {
    const res = await call('PATCH', '/extensions/1006/agent', 'supervisor', { skills: { kundtjanst: 3, vaxel: 3, kort: 4 }, queues: ['kundtjanst', 'vaxel', 'kort'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ extension: '1006', agent: { skills: { kort: 4 }, groups: ['frontoffice'], queues: ['kundtjanst', 'vaxel', 'kort'], answerOn: 'phone' } });
    expect(t.running.current.config.extensions.find((e) => e.extension === '1006')!.agent!.skills['kort']).toBe(4);
    const unknownQueue = expectProblem(await call('PATCH', '/extensions/1006/agent', 'supervisor', { queues: ['saknas'] }), 422);
    expect(unknownQueue.field).toMatch(/^\/extensions\/\d+\/agent\/queues\/0$/);
    expect(unknownQueue).toMatchObject({ code: 'unknown-reference', params: { kind: 'queue', id: 'saknas' } });
    expect(expectProblem(await call('PATCH', '/extensions/1006/agent', 'supervisor', { skills: { kort: 'hög' } }), 400).field).toBe('/skills/kort');
    const tooSkilled = expectProblem(await call('PATCH', '/extensions/1006/agent', 'supervisor', { skills: { kort: 9 } }), 422);
    expect(tooSkilled.field).toMatch(/\/agent\/skills\/kort$/);
    expect(tooSkilled).toMatchObject({ code: 'integer-between', params: { min: 1, max: 5 } });
    expect(expectProblem(await call('PATCH', '/extensions/1006/agent', 'supervisor', { answerOn: 'mobile' }), 400).field).toBe('/answerOn');
    expect(expectProblem(await call('PATCH', '/extensions/4242/agent', 'supervisor', { groups: [] }), 404).detail).toBe("no extension '4242'");
    await admits('PATCH', '/extensions/1006/agent', ['admin', 'supervisor'], { groups: [] });
  });

  it('an admin adds an agent, replaces their settings keeping the password, sets a new password and removes them', async () => {
    const made = await call('POST', '/extensions', 'admin', {
      extension: '1010', name: 'Lisa Holm', password: 'lisa-secret-1010', mobile: '+46701740610',
      agent: { skills: { kundtjanst: 2 }, groups: [], queues: ['kundtjanst'], answerOn: 'mobile' },
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.body).not.toContain('lisa-secret-1010');
    expect(made.json()).toMatchObject({ extension: '1010', passwordSet: true, agent: { answerOn: 'mobile' } });

    const replaced = await call('PUT', '/extensions/1010', 'admin', { name: 'Lisa Holm-Ek' });
    expect(replaced.json()).toEqual({ extension: '1010', name: 'Lisa Holm-Ek', passwordSet: true });
    expect(t.running.current.config.extensions.find((e) => e.extension === '1010')!.password).toBe('lisa-secret-1010');
    expect(expectProblem(await call('PATCH', '/extensions/1010/agent', 'admin', { groups: [] }), 404).detail).toBe("no agent '1010'");

    const agentAgain = await call('PUT', '/extensions/1010', 'admin', { name: 'Lisa Holm-Ek', agent: { queues: ['kundtjanst'] } });
    expect(agentAgain.json()).toMatchObject({ agent: { skills: {}, groups: [], queues: ['kundtjanst'], answerOn: 'phone' } });

    const password = await call('PUT', '/extensions/1010/password', 'admin', { password: 'another-secret-1010' });
    expect(password.statusCode).toBe(204);
    expect(password.body).toBe('');
    expect(t.running.current.config.extensions.find((e) => e.extension === '1010')!.password).toBe('another-secret-1010');
    expect((await call('DELETE', '/extensions/1010', 'admin')).statusCode).toBe(204);
    expectProblem(await call('GET', '/extensions/1010', 'admin'), 404);
  });

  it('bad input: answering on a mobile without one, an extension used twice or wrong types; nothing applied', async () => {
    const before = version();
    const noMobile = expectProblem(await call('POST', '/extensions', 'admin', {
      extension: '1011', name: 'Utan Mobil', password: 'pw-1011-secret', agent: { skills: {}, groups: [], queues: ['kort'], answerOn: 'mobile' },
    }), 422);
    expect(noMobile.field).toMatch(/^\/extensions\/\d+\/agent\/answerOn$/);
    const twice = expectProblem(await call('POST', '/extensions', 'admin', { extension: '1001', name: 'Igen', password: 'pw-1001-again' }), 422);
    expect(twice.detail).toMatch(/duplicate extension "1001"/);
    expect(twice.detail).not.toContain('pw-1001-again');
    expect(expectProblem(await call('POST', '/extensions', 'admin', { extension: 1011, name: 'X', password: 'pw-1011-secret' }), 400).field).toBe('/extension');
    expect(expectProblem(await call('POST', '/extensions', 'admin', { extension: '1011', name: 'X' }), 400).field).toBe('/password');
    const empty = expectProblem(await call('PUT', '/extensions/1002/password', 'admin', { password: '' }), 422);
    expect(empty.field).toMatch(/^\/extensions\/\d+\/password$/);
    expect(version()).toBe(before);
  });

  it('only admins add, replace, delete extensions or set passwords', async () => {
    await admits('POST', '/extensions', ['admin'], { extension: '1012', name: 'X', password: 'pw-1012-secret' });
    await admits('PUT', '/extensions/1002', ['admin'], { name: 'X' });
    await admits('PUT', '/extensions/1002/password', ['admin'], { password: 'pw-1002-secret' });
    await admits('DELETE', '/extensions/1002', ['admin']);
    expectProblem(await call('PUT', '/extensions/4242/password', 'admin', { password: 'x-secret' }), 404);
    expectProblem(await call('DELETE', '/extensions/4242', 'admin'), 404);
  });
});

describe('operators', () => {
  it('admins list, add, change and remove operators; PINs go in and never come out', async () => {
    const list = await call('GET', '/operators', 'admin');
    expect(list.json()).toEqual([{ name: 'Kustbanken operator', extensions: [], pinSet: true }]);
    expect(list.body).not.toContain('246810');

    const made = await call('POST', '/operators', 'admin', { name: 'Eva Vakt', pin: '13572468', extensions: ['1003'] });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toEqual({ name: 'Eva Vakt', extensions: ['1003'], pinSet: true });
    const kept = await call('PUT', '/operators/Eva%20Vakt', 'admin', { extensions: ['1003', '1005'] });
    expect(kept.json()).toEqual({ name: 'Eva Vakt', extensions: ['1003', '1005'], pinSet: true });
    expect(t.running.current.config.operators.find((o) => o.name === 'Eva Vakt')!.pin).toBe('13572468');
    const newPin = await call('PUT', '/operators/Eva%20Vakt', 'admin', { extensions: ['1003'], pin: '97531864' });
    expect(newPin.body).not.toContain('97531864');
    expect(t.running.current.config.operators.find((o) => o.name === 'Eva Vakt')!.pin).toBe('97531864');

    const samePin = expectProblem(await call('POST', '/operators', 'admin', { name: 'Kopia', pin: '97531864' }), 422);
    expect(samePin.field).toMatch(/^\/operators\/\d+\/pin$/);
    expect(JSON.stringify(samePin)).not.toContain('97531864');
    const shortPin = expectProblem(await call('POST', '/operators', 'admin', { name: 'Kort', pin: '12' }), 422);
    expect(JSON.stringify(shortPin)).not.toMatch(/"12"/);
    expect(expectProblem(await call('PUT', '/operators/Eva%20Vakt', 'admin', { extensions: ['4242'] }), 422).detail).toMatch(/unknown extension "4242"/);

    expect((await call('DELETE', '/operators/Eva%20Vakt', 'admin')).statusCode).toBe(204);
    expect(expectProblem(await call('GET', '/operators/Eva%20Vakt', 'admin'), 404).detail).toBe("no operator 'Eva Vakt'");
  });

  it('operators are for admins only', async () => {
    await admits('GET', '/operators', ['admin']);
    await admits('POST', '/operators', ['admin'], { name: 'X', pin: '11223344' });
    await admits('PUT', '/operators/Kustbanken%20operator', ['admin'], { extensions: [] });
    await admits('DELETE', '/operators/Kustbanken%20operator', ['admin']);
  });
});
