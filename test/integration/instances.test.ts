/**
 * Two product processes on one Redis and one PostgreSQL, each with its own
 * embedded SIP and media engines on ports of its own: callers from the
 * operator network (SIPp) spread over both, dialling card blocking (the
 * "kort" queue), and 40 agents' desk phones (two SIPp callees answering for
 * 20 extensions each) registered half through one instance, half through
 * the other. 1,000 calls: each is answered by exactly one agent, callers on
 * one instance reach agents registered through the other, no agent has two
 * calls at once, and the contact records and interval statistics count
 * every call. Then one process is killed with SIGKILL while calls are in
 * progress on both: the other goes on taking every call sent to it, takes
 * the dead one's callers and agents away once its heartbeat lapses (no
 * agent left reserved or busy), and makes the callbacks booked through the
 * dead one.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema.js';
import type { AgentStatus, QueueEntry } from '../../server/acd/model.js';
import { flowDir } from '../../server/app.js';
import { PostgresHistory } from '../../server/history/postgres.js';
import type { ContactRecord } from '../../server/history/records.js';
import { RedisStore } from '../../server/store/redis.js';
import { takeCallback } from '../support/callbacks.js';
import { startTrunkFarEnd } from '../support/operator-network.js';
import { freePort, freePortRange } from '../support/ports.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startProductProcess, testConfig, TRUNK_SOURCE_IP } from '../support/product.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import {
  assertSippOk, describeSippResult, killAllSipp, runSipp, startRegisteredSippPhone, startSippUas, type SippResult, type SippUas,
} from '../support/sipp.js';
import { tempDir } from '../support/tmp.js';
import { waitUntil } from '../support/wait.js';

const CARD_NUMBER = '+46313900603';
const CALLBACK_NUMBER = '+46313900611';
/** The two agents who make the callbacks, registered only once the instance that booked them is dead. */
const CALLBACK_AGENTS = ['2098', '2099'];
const CUSTOMERS = ['+46703000001', '+46703000002', '+46703000003'];
const AGENTS_EACH = 20;
const CALLS_EACH = 500;
/** Calls per second sent to each instance: 20 a second in all, which two cores carry beside SIPp. */
const RATE_EACH = 10;
const TALK_MS = 1_000;

interface Instance {
  name: 'first' | 'second';
  config: Config;
  process: ChildProcess;
  /** The agents whose phones registered through this instance. */
  agents: string[];
  /** The caller number of the calls sent to this instance. */
  caller: string;
}

let redis: RedisServer;
let postgres: PostgresServer;
let history: PostgresHistory;
let store: RedisStore;
const instances: Instance[] = [];
let trunkPort = 0;
/** The callbacks booked through the second instance while the first test's calls run (each takes seconds of prompts). */
let booking: Promise<void>;

const agentIds = (from: number): string[] => Array.from({ length: AGENTS_EACH }, (_, i) => String(from + i));

/** The demo's flows and one more: the callback number's queue offers a callback after 1 s. */
function flows(): string {
  const dir = tempDir('flows-');
  cpSync(flowDir(), dir, { recursive: true });
  writeFileSync(join(dir, 'aterringning.yaml'), [
    'flow: aterringning', 'services: [Återringning]', 'language: sv', 'nodes:',
    '  - { id: ko, type: queue, queue: aterringning, music: default, offerCallbackAfterSeconds: 1 }', '',
  ].join('\n'));
  return dir;
}

/** The demo company with 40 card-blocking agents, no wrap-up, and a callback queue only the callback agents answer. */
async function instanceConfig(databaseUrl: string): Promise<Config> {
  const config = await testConfig({ trunkPort });
  config.redisUrl = redis.url;
  config.databaseUrl = databaseUrl;
  const rtp = await freePortRange(200, 'udp');
  config.rtp = { ...config.rtp, portMin: rtp, portMax: rtp + 199 };
  Object.assign(config.queues.find((q) => q.id === 'kort')!, { wrapUpSeconds: 0, maxMissedOffers: 10 });
  config.queues.push({ id: 'aterringning', name: 'Återringning', steps: [{ afterSeconds: 0, skill: 'aterringning' }], wrapUpSeconds: 0 } as Config['queues'][number]);
  config.numbers.push({ number: CALLBACK_NUMBER, service: 'Återringning', queue: 'aterringning' } as Config['numbers'][number]);
  for (const id of [...agentIds(2001), ...agentIds(2001 + AGENTS_EACH)]) {
    config.extensions.push({ extension: id, name: `Agent ${id}`, password: `pw-${id}`, agent: { skills: { kort: 5 }, groups: [], queues: ['kort'], answerOn: 'phone' } });
  }
  for (const id of CALLBACK_AGENTS) {
    config.extensions.push({
      extension: id, name: `Återringare ${id}`, password: `pw-${id}`,
      agent: { skills: { aterringning: 5 }, groups: [], queues: ['aterringning'], answerOn: 'phone' },
    });
  }
  return config;
}

/** One SIPp callee answering for every agent in `agents`, each registered through `sipPort`; talks TALK_MS, then hangs up. */
async function agentPhones(sipPort: number, agents: string[]): Promise<SippUas> {
  const phones = await startSippUas({ scenario: 'uas-answer-then-bye.xml', durationMs: TALK_MS, traceMessages: false, timeoutMs: 600_000 });
  for (let k = 0; k < agents.length; k += 10) {
    await Promise.all(agents.slice(k, k + 10).map(async (id) => assertSippOk(await runSipp({
      scenario: 'register.xml', remote: sipPort,
      keys: { user: id, contact_port: String(phones.port), expires: '3600' },
      extraArgs: ['-au', id, '-ap', `pw-${id}`], timeoutMs: 10_000,
    }), 1)));
  }
  return phones;
}

/**
 * Callers from the operator network dialling card blocking on `instance`, each waiting for the agent's hang-up.
 * SIPp that could not bind its media port (another program took it after it was found free) made no call: it is started again.
 */
async function callers(instance: Instance, calls: number, extra: { recvTimeoutMs?: number } = {}): Promise<SippResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await runSipp({
      scenario: 'uac-expect-bye.xml', remote: instance.config.sip.port, service: CARD_NUMBER, keys: { caller: instance.caller },
      calls, rate: RATE_EACH, limit: 200, rtpEcho: true, mediaPort: await freePortRange(4, 'udp'),
      traceMessages: false, timeoutMs: 240_000, extraArgs: ['-i', TRUNK_SOURCE_IP], ...extra,
    });
    if (attempt === 3 || result.created > 0 || !/Unable to bind/.test(result.errors)) return result;
  }
}

async function contactsSince(from: number): Promise<ContactRecord[]> {
  const ids = await history.contactIds(from, Date.now() + 60_000);
  return (await Promise.all(ids.map((id) => history.contact(id)))).filter((c): c is ContactRecord => c !== undefined);
}

const answeredSegments = (c: ContactRecord) => c.segments.filter((s) => s.outcome === 'answered');

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  const databaseUrl = await postgres.database();
  history = await PostgresHistory.open(databaseUrl, { onError: () => {} });
  store = new RedisStore({ url: redis.url, onError: () => {} });
  trunkPort = await freePort('both');
  const flowFolder = flows();
  const configs = [await instanceConfig(databaseUrl), await instanceConfig(databaseUrl)];
  const processes = await Promise.all(configs.map((c) => startProductProcess(c, flowFolder)));
  const names = ['first', 'second'] as const;
  for (const [i, config] of configs.entries()) {
    const agents = agentIds(2001 + i * AGENTS_EACH);
    await agentPhones(config.sip.port, agents);
    instances.push({ name: names[i]!, config, process: processes[i]!, agents, caller: `+4670${i + 1}000000` });
  }
  const everyone = instances.flatMap((i) => i.agents);
  await waitUntil(async () => (await store.load()).agents, (agents) => everyone.every((id) => agents.find((a) => a.id === id)?.state === 'ready'),
    { what: 'every agent logged in by the registration', timeoutMs: 20_000, everyMs: 250 });
  booking = (async () => {
    for (const customer of CUSTOMERS) await takeCallback(instances[1]!.config.sip.port, CALLBACK_NUMBER, customer);
  })();
  booking.catch(() => { /* awaited by the test that needs it */ });
}, 120_000);

afterAll(async () => {
  for (const i of instances) i.process.kill('SIGKILL');
  killAllSipp();
  await store?.close();
  await history?.close();
  await redis?.stop();
  await postgres?.stop();
});

describe('two product processes on one Redis and one PostgreSQL', () => {
  it('1,000 calls spread over both: each answered by one agent, across instances, never two at once for an agent, all counted', async () => {
    const from = Date.now();
    const results = await Promise.all(instances.map((i) => callers(i, CALLS_EACH)));
    for (const r of results) assertSippOk(r, CALLS_EACH);

    const total = CALLS_EACH * instances.length;
    let contacts: ContactRecord[] = [];
    await expect.poll(async () => {
      contacts = (await contactsSince(from)).filter((c) => c.fields.dialled === CARD_NUMBER);
      return contacts.filter((c) => c.fields.endedAt !== undefined && answeredSegments(c).every((s) => s.endedAt !== undefined)).length;
    }, { timeout: 30_000, interval: 1_000 }).toBe(total);

    for (const contact of contacts) {
      const answered = answeredSegments(contact);
      expect(answered, `contact ${contact.id}`).toHaveLength(1);
      expect(contact.offers.filter((o) => o.result === 'answered'), `contact ${contact.id}`).toHaveLength(1);
    }
    const segments = contacts.map((c) => ({ caller: c.fields.caller!, ...answeredSegments(c)[0]! }));
    // Callers on each instance were answered by agents registered through the other as well.
    for (const [i, instance] of instances.entries()) {
      const other = instances[1 - i]!;
      const byOthers = segments.filter((s) => s.caller === instance.caller && other.agents.includes(s.agent!));
      expect(byOthers.length, `calls to the ${instance.name} instance answered by agents registered through the ${other.name}`).toBeGreaterThan(0);
    }
    // No agent on two calls at once: each one's conversations follow one another.
    const byAgent = new Map<string, typeof segments>();
    for (const s of segments) byAgent.set(s.agent!, [...(byAgent.get(s.agent!) ?? []), s]);
    for (const [agent, own] of byAgent) {
      own.sort((a, b) => a.answeredAt! - b.answeredAt!);
      for (let k = 1; k < own.length; k++) {
        expect(own[k]!.answeredAt!, `agent ${agent}'s call ${k} answered after the one before ended`).toBeGreaterThanOrEqual(own[k - 1]!.endedAt!);
      }
    }
    const counts = (await history.intervalCounts(15, from - 15 * 60_000, Date.now() + 1)).filter((c) => c.service === 'Kort och spärr');
    expect(counts.reduce((n, c) => n + c.offered, 0)).toBe(total);
    expect(counts.reduce((n, c) => n + c.answered, 0)).toBe(total);
  }, 240_000);

  it('kill -9 of one mid-run: the other takes every call sent to it, frees the dead one\'s agents and makes its callbacks', async () => {
    const [survivor, doomed] = instances as [Instance, Instance];
    // Callbacks booked through the instance about to die; nobody answers their queue yet.
    await booking;
    const callbacksInLine = (entries: QueueEntry[]) => entries.filter((e) => e.kind === 'callback' && e.queueId === 'aterringning');
    await expect.poll(async () => callbacksInLine((await store.load()).entries).length, { timeout: 10_000 }).toBe(CUSTOMERS.length);

    const onSurvivor = callers(survivor, 100);
    // The doomed instance's callers give up 5 s after their last message once it is gone.
    const onDoomed = callers(doomed, 100, { recvTimeoutMs: 5_000 });
    const busyWithDoomed = (agents: AgentStatus[], entries: QueueEntry[]) => agents.filter((a) => (a.state === 'busy' || a.state === 'reserved')
      && entries.find((e) => e.id === a.entryId)?.data.caller === doomed.caller);
    await expect.poll(async () => {
      const { agents, entries } = await store.load();
      return busyWithDoomed(agents, entries).length;
    }, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);
    doomed.process.kill('SIGKILL');

    const survived = await onSurvivor;
    assertSippOk(survived, 100);
    await onDoomed;

    // Once the dead instance's heartbeat lapses, nothing of it is left in line and every agent is free again.
    const everyone = instances.flatMap((i) => i.agents);
    await expect.poll(async () => {
      const { agents, entries } = await store.load();
      const calls = entries.filter((e) => e.kind === 'call');
      const free = everyone.filter((id) => agents.find((a) => a.id === id)?.state === 'ready');
      return { callsInLine: calls.length, notReady: everyone.length - free.length };
    }, { timeout: 40_000, interval: 500 }).toEqual({ callsInLine: 0, notReady: 0 });

    // The callbacks booked through the dead instance are made by the survivor once their agents register with it.
    const farEnd = await startTrunkFarEnd(trunkPort, { scenario: 'uas-answer-then-bye.xml', durationMs: TALK_MS, calls: CUSTOMERS.length, timeoutMs: 60_000 });
    for (const id of CALLBACK_AGENTS) await startRegisteredSippPhone(survivor.config.sip.port, id, { calls: CUSTOMERS.length, password: `pw-${id}`, timeoutMs: 60_000 });
    const dialled = await farEnd.exited;
    expect(dialled.successful, describeSippResult(dialled)).toBe(CUSTOMERS.length);
    for (const customer of CUSTOMERS) expect(dialled.messages).toContain(`INVITE sip:${customer}@`);
    await expect.poll(async () => callbacksInLine((await store.load()).entries).length, { timeout: 10_000 }).toBe(0);
  }, 240_000);
});
