/**
 * Opens the history the configuration names: PostgreSQL when DATABASE_URL
 * is set, else SQLite in DATA_DIR (history.sqlite). Either way its
 * migrations are applied first; a database that cannot be reached or
 * migrated stops start-up with one HistoryStartError.
 */
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { PostgresHistory, describeDatabase } from './postgres.js';
import type { HistoryRepository } from './repository.js';
import { SqliteHistory } from './sqlite.js';

export const SQLITE_FILE = 'history.sqlite';

export async function openHistory(opts: { dataDir: string; databaseUrl: string | null; logger: Logger }): Promise<HistoryRepository> {
  const { databaseUrl, logger } = opts;
  if (databaseUrl) {
    const repository = await PostgresHistory.open(databaseUrl, { onError: (err) => logger.error({ err }, 'history database connection error') });
    logger.info({ database: describeDatabase(databaseUrl) }, 'contact records in PostgreSQL');
    return repository;
  }
  const file = join(resolve(opts.dataDir), SQLITE_FILE);
  const repository = SqliteHistory.open(file);
  logger.info({ file }, 'contact records in SQLite');
  return repository;
}
