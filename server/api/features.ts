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
import type { Acd } from '../acd/index.js';
import type { CallCenter } from '../calls/center.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import type { Users } from '../users/users.js';
import { agentStateRoutes } from './agent-state-routes.js';
import { callbacksRoutes } from './callbacks-routes.js';
import type { ApiFeature } from './server.js';
import { sessionRoutes } from './session-routes.js';
import { usersRoutes } from './users-routes.js';

export const API_PREFIX = '/api/v1';

/** What signing in and managing users need: every API has these, also one built for a feature's own tests. */
export interface CoreApiDeps {
  users: Users;
  throttle: LoginThrottle;
  secureCookies: boolean;
}

export interface ProductApiDeps extends CoreApiDeps {
  acd: Acd;
  center: Pick<CallCenter, 'agents' | 'finishedCallbacks'>;
}

/** Sign-in, sessions, users and tokens. */
export function coreFeatures(deps: CoreApiDeps): ApiFeature[] {
  return [
    { prefix: API_PREFIX, plugin: sessionRoutes(deps) },
    { prefix: API_PREFIX, plugin: usersRoutes(deps) },
  ];
}

export function productFeatures(deps: ProductApiDeps): ApiFeature[] {
  return [
    ...coreFeatures(deps),
    { prefix: API_PREFIX, plugin: agentStateRoutes({ acd: deps.acd, agents: deps.center.agents }) },
    { prefix: API_PREFIX, plugin: callbacksRoutes({ acd: deps.acd, finished: deps.center.finishedCallbacks }) },
  ];
}
