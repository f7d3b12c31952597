/**
 * Who is asking, and may they. Installed on the API's root (./server.ts),
 * so it covers every route of every feature, WebSocket upgrades included
 * (@fastify/websocket routes an upgrade through the same hooks):
 *
 * - at registration, a route that declares neither `config.roles` nor
 *   `config.public` is refused (start-up fails): no route is open by
 *   forgetting. Routes of third-party plugins (the docs pages) are made
 *   public by registering them through `registerPublic`.
 * - on each request, `Authorization: Bearer <token>` (an API token) or the
 *   session cookie (a signed-in user) becomes `request.user`; missing or
 *   unknown credentials get 401, a role the route does not admit 403, and
 *   so does an agent on a route about another agent (`config.ownAgent`). A
 *   public route ignores credentials that do not hold (a stale cookie must
 *   not stop a new sign-in).
 *
 * The route's roles also go into the OpenAPI document (`x-roles`,
 * `x-own-agent`, and `security: []` for public routes), so the document
 * says who may call what.
 */
import type {
  FastifyBaseLogger, FastifyInstance, FastifyRequest, FastifyTypeProvider, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, RouteOptions,
} from 'fastify';
import type { Users } from '../users/users.js';
import { ApiProblem } from './problem.js';
import type { ApiUser } from './roles.js';

export const SESSION_COOKIE = 'vaxel_session';

const PUBLIC_CONTEXT = Symbol('routes of this context are public');

/** The API's instance, whatever its type provider. */
type AnyApi<P extends FastifyTypeProvider> = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, P>;

/** Runs `setup` in a context of its own whose routes need no credentials (pages and documents that hold no data). */
export async function registerPublic<P extends FastifyTypeProvider>(app: AnyApi<P>, setup: (context: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(async (context) => {
    context.decorate(PUBLIC_CONTEXT, true);
    await setup(context);
  });
}

const unauthorized = (): ApiProblem => new ApiProblem(401, 'Unauthorized', 'sign in (POST /api/v1/login) or send an API token as "Authorization: Bearer <token>"');
const forbidden = (user: ApiUser): ApiProblem => new ApiProblem(403, 'Forbidden', `the role ${user.role} may not do this`);

/** An agent acts for themselves only; an agent-role user linked to no agent (a token) for nobody. */
function forbidOtherAgents(user: ApiUser, agentId: string | undefined): void {
  if (user.agentId !== undefined && user.agentId === agentId) return;
  throw new ApiProblem(403, 'Forbidden', user.agentId === undefined
    ? `${user.name} is not linked to an agent`
    : `an agent acts for themselves only (you are agent ${user.agentId})`);
}

export function installAuth<P extends FastifyTypeProvider>(app: AnyApi<P>, users: Users): void {
  app.decorateRequest('user', null);

  app.addHook('onRoute', function checkDeclared(this: FastifyInstance, route: RouteOptions) {
    const config = route.config ?? {};
    if ((this as unknown as Record<symbol, unknown>)[PUBLIC_CONTEXT] === true) route.config = { ...config, public: true };
    else if (!config.public && !config.roles) {
      throw new Error(`API route ${String(route.method)} ${route.url} declares neither config.roles nor config.public`);
    }
    if (config.roles?.length === 0) throw new Error(`API route ${String(route.method)} ${route.url} admits no role`);
    if (config.ownAgent && !route.url.includes(':agentId')) throw new Error(`API route ${String(route.method)} ${route.url} declares ownAgent without an :agentId parameter`);
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    if (route.config?.public) schema['security'] = [];
    else schema['x-roles'] = [...config.roles!];
    if (config.ownAgent) schema['x-own-agent'] = true;
  });

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const user = await identify(request, users);
    if (config.public) {
      request.user = user ?? null;
      return;
    }
    if (!user) throw unauthorized();
    if (!config.roles!.includes(user.role)) throw forbidden(user);
    if (config.ownAgent && user.role === 'agent') forbidOtherAgents(user, (request.params as { agentId?: string }).agentId);
    request.user = user;
  });
}

async function identify(request: FastifyRequest, users: Users): Promise<ApiUser | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return undefined;
    const token = await users.tokenUser(m[1]!);
    // Named apart from users, so what a token did is never taken for what a person did.
    return token ? { name: `token:${token.name}`, role: token.role } : undefined;
  }
  const session = request.cookies[SESSION_COOKIE];
  if (session === undefined) return undefined;
  const user = await users.sessionUser(session);
  return user ? { name: user.name, role: user.role, ...(user.agentId !== undefined ? { agentId: user.agentId } : {}) } : undefined;
}
