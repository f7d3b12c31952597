/**
 * The webhooks as a whole (server/api/webhooks/index.ts) on a real ACD: one
 * process per backlog folder, so two instances sharing a DATA_DIR (possible
 * with Redis) cannot send each other's events twice.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Webhooks } from '../../server/api/webhooks/index.js';
import type { CallEvent } from '../../server/calls/events.js';
import { tempDir } from '../support/tmp.js';
import { agent, centre } from './acd-fixtures.js';

const webhooks = [{ url: 'http://127.0.0.1:9/hooks', secret: 'the-crm-shares-this-secret', maxAgeHours: 72 }];

async function start(dataDir: string): Promise<Webhooks> {
  const { acd, clock } = await centre({ agents: [agent('1002')] });
  return Webhooks.start({
    config: { webhooks, dataDir }, center: new EventEmitter<{ event: [CallEvent] }>(), acd, clock, logger: pino({ level: 'silent' }),
  });
}

describe('webhooks sharing a DATA_DIR', () => {
  it('a second instance on the same backlog folder is refused, naming it; once the first has stopped it starts', async () => {
    const dataDir = tempDir('data-');
    const first = await start(dataDir);
    await expect(start(dataDir)).rejects.toThrow(`the data folder ${dataDir}/webhooks (dataDir, DATA_DIR) is in use by another instance (process ${process.pid})`);
    await first.stop();
    const second = await start(dataDir);
    expect(second.backlog()).toBe(0);
    await second.stop();
  });
});
