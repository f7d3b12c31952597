/**
 * Reporting to the ACD from a call: the call goes on whatever the ACD
 * answers. An AcdError (the entry or the offer is already gone: the caller
 * left meanwhile, the ring timeout took the offer back) is an ordinary race,
 * logged on the call's logger, never thrown.
 */
import type { Logger } from 'pino';

export async function tellAcd(log: Logger, op: () => Promise<void>, what: string): Promise<void> {
  try {
    await op();
  } catch (err) {
    log.info({ err: (err as Error).message }, `ACD ${what} not applied`);
  }
}
