/**
 * The people and programs that may use the API: users (a name, a role,
 * optionally the agent they are, a password), API tokens for integrations
 * (a name and a role, created and revoked by admins), and sign-in sessions.
 * The rules live here; storage is the UserStore port (./store-port.ts).
 *
 * Secrets never leave this module in a form that could be used again: a
 * password is kept as an scrypt hash (./password.ts); a token's or a
 * session's secret is handed out once, at creation, and kept as a SHA-256
 * (their secrets are 256 random bits, so a slow hash would add nothing).
 * A token reads `vxt_<id>_<secret>`: the id finds its record, the secret is
 * compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, UNMATCHABLE_HASH, verifyPassword } from './password.js';
import type { Role } from './roles.js';
import type { StoredToken, StoredUser, UserStore } from './store-port.js';

export interface User {
  name: string;
  role: Role;
  agentId?: string;
  createdAt: number;
}

export interface Token {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
}

export type UserErrorKind = 'not-found' | 'conflict' | 'invalid';

/** Refusals a client may word itself (the API's problem `code`). */
export type UserRefusal = 'name-taken' | 'bad-user-name' | 'last-admin' | 'wrong-old-password' | 'password-length';

/** A request the rules refuse; `field` names the part at fault, `params` what the refusal's wording needs. */
export class UserError extends Error {
  constructor(readonly kind: UserErrorKind, message: string, readonly field?: string, readonly refusal?: UserRefusal,
    readonly params?: Readonly<Record<string, number>>) {
    super(message);
    this.name = 'UserError';
  }
}

export const FIRST_ADMIN = 'admin';
export const USER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const USER_NAME = new RegExp(USER_NAME_PATTERN);
const TOKEN_FORM = /^vxt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;

export interface UsersOptions {
  store: UserStore;
  /** ms since the epoch; default Date.now. */
  now?: () => number;
  sessionTtlMs?: number;
}

export class Users {
  private readonly store: UserStore;
  private readonly now: () => number;
  private readonly sessionTtlMs: number;

  constructor(options: UsersOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  }

  /**
   * When no user exists: makes the first admin, named "admin", with
   * `password`, or with a random one that is returned (to be shown once).
   * Nothing when users exist (a password given then is not applied).
   */
  async ensureFirstAdmin(password: string | null): Promise<{ name: string; generatedPassword?: string } | undefined> {
    if ((await this.store.listUsers()).length > 0) return undefined;
    const generated = password === null ? randomBytes(18).toString('base64url') : undefined;
    const user = await this.newUser({ name: FIRST_ADMIN, role: 'admin', password: password ?? generated! });
    // Another instance starting at the same moment may have made it first.
    if (!(await this.store.addUser(user))) return undefined;
    return { name: FIRST_ADMIN, ...(generated ? { generatedPassword: generated } : {}) };
  }

  /** The user when `password` is theirs; a missing user costs the same time as a wrong password. */
  async checkPassword(name: string, password: string): Promise<User | undefined> {
    const user = await this.store.getUser(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
    return ok && user ? view(user) : undefined;
  }

  async startSession(name: string): Promise<{ secret: string; expiresAt: number }> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = now + this.sessionTtlMs;
    await this.store.putSession(sha256(secret), { userName: name, createdAt: now, expiresAt });
    return { secret, expiresAt };
  }

  /** The user of a live session: unknown, expired, begun before a password change, or of a deleted user gives undefined. */
  async sessionUser(secret: string): Promise<User | undefined> {
    const session = await this.store.getSession(sha256(secret), this.now());
    if (!session) return undefined;
    const user = await this.store.getUser(session.userName);
    return user && session.createdAt >= user.sessionsValidFrom ? view(user) : undefined;
  }

  async endSession(secret: string): Promise<void> {
    await this.store.deleteSession(sha256(secret));
  }

  /** The token's name and role when `token` is a live token. */
  async tokenUser(token: string): Promise<Pick<User, 'name' | 'role'> | undefined> {
    const m = TOKEN_FORM.exec(token);
    if (!m) return undefined;
    const stored = await this.store.getToken(m[1]!);
    if (!stored) return undefined;
    const given = Buffer.from(sha256(m[2]!), 'hex');
    const expected = Buffer.from(stored.secretHash, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected) ? { name: stored.name, role: stored.role } : undefined;
  }

  async list(): Promise<User[]> {
    return (await this.store.listUsers()).map(view).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<User> {
    return view(await this.existing(name));
  }

  async create(input: { name: string; role: Role; agentId?: string; password: string }): Promise<User> {
    const user = await this.newUser(input);
    if (!(await this.store.addUser(user))) throw new UserError('conflict', `a user named '${input.name}' exists already`, '/name', 'name-taken');
    return view(user);
  }

  /** Changes role and agent (agentId null: none). The last admin stays an admin. */
  async update(name: string, change: { role?: Role; agentId?: string | null }): Promise<User> {
    const user = await this.existing(name);
    if (change.role !== undefined && change.role !== 'admin' && user.role === 'admin') await this.keepAnAdmin(name, '/role');
    const next: StoredUser = { ...user, ...(change.role !== undefined ? { role: change.role } : {}) };
    if (change.agentId === null) delete next.agentId;
    else if (change.agentId !== undefined) next.agentId = change.agentId;
    await this.replace(next);
    return view(next);
  }

  /** An admin sets a new password; the user's sessions end. */
  async resetPassword(name: string, password: string): Promise<void> {
    const user = await this.existing(name);
    await this.replace({ ...user, ...(await this.passwordFields(password)) });
  }

  /** A user changes their own password, knowing the old one; their other sessions end. */
  async changeOwnPassword(name: string, oldPassword: string, newPassword: string): Promise<void> {
    const user = await this.existing(name);
    if (!(await verifyPassword(oldPassword, user.passwordHash))) throw new UserError('invalid', 'the old password is not right', '/oldPassword', 'wrong-old-password');
    await this.replace({ ...user, ...(await this.passwordFields(newPassword, '/newPassword')) });
  }

  async remove(name: string): Promise<void> {
    const user = await this.existing(name);
    if (user.role === 'admin') await this.keepAnAdmin(name, '/name');
    if (!(await this.store.deleteUser(name))) throw notFound(name);
  }

  /** A new token; its secret is in the answer and nowhere else. */
  async createToken(input: { name: string; role: Role }, createdBy: string): Promise<{ token: Token; secret: string }> {
    const id = randomBytes(8).toString('hex');
    const secretPart = randomBytes(32).toString('base64url');
    const stored: StoredToken = { id, name: input.name, role: input.role, secretHash: sha256(secretPart), createdAt: this.now(), createdBy };
    await this.store.addToken(stored);
    return { token: tokenView(stored), secret: `vxt_${id}_${secretPart}` };
  }

  async listTokens(): Promise<Token[]> {
    return (await this.store.listTokens()).map(tokenView).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async revokeToken(id: string): Promise<void> {
    if (!(await this.store.deleteToken(id))) throw new UserError('not-found', `no token '${id}'`, 'id');
  }

  private async newUser(input: { name: string; role: Role; agentId?: string; password: string }): Promise<StoredUser> {
    if (!USER_NAME.test(input.name)) throw new UserError('invalid', 'a user name is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit', '/name', 'bad-user-name');
    return {
      name: input.name,
      role: input.role,
      ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
      createdAt: this.now(),
      ...(await this.passwordFields(input.password)),
    };
  }

  /** `field`: where the request carries the password. */
  private async passwordFields(password: string, field = '/password'): Promise<Pick<StoredUser, 'passwordHash' | 'sessionsValidFrom'>> {
    if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      throw new UserError('invalid', `a password is ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`, field, 'password-length',
        { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH });
    }
    return { passwordHash: await hashPassword(password), sessionsValidFrom: this.now() };
  }

  private async existing(name: string): Promise<StoredUser> {
    const user = await this.store.getUser(name);
    if (!user) throw notFound(name);
    return user;
  }

  private async replace(user: StoredUser): Promise<void> {
    if (!(await this.store.replaceUser(user))) throw notFound(user.name);
  }

  private async keepAnAdmin(name: string, field: string): Promise<void> {
    const admins = (await this.store.listUsers()).filter((u) => u.role === 'admin' && u.name !== name);
    if (admins.length === 0) throw new UserError('conflict', `'${name}' is the last admin: make another admin first`, field, 'last-admin');
  }
}

const notFound = (name: string): UserError => new UserError('not-found', `no user '${name}'`, 'name');

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function view(u: StoredUser): User {
  return { name: u.name, role: u.role, ...(u.agentId !== undefined ? { agentId: u.agentId } : {}), createdAt: u.createdAt };
}

function tokenView(t: StoredToken): Token {
  return { id: t.id, name: t.name, role: t.role, createdAt: t.createdAt, createdBy: t.createdBy };
}
