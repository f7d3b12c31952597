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
import type { HistoryWrite } from './records.js';
import type { Query } from './rows.js';
import { SqlReads } from './sql-reads.js';
import { statementsFor } from './sql.js';

export class SqliteHistory extends SqlReads implements HistoryRepository {
  readonly kind = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {
    super();
  }

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

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  protected readonly query: Query = async (text, params) =>
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
