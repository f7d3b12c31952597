/**
 * The shortfall alarm as the product runs it (server/staffing-alarm.ts) on
 * the simulated clock: a real ACD with the demo's queues and agents, need
 * from real contact records (SQLite), the plan from a real plan file; the
 * alarm told on the live feed and to a real HTTP webhook receiver that asked
 * for `staffing.shortfall` (one that asked for everything gets no such
 * event), and listed by the monitor while raised.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhooks } from '../../server/api/webhooks/index.js';
import { SimulatedClock } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/events.js';
import { acdAgents, acdQueues } from '../../server/config/acd.js';
import type { HistoryWrite } from '../../server/history/records.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { startShortfallAlarm } from '../../server/staffing-alarm.js';
import { LiveFeed, type LiveEvent } from '../../server/stats/live-feed.js';
import { LiveState } from '../../server/stats/live-state.js';
import type { ShortfallMonitor } from '../../server/stats/shortfall-monitor.js';
import { StaffingPlanFile } from '../../server/stats/staffing-plan-file.js';
import { openRunning } from '../support/running.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { centre } from './acd-fixtures.js';

/** hh:mm in Stockholm (UTC+1 in winter) on a date. */
const at = (date: string, hh: number, mm: number): number => Date.parse(`${date}T${String(hh - 1).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00Z`);
// Thursday 7 January 2027.
const TODAY = '2027-01-07';
const SECRET = 'the-crm-shares-this-secret';

const stops: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** 8 calls of 120 s each from 08:00 on a day: 1.07 Erlang, which needs 3 agents for 85 % within 60 s. */
function eightCalls(date: string): HistoryWrite[] {
  return Array.from({ length: 8 }, (_, i): HistoryWrite[] => [
    { kind: 'contact', id: `${date}-${i}`, fields: { startedAt: at(date, 8, i) } },
    { kind: 'segment', id: `${date}-e${i}`, fields: { contactId: `${date}-${i}`, queue: 'kundtjanst', kind: 'call', enqueuedAt: at(date, 8, i), outcome: 'answered', waitMs: 5_000, talkMs: 100_000, wrapUpMs: 20_000 } },
  ]).flat();
}

async function product() {
  const running = await openRunning();
  stops.push(() => running.close());
  const dataDir = tempDir('staffing-');
  const history = SqliteHistory.open(join(dataDir, 'history.sqlite'));
  stops.push(() => history.close());
  await history.write([...eightCalls('2026-12-17'), ...eightCalls('2026-12-10')]);
  const plan = await StaffingPlanFile.open(dataDir);
  await plan.replace([{ date: TODAY, start: '08:15', queue: 'kundtjanst', agents: 4 }]);

  const clock = new SimulatedClock(at(TODAY, 7, 55));
  const { operational } = running.current;
  const c = await centre({ queues: acdQueues(operational), agents: acdAgents(operational), clock });
  stops.push(() => c.acd.stop());
  const calls = new EventEmitter<{ event: [CallEvent] }>();
  const live = new LiveState(c.acd, calls);
  stops.push(() => live.stop());
  const feed = new LiveFeed(live);
  stops.push(() => feed.stop());
  const heard: LiveEvent[] = [];
  feed.subscribe((p) => { if (p.event.type === 'staffing-shortfall') heard.push(p.event); });

  const asked = await WebhookReceiver.start(SECRET);
  const everything = await WebhookReceiver.start(SECRET);
  stops.push(() => asked.down(), () => everything.down());
  const webhooks = await Webhooks.start({
    config: {
      dataDir,
      webhooks: [
        { url: asked.url, secret: SECRET, events: ['staffing.shortfall'], maxAgeHours: 72 },
        { url: everything.url, secret: SECRET, maxAgeHours: 72 },
      ],
    },
    center: calls, acd: c.acd, clock, logger: pino({ level: 'silent' }),
  });
  stops.push(() => webhooks.stop());
  const monitor: ShortfallMonitor = await startShortfallAlarm({
    clock, acd: c.acd, running, history, plan, feed, webhooks, logger: pino({ level: 'silent' }),
  });
  stops.push(() => monitor.stop());
  return { clock, acd: c.acd, monitor, heard, asked, everything };
}

describe('the staffing shortfall alarm', () => {
  it('is raised after ready agents stay below need for the set minutes, and ends when there are enough', async () => {
    const p = await product();
    // Two of kundtjanst's agents and one of rådgivning's log in before 08:00.
    await p.acd.login('1002');
    await p.acd.login('1004');
    await p.acd.login('1003');
    await p.clock.advanceTo(at(TODAY, 8, 0));
    // Short since 08:00 (3 needed, 2 ready): nothing yet a second before the 10 minutes are up.
    await p.clock.advanceTo(at(TODAY, 8, 10) - 1_000);
    expect(p.heard).toEqual([]);
    expect(p.monitor.raised()).toEqual([]);

    await p.clock.advanceTo(at(TODAY, 8, 10));
    const started = { queue: 'kundtjanst', state: 'started', since: new Date(at(TODAY, 8, 0)).toISOString(), reasons: ['below-need'], ready: 2, needed: 3 };
    expect(p.heard).toEqual([expect.objectContaining({ type: 'staffing-shortfall', at: new Date(at(TODAY, 8, 10)).toISOString(), shortfall: started })]);
    expect(p.monitor.raised()).toEqual([started]);
    await p.clock.advanceBy(1_000);
    await waitFor(() => p.asked.received.length === 1, { what: 'the shortfall at the webhook that asked for it' });
    expect(p.asked.received[0]!.event).toMatchObject({
      version: 1, type: 'staffing.shortfall', queue: 'kundtjanst', time: new Date(at(TODAY, 8, 10)).toISOString(),
      shortfall: { state: 'started', since: started.since, reasons: ['below-need'], ready: 2, needed: 3 },
    });
    expect(p.asked.received[0]!.event).not.toHaveProperty('callId');

    // A third agent of kundtjanst: enough again.
    await p.clock.advanceTo(at(TODAY, 8, 12));
    await p.acd.login('1006');
    expect(p.heard.map((e) => e.type === 'staffing-shortfall' && e.shortfall.state)).toEqual(['started', 'ended']);
    expect(p.monitor.raised()).toEqual([]);
    await p.clock.advanceBy(1_000);
    await waitFor(() => p.asked.received.length === 2, { what: 'the end at the webhook' });
    expect(p.asked.received[1]!.event).toMatchObject({ type: 'staffing.shortfall', queue: 'kundtjanst', shortfall: { state: 'ended', reasons: [] } });

    // From 08:15, 4 are planned and 3 ready: short of the plan; a fourth comes within the 10 minutes, so no alarm.
    await p.clock.advanceTo(at(TODAY, 8, 24));
    await p.acd.login('1001');
    await p.clock.advanceTo(at(TODAY, 8, 40));
    expect(p.heard).toHaveLength(2);
    // A webhook that takes every call event is not sent staffing events it never asked for.
    expect(p.everything.received).toEqual([]);
  });

  it('names the plan when ready agents stay below it', async () => {
    const p = await product();
    // Three ready from before 08:00: what 08:00 needs.
    for (const id of ['1002', '1004', '1006']) await p.acd.login(id);
    await p.clock.advanceTo(at(TODAY, 8, 15) - 1_000);
    expect(p.heard).toEqual([]);
    // 08:15 needs none (no calls then in the weeks before) but has 4 planned.
    await p.clock.advanceTo(at(TODAY, 8, 25));
    const raised = { queue: 'kundtjanst', state: 'started', since: new Date(at(TODAY, 8, 15)).toISOString(), reasons: ['below-plan'], ready: 3, needed: 0, planned: 4 };
    expect(p.monitor.raised()).toEqual([raised]);
    // While it lasts, the monitor shows the figures as they are now.
    await p.acd.pause('1006', 'lunch');
    expect(p.monitor.raised()).toEqual([{ ...raised, ready: 2 }]);
  });
});
