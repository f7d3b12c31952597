/**
 * The running configuration (server/running): seeded from the files on a
 * fresh installation, changed as a whole or not at all, versioned with
 * conflicts, audited with secrets masked, exported and imported, and kept
 * across a restart (the file store; Redis: test/integration/running-config-redis.test.ts).
 */
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/load.js';
import { loadPromptSet } from '../../media/speech.js';
import { ConfigChangeError, ConfigConflictError } from '../../server/running/errors.js';
import { RunningConfig } from '../../server/running/running.js';
import type { RunningSnapshot } from '../../server/running/whole.js';
import { FileRunningStore } from '../../server/store/running-file.js';
import { tempDir } from '../support/tmp.js';

const base = loadConfig({ env: {} });
const prompts = loadPromptSet();
const silent = pino({ level: 'silent' });

async function open(dir = tempDir('running-'), flowDir = path.resolve('ivr-flows')): Promise<{ running: RunningConfig; dir: string }> {
  const running = await RunningConfig.open({ base, store: new FileRunningStore(dir), flows: { prompts, dir: flowDir }, logger: silent });
  return { running, dir };
}

/** The error a change is refused with. */
async function refusal(p: Promise<unknown>): Promise<ConfigChangeError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigChangeError);
  return err as ConfigChangeError;
}

const agentIndex = (s: RunningSnapshot, ext: string) => s.operational.extensions.findIndex((e) => e.extension === ext);

describe('a fresh installation', () => {
  it('is seeded from the configuration and the flow folder as version 1, audited', async () => {
    const { running } = await open();
    expect(running.current.version).toBe(1);
    expect(running.current.operational.queues.map((q) => q.id)).toEqual(base.queues.map((q) => q.id));
    expect(Object.keys(running.current.operational.flows).sort()).toEqual(['foretag', 'inspelning', 'kort-och-sparr', 'kundtjanst', 'standard', 'vaxel']);
    expect(running.current.flows.forCall({ dialled: '+46313900603', service: 'Kort och spärr' })!.name).toBe('kort-och-sparr');
    const { records } = await running.auditPage({ limit: 10 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ version: 1, actor: 'seed', summary: 'seeded from the configuration files' });
    expect(records[0]!.changes.map((c) => c.path)).toContain('queues.kort');
  });
});

describe('a change', () => {
  it('makes a new version; the old snapshot is unchanged and frozen', async () => {
    const { running } = await open();
    const before = running.current;
    const seen: number[] = [];
    running.onChange((s) => { seen.push(s.version); });
    const after = await running.change('admin', 'Bo learns cards', (d) => {
      d.extensions[agentIndex(before, '1006')]!.agent!.skills['kort'] = 4;
    });
    expect(after.version).toBe(2);
    expect(running.current).toBe(after);
    expect(seen).toEqual([2]);
    expect(after.config.extensions.find((e) => e.extension === '1006')!.agent!.skills).toEqual({ kundtjanst: 3, vaxel: 3, kort: 4 });
    expect(before.config.extensions.find((e) => e.extension === '1006')!.agent!.skills).toEqual({ kundtjanst: 3, vaxel: 3 });
    expect(() => { (before.config.queues[0] as { name: string }).name = 'x'; }).toThrow(TypeError);
  });

  it('that breaks a rule applies nothing and names the path at fault', async () => {
    const { running } = await open();
    const seen: number[] = [];
    running.onChange((s) => { seen.push(s.version); });
    const i = agentIndex(running.current, '1002');
    const err = await refusal(running.change('admin', 'two edits, one bad', (d) => {
      d.queues[0]!.name = 'Renamed';
      d.extensions[i]!.agent!.queues.push('saknas');
    }));
    expect(err.path).toEqual(['extensions', i, 'agent', 'queues', 2]);
    expect(err.message).toMatch(/unknown queue "saknas"/);
    expect(running.current.version).toBe(1);
    expect(running.current.operational.queues[0]!.name).not.toBe('Renamed');
    expect(seen).toEqual([]);
    expect((await running.auditPage({ limit: 10 })).records).toHaveLength(1);
  });

  it('that leaves a flow naming a queue removed is refused by the flow checks', async () => {
    const { running } = await open();
    const err = await refusal(running.change('admin', 'no more card queue', (d) => {
      d.queues = d.queues.filter((q) => q.id !== 'kort');
      for (const e of d.extensions) if (e.agent) e.agent.queues = e.agent.queues.filter((q) => q !== 'kort');
      for (const n of d.numbers) if (n.queue === 'kort') n.queue = 'kundtjanst';
    }));
    expect(err.path[0]).toBe('flows');
    expect(err.message).toMatch(/kort/);
    expect(running.current.operational.queues.some((q) => q.id === 'kort')).toBe(true);
  });

  it('a flow replaced by one with an error is refused with the flow, the node and the reason', async () => {
    const { running } = await open();
    const err = await refusal(running.change('admin', 'broken flow', (d) => {
      d.flows['kort-och-sparr'] = 'flow: kort-och-sparr\nservices: [Kort och spärr]\nnodes:\n  - id: hej\n    type: play\n    prompts: [welcome]\n    next: borta\n';
    }));
    expect(err.path).toEqual(['flows', 'kort-och-sparr']);
    expect(err.message).toBe('flows.kort-och-sparr: node "hej": next goes to "borta", which does not exist');
  });

  it('a service left without a flow is refused', async () => {
    const { running } = await open();
    const err = await refusal(running.change('admin', 'drop flows', (d) => {
      delete d.flows['standard'];
      delete d.flows['kort-och-sparr'];
    }));
    expect(err.message).toMatch(/service "Kort och spärr" \(config numbers\[\]\.service\) has no flow/);
  });

  it('a mutation that throws applies nothing', async () => {
    const { running } = await open();
    await expect(running.change('admin', 'oops', () => { throw new Error('editor bug'); })).rejects.toThrow('editor bug');
    expect(running.current.version).toBe(1);
    const next = await running.change('admin', 'fine', (d) => { d.dialOut.maxCallsPerHour = 10; });
    expect(next.version).toBe(2);
  });
});

describe('versions', () => {
  it('a change made against an old version is refused as a conflict; against the current one it applies', async () => {
    const { running } = await open();
    await running.change('anna', 'first', (d) => { d.dialOut.maxCallsPerHour = 10; }, { expectedVersion: 1 });
    const err = await running.change('bo', 'second', (d) => { d.dialOut.maxCallsPerHour = 20; }, { expectedVersion: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigConflictError);
    expect(err).toMatchObject({ expected: 1, current: 2 });
    expect(running.current.config.dialOut.maxCallsPerHour).toBe(10);
    await running.change('bo', 'second', (d) => { d.dialOut.maxCallsPerHour = 20; }, { expectedVersion: 2 });
    expect(running.current.config.dialOut.maxCallsPerHour).toBe(20);
  });

  it('changes at the same time run one after another, each on the last', async () => {
    const { running } = await open();
    await Promise.all(['a', 'b', 'c'].map((s) => running.change(s, s, (d) => { d.dialOut.premiumPrefixes.push(`+46900${s.charCodeAt(0)}`); })));
    expect(running.current.version).toBe(4);
    expect(running.current.config.dialOut.premiumPrefixes.slice(-3)).toEqual(['+4690097', '+4690098', '+4690099']);
  });
});

describe('the audit log', () => {
  it('records who, when, what and the before and after of what changed, secrets masked; newest first, paged', async () => {
    let now = Date.parse('2026-12-02T10:00:00Z');
    const dir = tempDir('running-');
    const running = await RunningConfig.open({
      base, store: new FileRunningStore(dir), flows: { prompts, dir: path.resolve('ivr-flows') }, logger: silent, now: () => now,
    });
    const i = agentIndex(running.current, '1001');
    const oldPassword = running.current.operational.extensions[i]!.password;
    now += 60_000;
    await running.change('admin', 'new password for 1001', (d) => { d.extensions[i]!.password = 'brand-new-secret-1'; });
    now += 60_000;
    await running.change('supervisor', 'opening', (d) => { d.queues.find((q) => q.id === 'kort')!.wrapUpSeconds = 5; });

    const page = await running.auditPage({ limit: 2 });
    expect(page.records.map((r) => [r.version, r.actor, r.summary, r.at])).toEqual([
      [3, 'supervisor', 'opening', '2026-12-02T10:02:00.000Z'],
      [2, 'admin', 'new password for 1001', '2026-12-02T10:01:00.000Z'],
    ]);
    expect(page.records[0]!.changes).toEqual([{
      path: 'queues.kort',
      before: expect.objectContaining({ wrapUpSeconds: base.queues.find((q) => q.id === 'kort')!.wrapUpSeconds }),
      after: expect.objectContaining({ wrapUpSeconds: 5 }),
    }]);
    const pw = page.records[1]!.changes;
    expect(pw.map((c) => c.path)).toEqual(['extensions.1001']);
    expect(pw[0]).toMatchObject({ before: { password: '(secret)' }, after: { password: '(secret, changed)' } });
    const all = JSON.stringify(await running.auditPage({ limit: 100 }));
    expect(all).not.toContain('brand-new-secret-1');
    expect(all).not.toContain(`"${oldPassword}"`);
    for (const op of base.operators) expect(all).not.toContain(`"${op.pin}"`);
    expect(await running.auditPage({ before: page.next!, limit: 2 })).toEqual({ records: [expect.objectContaining({ version: 1, actor: 'seed' })] });
  });
});

describe('export and import', () => {
  it('round trip: the export imported again is the same configuration, one audited change', async () => {
    const { running } = await open();
    await running.change('admin', 'skill', (d) => { d.extensions[agentIndex(running.current, '1006')]!.agent!.skills['kort'] = 2; });
    const yaml = running.exportYaml();
    expect(yaml).toMatch(/^# Running configuration, version 2\./);

    const { running: other } = await open();
    const imported = await other.importYaml('admin', yaml);
    expect(imported.version).toBe(2);
    expect(imported.operational).toEqual(running.current.operational);
    const { records } = await other.auditPage({ limit: 1 });
    expect(records[0]).toMatchObject({ version: 2, actor: 'admin', summary: 'imported the running configuration', changes: [{ path: 'extensions.1006' }] });
  });

  it('an import that is not valid as a whole applies nothing, naming the path', async () => {
    const { running } = await open();
    const yaml = running.exportYaml().replace('maxCallsPerHour:', 'maxCallsPerHour: -1\n  ignored:');
    const err = await refusal(running.importYaml('admin', yaml));
    expect(err.path[0]).toBe('dialOut');
    expect(running.current.version).toBe(1);
    const unknownKey = await refusal(running.importYaml('admin', `${running.exportYaml()}\ntrunks: []\n`));
    expect(unknownKey.path).toEqual(['trunks']);
    expect(unknownKey.message).toMatch(/is not part of the running configuration/);
    const partial = await refusal(running.importYaml('admin', 'queues: []\n'));
    expect(partial.message).toMatch(/is missing/);
    expect(await refusal(running.importYaml('admin', 'queues: [\n'))).toBeInstanceOf(ConfigChangeError);
  });
});

describe('across a restart', () => {
  it('the stored version is used, not the files: they only seed a fresh installation, and a difference is logged', async () => {
    const { running, dir } = await open();
    await running.change('admin', 'flow replaced', (d) => {
      d.flows['kort-och-sparr'] = d.flows['kort-och-sparr']!.replace('announceEverySeconds: 30', 'announceEverySeconds: 45');
    });
    running.close();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    const again = await RunningConfig.open({ base, store: new FileRunningStore(dir), flows: { prompts, dir: path.resolve('ivr-flows') }, logger });
    expect(again.current.version).toBe(2);
    expect(again.current.flows.forCall({ dialled: '+46313900603', service: 'Kort och spärr' })!.nodes.get('ko')!['announceEverySeconds']).toBe(45);
    expect((await again.auditPage({ limit: 10 })).records.map((r) => r.version)).toEqual([2, 1]);
    expect(lines.find((l) => l['level'] === 40)).toMatchObject({ version: 2, differ: ['flows.kort-och-sparr'] });
  });

  it('files the same as the stored version: no warning', async () => {
    const { running, dir } = await open();
    running.close();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    await RunningConfig.open({ base, store: new FileRunningStore(dir), flows: { prompts, dir: path.resolve('ivr-flows') }, logger });
    expect(lines.filter((l) => l.includes('"level":40'))).toEqual([]);
  });
});
