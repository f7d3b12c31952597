/**
 * The product's API features, in one list: each is a plugin registered
 * under its prefix (./server.ts). A new feature adds itself here with the
 * dependencies it needs in `ProductApiDeps`; the test that walks every
 * route of the OpenAPI document with each role (test/unit/api-roles.test.ts)
 * then covers its routes too.
 */
import type { LoginThrottle } from '../users/login-throttle.js';
import type { Users } from '../users/users.js';
import type { ApiFeature } from './server.js';
import { sessionRoutes } from './session-routes.js';
import { usersRoutes } from './users-routes.js';

export const API_PREFIX = '/api/v1';

export interface ProductApiDeps {
  users: Users;
  throttle: LoginThrottle;
  secureCookies: boolean;
}

export function productFeatures(deps: ProductApiDeps): ApiFeature[] {
  return [
    { prefix: API_PREFIX, plugin: sessionRoutes(deps) },
    { prefix: API_PREFIX, plugin: usersRoutes(deps) },
  ];
}
