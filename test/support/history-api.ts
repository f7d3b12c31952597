/**
 * Route tests over real contact records: an API (./api.ts) with the routes
 * under test, made from a fresh SQLite history in a temp DATA_DIR and a
 * running configuration of their own, both closed after each test.
 *
 *   const start = apiOverHistory(({ history, running }) => reportsRoutes({ history, running }));
 *   it('…', async () => { const t = await start(); await t.history.write([...]); … });
 */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Config } from '../../server/config/load.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import type { RunningConfig } from '../../server/running/index.js';
import type { ApiFeature } from '../../server/api/server.js';
import { buildTestApi, type TestApi } from './api.js';
import { openRunning } from './running.js';
import { tempDir } from './tmp.js';

export interface HistoryParts {
  history: SqliteHistory;
  running: RunningConfig;
  /** The temp DATA_DIR the history is kept in, for other files the routes keep. */
  dataDir: string;
}

export interface HistoryTestApi extends TestApi {
  history: SqliteHistory;
  dataDir: string;
}

/** The routes under test, registered under /api/v1. */
export type HistoryRoutes = (parts: HistoryParts) => ApiFeature['plugin'] | Promise<ApiFeature['plugin']>;

/** Registers the after-each close; `start(base)` builds the API, on `base` as the seed configuration if given. */
export function apiOverHistory(routes: HistoryRoutes): (base?: Config) => Promise<HistoryTestApi> {
  let t: TestApi | undefined;
  let history: SqliteHistory | undefined;
  afterEach(async () => {
    await t?.close();
    await history?.close();
    t = undefined;
    history = undefined;
  });
  return async (base) => {
    const dataDir = tempDir('history-');
    const opened = SqliteHistory.open(join(dataDir, 'history.sqlite'));
    history = opened;
    const running = await openRunning(base);
    t = await buildTestApi({ running, features: [{ prefix: '/api/v1', plugin: await routes({ history: opened, running, dataDir }) }] });
    return { ...t, history: opened, dataDir };
  };
}
