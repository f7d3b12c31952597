/**
 * The parts of the running product that the API's features read
 * (ProductParts, server/api/features.ts), made without a product, for
 * tests that start the API alone (server/api/start.ts): a running
 * configuration of its own, a real ACD on an in-memory store with nobody
 * calling, its live state and event feed, a metrics registry, agents' states
 * and finished callbacks over that ACD (no phone is registered, none can be removed), an empty
 * announcement folder, an empty contact-record database (SQLite) and
 * an empty staffing plan; the agents' case types find no call answered
 * (nobody calls).
 */
import { join } from 'node:path';
import type { ProductParts } from '../../server/api/features.js';
import { AgentControl } from '../../server/calls/agent-control.js';
import { FileAnnouncementStore } from '../../server/calls/announcements.js';
import { AvalancheAudience } from '../../server/calls/avalanche-audience.js';
import { AgentCaseTypes } from '../../server/calls/case-types.js';
import { FinishedCallbacks } from '../../server/calls/callbacks/finished.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { LiveFeed } from '../../server/stats/live-feed.js';
import { ProductMetrics } from '../../server/stats/metrics.js';
import { StaffingPlanFile } from '../../server/stats/staffing-plan-file.js';
import { agent } from '../unit/acd-fixtures.js';
import { liveCentre } from './live.js';
import { openRunning } from './running.js';
import { tempDir } from './tmp.js';

export async function idleProductParts(): Promise<{ parts: ProductParts; stop(): Promise<void> }> {
  const c = await liveCentre({ agents: [agent('1001')] });
  const feed = new LiveFeed(c.live);
  const running = await openRunning();
  const history = SqliteHistory.open(join(tempDir('history-'), 'history.sqlite'));
  return {
    parts: {
      running, live: c.live, feed, registry: new ProductMetrics().registry, acd: c.acd,
      center: {
        agents: new AgentControl({ acd: c.acd, registrar: { contactsOf: () => [] } }),
        finishedCallbacks: new FinishedCallbacks({ acd: c.acd, clock: c.clock }),
      },
      announcements: new FileAnnouncementStore(tempDir('announcements-'), []),
      avalancheAudience: new AvalancheAudience(),
      history,
      registrar: { contactsOf: () => [], remove: () => {} },
      staffingPlan: await StaffingPlanFile.open(tempDir('staffing-')),
      // Nobody is staffed or planned: no alarm is ever raised.
      shortfalls: { raised: () => [] },
      caseTypes: new AgentCaseTypes({
        acd: c.acd, queues: { get: () => undefined }, records: { agentCall: () => undefined, setCaseType: () => {} },
      }),
    },
    stop: async () => {
      running.close();
      feed.stop();
      c.live.stop();
      await c.acd.stop();
      await history.close();
    },
  };
}
