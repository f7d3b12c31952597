/**
 * The web pages served by the API's own server (server/api/web-pages.ts):
 * the built files at / without signing in, the API still behind its roles,
 * and pages not built a warning, not a failed start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi, type Api } from '../../server/api/server.js';
import { builtPagesDir, webPages } from '../../server/api/web-pages.js';
import { createLogger } from '../../server/log.js';
import { FileUserStore } from '../../server/users/file-store.js';
import { Users } from '../../server/users/users.js';
import { tempDir } from '../support/tmp.js';

let api: Api | undefined;
let store: FileUserStore | undefined;

afterEach(async () => {
  await api?.close();
  await store?.close();
  api = undefined;
  store = undefined;
});

async function serve(root: string): Promise<Api> {
  store = FileUserStore.open(join(tempDir('web-users-'), 'users.json'));
  const users = new Users({ store });
  api = await buildApi({ logger: createLogger('silent'), users, features: [{ prefix: '', plugin: webPages(root) }] });
  await api.ready();
  return api;
}

function builtPages(): string {
  const root = tempDir('web-');
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Växel</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'export {};');
  return root;
}

describe('the web pages', () => {
  it('are served at / and their files under it, to anyone', async () => {
    const app = await serve(builtPages());
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('<title>Växel</title>');
    const script = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('answer a file that is not there, or outside their folder, with the API\'s problem', async () => {
    const app = await serve(builtPages());
    const missing = await app.inject({ method: 'GET', url: '/assets/nothing.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    const outside = await app.inject({ method: 'GET', url: '/../package.json' });
    expect(outside.statusCode).toBe(404);
  });

  it('not built: the API starts without them', async () => {
    const app = await serve(tempDir('web-unbuilt-'));
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/openapi.json' })).statusCode).toBe(200);
  });

  it('are looked for in dist/web of the package, from the sources or from dist/', () => {
    const here = builtPagesDir();
    expect(here.endsWith(join('dist', 'web'))).toBe(true);
    expect(builtPagesDir(join(here, '..', 'server', 'api'))).toBe(here);
  });
});
