/**
 * The running configuration store's contract (server/running/store-port.ts):
 * one suite that the file store and the Redis store pass. The factory
 * makes a fresh, empty storage place and returns a function that opens a
 * store on it; opening a second one on the same place is what a restart
 * (or another instance) sees. Stores opened are closed after each test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord, StoredVersion } from '../../server/running/model.js';
import type { RunningStore } from '../../server/running/store-port.js';

export type RunningStorePlace = () => RunningStore;

export function version(n: number, actor = 'anna'): StoredVersion {
  return {
    version: n, at: new Date(1_700_000_000_000 + n * 1000).toISOString(), actor,
    operational: {
      extensions: [{ extension: '1001', name: 'Anna', password: `secret-${n}` }], queues: [], numbers: [], operators: [], avalanche: [], hoursExceptions: {},
      dialOut: { allow: { extension: ['national'], callback: ['national'], transfer: ['national'], mobile: ['national'] }, extensions: {}, maxConcurrentCalls: 5, maxCallsPerHour: 60, premiumPrefixes: [], specialPrefixes: [] },
      flows: { vaxel: `flow: vaxel\n# version ${n}\n` },
    },
  };
}

export function audit(n: number): AuditRecord {
  return { version: n, at: version(n).at, actor: 'anna', summary: `change ${n}`, changes: [{ path: 'flows.vaxel', before: `v${n - 1}`, after: `v${n}` }] };
}

export function runningStoreContract(name: string, freshPlace: () => Promise<RunningStorePlace>): void {
  describe(`${name}: the running configuration store contract`, () => {
    const open: RunningStore[] = [];
    const opener = async (): Promise<RunningStorePlace> => {
      const place = await freshPlace();
      return () => {
        const s = place();
        open.push(s);
        return s;
      };
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('a fresh place holds nothing and no audit', async () => {
      const s = (await opener())();
      expect(await s.load()).toBeUndefined();
      expect(await s.auditPage({ limit: 10 })).toEqual({ records: [] });
    });

    it('commits only on top of the version it follows; a refused commit writes nothing', async () => {
      const s = (await opener())();
      expect(await s.commit(version(2), audit(2))).toBe(false);
      expect(await s.commit(version(1), audit(1))).toBe(true);
      expect(await s.commit(version(1, 'bo'), audit(1))).toBe(false);
      expect(await s.commit(version(3), audit(3))).toBe(false);
      expect(await s.load()).toEqual(version(1));
      expect((await s.auditPage({ limit: 10 })).records).toEqual([audit(1)]);
      expect(await s.commit(version(2), audit(2))).toBe(true);
      expect(await s.load()).toEqual(version(2));
    });

    it('what was committed is there for a store opened later on the same place (a restart)', async () => {
      const place = await opener();
      const first = place();
      await first.commit(version(1), audit(1));
      await first.commit(version(2), audit(2));
      await first.close();
      const second = place();
      expect(await second.load()).toEqual(version(2));
      expect((await second.auditPage({ limit: 10 })).records).toEqual([audit(2), audit(1)]);
      expect(await second.commit(version(3), audit(3))).toBe(true);
    });

    it('the audit log pages newest first, each page older than the last', async () => {
      const s = (await opener())();
      for (let n = 1; n <= 5; n++) expect(await s.commit(version(n), audit(n))).toBe(true);
      const first = await s.auditPage({ limit: 2 });
      expect(first.records.map((r) => r.version)).toEqual([5, 4]);
      expect(first.next).toBe(4);
      const second = await s.auditPage({ before: first.next!, limit: 2 });
      expect(second.records.map((r) => r.version)).toEqual([3, 2]);
      const last = await s.auditPage({ before: second.next!, limit: 2 });
      expect(last).toEqual({ records: [audit(1)] });
    });

    it('of two stores racing for the same version, one wins', async () => {
      const place = await opener();
      const [a, b] = [place(), place()];
      await a.commit(version(1), audit(1));
      const results = await Promise.all([a.commit(version(2, 'anna'), audit(2)), b.commit(version(2, 'bo'), audit(2))]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await b.load())!.actor).toBe(results[0] ? 'anna' : 'bo');
    });
  });
}
