/**
 * The users store's contract (server/users/store-port.ts): one suite that
 * both implementations pass (the DATA_DIR file, Redis). `open(shared)`
 * returns a store; two stores opened with the same `shared` see the same
 * data (another instance on the same Redis, or the same file reopened after
 * a restart).
 */
import { describe, expect, it } from 'vitest';
import type { StoredSession, StoredToken, StoredUser, UserStore } from '../../server/users/store-port.js';

export type OpenUserStore = (shared: string) => Promise<UserStore>;

const user = (name: string, over: Partial<StoredUser> = {}): StoredUser => ({
  name, role: 'operator', passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', createdAt: 1_000, sessionsValidFrom: 1_000, ...over,
});
const token = (id: string, over: Partial<StoredToken> = {}): StoredToken => ({
  id, name: `token ${id}`, role: 'supervisor', secretHash: 'ab'.repeat(32), createdAt: 2_000, createdBy: 'admin', ...over,
});
const session = (over: Partial<StoredSession> = {}): StoredSession => ({ userName: 'sam', createdAt: Date.now(), expiresAt: Date.now() + 60_000, ...over });

export function userStoreContract(name: string, open: OpenUserStore, fresh: () => string): void {
  describe(`UserStore contract: ${name}`, () => {
    it('adds a user once: a second one of the same name is refused and changes nothing', async () => {
      const s = await open(fresh());
      expect(await s.addUser(user('sam', { agentId: '1001' }))).toBe(true);
      expect(await s.addUser(user('sam', { role: 'admin' }))).toBe(false);
      expect(await s.getUser('sam')).toEqual(user('sam', { agentId: '1001' }));
      expect(await s.getUser('nobody')).toBeUndefined();
      await s.close();
    });

    it('replaces only a user that exists, and deletes', async () => {
      const s = await open(fresh());
      expect(await s.replaceUser(user('ghost'))).toBe(false);
      expect(await s.getUser('ghost')).toBeUndefined();
      await s.addUser(user('sam'));
      expect(await s.replaceUser(user('sam', { role: 'admin', sessionsValidFrom: 5_000 }))).toBe(true);
      expect(await s.getUser('sam')).toEqual(user('sam', { role: 'admin', sessionsValidFrom: 5_000 }));
      await s.addUser(user('olga'));
      expect((await s.listUsers()).map((u) => u.name).sort()).toEqual(['olga', 'sam']);
      expect(await s.deleteUser('sam')).toBe(true);
      expect(await s.deleteUser('sam')).toBe(false);
      expect((await s.listUsers()).map((u) => u.name)).toEqual(['olga']);
      await s.close();
    });

    it('what one store returns cannot change what it keeps', async () => {
      const s = await open(fresh());
      await s.addUser(user('sam'));
      const got = (await s.getUser('sam'))!;
      got.role = 'admin';
      (await s.listUsers())[0]!.role = 'admin';
      expect((await s.getUser('sam'))!.role).toBe('operator');
      await s.close();
    });

    it('keeps tokens by id', async () => {
      const s = await open(fresh());
      await s.addToken(token('0000000000000001'));
      await s.addToken(token('0000000000000002', { role: 'admin' }));
      expect(await s.getToken('0000000000000002')).toEqual(token('0000000000000002', { role: 'admin' }));
      expect((await s.listTokens()).map((t) => t.id).sort()).toEqual(['0000000000000001', '0000000000000002']);
      expect(await s.deleteToken('0000000000000001')).toBe(true);
      expect(await s.deleteToken('0000000000000001')).toBe(false);
      expect(await s.getToken('0000000000000001')).toBeUndefined();
      await s.close();
    });

    it('keeps a session until it expires or is deleted', async () => {
      const s = await open(fresh());
      const live = session();
      await s.putSession('k1', live);
      expect(await s.getSession('k1', Date.now())).toEqual(live);
      expect(await s.getSession('k1', live.expiresAt)).toBeUndefined();
      await s.putSession('k2', session({ expiresAt: Date.now() - 1 }));
      expect(await s.getSession('k2', Date.now())).toBeUndefined();
      await s.deleteSession('k1');
      expect(await s.getSession('k1', Date.now())).toBeUndefined();
      await s.deleteSession('never-there');
      await s.close();
    });

    it('a second store on the same data sees users, tokens and sessions (another instance, or a restart)', async () => {
      const shared = fresh();
      const first = await open(shared);
      await first.addUser(user('sam'));
      await first.addToken(token('00000000000000aa'));
      const live = session();
      await first.putSession('k', live);
      await first.close();
      const second = await open(shared);
      expect(await second.getUser('sam')).toEqual(user('sam'));
      expect(await second.getToken('00000000000000aa')).toEqual(token('00000000000000aa'));
      expect(await second.getSession('k', Date.now())).toEqual(live);
      expect(await second.addUser(user('sam'))).toBe(false);
      await second.close();
    });
  });
}
