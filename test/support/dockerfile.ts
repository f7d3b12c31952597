/**
 * The final stage of a Dockerfile as data: its working folder, environment,
 * the files its COPY steps put in the image and where they take them from,
 * and its command. Enough to lay the image's files out in a folder and start
 * the command there without a Docker engine.
 */

export interface CopyStep {
  /** The folder the sources are relative to: '.' for the build context, else the stage's path as written. */
  from: { stage: string; workdir: string } | 'context';
  sources: string[];
  /** Absolute path in the image. */
  destination: string;
}

export interface FinalStage {
  workdir: string;
  env: Record<string, string>;
  copies: CopyStep[];
  command: string[];
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions, with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ');
  return joined.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
}

function resolveIn(workdir: string, path: string): string {
  const joined = path.startsWith('/') ? path : `${workdir.replace(/\/$/, '')}/${path}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

/** The last stage of `text`; throws on what it does not understand rather than guessing. */
export function finalStage(text: string): FinalStage {
  const workdirOf = new Map<string, string>();
  let stage: FinalStage | undefined;
  let stageName = '';
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') {
      if (stage) workdirOf.set(stageName, stage.workdir);
      stageName = /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? '';
      stage = { workdir: '/', env: {}, copies: [], command: [] };
      continue;
    }
    if (!stage) throw new Error(`${keyword} before FROM`);
    if (keyword === 'WORKDIR') stage.workdir = resolveIn(stage.workdir, args);
    else if (keyword === 'ENV') {
      for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    } else if (keyword === 'COPY') {
      const words = args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const fromFlag = flags.find((f) => f.startsWith('--from='));
      const unknown = flags.filter((f) => f !== fromFlag && !f.startsWith('--chown='));
      if (unknown.length > 0 || paths.length < 2) throw new Error(`COPY ${args}: not understood here`);
      const fromStage = fromFlag?.slice('--from='.length);
      if (fromStage !== undefined && !workdirOf.has(fromStage)) throw new Error(`COPY ${args}: no earlier stage named ${fromStage}`);
      stage.copies.push({
        from: fromStage === undefined ? 'context' : { stage: fromStage, workdir: workdirOf.get(fromStage)! },
        sources: paths.slice(0, -1),
        destination: resolveIn(stage.workdir, paths.at(-1)!) + (paths.at(-1)!.endsWith('/') ? '/' : ''),
      });
    } else if (keyword === 'CMD') {
      stage.command = JSON.parse(args) as string[];
    }
  }
  if (!stage) throw new Error('no FROM in the Dockerfile');
  return stage;
}
