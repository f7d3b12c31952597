/**
 * Changes of the running configuration reach the calls without a restart,
 * with real SIP and RTP on loopback: an agent's skills changed (by the
 * module, and by an admin through the API over HTTP) decide who gets the
 * next caller, and an extension's new password is the one the next
 * REGISTER is challenged for. (A flow replaced while a call is in
 * progress: ./running-config-flows.test.ts.)
 *
 * The caller's baresip runs on 127.0.0.1, so here that address is the trunk's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../server/acd/index.js';
import { startProduct, TEST_ADMIN_PASSWORD, type RunningProduct } from '../support/product.js';
import { startAgentPhone, startBaresip, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { assertSippOk, runSipp, type SippResult } from '../support/sipp.js';
import { freePort } from '../support/ports.js';

const CARD_NUMBER = '+46313900603';

let product: RunningProduct;
const acdEvents: AcdEvent[] = [];

beforeAll(async () => {
  product = await startProduct({
    tweak: (c) => {
      c.trunks[0]!.trustedSources = ['127.0.0.1'];
      c.queues.find((q) => q.id === 'kort')!.wrapUpSeconds = 1;
    },
  });
  product.app.acd.on((e) => acdEvents.push(e));
}, 30_000);

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
});

const offeredTo = (): string[] => acdEvents.flatMap((e) => (e.type === 'offered-to-agent' ? [e.agentId] : []));

const agentPhone = (extension: string): Promise<BaresipPhone> =>
  startAgentPhone(product, extension, { autoAnswer: true, audioSource: 'silence' });

/** A card-blocking caller, answered by an agent, then hung up; resolves once the agent is ready again. */
async function cardCall(agents: BaresipPhone[]): Promise<string> {
  const before = offeredTo().length;
  const caller = await startBaresip({ user: '+46701740651', audioSource: 'silence' });
  await caller.dial(`sip:${CARD_NUMBER}@127.0.0.1:${product.sipPort}`);
  await caller.waitEvent('CALL_ESTABLISHED', 10_000);
  await expect.poll(() => offeredTo().length, { timeout: 10_000 }).toBeGreaterThan(before);
  const agent = offeredTo()[before]!;
  await expect.poll(() => product.app.acd.agent(agent)?.state, { timeout: 10_000 }).toBe('busy');
  await caller.hangup();
  await caller.waitEvent('CALL_CLOSED', 10_000);
  await caller.stop();
  await expect.poll(() => product.app.acd.agent(agent)?.state, { timeout: 10_000 }).toBe('ready');
  for (const a of agents) a.clearEvents();
  return agent;
}

describe('a change reaches the next call', () => {
  it("an agent's skills changed decide who gets the next caller", async () => {
    // Anna (1001) answers the card queue but has no card skill; Erik (1002) has it.
    const anna = await agentPhone('1001');
    const erik = await agentPhone('1002');
    expect(await cardCall([anna, erik])).toBe('1002');

    const version = product.app.running.current.version;
    await product.app.running.change('supervisor', 'Anna takes the card calls, Erik the others', (d) => {
      d.extensions.find((e) => e.extension === '1001')!.agent!.skills['kort'] = 5;
      delete d.extensions.find((e) => e.extension === '1002')!.agent!.skills['kort'];
    }, { expectedVersion: version });

    // Both are ready; without the change Erik, the only one with the skill, would get it again.
    expect(await cardCall([anna, erik])).toBe('1001');
    expect(product.app.acd.agent('1002')!.state).toBe('ready');
    await Promise.all([anna.stop(), erik.stop()]);
  }, 60_000);

  it("an extension's new password is the one the next REGISTER must answer", async () => {
    const register = async (password: string, scenario: string): Promise<SippResult> => runSipp({
      scenario, remote: product.sipPort,
      keys: { user: '1006', contact_port: String(await freePort('udp')), expires: '300' },
      extraArgs: ['-au', '1006', '-ap', password],
    });
    assertSippOk(await register('demo-1006', 'register.xml'), 1);
    await product.app.running.change('admin', 'new password for 1006', (d) => {
      d.extensions.find((e) => e.extension === '1006')!.password = 'a-new-secret-1006';
    });
    assertSippOk(await register('demo-1006', 'register-refused.xml'), 1);
    assertSippOk(await register('a-new-secret-1006', 'register.xml'), 1);
  }, 30_000);
});

describe('a change through the API over HTTP reaches the next call', () => {
  /** PATCHes an agent's skills as the signed-in admin, against the version the read said. */
  async function setSkills(base: string, cookie: string, extension: string, skills: Record<string, number>): Promise<void> {
    const read = await fetch(`${base}/api/v1/extensions/${extension}`, { headers: { cookie } });
    expect(read.status).toBe(200);
    const res = await fetch(`${base}/api/v1/extensions/${extension}/agent`, {
      method: 'PATCH', body: JSON.stringify({ skills }),
      headers: { cookie, 'content-type': 'application/json', 'if-match': read.headers.get('etag')! },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json() as { agent: { skills: unknown } }).agent.skills).toEqual(skills);
  }

  it("an admin moves the card skill from one agent to the other, and the next caller goes to the other", async () => {
    const base = `http://127.0.0.1:${product.config.http.port}`;
    const login = await fetch(`${base}/api/v1/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const anna = await agentPhone('1001');
    const erik = await agentPhone('1002');

    // Both answer the card queue; only the one with the card skill may take its callers at first.
    await setSkills(base, cookie, '1001', { vaxel: 5, kundtjanst: 3 });
    await setSkills(base, cookie, '1002', { kundtjanst: 5, kort: 4 });
    expect(await cardCall([anna, erik])).toBe('1002');

    await setSkills(base, cookie, '1002', { kundtjanst: 5 });
    await setSkills(base, cookie, '1001', { vaxel: 5, kundtjanst: 3, kort: 5 });
    expect(await cardCall([anna, erik])).toBe('1001');

    const audit = await fetch(`${base}/api/v1/config/audit?limit=2`, { headers: { cookie } });
    const { records } = await audit.json() as { records: Array<{ actor: string; changes: Array<{ path: string }> }> };
    expect(records.map((r) => [r.actor, r.changes.map((c) => c.path)])).toEqual([['admin', ['extensions.1001']], ['admin', ['extensions.1002']]]);
    await Promise.all([anna.stop(), erik.stop()]);
  }, 60_000);
});
