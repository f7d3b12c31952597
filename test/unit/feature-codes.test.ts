import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config/load.js';
import { parseFeatureCode } from '../../server/calls/feature-codes.js';
import { FileAnnouncementStore } from '../../server/calls/announcements.js';
import { PinTries, WRONG_PINS_PER_HOUR } from '../../server/calls/pin-tries.js';
import { AvalancheStore } from '../../server/calls/avalanche.js';
import { adoptAvalancheFile } from '../../server/calls/avalanche-file.js';
import { RunningConfig } from '../../server/running/index.js';
import { FileRunningStore } from '../../server/store/running-file.js';
import { loadPromptSet } from '../../media/speech.js';
import type { AvalancheConfig } from '../../config/schema.js';

const silent = pino({ level: 'silent' });

const dir = mkdtempSync(join(tmpdir(), 'vaxel-fc-'));
let n = 0;
function errorFor(yaml: string): string {
  const file = join(dir, `c${n++}.yaml`);
  writeFileSync(file, yaml);
  try {
    loadConfig({ env: { CONFIG: file } });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('feature codes in the configuration', () => {
  it('defaults to *21 *22 *23 *24 *25 *77 *78, with an operator PIN', () => {
    const c = loadConfig({ env: {} });
    expect(c.featureCodes).toEqual({
      login: '*21', logout: '*22', pause: '*23', ready: '*24', recordAnnouncements: '*77', avalancheToggle: '*78', caseType: '*25',
    });
    expect(c.operators.length).toBeGreaterThan(0);
  });

  it('refuses a bad code, a code that begins another, a bad or shared PIN, in one line that never shows the PIN', () => {
    expect(errorFor('featureCodes:\n  login: "21"\n')).toMatch(/featureCodes\.login: must be a code starting with \* or #/);
    expect(errorFor('featureCodes:\n  login: "*2"\n')).toMatch(/featureCodes\.\w+: "\*2\d?" clashes with featureCodes\.\w+/);
    const bad = errorFor('operators:\n  - { name: A, pin: "12x4" }\n');
    expect(bad).toMatch(/operators\[0\]\.pin: must be a PIN of 6 to 12 digits/);
    expect(bad).not.toContain('12x4');
    const shared = errorFor('operators:\n  - { name: A, pin: "975310" }\n  - { name: B, pin: "975310" }\n');
    expect(shared).toMatch(/operators\[1\]\.pin: is the same PIN as operators\[0\]/);
    expect(shared).not.toContain('975310');
    expect(errorFor('operators:\n  - { name: A, pin: "975310", extensions: ["9999"] }\n')).toMatch(/operators\[0\]\.extensions\[0\]: unknown extension "9999"/);
    expect(errorFor('avalanche:\n  - { id: "1", services: [Nope], slot: lavin-1 }\n')).toMatch(/avalanche\[0\]\.services\[0\]: unknown service "Nope"/);
    for (const m of [bad, shared]) expect(m.split('\n')).toHaveLength(1);
  });

  it('parses dialled codes', () => {
    const codes = loadConfig({ env: {} }).featureCodes;
    expect(parseFeatureCode('*21', codes)).toEqual({ kind: 'login' });
    expect(parseFeatureCode('*22', codes)).toEqual({ kind: 'logout' });
    expect(parseFeatureCode('*23', codes)).toEqual({ kind: 'pause', reason: 'pause' });
    expect(parseFeatureCode('*2307', codes)).toEqual({ kind: 'pause', reason: '07' });
    expect(parseFeatureCode('*24', codes)).toEqual({ kind: 'ready' });
    expect(parseFeatureCode('*77', codes)).toEqual({ kind: 'record-announcements', code: '*77' });
    expect(parseFeatureCode('*781', codes)).toEqual({ kind: 'avalanche-toggle', id: '1' });
    expect(parseFeatureCode('*78', codes)).toBeUndefined();
    expect(parseFeatureCode('*251', codes)).toEqual({ kind: 'case-type', code: '1' });
    expect(parseFeatureCode('*250042', codes)).toEqual({ kind: 'case-type', code: '0042' });
    expect(parseFeatureCode('*25', codes)).toBeUndefined();
    expect(parseFeatureCode('*2512345', codes)).toBeUndefined();
    expect(parseFeatureCode('*23x', codes)).toBeUndefined();
    expect(parseFeatureCode('1002', codes)).toBeUndefined();
  });
});

describe('operator PINs and the avalanche store', () => {
  it('accepts only configured PINs', async () => {
    const store = new FileAnnouncementStore(join(dir, 'ann'), [{ name: 'A', pin: '246810' }]);
    expect(await store.verifyPin('246810', '1001')).toBe(true);
    expect(await store.verifyPin('24681', '1001')).toBe(false);
    expect(await new FileAnnouncementStore(join(dir, 'ann')).verifyPin('246810', '1001')).toBe(false);
  });

  it(`locks an extension out for the hour after ${WRONG_PINS_PER_HOUR} wrong PINs: even the right one is refused, other extensions go on`, async () => {
    let now = 1_700_000_000_000;
    const tries = new PinTries({ now: () => now, logger: pino({ level: 'silent' }) });
    const store = new FileAnnouncementStore(join(dir, 'ann'), [{ name: 'A', pin: '246810' }], tries);
    for (let i = 0; i < WRONG_PINS_PER_HOUR - 1; i++) expect(await store.verifyPin(`11111${i}`, '1001')).toBe(false);
    expect(tries.locked('1001')).toBe(false);
    expect(await store.verifyPin('246810', '1001')).toBe(true);
    expect(await store.verifyPin('999999', '1001')).toBe(false);
    expect(tries.locked('1001')).toBe(true);
    expect(await store.verifyPin('246810', '1001')).toBe(false);
    expect(await store.verifyPin('246810', '1006')).toBe(true);
    now += 3_600_000;
    expect(tries.locked('1001')).toBe(false);
    expect(await store.verifyPin('246810', '1001')).toBe(true);
  });

  it('takes new operators: the next PIN entered is checked against them', async () => {
    const store = new FileAnnouncementStore(join(dir, 'ann'), [{ name: 'A', pin: '246810' }]);
    store.reconfigure([{ name: 'B', pin: '135791' }]);
    expect(await store.verifyPin('246810', '1001')).toBe(false);
    expect(store.operatorOf('135791')).toBe('B');
  });

  it('asks for PINs of six digits or more', () => {
    expect(errorFor('operators:\n  - { name: A, pin: "97531" }\n')).toMatch(/operators\[0\]\.pin: must be a PIN of 6 to 12 digits/);
    expect(() => loadConfig({ env: {} })).not.toThrow();
  });

  it('gives the messages in force for a service and time, with a recording; switching goes through the running configuration', async () => {
    const ann = join(dir, 'ann2');
    const announcements = new FileAnnouncementStore(ann);
    const base = loadConfig({ env: {} });
    base.avalanche = [
      { id: '1', services: ['Kundtjänst'], slot: 'lavin-1' },
      { id: '9', services: ['Växel'], slot: 'lavin-9', on: true, start: new Date(2_000).toISOString(), end: new Date(5_000).toISOString() },
    ];
    const running = await RunningConfig.open({
      base, store: new FileRunningStore(mkdtempSync(join(tmpdir(), 'vaxel-fc-running-'))), flows: { prompts: loadPromptSet(), dir: resolve('ivr-flows') }, logger: silent,
    });
    const store = new AvalancheStore(running.current.config.avalanche, announcements,
      async (actor, summary, mutate) => { await running.change(actor, summary, (d) => mutate(d.avalanche)); }, silent);
    running.onChange(({ config }) => store.reconfigure(config.avalanche));
    mkdirSync(ann, { recursive: true });
    writeFileSync(join(ann, 'lavin-9.wav'), 'x');
    expect(await store.active('Kundtjänst', 1_000)).toEqual([]);
    expect(await store.active('Växel', 1_000)).toEqual([]);
    expect(await store.active('Växel', 3_000)).toEqual([{ id: '9', file: join(ann, 'lavin-9.wav') }]);
    expect(await store.active('Växel', 5_000)).toEqual([]);
    expect(await store.active('Kundtjänst', 3_000)).toEqual([]);
    // On, but not recorded yet: not played.
    expect((await store.toggle('1', 3_000, 'phone:A'))?.on).toBe(true);
    expect(await store.active('Kundtjänst', 3_000)).toEqual([]);
    expect(running.current.operational.avalanche[0]).toMatchObject({ id: '1', on: true, start: new Date(3_000).toISOString() });
    expect((await running.auditPage({ limit: 1 })).records[0]).toMatchObject({ actor: 'phone:A', summary: 'avalanche message 1 switched on' });
    expect((await store.toggle('1', 4_000, 'phone:A'))?.on).toBe(false);
    expect(running.current.operational.avalanche[0]).toMatchObject({ on: false, start: new Date(3_000).toISOString(), end: new Date(4_000).toISOString() });
    expect(await store.toggle('nope', 4_000, 'phone:A')).toBeUndefined();
    running.close();
  });

  it('takes over the on/off state an earlier version kept in avalanche.json, once', async () => {
    const base = loadConfig({ env: {} });
    base.avalanche = [{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1' }];
    const running = await RunningConfig.open({
      base, store: new FileRunningStore(mkdtempSync(join(tmpdir(), 'vaxel-fc-running-'))), flows: { prompts: loadPromptSet(), dir: resolve('ivr-flows') }, logger: silent,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'vaxel-fc-old-')), 'avalanche.json');
    writeFileSync(file, JSON.stringify({ messages: [
      { id: '1', services: ['Kundtjänst'], slot: 'lavin-1', on: true, start: '2026-03-01T07:00:00.000Z', end: null },
      { id: '7', services: ['Växel'], file: '/somewhere/rec.wav', on: true },
    ] }));
    const change = async (actor: string, summary: string, mutate: (m: AvalancheConfig[]) => void): Promise<void> => {
      await running.change(actor, summary, (d) => mutate(d.avalanche));
    };
    await adoptAvalancheFile(file, change, silent);
    expect(running.current.operational.avalanche).toEqual([{ id: '1', services: ['Kundtjänst'], slot: 'lavin-1', on: true, start: '2026-03-01T07:00:00.000Z' }]);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.adopted`)).toBe(true);
    const version = running.current.version;
    await adoptAvalancheFile(file, change, silent);
    expect(running.current.version).toBe(version);
    running.close();
  });
});
