/**
 * How long a report takes on a year of contact records (about a million
 * contacts), on SQLite and on PostgreSQL.
 *
 * One year of weekday calls, 08:00-17:00 in Stockholm, into three services
 * and queues and 45 agents, is generated (the same rows for both
 * databases, from a seeded generator) and written straight into the
 * history's tables as the product's migrations made them: each contact,
 * its queue stay (answered 80 %, abandoned 10 %, overflowed to a second
 * queue 3 %, turned into a callback 4 %; 3 % deflected by an avalanche
 * message before the queue), an offer per answer and a missed one now and
 * then, a transfer now and then, and each agent's states (busy, wrap-up,
 * ready around each call; logged out overnight). Then the report
 * (server/stats/report.ts, the product's own code) is timed per interval
 * size for a day, a week, a month and the year, grouped by service, and
 * for a month grouped by agent (the agents' state time shared out).
 * Each is run `--runs` times; the median and the slowest are printed.
 *
 *   npx tsx bench/report-time.ts [--contacts-per-day 2740] [--runs 3] [--db sqlite,postgresql]
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresHistory } from '../server/history/postgres.js';
import type { HistoryRepository } from '../server/history/repository.js';
import { SqliteHistory } from '../server/history/sqlite.js';
import { contactReport, type ReportRequest } from '../server/stats/report.js';
import type { IntervalSize } from '../server/stats/report-period.js';
import { launchPostgres } from '../scripts/postgres-server.js';
import { positive, printRunHeader, runMain } from './lib/cli.js';
import { benchPort } from './lib/ports.js';

const { values } = parseArgs({
  options: {
    'contacts-per-day': { type: 'string', default: '2740' },
    runs: { type: 'string', default: '3' },
    db: { type: 'string', default: 'sqlite,postgresql' },
  },
});
const PER_DAY = positive('contacts-per-day', values['contacts-per-day']);
const RUNS = positive('runs', values.runs);

const TZ = 'Europe/Stockholm';
const FIRST_DAY = Date.UTC(2025, 11, 1);
const DAYS = 365;
const DAY_MS = 86_400_000;
const S = 1000;
const QUEUES = [
  { id: 'kundtjanst', service: 'Kundtjänst', dialled: '+46313900601', targetSeconds: 60 },
  { id: 'kort', service: 'Kort', dialled: '+46313900603', targetSeconds: 30 },
  { id: 'lan', service: 'Lån', dialled: '+46313900605', targetSeconds: 60 },
];
const AGENTS = Array.from({ length: 45 }, (_, i) => String(1001 + i));
const CASE_TYPES = ['faktura', 'spärr', 'lån', 'adress', ''];

/** A seeded generator (mulberry32): the same history every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tables {
  contacts: unknown[][];
  segments: unknown[][];
  offers: unknown[][];
  transfers: unknown[][];
  states: unknown[][];
}

const COLUMNS: Record<keyof Tables, string[]> = {
  contacts: ['id', 'started_at', 'ended_at', 'dialled', 'service', 'deflected', 'case_type'],
  segments: ['id', 'contact_id', 'queue', 'kind', 'enqueued_at', 'outcome', 'answered_at', 'agent', 'wait_ms', 'talk_ms', 'hold_ms', 'wrap_up_ms',
    'callback_requested_at', 'callback_outcome'],
  offers: ['entry_id', 'agent', 'offered_at', 'contact_id', 'result', 'ring_ms'],
  transfers: ['contact_id', 'at', 'node', 'target', 'outcome'],
  states: ['agent', 'started_at', 'state', 'reason', 'ended_at'],
};
const TABLE_NAME: Record<keyof Tables, string> = { contacts: 'contacts', segments: 'segments', offers: 'offers', transfers: 'transfers', states: 'agent_states' };
const PG_TYPES: Record<keyof Tables, string[]> = {
  contacts: ['text', 'int8', 'int8', 'text', 'text', 'int4', 'text'],
  segments: ['text', 'text', 'text', 'text', 'int8', 'text', 'int8', 'text', 'int8', 'int8', 'int8', 'int8', 'int8', 'text'],
  offers: ['text', 'text', 'int8', 'text', 'text', 'int8'],
  transfers: ['text', 'int8', 'text', 'text', 'text'],
  states: ['text', 'int8', 'text', 'text', 'int8'],
};

/** One day's rows: weekdays only, calls spread over 08:00-17:00 local (UTC+1 or +2), each agent's timeline kept in order. */
function day(dayIndex: number, rnd: () => number): Tables {
  const t: Tables = { contacts: [], segments: [], offers: [], transfers: [], states: [] };
  const midnight = FIRST_DAY + dayIndex * DAY_MS;
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7;
  if (weekday >= 5) return t;
  const open = midnight + 7 * 3600 * S;
  const free = new Map(AGENTS.map((a) => [a, open]));
  for (const a of AGENTS) t.states.push([a, open - 60 * S, 'ready', null, null]);
  const calls = Math.round((PER_DAY * 7) / 5);
  const starts = Array.from({ length: calls }, () => open + Math.floor(rnd() * 9 * 3600 * S)).sort((a, b) => a - b);
  const stateRows: Array<[string, number, string]> = [];
  starts.forEach((startedAt, i) => {
    const id = `c${dayIndex}-${i}`;
    const q = QUEUES[Math.floor(rnd() * QUEUES.length)]!;
    const roll = rnd();
    const caseType = CASE_TYPES[Math.floor(rnd() * CASE_TYPES.length)] || null;
    if (roll < 0.03) {
      t.contacts.push([id, startedAt, startedAt + 20 * S, q.dialled, q.service, 1, null]);
      return;
    }
    const enqueued = startedAt + 15 * S;
    t.contacts.push([id, startedAt, null, q.dialled, q.service, 0, caseType]);
    if (rnd() < 0.02) t.transfers.push([id, startedAt + 10 * S, 'vidare', '+4631123456', rnd() < 0.8 ? 'connected' : 'busy']);
    if (roll < 0.13) {
      const wait = Math.floor(rnd() * 120 * S);
      t.segments.push([`e${id}`, id, q.id, 'call', enqueued, 'abandoned', null, null, wait, null, null, null, null, null]);
      return;
    }
    if (roll < 0.17) {
      t.segments.push([`e${id}`, id, q.id, 'call', enqueued, 'callback', null, null, null, null, null, null, enqueued + 30 * S, rnd() < 0.8 ? 'completed' : 'failed']);
      return;
    }
    let entry = `e${id}`;
    let queue = q.id;
    let queuedAt = enqueued;
    if (roll < 0.2) {
      t.segments.push([entry, id, q.id, 'call', enqueued, 'overflowed', null, null, 120 * S, null, null, null, null, null]);
      entry = `e${id}b`;
      queue = 'kundtjanst';
      queuedAt = enqueued + 120 * S;
    }
    // The agent free first answers, a ring of 3-8 s after they are free and the caller is in line.
    const [agent, freeAt] = [...free].reduce((a, b) => (b[1] < a[1] ? b : a));
    const offeredAt = Math.max(queuedAt + 2 * S, freeAt);
    if (rnd() < 0.05) t.offers.push([entry, agent, offeredAt - 20 * S, id, 'missed', 15 * S]);
    const ring = 3 * S + Math.floor(rnd() * 5 * S);
    const answeredAt = offeredAt + ring;
    const talk = 60 * S + Math.floor(rnd() * 300 * S);
    const hold = rnd() < 0.1 ? Math.floor(rnd() * 60 * S) : 0;
    const wrap = 10 * S + Math.floor(rnd() * 50 * S);
    t.offers.push([entry, agent, offeredAt, id, 'answered', ring]);
    t.segments.push([entry, id, queue, 'call', queuedAt, 'answered', answeredAt, agent, answeredAt - queuedAt, talk, hold, wrap, null, null]);
    stateRows.push([agent, answeredAt, 'busy'], [agent, answeredAt + talk + hold, 'wrap-up'], [agent, answeredAt + talk + hold + wrap, 'ready']);
    free.set(agent, answeredAt + talk + hold + wrap + S);
  });
  stateRows.sort((a, b) => a[1] - b[1]);
  for (const [agent, at, state] of stateRows) t.states.push([agent, at, state, null, null]);
  const close = midnight + 17 * 3600 * S;
  // Logged out until the next morning, when the product's next state write would end it.
  for (const a of AGENTS) t.states.push([a, Math.max(close, free.get(a)!), 'logged-out', null, open + DAY_MS - 60 * S]);
  // Each state ends where the agent's next begins.
  const byAgent = new Map<string, unknown[][]>();
  for (const row of t.states) byAgent.set(row[0] as string, [...(byAgent.get(row[0] as string) ?? []), row]);
  for (const rows of byAgent.values()) {
    rows.sort((a, b) => (a[1] as number) - (b[1] as number));
    for (let i = 0; i + 1 < rows.length; i++) rows[i]![4] = rows[i + 1]![1];
    rows.at(-1)![4] ??= open + DAY_MS - 60 * S;
  }
  t.states = [...byAgent.values()].flat().filter((row, i, all) => i === 0 || row[0] !== all[i - 1]![0] || row[1] !== all[i - 1]![1]);
  return t;
}

interface Loader {
  load(table: keyof Tables, rows: unknown[][]): Promise<void>;
}

function sqliteLoader(file: string): Loader & { close(): void } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const inserts = Object.fromEntries(Object.entries(COLUMNS).map(([table, cols]) => [table,
    db.prepare(`INSERT OR IGNORE INTO ${TABLE_NAME[table as keyof Tables]} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)]));
  return {
    async load(table, rows) {
      db.transaction(() => { for (const r of rows) inserts[table]!.run(...r); })();
    },
    close: () => db.close(),
  };
}

function postgresLoader(pool: pg.Pool): Loader {
  return {
    async load(table, rows) {
      if (rows.length === 0) return;
      const cols = COLUMNS[table];
      const arrays = cols.map((_, i) => rows.map((r) => r[i]));
      const unnest = PG_TYPES[table].map((type, i) => `$${i + 1}::${type}[]`).join(', ');
      await pool.query(`INSERT INTO ${TABLE_NAME[table]} (${cols.join(', ')}) SELECT * FROM unnest(${unnest}) ON CONFLICT DO NOTHING`, arrays);
    },
  };
}

/** Generates the year into a loader, a week at a time; the counts of rows written. */
async function generate(loader: Loader): Promise<Record<keyof Tables, number>> {
  const rnd = random(20261202);
  const counts: Record<keyof Tables, number> = { contacts: 0, segments: 0, offers: 0, transfers: 0, states: 0 };
  for (let d = 0; d < DAYS; d += 7) {
    const week: Tables = { contacts: [], segments: [], offers: [], transfers: [], states: [] };
    for (let i = d; i < Math.min(d + 7, DAYS); i++) {
      const one = day(i, rnd);
      for (const k of Object.keys(week) as Array<keyof Tables>) week[k].push(...one[k]);
    }
    for (const k of Object.keys(week) as Array<keyof Tables>) {
      await loader.load(k, week[k]);
      counts[k] += week[k].length;
    }
  }
  return counts;
}

const PERIODS: Array<{ name: string; from: string; to: string; sizes: IntervalSize[]; groupBy?: ReportRequest['groupBy'] }> = [
  { name: 'day', from: '2026-11-16', to: '2026-11-17', sizes: ['15m', '30m', '60m', 'day'] },
  { name: 'week', from: '2026-11-16', to: '2026-11-23', sizes: ['15m', '30m', '60m', 'day', 'week'] },
  { name: 'month', from: '2026-11-01', to: '2026-12-01', sizes: ['15m', '30m', '60m', 'day', 'week', 'month'] },
  { name: 'year', from: '2025-12-01', to: '2026-12-01', sizes: ['day', 'week', 'month'] },
  { name: 'month by agent', from: '2026-11-01', to: '2026-12-01', sizes: ['15m', 'day'], groupBy: 'agent' },
];

async function timeReports(label: string, repo: HistoryRepository): Promise<void> {
  const settings = { timezone: TZ, queues: QUEUES, shortAbandonSeconds: 5, now: Date.UTC(2026, 11, 2) };
  for (const p of PERIODS) {
    for (const interval of p.sizes) {
      const times: number[] = [];
      let rows = 0;
      let offered = 0;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const report = await contactReport(repo, { from: p.from, to: p.to, interval, groupBy: p.groupBy ?? 'service' }, settings);
        times.push(performance.now() - t0);
        rows = report.rows.length;
        offered = report.totals.reduce((n, line) => n + line.offered, 0);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(`${label.padEnd(10)} ${p.name.padEnd(15)} ${interval.padEnd(5)} rows=${String(rows).padStart(5)} offered=${String(offered).padStart(7)}`
        + `  median ${median.toFixed(0).padStart(5)} ms  slowest ${times.at(-1)!.toFixed(0).padStart(5)} ms`);
    }
  }
}

function printCounts(label: string, counts: Record<keyof Tables, number>, ms: number): void {
  console.log(`${label}: wrote ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')} in ${(ms / 1000).toFixed(0)} s`);
}

runMain(async () => {
  printRunHeader('report-time');
  const dbs = (values.db ?? '').split(',');
  const dir = mkdtempSync(join(os.tmpdir(), 'vaxel-bench-report-'));
  // PostgreSQL runs as its own user when this is root: it must reach its folder inside.
  chmodSync(dir, 0o755);
  try {
    if (dbs.includes('sqlite')) {
      const file = join(dir, 'history.sqlite');
      await (SqliteHistory.open(file)).close();
      const loader = sqliteLoader(file);
      const t0 = performance.now();
      const counts = await generate(loader);
      loader.close();
      printCounts('SQLite', counts, performance.now() - t0);
      const repo = SqliteHistory.open(file);
      try { await timeReports('SQLite', repo); } finally { await repo.close(); }
    }
    if (dbs.includes('postgresql')) {
      const pgDir = join(dir, 'pg');
      mkdirSync(pgDir);
      const server = await launchPostgres(await benchPort(), pgDir, 60_000);
      try {
        const repo = await PostgresHistory.open(server.url(), { onError: (err) => console.error(err.message) });
        const pool = new pg.Pool({ connectionString: server.url(), max: 1 });
        try {
          const t0 = performance.now();
          const counts = await generate(postgresLoader(pool));
          await pool.query('VACUUM ANALYZE');
          printCounts('PostgreSQL', counts, performance.now() - t0);
          await timeReports('PostgreSQL', repo);
        } finally {
          await pool.end();
          await repo.close();
        }
      } finally {
        await server.kill();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
