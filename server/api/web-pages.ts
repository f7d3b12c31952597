/**
 * The web pages (server/web/, built by vite into dist/web by `npm run
 * build`) served at / by the API's own server. They are public files: every
 * figure they show comes through the API with the user's session, so they
 * hold nothing that needs signing in. Pages that were not built are a
 * warning in the log, not a failed start: the API works without them.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registerPublic } from './auth.js';

/** Where `npm run build` puts the pages: dist/web in the package's folder, whether this runs from the sources or from dist/. */
export function builtPagesDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return join(dir, 'dist', 'web');
}

export function webPages(root = builtPagesDir()): FastifyPluginAsyncTypebox {
  return async (app) => {
    if (!existsSync(join(root, 'index.html'))) {
      app.log.warn({ root }, 'the web pages are not built (npm run build): / serves nothing');
      return;
    }
    await registerPublic(app, async (pages) => {
      await pages.register(fastifyStatic, { root, wildcard: false, index: 'index.html' });
    });
  };
}
