/**
 * The history on PostgreSQL (DATABASE_URL), through a pg pool: for
 * production and for several instances writing to one database. Instances
 * starting together migrate one at a time (an advisory lock held by the
 * migrating transaction). BIGINT columns come back as numbers: the times
 * and durations are milliseconds, far below 2^53.
 */
import pg from 'pg';
import { MIGRATIONS, MIGRATIONS_TABLE, migrationFailed, pendingMigrations, type Migration } from './migrations.js';
import { HistoryStartError, type HistoryRepository } from './repository.js';
import type { HistoryWrite } from './records.js';
import type { Query } from './rows.js';
import { SqlReads } from './sql-reads.js';
import { numbered, statementsFor } from './sql.js';

const INT8_OID = 20;
/** Any number: the lock key the migrating instance holds ("vaxel" in ASCII). */
const MIGRATION_LOCK = 0x7661_7865_6c;
const CONNECT_TIMEOUT_MS = 5_000;

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export class PostgresHistory extends SqlReads implements HistoryRepository {
  readonly kind = 'postgresql';

  private constructor(private readonly pool: pg.Pool) {
    super();
  }

  /**
   * Connects and applies the migrations the database lacks. Throws
   * HistoryStartError naming the database by host, port and name, never
   * with the password.
   */
  static async open(url: string, opts: { onError: (err: Error) => void; migrations?: readonly Migration[] }): Promise<PostgresHistory> {
    const where = describeDatabase(url);
    // No JIT: the reports look up each queue stay's contact by its key, which
    // the planner prices as if read from disk; the cost it adds up then passes
    // JIT's threshold on a month, and compiling takes seconds while the query
    // itself takes a fraction of one (bench/RESULTS.md, report time).
    const pool = new pg.Pool({ connectionString: url, types, max: 4, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, options: '-c jit=off' });
    // An idle client whose connection dies is reported here rather than crashing the process.
    pool.on('error', opts.onError);
    try {
      await migrate(pool, where, opts.migrations ?? MIGRATIONS);
    } catch (err) {
      await pool.end().catch(() => {});
      if (err instanceof HistoryStartError) throw err;
      throw new HistoryStartError(`history database ${where} cannot be reached: ${withoutSecrets((err as Error).message, url)}`);
    }
    return new PostgresHistory(pool);
  }

  async write(batch: readonly HistoryWrite[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const w of batch) {
        for (const s of statementsFor(w)) await client.query(numbered(s.text), s.params);
      }
    });
  }

  async close(): Promise<void> {
    if (this.pool.ended) return;
    await this.pool.end();
  }

  protected readonly query: Query = async (text, params) => (await this.pool.query(numbered(text), params)).rows;
}

async function migrate(pool: pg.Pool, where: string, migrations: readonly Migration[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(MIGRATIONS_TABLE);
    const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    for (const m of pendingMigrations(migrations, applied.rows.map((r) => r.version))) {
      try {
        for (const statement of m.statements) await client.query(statement);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      } catch (err) {
        throw new HistoryStartError(migrationFailed(where, m, err));
      }
    }
  });
}

/** Runs `work` on one pooled client in a transaction: committed if it returns, rolled back if it throws. */
async function inTransaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** The database as a message may name it: user@host:port/name, without the password. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `postgresql://${user}${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** A driver's message with the URL's password taken out, should it ever echo it. */
function withoutSecrets(message: string, url: string): string {
  let password = '';
  try { password = decodeURIComponent(new URL(url).password); } catch { /* not a URL: nothing to hide */ }
  return password ? message.split(password).join('***') : message;
}
