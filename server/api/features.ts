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
import type { RunningConfig } from '../running/index.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import type { Users } from '../users/users.js';
import { configRoutes } from './config-routes.js';
import { extensionsRoutes } from './extensions-routes.js';
import { flowsRoutes } from './flows-routes.js';
import { hoursRoutes } from './hours-routes.js';
import { numbersRoutes } from './numbers-routes.js';
import { operatorsRoutes } from './operators-routes.js';
import { queuesRoutes } from './queues-routes.js';
import type { ApiFeature } from './server.js';
import { sessionRoutes } from './session-routes.js';
import { usersRoutes } from './users-routes.js';
import { webPages } from './web-pages.js';

export const API_PREFIX = '/api/v1';

export interface ProductApiDeps {
  users: Users;
  throttle: LoginThrottle;
  secureCookies: boolean;
  running: RunningConfig;
  /** The clock calls use (opening hours are judged on it); default the system clock. */
  now?: () => number;
}

export function productFeatures(deps: ProductApiDeps): ApiFeature[] {
  return [
    { prefix: API_PREFIX, plugin: sessionRoutes(deps) },
    { prefix: API_PREFIX, plugin: usersRoutes(deps) },
    { prefix: API_PREFIX, plugin: numbersRoutes(deps) },
    { prefix: API_PREFIX, plugin: queuesRoutes(deps) },
    { prefix: API_PREFIX, plugin: extensionsRoutes(deps) },
    { prefix: API_PREFIX, plugin: operatorsRoutes(deps) },
    { prefix: API_PREFIX, plugin: configRoutes(deps) },
    { prefix: API_PREFIX, plugin: flowsRoutes({ running: deps.running }) },
    { prefix: API_PREFIX, plugin: hoursRoutes({ running: deps.running, now: deps.now ?? Date.now }) },
    { prefix: '', plugin: webPages() },
  ];
}
