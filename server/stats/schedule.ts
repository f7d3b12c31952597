/**
 * Planned staff per interval: read from a CSV a planner keeps in a
 * spreadsheet, and held against what the forecast needs and against the
 * agents actually ready.
 *
 * The CSV has one row per date, interval and queue:
 *
 *   date,interval start,queue,agents
 *   2026-05-11,08:00,support,12
 *
 * Comma or semicolon separated (a Swedish spreadsheet saves with
 * semicolons), the header line first, fields optionally in double quotes
 * (with no separator inside them).
 * A file with any bad row is refused whole, every bad row named by its line.
 */
import { dayNumber, minuteOfDay } from './civil-time.js';

export interface PlannedStaff {
  date: string;
  /** "HH:MM" */
  start: string;
  queue: string;
  agents: number;
}

export interface CsvProblem {
  /** 1-based line in the file. */
  line: number;
  message: string;
}

export type PlanCsvResult = { ok: true; plan: PlannedStaff[] } | { ok: false; problems: CsvProblem[] };

const HEADER = ['date', 'interval start', 'queue', 'agents'];
/** More agents than this in one queue and interval is a typing error, not a plan. */
const MAX_AGENTS = 10_000;

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replace(/""/g, '"').trim() : f;
}

function problemOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Parses and checks a staffing plan; nothing is returned unless every row is good. */
export function parsePlanCsv(text: string): PlanCsvResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines[0] ?? '';
  const separator = headerLine.includes(';') ? ';' : ',';
  const header = headerLine.split(separator).map((h) => unquote(h).toLowerCase());
  if (header.length !== HEADER.length || header.some((h, i) => h !== HEADER[i])) {
    return { ok: false, problems: [{ line: 1, message: `the first line must be the header "${HEADER.join(separator)}"` }] };
  }
  const plan: PlannedStaff[] = [];
  const problems: CsvProblem[] = [];
  const seen = new Map<string, number>();
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (raw.trim() === '') return;
    const fields = raw.split(separator).map(unquote);
    if (fields.length !== HEADER.length) {
      problems.push({ line, message: `expected ${HEADER.length} fields (${HEADER.join(', ')}), found ${fields.length}` });
      return;
    }
    const [date, start, queue, agentsText] = fields as [string, string, string, string];
    const rowProblems = [
      problemOf(() => dayNumber(date)),
      problemOf(() => minuteOfDay(start)),
      queue === '' ? 'the queue is empty' : undefined,
      /^\d+$/.test(agentsText) && Number(agentsText) <= MAX_AGENTS ? undefined : `agents must be a whole number 0..${MAX_AGENTS}, got "${agentsText}"`,
    ].filter((p): p is string => p !== undefined);
    if (rowProblems.length > 0) {
      problems.push({ line, message: rowProblems.join('; ') });
      return;
    }
    const key = `${date} ${start} ${queue}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ line, message: `${queue} at ${date} ${start} is already planned on line ${earlier}` });
      return;
    }
    seen.set(key, line);
    plan.push({ date, start, queue, agents: Number(agentsText) });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plan };
}

export interface IntervalKey {
  date: string;
  start: string;
  queue: string;
}

export interface IntervalDeviation extends IntervalKey {
  /** Agents the goal needs (on the phones), from the forecast. */
  needed?: number;
  planned?: number;
  /** Mean number of agents ready over the interval. */
  ready?: number;
  /** Negative when fewer were ready than needed or planned. */
  readyMinusNeeded?: number;
  readyMinusPlanned?: number;
}

/**
 * Need, plan and outcome side by side per interval and queue: every key found
 * in any of the three series, in date, time and queue order.
 */
export function scheduleDeviation(series: {
  needed: (IntervalKey & { agents: number })[];
  planned: PlannedStaff[];
  ready: (IntervalKey & { agents: number })[];
}): IntervalDeviation[] {
  const rows = new Map<string, IntervalDeviation>();
  const row = (k: IntervalKey): IntervalDeviation => {
    const key = `${k.date} ${k.start} ${k.queue}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { date: k.date, start: k.start, queue: k.queue }));
    return r;
  };
  for (const n of series.needed) row(n).needed = n.agents;
  for (const p of series.planned) row(p).planned = p.agents;
  for (const r of series.ready) row(r).ready = r.agents;
  const out = [...rows.values()].map((r) => ({
    ...r,
    ...(r.ready !== undefined && r.needed !== undefined ? { readyMinusNeeded: r.ready - r.needed } : {}),
    ...(r.ready !== undefined && r.planned !== undefined ? { readyMinusPlanned: r.ready - r.planned } : {}),
  }));
  const order = (r: IntervalDeviation): string => `${r.date} ${r.start}`;
  return out.sort((x, y) => order(x).localeCompare(order(y)) || x.queue.localeCompare(y.queue));
}
