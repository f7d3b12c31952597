/**
 * The stages of a Dockerfile as data: each one's working folder,
 * environment, the files its COPY steps put in it and where they take them
 * from, and its command. Enough to lay a stage's files out in a folder (and
 * the image's, from the stages before) and start the command there without
 * a Docker engine.
 */

export interface CopyStep {
  /** Where the sources are: the build context, or an earlier stage (its name and working folder). */
  from: { stage: string; workdir: string } | 'context';
  sources: string[];
  /** Absolute path in the image. */
  destination: string;
}

export interface Stage {
  /** The name after AS; '' when none. */
  name: string;
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

/** Every stage of `text`, in order; throws on what it does not understand rather than guessing. */
export function dockerStages(text: string): Stage[] {
  const stages: Stage[] = [];
  const workdirOf = (name: string): string | undefined => stages.find((s) => s.name === name)?.workdir;
  let stage: Stage | undefined;
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') {
      stage = { name: /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? '', workdir: '/', env: {}, copies: [], command: [] };
      stages.push(stage);
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
      const fromWorkdir = fromStage === undefined ? undefined : workdirOf(fromStage);
      if (fromStage !== undefined && (fromWorkdir === undefined || fromStage === stage.name)) throw new Error(`COPY ${args}: no earlier stage named ${fromStage}`);
      stage.copies.push({
        from: fromStage === undefined ? 'context' : { stage: fromStage, workdir: fromWorkdir! },
        sources: paths.slice(0, -1),
        destination: resolveIn(stage.workdir, paths.at(-1)!) + (paths.at(-1)!.endsWith('/') ? '/' : ''),
      });
    } else if (keyword === 'CMD') {
      stage.command = JSON.parse(args) as string[];
    }
  }
  if (!stage) throw new Error('no FROM in the Dockerfile');
  return stages;
}

/** The last stage: the image. */
export function finalStage(text: string): Stage {
  return dockerStages(text).at(-1)!;
}
