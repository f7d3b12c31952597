/**
 * Starting the API (server/api/start.ts): the first admin, two instances
 * sharing users and sessions through Redis, HTTPS from TLS_CERT / TLS_KEY,
 * and a certificate that cannot be used stopping start-up with one clear
 * message.
 */
import { request } from 'node:https';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProductParts } from '../../server/api/features.js';
import { startApi, type RunningApi } from '../../server/api/start.js';
import { loadConfig, type Config } from '../../server/config/load.js';
import { createLogger } from '../../server/log.js';
import { readTlsFiles } from '../../server/net/tls.js';
import { freePort } from '../support/ports.js';
import { idleProductParts } from '../support/product-parts.js';
import { startProduct } from '../support/product.js';
import { startRedis } from '../support/redis.js';
import { selfSignedCertificate } from '../support/tls.js';
import { tempDir } from '../support/tmp.js';

const running: RunningApi[] = [];
// The API's resources need a running configuration; these tests are about what comes before them.
afterEach(async () => { for (const r of running.splice(0)) await r.stop(); });

let parts: ProductParts;
let stopParts: () => Promise<void>;
beforeAll(async () => { ({ parts, stop: stopParts } = await idleProductParts()); });
afterAll(async () => { await stopParts?.(); });

async function apiConfig(over: Partial<Config> = {}): Promise<Config> {
  const config = loadConfig({ env: {} });
  config.http = { host: '127.0.0.1', port: await freePort('tcp') };
  config.dataDir = tempDir('data-');
  return { ...config, ...over };
}

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('trace', new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } })) };
}

async function signIn(base: string, name: string, password: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  return res.status;
}

describe('the first admin', () => {
  it('without ADMIN_PASSWORD: a random password printed once, beside the log and not in it; never again at the next start', async () => {
    const config = await apiConfig();
    const { lines, logger } = capture();
    const printed: string[] = [];
    const first = await startApi({ config, parts, logger, print: (t) => printed.push(t) });
    running.push(first);
    const m = /name admin, password (\S+)\n/.exec(printed.join(''));
    expect(m).not.toBeNull();
    const password = m![1]!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(lines.join('')).toContain('first API user made');
    expect(lines.join('')).not.toContain(password);
    const base = `http://127.0.0.1:${config.http.port}`;
    expect(await signIn(base, 'admin', password)).toBe(200);
    expect(await signIn(base, 'admin', 'admin')).toBe(401);
    await first.stop();
    running.length = 0;

    const again: string[] = [];
    running.push(await startApi({ config, parts, logger, print: (t) => again.push(t) }));
    expect(again).toEqual([]);
    expect(await signIn(base, 'admin', password)).toBe(200);
  });

  it('with ADMIN_PASSWORD: that password, nothing printed', async () => {
    const config = await apiConfig({ adminPassword: 'from-the-environment' });
    const printed: string[] = [];
    running.push(await startApi({ config, parts, logger: createLogger('silent'), print: (t) => printed.push(t) }));
    expect(printed).toEqual([]);
    expect(await signIn(`http://127.0.0.1:${config.http.port}`, 'admin', 'from-the-environment')).toBe(200);
  });
});

describe('two instances on one Redis', () => {
  it('share the first admin, and a session begun on one is valid on the other until signed out there', async () => {
    const redis = await startRedis();
    try {
      const a = await apiConfig({ redisUrl: redis.url, adminPassword: 'shared-admin-pw' });
      const b = await apiConfig({ redisUrl: redis.url, adminPassword: 'another-admin-pw' });
      running.push(await startApi({ config: a, parts, logger: createLogger('silent') }));
      running.push(await startApi({ config: b, parts, logger: createLogger('silent') }));
      const [baseA, baseB] = [`http://127.0.0.1:${a.http.port}`, `http://127.0.0.1:${b.http.port}`];
      // The second found a user and made none.
      expect(await signIn(baseB, 'admin', 'another-admin-pw')).toBe(401);
      const login = await fetch(`${baseA}/api/v1/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: 'shared-admin-pw' }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect(await (await fetch(`${baseB}/api/v1/me`, { headers: { cookie } })).json()).toEqual({ name: 'admin', role: 'admin' });
      expect((await fetch(`${baseB}/api/v1/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
      expect((await fetch(`${baseA}/api/v1/me`, { headers: { cookie } })).status).toBe(401);
    } finally {
      for (const r of running.splice(0)) await r.stop();
      await redis.stop();
    }
  });
});

describe('HTTPS', () => {
  it('with a certificate and key the API speaks HTTPS and the session cookie is Secure', async () => {
    const { cert, key, ca } = selfSignedCertificate();
    const tls = { cert, key };
    const config = await apiConfig({ tls, adminPassword: 'over-https-please' });
    running.push(await startApi({ config, parts, logger: createLogger('silent'), tls: readTlsFiles(tls) }));
    const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: config.http.port, path: '/api/v1/login', method: 'POST', ca,
        headers: { 'content-type': 'application/json' },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, cookie: String(res.headers['set-cookie']) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ name: 'admin', password: 'over-https-please' }));
    });
    expect(answer.status).toBe(200);
    expect(answer.cookie).toMatch(/; Secure/);
    expect(answer.cookie).toMatch(/HttpOnly/);
    await expect(fetch(`http://127.0.0.1:${config.http.port}/api/openapi.json`)).rejects.toThrow();
  });

  it('a missing certificate or a key that is not one is refused with one line naming it', () => {
    const tls = selfSignedCertificate();
    expect(() => readTlsFiles({ cert: '/nonexistent/cert.pem', key: tls.key })).toThrow(
      'TLS_CERT (tls.cert) /nonexistent/cert.pem: cannot read the certificate: no such file');
    expect(() => readTlsFiles({ cert: tls.key, key: tls.cert })).toThrow(/^TLS_CERT .* and TLS_KEY .*: not a usable certificate and key/);
    expect(readTlsFiles({ cert: null, key: null })).toBeUndefined();
  });

  it('in the product, a bad certificate stops start-up before anything listens', async () => {
    let sipPort = 0;
    await expect(startProduct({ tweak: (c) => { c.tls = { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' }; sipPort = c.sip.port; } }))
      .rejects.toThrow(/cannot read the certificate/);
    // The SIP port is free again.
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject).listen(sipPort, '127.0.0.1', () => server.close(() => resolve()));
    });
  });
});
