/**
 * The Docker image starts: without a Docker engine, its file layout is
 * reproduced in a folder (the final stage's COPY steps, read from the
 * Dockerfile, applied to this tree built once with `npm run build`; the
 * build stage's folder is this tree) and the image's command started there
 * with the stage's environment and the embedded engines on free ports. It
 * must say "switch ready" and serve the web pages and the API. A folder the
 * product reads at run time and the image lacks fails here as it would in
 * the container.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalStage, type CopyStep } from '../support/dockerfile.js';
import { freePort, freePortRange } from '../support/ports.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const ROOT = process.cwd();

/** Where a COPY source is in this tree: the context is the tree, and so is the build stage's folder once built. */
function sourceInTree(step: CopyStep, source: string): string {
  if (step.from === 'context') return join(ROOT, source);
  const inStage = relative(step.from.workdir, source);
  if (inStage.startsWith('..')) throw new Error(`COPY --from=${step.from.stage} ${source}: outside that stage's folder ${step.from.workdir}`);
  return join(ROOT, inStage);
}

/** Applies one COPY step under `image` (the image's root). node_modules is linked, not copied: it is large and only read. */
function applyCopy(step: CopyStep, image: string): void {
  for (const source of step.sources) {
    const from = sourceInTree(step, source);
    if (!existsSync(from)) throw new Error(`COPY ${source}: not in the built tree (${relative(ROOT, from)})`);
    const isDir = statSync(from).isDirectory();
    const to = join(image, !isDir && step.destination.endsWith('/') ? join(step.destination, basename(source)) : step.destination);
    mkdirSync(dirname(to), { recursive: true });
    if (basename(from) === 'node_modules') symlinkSync(from, to, 'dir');
    else cpSync(from, to, { recursive: true });
  }
}

describe('the Docker image, laid out from the Dockerfile', () => {
  const stage = finalStage(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  let child: ChildProcess | undefined;
  let out = '';
  let httpPort = 0;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    const image = tempDir('image-');
    for (const step of stage.copies) applyCopy(step, image);
    httpPort = await freePort('tcp');
    const rtp = await freePortRange(10, 'udp');
    const env = {
      PATH: process.env.PATH!,
      ...stage.env,
      SIP_PORT: String(await freePort('both')),
      SIP_WS_PORT: String(await freePort('tcp')),
      HTTP_PORT: String(httpPort),
      RTP_PORT_MIN: String(rtp),
      RTP_PORT_MAX: String(rtp + 9),
    };
    const [command, ...args] = stage.command;
    child = spawn(command === 'node' ? process.execPath : command!, args, {
      cwd: join(image, stage.workdir), env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    let exited: number | null | undefined;
    child.once('exit', (code) => { exited = code; });
    await waitFor(() => out.includes('"switch ready"') || exited !== undefined, { what: 'the image\'s command ready', timeoutMs: 30_000 });
    if (exited !== undefined) throw new Error(`the image's command exited (${exited}) before it was ready:\n${out}`);
  }, 180_000);

  afterAll(() => { child?.kill('SIGKILL'); });

  it('reads its final stage: a working folder, copies and a command', () => {
    expect(stage.workdir).toBe('/app');
    expect(stage.command).toEqual(['node', 'dist/server/main.js']);
    expect(stage.copies.length).toBeGreaterThan(0);
  });

  it('starts with the embedded engines and serves the web pages and the API', async () => {
    const page = await fetch(`http://127.0.0.1:${httpPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script');
    const api = await fetch(`http://127.0.0.1:${httpPort}/api/openapi.json`);
    expect(api.status).toBe(200);
    expect(out).not.toContain('the web pages are not built');
  });
});
