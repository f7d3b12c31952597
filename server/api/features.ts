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
import type { LoginThrottle } from '../users/login-throttle.js';
import type { Users } from '../users/users.js';
import { announcementsRoutes, type AnnouncementsRoutesDeps } from './announcements-routes.js';
import { avalancheRoutes, type AvalancheRoutesDeps } from './avalanche-routes.js';
import type { ApiFeature } from './server.js';
import { sessionRoutes } from './session-routes.js';
import { usersRoutes } from './users-routes.js';

export const API_PREFIX = '/api/v1';

export interface ProductApiDeps {
  users: Users;
  throttle: LoginThrottle;
  secureCookies: boolean;
  /** Avalanche messages and announcements (absent: an API of users alone). */
  media?: AvalancheRoutesDeps & AnnouncementsRoutesDeps;
}

export function productFeatures(deps: ProductApiDeps): ApiFeature[] {
  return [
    { prefix: API_PREFIX, plugin: sessionRoutes(deps) },
    { prefix: API_PREFIX, plugin: usersRoutes(deps) },
    ...(deps.media ? [
      { prefix: API_PREFIX, plugin: avalancheRoutes(deps.media) },
      { prefix: API_PREFIX, plugin: announcementsRoutes(deps.media) },
    ] : []),
  ];
}
