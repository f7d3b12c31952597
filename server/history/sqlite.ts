/**
 * The embedded history: SQLite in DATA_DIR (history.sqlite) through
 * better-sqlite3, in WAL mode so reads do not wait for writes. A committed
 * batch survives the process being killed (synchronous=NORMAL keeps
 * committed transactions across a process crash; only a power cut may take
 * the last ones back).
 */
import Database from 'better-sqlite3';
import { MIGRATIONS, MIGRATIONS_TABLE, type Migration, migrationFailed, pendingMigrations } from './migrations.js';
import { HistoryStartError, type HistoryRepository } from './repository.js';
import type { AgentInterval, CaseTypeHandling, ContactRecord, HistoryWrite, IntervalCounts, QueueDay, QueueDayRules } from './records.js';
import { caseTypeHandlingOf, intervalCountsOf, queueDaysOf, readAgentIntervals, readContact, READ, type Query } from './rows.js';
import { CASE_TYPE_HANDLING, INTERVAL_COUNTS, queueDays, statementsFor } from './sql.js';

export class SqliteHistory implements HistoryRepository {
  readonly kind = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating) the file and applies the migrations it lacks; throws HistoryStartError when it cannot. */
  static open(file: string, migrations: readonly Migration[] = MIGRATIONS): SqliteHistory {
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new HistoryStartError(`history database ${file} cannot be opened: ${(err as Error).message}`);
    }
    try {
      migrate(db, file, migrations);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteHistory(db);
  }

  async write(batch: readonly HistoryWrite[]): Promise<void> {
    this.db.transaction(() => {
      for (const w of batch) {
        for (const s of statementsFor(w)) this.prepared(s.text).run(...s.params.map(bindable));
      }
    })();
  }

  contact(id: string): Promise<ContactRecord | undefined> {
    return readContact(this.query, id);
  }

  async contactIds(from: number, to: number): Promise<string[]> {
    return (await this.query(READ.contactIds, [from, to])).map((r) => String(r.id));
  }

  agentIntervals(agent: string, from: number, to: number): Promise<AgentInterval[]> {
    return readAgentIntervals(this.query, agent, from, to);
  }

  async intervalCounts(intervalMinutes: number, from: number, to: number): Promise<IntervalCounts[]> {
    return intervalCountsOf(await this.query(INTERVAL_COUNTS, [intervalMinutes * 60_000, from, to]));
  }

  async caseTypeHandling(from: number, to: number): Promise<CaseTypeHandling[]> {
    return caseTypeHandlingOf(await this.query(CASE_TYPE_HANDLING, [from, to]));
  }

  async queueDays(from: number, to: number, rules: QueueDayRules): Promise<QueueDay[]> {
    const q = queueDays(from, to, rules);
    return queueDaysOf(await this.query(q.text, q.params));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private readonly query: Query = async (text, params) =>
    this.prepared(text).all(...params.map(bindable)) as Array<Record<string, unknown>>;

  private prepared(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }
}

/** SQLite binds no booleans. */
const bindable = (v: unknown): unknown => (typeof v === 'boolean' ? Number(v) : v);

function migrate(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  db.exec(MIGRATIONS_TABLE);
  const applied = db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>;
  for (const m of pendingMigrations(migrations, applied.map((r) => r.version))) {
    try {
      db.transaction(() => {
        for (const statement of m.statements) db.exec(statement);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      })();
    } catch (err) {
      throw new HistoryStartError(migrationFailed(file, m, err));
    }
  }
}
