/**
 * Two instances of the product on one Redis (REDIS_URL): a change of the
 * running configuration made through one is used by the other's next
 * request, with real SIP on loopback: the second instance challenges the
 * next REGISTER for the new password, and its ACD has the new skills.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, type RunningProduct } from '../support/product.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { assertSippOk, runSipp, type SippResult } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

let redis: RedisServer;
let first: RunningProduct;
let second: RunningProduct;

beforeAll(async () => {
  redis = await startRedis();
  first = await startProduct({ tweak: (c) => { c.redisUrl = redis.url; } });
  second = await startProduct({ tweak: (c) => { c.redisUrl = redis.url; } });
}, 60_000);

afterAll(async () => {
  await second?.stop();
  await first?.stop();
  await redis?.stop();
});

async function register(product: RunningProduct, password: string, scenario: string): Promise<SippResult> {
  return runSipp({
    scenario, remote: product.sipPort,
    keys: { user: '1006', contact_port: String(await freePort('udp')), expires: '300' },
    extraArgs: ['-au', '1006', '-ap', password],
  });
}

describe('instances on one Redis', () => {
  it('share one running configuration: seeded once, and a change made on one is used by the other', async () => {
    expect([first.app.running.current.version, second.app.running.current.version]).toEqual([1, 1]);
    await first.app.running.change('admin', 'Johan: new password, card skill', (d) => {
      const johan = d.extensions.find((e) => e.extension === '1006')!;
      johan.password = 'johans-new-secret';
      johan.agent!.skills['kort'] = 4;
      johan.agent!.queues.push('kort');
    });
    await waitFor(() => second.app.running.current.version === 2, { what: 'version 2 on the second instance' });
    expect(second.app.acd.profile('1006')).toMatchObject({ skills: { kort: 4 }, queues: expect.arrayContaining(['kort']) });

    assertSippOk(await register(second, 'demo-1006', 'register-refused.xml'), 1);
    assertSippOk(await register(second, 'johans-new-secret', 'register.xml'), 1);
    expect((await second.app.running.auditPage({ limit: 1 })).records[0]).toMatchObject({ version: 2, actor: 'admin' });
  }, 30_000);
});
