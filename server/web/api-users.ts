/** Users and API tokens (server/api/users-routes.ts). */
import { call, type Role } from './api.js';

export const ROLES: readonly Role[] = ['admin', 'supervisor', 'operator', 'agent'];

export interface User {
  name: string;
  role: Role;
  agentId?: string;
  createdAt: string;
}

export interface Token {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
}

const userPath = (name: string): string => `/users/${encodeURIComponent(name)}`;

export const listUsers = (): Promise<User[]> => call('GET', '/users');
export const createUser = (user: { name: string; role: Role; password: string; agentId?: string }): Promise<User> => call('POST', '/users', user);
export const changeRole = (name: string, role: Role): Promise<User> => call('PATCH', userPath(name), { role });
export const resetPassword = (name: string, password: string): Promise<void> => call('PUT', `${userPath(name)}/password`, { password });
export const deleteUser = (name: string): Promise<void> => call('DELETE', userPath(name));

export const listTokens = (): Promise<Token[]> => call('GET', '/tokens');
export const createToken = (token: { name: string; role: Role }): Promise<{ token: Token; secret: string }> => call('POST', '/tokens', token);
export const revokeToken = (id: string): Promise<void> => call('DELETE', `/tokens/${encodeURIComponent(id)}`);
