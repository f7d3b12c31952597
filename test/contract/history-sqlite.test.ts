/** The history repository's contract and the reports' on SQLite: a file in a temp DATA_DIR. */
import { join } from 'node:path';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { tempDir } from '../support/tmp.js';
import { historyContract, type HistoryBackend } from './history-contract.js';
import { historyReportContract } from './history-report-contract.js';
import { historyStaffingContract } from './history-staffing-contract.js';

const backend: HistoryBackend = {
  place: async () => join(tempDir('history-'), 'history.sqlite'),
  open: async (file, migrations) => SqliteHistory.open(file, migrations),
};
historyContract('SqliteHistory', backend);
historyStaffingContract('SqliteHistory', backend);
historyReportContract('SqliteHistory', backend);
