/**
 * The running configuration's file store (server/store/running-file.ts):
 * the contract, and what a file store must do besides: replace the file
 * whole, leave no temp file, keep the audit as JSON lines.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRunningStore } from '../../server/store/running-file.js';
import { tempDir } from '../support/tmp.js';
import { audit, runningStoreContract, version } from '../contract/running-store-contract.js';

runningStoreContract('FileRunningStore', async () => {
  const dir = tempDir('running-');
  return () => new FileRunningStore(dir);
});

describe('FileRunningStore on disk', () => {
  it('one JSON file replaced whole, no temp file left, the audit one JSON line per change', async () => {
    const dir = tempDir('running-');
    const s = new FileRunningStore(dir);
    await s.commit(version(1), audit(1));
    await s.commit(version(2), audit(2));
    expect(readdirSync(dir).sort()).toEqual(['config-audit.jsonl', 'running-config.json']);
    expect(JSON.parse(readFileSync(join(dir, 'running-config.json'), 'utf8'))).toEqual(version(2));
    expect(readFileSync(join(dir, 'config-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([audit(1), audit(2)]);
  });

  it('a damaged file stops loading with a message naming it', async () => {
    const dir = tempDir('running-');
    writeFileSync(join(dir, 'running-config.json'), '{"version": 1,');
    await expect(new FileRunningStore(dir).load()).rejects.toThrow(/running-config\.json is not valid JSON/);
  });
});
