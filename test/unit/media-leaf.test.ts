/**
 * media/ is a leaf library: the application tells it what it needs (ports,
 * the address to write in SDP) and it reaches for nothing in server/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedMediaServer } from '../../media/engine/media-server.js';

const MEDIA = path.resolve('media');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative module specifiers of `import ... from '...'` and `export ... from '...'`. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('media is a leaf library', () => {
  it('no module under media/ imports a file outside media/', () => {
    const files = sourceFiles(MEDIA);
    expect(files.length).toBeGreaterThan(10);
    const outside = files.flatMap((file) =>
      relativeImports(readFileSync(file, 'utf8'))
        .map((spec) => path.resolve(path.dirname(file), spec))
        .filter((target) => !target.startsWith(MEDIA + path.sep))
        .map((target) => `${path.relative(MEDIA, file)} -> ${path.relative(process.cwd(), target)}`),
    );
    expect(outside).toEqual([]);
  });

  it('the engine bound to every interface must be told the address to put in SDP', () => {
    expect(() => new EmbeddedMediaServer({ bindAddress: '0.0.0.0', portMin: 41500, portMax: 41509 })).toThrow(
      'the media server binds to 0.0.0.0: say which address to write in SDP (advertisedAddress)',
    );
  });

  it('bound to one address, the engine advertises that address unless told another', async () => {
    const own = new EmbeddedMediaServer({ bindAddress: '127.0.0.1', portMin: 41500, portMax: 41509 });
    const told = new EmbeddedMediaServer({ bindAddress: '0.0.0.0', advertisedAddress: '192.0.2.20', portMin: 41510, portMax: 41519 });
    expect(own.advertisedAddress).toBe('127.0.0.1');
    expect(told.advertisedAddress).toBe('192.0.2.20');
    await Promise.all([own.close(), told.close()]);
  });
});
