/**
 * The roles a user or an API token has. What each admits is declared route
 * by route in the API (server/api/roles.ts says what each role is for).
 */
export const ROLES = ['admin', 'supervisor', 'operator', 'agent'] as const;
export type Role = (typeof ROLES)[number];
