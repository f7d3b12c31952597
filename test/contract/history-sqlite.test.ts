/** The history repository's contract on SQLite: a file in a temp DATA_DIR. */
import { join } from 'node:path';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { tempDir } from '../support/tmp.js';
import { historyContract } from './history-contract.js';

historyContract('SqliteHistory', {
  place: async () => join(tempDir('history-'), 'history.sqlite'),
  open: async (file, migrations) => SqliteHistory.open(file, migrations),
});
