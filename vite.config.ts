/**
 * The web pages (server/web/) built into dist/web, which the product serves
 * at / (server/api/web-pages.ts). Everything the pages need is bundled:
 * nothing is fetched from elsewhere when they run.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./server/web/', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/web/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
});
