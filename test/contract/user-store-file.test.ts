/**
 * The users store contract on the DATA_DIR file, plus what only a file has:
 * atomic writes that leave no temporary file, and an unreadable file that
 * stops start-up rather than being replaced.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileUserStore } from '../../server/users/file-store.js';
import { tempDir } from '../support/tmp.js';
import { userStoreContract } from './user-store-contract.js';

userStoreContract('FileUserStore', async (file) => FileUserStore.open(file), () => join(tempDir('users-'), 'users.json'));

describe('FileUserStore', () => {
  it('writes the whole state to one file, readable by its owner only, with no temporary file left', async () => {
    const dir = tempDir('users-');
    const file = join(dir, 'users.json');
    const s = FileUserStore.open(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.addUser({
      name: `u${i}`, role: 'agent', passwordHash: 'h', createdAt: i, sessionsValidFrom: i,
    })));
    await s.close();
    expect(readdirSync(dir)).toEqual(['users.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).users).toHaveLength(20);
  });

  it('an unreadable file stops opening with its name, and is left as it was', () => {
    const file = join(tempDir('users-'), 'users.json');
    writeFileSync(file, '{"version": 1, "users": [');
    expect(() => FileUserStore.open(file)).toThrow(`the users file ${file} is not valid JSON`);
    writeFileSync(file, '{"version": 2}');
    expect(() => FileUserStore.open(file)).toThrow(/is not a version 1 users file/);
    expect(readFileSync(file, 'utf8')).toBe('{"version": 2}');
  });
});
