/**
 * Contact-record writes per second, on SQLite and on PostgreSQL, and what
 * recording costs the calls in progress.
 *
 * In this process: the history's feed (server/calls/history-feed.ts), its
 * batch writer and a repository, fed the events a call to a queue makes
 * (call-started, three flow nodes, queued, offered, answered, the agent's
 * busy / wrap-up / ready, ended, call-ended: 14 writes a call). No SIP or
 * media runs: what is measured is the history's own work on the event loop
 * the calls share, and the database behind it.
 *
 * 1. In progress: `--calls` calls at once for `--seconds`, each `--hold`
 *    seconds long, new ones starting as old ones end (calls / hold per
 *    second), their events at their real times. Reported: writes stored per
 *    second, the largest backlog, each batch's commit time, and the event
 *    loop's delay (monitorEventLoopDelay): what a call's next step waits
 *    for, recording included.
 * 2. Capacity: `--burst` calls' events queued at once, then flushed:
 *    writes stored per second when the database is the limit.
 *
 * PostgreSQL is Debian's server started here (scripts/postgres-server.ts)
 * with its own durable settings (fsync and synchronous commit on); SQLite
 * is a file in a temp dir, WAL, synchronous=NORMAL, as in the product.
 *
 *   npx tsx bench/history-writes.ts [--calls 200] [--hold 20] [--seconds 30] [--burst 10000] [--db sqlite,postgresql]
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { AcdEvent, QueueEntry } from '../server/acd/index.js';
import type { CallEvent } from '../server/calls/events.js';
import { HistoryFeed } from '../server/calls/history-feed.js';
import { PostgresHistory } from '../server/history/postgres.js';
import type { HistoryWrite } from '../server/history/records.js';
import type { HistoryRepository } from '../server/history/repository.js';
import { SqliteHistory } from '../server/history/sqlite.js';
import { HistoryWriter } from '../server/history/writer.js';
import { launchPostgres } from '../scripts/postgres-server.js';
import { latencyStats, type LatencyStats } from './lib/acd-centre.js';
import { positive, printRunHeader, runMain } from './lib/cli.js';
import { benchPort } from './lib/ports.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '200' },
    hold: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    burst: { type: 'string', default: '10000' },
    db: { type: 'string', default: 'sqlite,postgresql' },
  },
});
const CALLS = positive('calls', values.calls);
const HOLD_MS = positive('hold', values.hold) * 1000;
const RUN_MS = positive('seconds', values.seconds) * 1000;
const BURST = positive('burst', values.burst);

const fmt = (s: LatencyStats): string => `p50=${s.p50.toFixed(2)} p99=${s.p99.toFixed(2)} max=${s.max.toFixed(2)} ms`;

/** A call's events from `t0` over `holdMs`, as the contact center and the ACD tell them. */
function callEvents(n: number, t0: number, holdMs: number): Array<{ at: number; acd?: AcdEvent; call?: CallEvent }> {
  const callId = `call-${n}`;
  const entryId = `entry-${n}`;
  const agentId = `agent-${n % 500}`;
  const facts = { dialled: '+46313900601', service: 'Kundtjänst' };
  const at = (share: number): number => t0 + Math.round(holdMs * share);
  const entry: QueueEntry = { id: entryId, queueId: 'kundtjanst', kind: 'call', enqueuedAt: at(0.15), priority: 0, data: { callId, caller: '+46701740651', ...facts } };
  const nodes = [['start', 'menu'], ['meny', 'menu'], ['ko', 'queue']] as const;
  return [
    { at: t0, call: { type: 'call-started', at: t0, callId, caller: '+46701740651', ...facts, flow: 'kundtjanst' } },
    ...nodes.map(([node, nodeType], i) => ({ at: at(i * 0.05), call: { type: 'ivr-node', at: at(i * 0.05), callId, ...facts, flow: 'kundtjanst', node, nodeType } as CallEvent })),
    { at: at(0.15), acd: { type: 'queued', at: at(0.15), entry } },
    { at: at(0.25), acd: { type: 'offered-to-agent', at: at(0.25), entryId, agentId, queueId: 'kundtjanst' } },
    { at: at(0.3), acd: { type: 'answered', at: at(0.3), entryId, agentId, queueId: 'kundtjanst', waitMs: at(0.3) - at(0.15) } },
    { at: at(0.3), acd: { type: 'agent-state', at: at(0.3), agentId, state: 'busy', previous: 'reserved' } },
    { at: at(1), acd: { type: 'ended', at: at(1), entryId, agentId, handleMs: at(1) - at(0.3) } },
    { at: at(1), acd: { type: 'agent-state', at: at(1), agentId, state: 'wrap-up', previous: 'busy' } },
    { at: at(1), call: { type: 'call-ended', at: at(1), callId, by: 'caller' } },
    { at: at(1) + 1, acd: { type: 'agent-state', at: at(1) + 1, agentId, state: 'ready', previous: 'wrap-up' } },
  ];
}

/** The repository with each batch's commit timed. */
function timed(repo: HistoryRepository, commits: number[], stored: { writes: number }): HistoryRepository {
  return {
    kind: repo.kind,
    write: async (batch: readonly HistoryWrite[]) => {
      const t = performance.now();
      await repo.write(batch);
      commits.push(performance.now() - t);
      stored.writes += batch.length;
    },
    contact: (id) => repo.contact(id),
    contactIds: (a, b) => repo.contactIds(a, b),
    agentIntervals: (a, b, c) => repo.agentIntervals(a, b, c),
    intervalCounts: (a, b, c) => repo.intervalCounts(a, b, c),
    caseTypeHandling: (a, b) => repo.caseTypeHandling(a, b),
    queueDays: (a, b, c) => repo.queueDays(a, b, c),
    serviceDays: (a, b, c) => repo.serviceDays(a, b, c),
    queueIntervals: (a, b, c) => repo.queueIntervals(a, b, c),
    queuedCalls: (a, b) => repo.queuedCalls(a, b),
    agentStates: (a, b) => repo.agentStates(a, b),
    report: (q) => repo.report(q),
    close: () => repo.close(),
  };
}

async function measure(name: string, repo: HistoryRepository): Promise<void> {
  const logger = pino({ level: 'warn' });
  // 1. Calls in progress, their events at their real times.
  {
    const commits: number[] = [];
    const stored = { writes: 0 };
    const writer = new HistoryWriter(timed(repo, commits, stored), { logger });
    const feed = new HistoryFeed((w) => writer.add(w), () => undefined, 'bench');
    const loop = monitorEventLoopDelay({ resolution: 1 });
    let maxBacklog = 0;
    let started = 0;
    const timers = new Set<NodeJS.Timeout>();
    const begin = Date.now();
    const startCall = (t0: number, holdMs: number): void => {
      for (const e of callEvents(started++, t0, holdMs)) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (e.acd) feed.fromAcd(e.acd);
          if (e.call) feed.fromCall(e.call);
          maxBacklog = Math.max(maxBacklog, writer.backlog());
        }, Math.max(0, e.at - Date.now()));
        timers.add(timer);
      }
    };
    // As if the calls had been coming for a while: `CALLS` in progress at once, ending one after another over one hold time.
    for (let i = 0; i < CALLS; i++) startCall(begin, Math.round(((i + 1) * HOLD_MS) / CALLS));
    const refill = setInterval(() => { for (let i = 0; i < CALLS / (HOLD_MS / 1000); i++) startCall(Date.now(), HOLD_MS); }, 1000);
    loop.enable();
    const from = { writes: 0, at: 0 };
    await new Promise((r) => setTimeout(r, HOLD_MS));
    from.writes = stored.writes;
    from.at = performance.now();
    loop.reset();
    await new Promise((r) => setTimeout(r, RUN_MS));
    const rate = (stored.writes - from.writes) / ((performance.now() - from.at) / 1000);
    loop.disable();
    clearInterval(refill);
    for (const t of timers) clearTimeout(t);
    await writer.stop();
    console.log(`${name} in progress: ${CALLS} calls of ${HOLD_MS / 1000} s (${(CALLS / (HOLD_MS / 1000)).toFixed(0)} new/s): ` +
      `${rate.toFixed(0)} writes/s stored, backlog max ${maxBacklog}, batch commit ${fmt(latencyStats(commits))}, ` +
      `event loop delay p50=${(loop.percentile(50) / 1e6).toFixed(2)} p99=${(loop.percentile(99) / 1e6).toFixed(2)} max=${(loop.max / 1e6).toFixed(2)} ms`);
  }
  // 2. Capacity: a burst queued at once.
  {
    const commits: number[] = [];
    const stored = { writes: 0 };
    const writer = new HistoryWriter(timed(repo, commits, stored), { logger });
    const feed = new HistoryFeed((w) => writer.add(w), () => undefined, 'bench');
    const t0 = Date.now() + 86_400_000;
    const t = performance.now();
    for (let n = 0; n < BURST; n++) {
      for (const e of callEvents(1_000_000 + n, t0 + n * 100, HOLD_MS)) {
        if (e.acd) feed.fromAcd(e.acd);
        if (e.call) feed.fromCall(e.call);
      }
    }
    await writer.flush();
    const seconds = (performance.now() - t) / 1000;
    console.log(`${name} capacity: ${BURST} calls, ${stored.writes} writes (${(stored.writes / BURST).toFixed(0)}/call) in ${seconds.toFixed(2)} s: ` +
      `${(stored.writes / seconds).toFixed(0)} writes/s, ${(BURST / seconds).toFixed(0)} calls/s, batch commit ${fmt(latencyStats(commits))}`);
    await writer.stop();
  }
}

runMain(async () => {
  printRunHeader('history-writes');
  const dbs = (values.db ?? '').split(',');
  const dir = mkdtempSync(join(os.tmpdir(), 'vaxel-bench-history-'));
  // PostgreSQL runs as its own user when this is root: it must reach its folder inside.
  chmodSync(dir, 0o755);
  try {
    if (dbs.includes('sqlite')) {
      const repo = SqliteHistory.open(join(dir, 'history.sqlite'));
      try { await measure('SQLite', repo); } finally { await repo.close(); }
    }
    if (dbs.includes('postgresql')) {
      const pgDir = join(dir, 'pg');
      mkdirSync(pgDir);
      const server = await launchPostgres(await benchPort(), pgDir, 60_000, { durable: true });
      try {
        const repo = await PostgresHistory.open(server.url(), { onError: (err) => console.error(err) });
        try { await measure('PostgreSQL', repo); } finally { await repo.close(); }
      } finally {
        await server.kill();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
