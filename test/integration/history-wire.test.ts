/**
 * Contact records of real calls, on SQLite (DATA_DIR) and on PostgreSQL
 * (DATABASE_URL, Debian's server started for this file): SIPp callers on the
 * operator network dial card blocking (+46313900603, straight to the "kort"
 * queue), where Erik's desk phone (1002, a SIPp callee) answers the first
 * and, paused, lets the second hang up in line. Then the product as its own
 * process, killed with SIGKILL while a caller waits and started again on the
 * same data: every contact recorded before the kill is there once, as it
 * was, and the calls after the restart are recorded beside them. A
 * database that cannot be reached stops start-up before anything listens.
 */
import { describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import type { ContactRecord } from '../../server/history/records.js';
import type { HistoryRepository } from '../../server/history/repository.js';
import { useHistoryBackends } from '../support/history-backends.js';
import { callFromOperatorNetwork } from '../support/operator-network.js';
import { freePort } from '../support/ports.js';
import { startProduct, startProductProcess, testConfig } from '../support/product.js';
import { assertSippOk, killAllSipp, portInUse, startRegisteredSippPhone } from '../support/sipp.js';
import type { Config } from '../../config/schema.js';

const CARD_NUMBER = '+46313900603';
const CARD = { dialled: CARD_NUMBER, service: 'Kort och spärr' };

const run = useHistoryBackends();

/** The contacts started since `from`, by caller. */
async function contactsByCaller(repo: HistoryRepository, from: number): Promise<Map<string, ContactRecord[]>> {
  const byCaller = new Map<string, ContactRecord[]>();
  for (const id of await repo.contactIds(from, Date.now() + 60_000)) {
    const record = (await repo.contact(id))!;
    const caller = record.fields.caller ?? '?';
    byCaller.set(caller, [...(byCaller.get(caller) ?? []), record]);
  }
  return byCaller;
}

describe.each(run.backends)('contact records on $name', (backend) => {
  it('an answered call and an abandoned one: their contacts, segments and offers as they happened', async () => {
    const from = Date.now();
    const config = await testConfig();
    await backend.place(config);
    run.product = await startProduct({ tweak: (c) => { c.dataDir = config.dataDir; c.databaseUrl = config.databaseUrl; } });
    const p = run.product;
    await startRegisteredSippPhone(p.sipPort, '1002', { scenario: 'uas-answer.xml' });
    await expect.poll(() => p.app.acd.agent('1002')?.state, { timeout: 10_000 }).toBe('ready');

    assertSippOk(await callFromOperatorNetwork(p.sipPort, CARD_NUMBER, '+46701000001', { hangUpAfterMs: 3_000 }), 1);
    await p.app.acd.pause('1002', 'lunch');
    assertSippOk(await callFromOperatorNetwork(p.sipPort, CARD_NUMBER, '+46701000002', { hangUpAfterMs: 2_000 }), 1);
    await expect.poll(() => p.app.acd.snapshot().queues.every((q) => q.entries.length === 0), { timeout: 10_000 }).toBe(true);
    await p.app.contactRecords.flush();

    run.reader = await backend.open(p.config);
    const contacts = await contactsByCaller(run.reader, from);
    expect([...contacts.keys()].sort()).toEqual(['+46701000001', '+46701000002']);
    const [answered] = contacts.get('+46701000001')!;
    const [abandoned] = contacts.get('+46701000002')!;

    expect(answered!.fields).toMatchObject({ ...CARD, endedBy: 'caller', flow: expect.any(String) });
    expect(answered!.fields.endedAt! - answered!.fields.startedAt!).toBeGreaterThanOrEqual(3_000);
    expect(answered!.steps.map((s) => s.nodeType)).toContain('queue');
    expect(answered!.segments).toHaveLength(1);
    const served = answered!.segments[0]!;
    expect(served).toMatchObject({ queue: 'kort', kind: 'call', outcome: 'answered', agent: '1002', vip: 0 });
    expect(served.waitMs).toBe(served.answeredAt! - served.enqueuedAt!);
    expect(served.talkMs).toBeGreaterThanOrEqual(2_500);
    expect(answered!.offers).toEqual([{ entryId: served.id, agent: '1002', offeredAt: expect.any(Number), result: 'answered', ringMs: expect.any(Number) }]);

    expect(abandoned!.fields).toMatchObject({ ...CARD, endedBy: 'caller' });
    expect(abandoned!.segments).toEqual([expect.objectContaining({ queue: 'kort', outcome: 'abandoned', waitMs: expect.any(Number) })]);
    expect(abandoned!.segments[0]!.waitMs).toBeGreaterThanOrEqual(1_500);
    expect(abandoned!.offers).toEqual([]);

    const paused = await run.reader.agentIntervals('1002', from, Date.now() + 1);
    expect(paused.map((i) => i.state)).toEqual(expect.arrayContaining(['ready', 'busy', 'paused']));
    expect(paused.find((i) => i.state === 'paused')).toMatchObject({ reason: 'lunch' });

    const counts = await run.reader.intervalCounts(15, from - 15 * 60_000, Date.now() + 1);
    expect(counts.reduce((n, c) => n + c.offered, 0)).toBe(2);
    expect(counts.reduce((n, c) => n + c.answered, 0)).toBe(1);
    expect(counts.reduce((n, c) => n + c.abandoned, 0)).toBe(1);
  }, 90_000);

  it('kill -9 while a caller waits, restart on the same data: nothing recorded is lost or doubled', async () => {
    const from = Date.now();
    const config = await testConfig();
    await backend.place(config);
    run.child = await startProductProcess(config, flowDir());
    run.reader = await backend.open(config);
    const repo = run.reader;

    // Nobody staffs the queue: two callers hang up in line; a third is waiting when the product is killed.
    for (const caller of ['+46701000011', '+46701000012']) {
      assertSippOk(await callFromOperatorNetwork(config.sip.port, CARD_NUMBER, caller, { hangUpAfterMs: 1_500 }), 1);
    }
    const waiting = callFromOperatorNetwork(config.sip.port, CARD_NUMBER, '+46701000013');
    // Acknowledged: both ends and the third call's place in line are written.
    await expect.poll(async () => {
      const c = await contactsByCaller(repo, from);
      return ['+46701000011', '+46701000012'].every((n) => c.get(n)?.[0]?.fields.endedAt !== undefined)
        && c.get('+46701000013')?.[0]?.segments.length === 1;
    }, { timeout: 15_000 }).toBe(true);
    const before = await contactsByCaller(repo, from);
    await run.killChild();
    // The waiting caller's call died with the product: no BYE will come.
    killAllSipp();
    await waiting.catch(() => undefined);

    run.product = await startProduct({ tweak: (c) => { c.dataDir = config.dataDir; c.databaseUrl = config.databaseUrl; } });
    assertSippOk(await callFromOperatorNetwork(run.product.sipPort, CARD_NUMBER, '+46701000014', { hangUpAfterMs: 1_500 }), 1);
    await expect.poll(() => run.product!.app.acd.snapshot().queues.every((q) => q.entries.length === 0), { timeout: 10_000 }).toBe(true);
    await run.product.app.contactRecords.flush();

    const after = await contactsByCaller(repo, from);
    expect([...after.keys()].sort()).toEqual(['+46701000011', '+46701000012', '+46701000013', '+46701000014']);
    for (const [caller, records] of after) expect(records, caller).toHaveLength(1);
    for (const caller of ['+46701000011', '+46701000012']) expect(after.get(caller)).toEqual(before.get(caller));
    expect(after.get('+46701000013')![0]!.segments).toHaveLength(1);
    expect(after.get('+46701000014')![0]!).toMatchObject({
      fields: { ...CARD, endedBy: 'caller' },
      segments: [expect.objectContaining({ outcome: 'abandoned' })],
    });
  }, 120_000);
});

describe('contact records on a PostgreSQL that cannot be reached', () => {
  it('stops start-up with one message, without the password, and nothing left listening', async () => {
    const port = await freePort('tcp');
    let config: Config | undefined;
    const err = await startProduct({ tweak: (c) => { c.databaseUrl = `postgresql://vaxel:hemligt-lösen@127.0.0.1:${port}/vaxel`; config = c; } })
      .then((p) => { run.product = p; return undefined; }, (e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`^history database postgresql://vaxel@127\\.0\\.0\\.1:${port}/vaxel cannot be reached: `));
    expect((err as Error).message).not.toContain('hemligt');
    expect(portInUse(config!.sip.port, 'udp')).toBe(false);
    expect(portInUse(config!.http.port, 'tcp')).toBe(false);
  }, 30_000);
});
