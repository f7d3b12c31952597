/**
 * What the users, API tokens and sign-in sessions need from storage: one
 * port, two implementations (./file-store.ts for one process, persisted in
 * DATA_DIR; ./redis-store.ts so several instances share them). The store
 * keeps records; the rules (who may do what, hashing, expiry) are in
 * ./users.ts. Nothing here holds a password or a token in clear: users keep
 * an scrypt hash, tokens and sessions are keyed by a SHA-256 of their secret.
 *
 * Sessions are kept in the store rather than carried in signed cookies: a
 * logout then ends exactly that session on every instance at once, and a
 * password reset or a deleted user ends the user's sessions through
 * `sessionsValidFrom` without a list of them to walk.
 */
import type { Role } from './roles.js';

export interface StoredUser {
  name: string;
  role: Role;
  /** The agent (extension) this user is. */
  agentId?: string;
  /** ./password.ts's stored form. */
  passwordHash: string;
  /** ms since the epoch. */
  createdAt: number;
  /** Sessions begun before this (ms since the epoch) are no longer valid: set by a password change. */
  sessionsValidFrom: number;
}

export interface StoredToken {
  /** Public part of the token, shown in lists, used to revoke it. */
  id: string;
  name: string;
  role: Role;
  /** SHA-256 (hex) of the token's secret part. */
  secretHash: string;
  createdAt: number;
  /** The admin who created it. */
  createdBy: string;
}

export interface StoredSession {
  userName: string;
  /** ms since the epoch. */
  createdAt: number;
  expiresAt: number;
}

export interface UserStore {
  listUsers(): Promise<StoredUser[]>;
  getUser(name: string): Promise<StoredUser | undefined>;
  /** Adds the user unless one of that name exists (atomically, across instances); whether it was added. */
  addUser(user: StoredUser): Promise<boolean>;
  /** Replaces an existing user; false (nothing written) when there is none of that name. */
  replaceUser(user: StoredUser): Promise<boolean>;
  deleteUser(name: string): Promise<boolean>;

  listTokens(): Promise<StoredToken[]>;
  getToken(id: string): Promise<StoredToken | undefined>;
  addToken(token: StoredToken): Promise<void>;
  deleteToken(id: string): Promise<boolean>;

  /** `key` is the SHA-256 of the session's secret; the store forgets it after `expiresAt`. */
  putSession(key: string, session: StoredSession): Promise<void>;
  /** undefined when unknown or expired at `now`. */
  getSession(key: string, now: number): Promise<StoredSession | undefined>;
  deleteSession(key: string): Promise<void>;

  close(): Promise<void>;
}
