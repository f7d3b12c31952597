/**
 * Figure: how fast the routing replay (server/stats/replay.ts) plays a day
 * through the real ACD: calls per second of wall time, for a day of 20,000
 * calls.
 *
 *   npx tsx bench/routing-replay.ts [--calls 20000] [--runs 3] [--seed 1] [--json FILE]
 *
 * The day (test/simulation/generated-day.ts): 12 hours of Poisson callers,
 * exponential handling times (mean 180 s) and patience (mean 120 s), in
 * three queues: customer service (half the calls, everyone), cards (a
 * quarter: card specialists at level 3+, after 20 s any card agent, after
 * 60 s everyone) and business (a quarter: the business group, after 90 s
 * everyone); 15 s wrap-up. About 83 Erlang in all, on 95 agents (45
 * generalists, 25 card specialists, 25 in the business group) logged in
 * from 07:30 to 20:30 with a half-hour lunch each, a quarter of them at a
 * time between 11:00 and 13:00. The calls and agents scale with --calls.
 *
 * Each run replays the same day on a fresh ACD; the first run includes the
 * JIT's warm-up.
 */
import { parseArgs } from 'node:util';
import type { QueueConfig, SkillLevel } from '../server/acd/model.js';
import { replayDay, type ReplayAgent, type ReplayScenario } from '../server/stats/replay.js';
import { generateDay, mergeDays } from '../test/simulation/generated-day.js';
import { queue } from '../test/unit/acd-fixtures.js';
import { positive, printRunHeader, runMain, writeJsonResults } from './lib/cli.js';
import { withLoad } from './lib/proc.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});

const HOUR = 3_600_000;
const DAY_START = Date.UTC(2026, 2, 2, 7, 0); // 08:00 in Stockholm
const AHT_SECONDS = 180;

function centre(calls: number, seed: number): { arrivals: ReturnType<typeof generateDay>; scenario: ReplayScenario } {
  const scale = calls / 20_000;
  // 20,000 calls in 12 hours at 180 s each is 83.3 Erlang.
  const erlangs = (20_000 * AHT_SECONDS) / (12 * 3600);
  const stream = (queueId: string, share: number, offset: number) =>
    generateDay({
      seed: seed + offset,
      queueId,
      start: DAY_START,
      calls: Math.round(calls * share),
      trafficErlangs: erlangs * scale * share,
      ahtSeconds: AHT_SECONDS,
      meanPatienceSeconds: 120,
    });
  const arrivals = mergeDays(stream('kundtjanst', 0.5, 0), stream('kort', 0.25, 1), stream('foretag', 0.25, 2));
  const queues: QueueConfig[] = [
    queue({ id: 'kundtjanst', name: 'Kundtjänst', wrapUpSeconds: 15 }),
    queue({
      id: 'kort',
      name: 'Kort och spärr',
      wrapUpSeconds: 15,
      steps: [
        { afterSeconds: 0, eligible: { skill: 'kort', minLevel: 3 } },
        { afterSeconds: 20, eligible: { skill: 'kort' } },
        { afterSeconds: 60, eligible: { everyone: true } },
      ],
    }),
    queue({
      id: 'foretag',
      name: 'Företag',
      wrapUpSeconds: 15,
      steps: [
        { afterSeconds: 0, eligible: { group: 'foretag' } },
        { afterSeconds: 90, eligible: { everyone: true } },
      ],
    }),
  ];
  const all = ['kundtjanst', 'kort', 'foretag'];
  const count = (n: number): number => Math.max(1, Math.round(n * scale));
  const agents: ReplayAgent[] = [
    ...Array.from({ length: count(45) }, (_, i) => ({ id: `gen-${i}`, skills: {}, groups: [], queues: all })),
    ...Array.from({ length: count(25) }, (_, i) => ({ id: `kort-${i}`, skills: { kort: (1 + (i % 5)) as SkillLevel }, groups: [], queues: all })),
    ...Array.from({ length: count(25) }, (_, i) => ({ id: `ftg-${i}`, skills: {}, groups: ['foretag'], queues: all })),
  ];
  // Everyone from 07:30 to 20:30, Stockholm time, with a 30-minute lunch somewhere between 11:00 and 13:00.
  const shifts = agents.flatMap((a, i) => {
    const lunch = DAY_START + 3 * HOUR + (i % 4) * (HOUR / 2);
    return [
      { agentId: a.id, from: DAY_START - HOUR / 2, to: lunch },
      { agentId: a.id, from: lunch + HOUR / 2, to: DAY_START + 12.5 * HOUR },
    ];
  });
  return { arrivals, scenario: { queues, agents, shifts } };
}

async function main(): Promise<void> {
  const calls = positive('calls', values.calls);
  const runs = positive('runs', values.runs);
  const seed = positive('seed', values.seed);
  const { startedAt, machine } = printRunHeader('routing-replay');
  const { arrivals, scenario } = centre(calls, seed);
  console.log(`# ${arrivals.length} calls, ${scenario.agents.length} agents, ${scenario.queues.length} queues`);
  const results = [];
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const { result: report, load } = await withLoad(() => replayDay(arrivals, scenario, { intervalMinutes: 15, targetSeconds: 30 }));
    const wallMs = performance.now() - t0;
    const callsPerSecond = arrivals.length / (wallMs / 1000);
    const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);
    const perQueue = Object.entries(report.day.queues).map(([id, q]) => `${id} ${pct(q.serviceLevel)} (${q.abandoned} abandoned)`).join(', ');
    console.log(`run ${run}: ${(wallMs / 1000).toFixed(2)} s, ${Math.round(callsPerSecond).toLocaleString('en')} calls/s; ${load}`);
    console.log(`  service level within 30 s: ${pct(report.day.all.serviceLevel)}; ${perQueue}; ${report.intervals.length} intervals`);
    results.push({ run, wallMs, callsPerSecond, load, serviceLevel: report.day.all.serviceLevel });
  }
  if (values.json) writeJsonResults(values.json, startedAt, machine, results);
}

runMain(main);
