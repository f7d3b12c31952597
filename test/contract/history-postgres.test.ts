/**
 * The history repository's contract and the reports' on a real PostgreSQL (Debian's server,
 * started for this file on a free port, a fresh database per test), plus
 * what only a server has: one that cannot be reached stops start-up with
 * one message, without the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresHistory } from '../../server/history/postgres.js';
import { HistoryStartError } from '../../server/history/repository.js';
import { freePort } from '../support/ports.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { historyContract, type HistoryBackend } from './history-contract.js';
import { historyStaffingContract } from './history-staffing-contract.js';
import { historyReportContract } from './history-report-contract.js';

let postgres: PostgresServer | undefined;
beforeAll(async () => { postgres = await startPostgres(); }, 60_000);
afterAll(async () => { await postgres?.stop(); });

const backend: HistoryBackend = {
  place: () => postgres!.database(),
  // An idle connection the server ends is the product's to log; here the server's own shutdown ends the last ones.
  open: (url, migrations) => PostgresHistory.open(url, { onError: () => {}, ...(migrations ? { migrations } : {}) }),
};
historyContract('PostgresHistory', backend);
historyStaffingContract('PostgresHistory', backend);
historyReportContract('PostgresHistory', backend);

describe('PostgresHistory', () => {
  it('stops with one message naming the database, never its password, when the database cannot be reached', async () => {
    const port = await freePort('tcp');
    const url = `postgresql://vaxel:hemligt-lösen@127.0.0.1:${port}/vaxel`;
    const err = await PostgresHistory.open(url, { onError: () => {} }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HistoryStartError);
    const message = (err as Error).message;
    expect(message).toContain(`history database postgresql://vaxel@127.0.0.1:${port}/vaxel cannot be reached: `);
    expect(message).not.toContain('hemligt');
  });
});
