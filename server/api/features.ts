/**
 * The product's API features, in one list: each is a plugin registered
 * under its prefix (./server.ts). A new feature adds itself here with the
 * dependencies it needs in `ProductApiDeps` (server/api/start.ts passes
 * them from server/app.ts). The test that walks every route of the
 * product's OpenAPI document with each role and with none
 * (test/integration/api-product.test.ts) then covers its routes too; its
 * own route tests can build the API with just that feature and a user of
 * each role (test/support/api.ts).
 */
import type { Registry } from 'prom-client';
import type { HistoryRepository } from '../history/repository.js';
import type { Acd } from '../acd/index.js';
import type { FileAnnouncementStore } from '../calls/announcements.js';
import type { AvalancheAudience } from '../calls/avalanche-audience.js';
import type { AgentCaseTypes } from '../calls/case-types.js';
import type { CallCenter } from '../calls/center.js';
import type { RunningConfig } from '../running/index.js';
import type { Registrar } from '../sip/registrar.js';
import type { LiveFeed } from '../stats/live-feed.js';
import type { LiveState } from '../stats/live-state.js';
import type { ShortfallMonitor } from '../stats/shortfall-monitor.js';
import type { StaffingPlanFile } from '../stats/staffing-plan-file.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import type { Users } from '../users/users.js';
import { agentDesktopRoutes } from './agent-desktop-routes.js';
import { agentStateRoutes } from './agent-state-routes.js';
import { announcementsRoutes } from './announcements-routes.js';
import { avalancheRoutes } from './avalanche-routes.js';
import { callbacksRoutes } from './callbacks-routes.js';
import { configRoutes } from './config-routes.js';
import { extensionsRoutes } from './extensions-routes.js';
import { flowsRoutes } from './flows-routes.js';
import { hoursRoutes } from './hours-routes.js';
import { liveEventsRoutes } from './live-events.js';
import { liveRoutes } from './live.js';
import { liveTodayRoutes } from './live-today.js';
import { metricsRoutes } from './metrics.js';
import { numbersRoutes } from './numbers-routes.js';
import { operatorsRoutes } from './operators-routes.js';
import { queuesRoutes } from './queues-routes.js';
import { reportsRoutes } from './reports-routes.js';
import type { ApiFeature } from './server.js';
import { sessionRoutes } from './session-routes.js';
import { staffingRoutes } from './staffing-routes.js';
import { staffingWhatIfRoutes } from './staffing-what-if-routes.js';
import { usersRoutes } from './users-routes.js';
import { webPages } from './web-pages.js';
import { wrapUpRoutes } from './wrap-up-routes.js';

export const API_PREFIX = '/api/v1';

/** What signing in and managing users need: the API's own (server/api/start.ts makes them). */
export interface AccessDeps {
  users: Users;
  throttle: LoginThrottle;
  secureCookies: boolean;
}

/** What the resources over the running configuration need. */
export interface ConfigurationDeps {
  running: RunningConfig;
  /** The clock calls use (opening hours are judged on it); default the system clock. */
  now?: () => number;
}

/** The parts of the running product the other features read (server/app.ts gives them). */
export interface ProductParts extends ConfigurationDeps {
  live: LiveState;
  feed: LiveFeed;
  /** The product's metrics (server/stats/metrics.ts). */
  registry: Registry;
  acd: Acd;
  center: Pick<CallCenter, 'agents' | 'finishedCallbacks'>;
  /** Recorded and uploaded announcements (DATA_DIR/announcements). */
  announcements: FileAnnouncementStore;
  /** Who hears each avalanche message now, and the callers it turned away. */
  avalancheAudience: AvalancheAudience;
  /** Who is registered: the agent desktop ends its softphone's registration when its tab closes. */
  registrar: Pick<Registrar, 'contactsOf' | 'remove'>;
  /** The contact records (today's figures per queue and service, an agent's own, staffing, the reports). */
  history: Pick<HistoryRepository, 'queueDays' | 'serviceDays' | 'caseTypeHandling' | 'queueIntervals' | 'queuedCalls' | 'agentStates' | 'report'>;
  /** The staffing plan (DATA_DIR/staffing-plan.json). */
  staffingPlan: StaffingPlanFile;
  /** The staffing shortfall alarms raised now. */
  shortfalls: Pick<ShortfallMonitor, 'raised'>;
  /** Agents' case types for their calls. */
  caseTypes: Pick<AgentCaseTypes, 'set' | 'choice'>;
}

export type ProductApiDeps = AccessDeps & ProductParts;

/** Sign-in, sessions, users and tokens: every API has them, a route test's too. */
export function accessFeatures(deps: AccessDeps): ApiFeature[] {
  return [
    { prefix: API_PREFIX, plugin: sessionRoutes(deps) },
    { prefix: API_PREFIX, plugin: usersRoutes(deps) },
  ];
}

/** The running configuration's resources: numbers, queues, extensions, operators, flows, hours, audit, export and import. */
export function configurationFeatures(deps: ConfigurationDeps): ApiFeature[] {
  return [
    { prefix: API_PREFIX, plugin: numbersRoutes(deps) },
    { prefix: API_PREFIX, plugin: queuesRoutes(deps) },
    { prefix: API_PREFIX, plugin: extensionsRoutes(deps) },
    { prefix: API_PREFIX, plugin: operatorsRoutes(deps) },
    { prefix: API_PREFIX, plugin: configRoutes(deps) },
    { prefix: API_PREFIX, plugin: flowsRoutes({ running: deps.running }) },
    { prefix: API_PREFIX, plugin: hoursRoutes({ running: deps.running, now: deps.now ?? Date.now }) },
  ];
}

export function productFeatures(deps: ProductApiDeps): ApiFeature[] {
  return [
    ...accessFeatures(deps),
    ...configurationFeatures(deps),
    { prefix: API_PREFIX, plugin: liveRoutes(deps) },
    { prefix: API_PREFIX, plugin: liveEventsRoutes(deps) },
    { prefix: API_PREFIX, plugin: liveTodayRoutes({ history: deps.history, running: deps.running, now: deps.now ?? Date.now }) },
    { prefix: API_PREFIX, plugin: reportsRoutes({ history: deps.history, running: deps.running, now: deps.now ?? Date.now }) },
    // Where Prometheus looks by default.
    { prefix: '', plugin: metricsRoutes(deps) },
    { prefix: API_PREFIX, plugin: agentStateRoutes({ acd: deps.acd, agents: deps.center.agents }) },
    { prefix: API_PREFIX, plugin: agentDesktopRoutes({ acd: deps.acd, history: deps.history, running: deps.running, now: deps.now ?? Date.now, registrar: deps.registrar }) },
    { prefix: API_PREFIX, plugin: wrapUpRoutes({ caseTypes: deps.caseTypes, acd: deps.acd, now: deps.now ?? Date.now }) },
    { prefix: API_PREFIX, plugin: callbacksRoutes({ acd: deps.acd, finished: deps.center.finishedCallbacks }) },
    {
      prefix: API_PREFIX,
      plugin: avalancheRoutes({ running: deps.running, announcements: deps.announcements, audience: deps.avalancheAudience, now: deps.now ?? Date.now }),
    },
    { prefix: API_PREFIX, plugin: announcementsRoutes({ running: deps.running, announcements: deps.announcements }) },
    { prefix: API_PREFIX, plugin: staffingRoutes({ history: deps.history, running: deps.running, plan: deps.staffingPlan, shortfalls: deps.shortfalls, now: deps.now ?? Date.now }) },
    { prefix: API_PREFIX, plugin: staffingWhatIfRoutes({ history: deps.history, running: deps.running }) },
    { prefix: '', plugin: webPages() },
  ];
}
