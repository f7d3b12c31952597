/**
 * The Docker image starts: without a Docker engine, its stages are laid out
 * in folders from the Dockerfile's COPY steps. The build stage gets its
 * files from this tree (node_modules linked in place of its `npm ci`) and
 * is built there with `npm run build`, as its RUN step does; the image gets
 * its files from that build and from this tree, and its command is started
 * there with the stage's environment and the embedded engines on free
 * ports. It must say "switch ready" and serve the web pages and the API. A
 * file the build or the product needs and the image lacks fails here as it
 * would in Docker.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerStages, type CopyStep } from '../support/dockerfile.js';
import { freePort, freePortRange } from '../support/ports.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const ROOT = process.cwd();

/** Where each stage laid out so far has its root folder. */
const stageRoots = new Map<string, string>();

/** Where a COPY source is: the context is this tree; an earlier stage, the folder it was laid out in. */
function sourceOf(step: CopyStep, source: string): string {
  if (step.from === 'context') return join(ROOT, source);
  const root = stageRoots.get(step.from.stage);
  if (!root) throw new Error(`COPY --from=${step.from.stage}: that stage was not laid out`);
  return join(root, source);
}

/** Applies one COPY step under `root` (the stage's root folder). node_modules is linked, not copied: it is large and only read. */
function applyCopy(step: CopyStep, root: string): void {
  for (const source of step.sources) {
    const from = sourceOf(step, source);
    if (!existsSync(from)) throw new Error(`COPY ${source}: not there (${from})`);
    const isDir = statSync(from).isDirectory();
    const to = join(root, !isDir && step.destination.endsWith('/') ? join(step.destination, basename(source)) : step.destination);
    mkdirSync(dirname(to), { recursive: true });
    if (basename(from) === 'node_modules') symlinkSync(realpathSync(from), to, 'dir');
    else cpSync(from, to, { recursive: true });
  }
}

describe('the Docker image, laid out from the Dockerfile', () => {
  const stages = dockerStages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const image = stages.at(-1)!;
  let child: ChildProcess | undefined;
  let out = '';
  let httpPort = 0;

  beforeAll(async () => {
    for (const stage of stages.slice(0, -1)) {
      const root = tempDir(`stage-${stage.name}-`);
      for (const step of stage.copies) applyCopy(step, root);
      const folder = join(root, stage.workdir);
      // The stage's `npm ci`: the packages this tree has installed.
      symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(folder, 'node_modules'), 'dir');
      execFileSync('npm', ['run', 'build'], { cwd: folder, stdio: 'pipe' });
      stageRoots.set(stage.name, root);
    }
    const root = tempDir('image-');
    for (const step of image.copies) applyCopy(step, root);
    httpPort = await freePort('tcp');
    const rtp = await freePortRange(10, 'udp');
    const env = {
      PATH: process.env.PATH!,
      ...image.env,
      SIP_PORT: String(await freePort('both')),
      SIP_WS_PORT: String(await freePort('tcp')),
      HTTP_PORT: String(httpPort),
      RTP_PORT_MIN: String(rtp),
      RTP_PORT_MAX: String(rtp + 9),
    };
    const [command, ...args] = image.command;
    child = spawn(command === 'node' ? process.execPath : command!, args, {
      cwd: join(root, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    let exited: number | null | undefined;
    child.once('exit', (code) => { exited = code; });
    await waitFor(() => out.includes('"switch ready"') || exited !== undefined, { what: 'the image\'s command ready', timeoutMs: 30_000 });
    if (exited !== undefined) throw new Error(`the image's command exited (${exited}) before it was ready:\n${out}`);
  }, 180_000);

  afterAll(() => { child?.kill('SIGKILL'); });

  it('reads its final stage: a working folder, copies (some from the build) and a command', () => {
    expect(image.workdir).toBe('/app');
    expect(image.command).toEqual(['node', 'dist/server/main.js']);
    expect(image.copies.some((c) => c.from !== 'context')).toBe(true);
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
