/**
 * The users store of a single process: everything in memory, written to one
 * JSON file in DATA_DIR (`users.json`) after each change, atomically (a
 * temporary file in the same folder, then rename), so the file is always
 * the old or the new state. Writes are made one after another, each with
 * the whole state at its time, and a change resolves once it is on disk.
 * A file that cannot be read or understood stops `open` with its name:
 * starting with no users would make a new first admin beside the real ones.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredSession, StoredToken, StoredUser, UserStore } from './store-port.js';

interface Persisted {
  version: 1;
  users: StoredUser[];
  tokens: StoredToken[];
  sessions: Array<StoredSession & { key: string }>;
}

export class FileUserStore implements UserStore {
  private readonly users = new Map<string, StoredUser>();
  private readonly tokens = new Map<string, StoredToken>();
  private readonly sessions = new Map<string, StoredSession>();
  private writing: Promise<void> = Promise.resolve();
  private writes = 0;

  private constructor(private readonly file: string) {}

  /** Reads `file` when it exists. */
  static open(file: string): FileUserStore {
    const store = new FileUserStore(file);
    const saved = readSaved(file);
    for (const u of saved?.users ?? []) store.users.set(u.name, u);
    for (const t of saved?.tokens ?? []) store.tokens.set(t.id, t);
    for (const { key, ...s } of saved?.sessions ?? []) store.sessions.set(key, s);
    return store;
  }

  async listUsers(): Promise<StoredUser[]> { return [...this.users.values()].map((u) => ({ ...u })); }
  async getUser(name: string): Promise<StoredUser | undefined> { return copy(this.users.get(name)); }

  async addUser(user: StoredUser): Promise<boolean> {
    if (this.users.has(user.name)) return false;
    this.users.set(user.name, { ...user });
    await this.persist();
    return true;
  }

  async replaceUser(user: StoredUser): Promise<boolean> {
    if (!this.users.has(user.name)) return false;
    this.users.set(user.name, { ...user });
    await this.persist();
    return true;
  }

  async deleteUser(name: string): Promise<boolean> {
    if (!this.users.delete(name)) return false;
    await this.persist();
    return true;
  }

  async listTokens(): Promise<StoredToken[]> { return [...this.tokens.values()].map((t) => ({ ...t })); }
  async getToken(id: string): Promise<StoredToken | undefined> { return copy(this.tokens.get(id)); }

  async addToken(token: StoredToken): Promise<void> {
    this.tokens.set(token.id, { ...token });
    await this.persist();
  }

  async deleteToken(id: string): Promise<boolean> {
    if (!this.tokens.delete(id)) return false;
    await this.persist();
    return true;
  }

  async putSession(key: string, session: StoredSession): Promise<void> {
    this.sessions.set(key, { ...session });
    await this.persist(session.createdAt);
  }

  async getSession(key: string, now: number): Promise<StoredSession | undefined> {
    const s = this.sessions.get(key);
    return s && s.expiresAt > now ? { ...s } : undefined;
  }

  async deleteSession(key: string): Promise<void> {
    if (this.sessions.delete(key)) await this.persist();
  }

  async close(): Promise<void> {
    await this.writing;
  }

  /** Writes the state; sessions expired at `now` (when given) are dropped first. */
  private persist(now?: number): Promise<void> {
    if (now !== undefined) for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
    const state: Persisted = {
      version: 1,
      users: [...this.users.values()],
      tokens: [...this.tokens.values()],
      sessions: [...this.sessions].map(([key, s]) => ({ key, ...s })),
    };
    const body = JSON.stringify(state, null, 2) + '\n';
    const tmp = `${this.file}.${process.pid}.${++this.writes}.tmp`;
    const job = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, this.file);
    });
    this.writing = job.catch(() => undefined);
    return job;
  }
}

const copy = <T extends object>(x: T | undefined): T | undefined => (x ? { ...x } : undefined);

function readSaved(file: string): Persisted | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the users file ${file}: ${(err as Error).message}`);
  }
  let parsed: Partial<Persisted>;
  try {
    parsed = JSON.parse(text) as Partial<Persisted>;
  } catch {
    throw new Error(`the users file ${file} is not valid JSON: fix it or move it away (a new first admin is then made)`);
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.users) || !Array.isArray(parsed.tokens) || !Array.isArray(parsed.sessions)) {
    throw new Error(`the users file ${file} is not a version 1 users file (users, tokens, sessions)`);
  }
  return parsed as Persisted;
}
