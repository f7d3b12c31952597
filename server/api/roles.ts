/**
 * Who may do what through the API. Every route names the roles it admits
 * (`config.roles`) or says it is public (`config.public`); the auth hooks
 * (./auth.ts) refuse to register a route that does neither, so no route is
 * open by forgetting.
 *
 * - admin: everything
 * - supervisor: live state, agent states, avalanche messages, announcements,
 *   opening-hour exceptions, reports
 * - operator: avalanche messages, announcements, opening-hour exceptions
 * - agent: their own state and their own calls (routes about one agent
 *   declare `ownAgent`: another agent's id is 403)
 */
import type {} from 'fastify';
import { ROLES, type Role } from '../users/roles.js';

export { ROLES, type Role };

/** The signed-in user of a request, as the auth hooks set it. */
export interface ApiUser {
  /** The user's name, or `token:<name>` for an API token. */
  name: string;
  role: Role;
  /** The agent (extension) this user is, for the agent role. */
  agentId?: string;
}

/** Roles commonly admitted together, so routes read as the role list says. */
export const ADMIN: readonly Role[] = ['admin'];
export const SUPERVISION: readonly Role[] = ['admin', 'supervisor'];
export const OPERATIONS: readonly Role[] = ['admin', 'supervisor', 'operator'];
export const EVERYONE: readonly Role[] = ROLES;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted to this route. */
    roles?: readonly Role[];
    /** No credentials needed (login, the OpenAPI document). */
    public?: boolean;
    /**
     * The route is about the agent named by its `agentId` parameter: a user
     * of the agent role is admitted for their own agent only (./auth.ts).
     */
    ownAgent?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hooks before the handler runs; null on a public route without credentials. */
    user: ApiUser | null;
  }
}
