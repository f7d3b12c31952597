/**
 * The registrations instances share on a real redis-server
 * (server/store/redis-bindings.ts): a binding one instance takes is seen by
 * the others, never by itself as another's; an instance that starts later
 * reads what is there; a removal reaches everyone; and an expired binding
 * of a dead instance is removed once, by one instance, unless the phone
 * registered again meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Binding } from '../../server/sip/registrar.js';
import { RedisBindings } from '../../server/store/redis-bindings.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

let redis: RedisServer;
const open: RedisBindings[] = [];
const errors: Error[] = [];
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.stop(); });
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
  expect(errors.splice(0)).toEqual([]);
});

async function instance(prefix: string): Promise<RedisBindings> {
  const bindings = new RedisBindings({ url: redis.url, prefix, onError: (e) => errors.push(e) });
  open.push(bindings);
  await bindings.start();
  return bindings;
}

const binding = (uri: string, expiresAt: number): Binding => ({
  uri, expiresAt, registeredAt: expiresAt - 600_000, flow: { protocol: 'udp', address: '127.0.0.1', port: 5062 },
});

describe('registrations shared on Redis', () => {
  it('one instance\'s binding reaches the others, and an instance started later; its removal too', async () => {
    const prefix = `registrations:${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const desk = binding('sip:1001@127.0.0.1:5062', Date.now() + 600_000);
    a.publish('1001', desk.uri, desk);
    await waitFor(() => b.others('1001').length === 1, { what: 'b sees a\'s binding' });
    expect(b.others('1001')).toEqual([desk]);
    expect(b.others('100')).toEqual([]);
    expect(a.others('1001')).toEqual([]);
    const c = await instance(prefix);
    expect(c.allOthers()).toEqual([{ extension: '1001', binding: desk }]);

    a.publish('1001', desk.uri, undefined);
    await waitFor(() => b.others('1001').length === 0 && c.others('1001').length === 0, { what: 'the removal everywhere' });
  });

  it('a phone that registered again through another instance keeps that binding when the first one\'s copy goes', async () => {
    const prefix = `registrations:${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const first = binding('sip:1004@127.0.0.1:5068', Date.now() + 60_000);
    a.publish('1004', first.uri, first);
    await waitFor(() => b.others('1004').length === 1, { what: 'b sees a\'s binding' });
    const moved = { ...first, expiresAt: Date.now() + 600_000 };
    b.publish('1004', moved.uri, moved);
    await waitFor(() => a.others('1004')[0]?.expiresAt === moved.expiresAt, { what: 'a sees the binding b took' });
    a.publish('1004', first.uri, undefined);
    const d = await instance(prefix);
    expect(d.others('1004')).toEqual([moved]);
  });

  it('an expired binding of an instance gone is removed once; one registered again meanwhile is kept', async () => {
    const prefix = `registrations:${randomUUID()}`;
    const gone = await instance(prefix);
    const [b, c] = [await instance(prefix), await instance(prefix)];
    const expired = binding('sip:1002@127.0.0.1:5064', Date.now() - 1);
    gone.publish('1002', expired.uri, expired);
    const renewed = binding('sip:1003@127.0.0.1:5066', Date.now() - 1);
    gone.publish('1003', renewed.uri, renewed);
    await waitFor(() => b.others('1002').length === 1 && c.others('1003').length === 1, { what: 'both bindings seen' });
    await gone.close();

    expect((await Promise.all([b.expire('1002', expired), c.expire('1002', expired)])).sort()).toEqual([false, true]);
    await waitFor(() => b.others('1002').length === 0 && c.others('1002').length === 0, { what: 'the expired binding gone' });

    // The phone registers again through c before b gets round to the old binding: it stays.
    const again = { ...renewed, expiresAt: Date.now() + 600_000 };
    c.publish('1003', again.uri, again);
    expect(await b.expire('1003', renewed)).toBe(false);
    await waitFor(() => b.others('1003')[0]?.expiresAt === again.expiresAt, { what: 'b sees the renewed binding' });
  });

  it('after Redis comes back, each instance reads the bindings again and hears new ones', async () => {
    const prefix = `registrations:${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const desk = binding('sip:1005@127.0.0.1:5070', Date.now() + 600_000);
    a.publish('1005', desk.uri, desk);
    await waitFor(() => b.others('1005').length === 1, { what: 'b sees a\'s binding' });
    // Back empty (the test server keeps nothing): what b holds is read again, not kept from before.
    await redis.restart();
    await waitFor(() => b.others('1005').length === 0, { what: 'b reads the bindings again', timeoutMs: 15_000 });
    a.publish('1005', desk.uri, desk);
    await waitFor(() => b.others('1005').length === 1, { what: 'b hears the binding published after the restart', timeoutMs: 15_000 });
    // The connections' complaints while Redis was away.
    errors.splice(0);
  });
});
