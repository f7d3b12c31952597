/**
 * The agent's case type keyed on the phone, with real SIP and RTP on
 * loopback: a caller from the operator network dials card blocking
 * (straight to "kort", whose demo case types are 1 "Kort spärrat" and 2
 * "Nytt kort"), Erik's phone (baresip) answers; after the call he dials
 * *252 and the contact record has case type 2, set by the agent. A code the
 * queue does not list (*259) is answered and refused: the record keeps what
 * it had.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flowDir } from '../../server/app.js';
import { SQLITE_FILE } from '../../server/history/open.js';
import { SqliteHistory } from '../../server/history/sqlite.js';
import { stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { CARD_NUMBER, ERIK, eriksPhone, startCallbackCenter, type CallbackCenter } from '../support/callbacks.js';
import { TrunkCaller } from '../support/trunk-caller.js';

let running: CallbackCenter | undefined;
let history: SqliteHistory | undefined;

afterEach(async () => {
  await stopAllBaresip();
  await running?.stop();
  running = undefined;
  await history?.close();
  history = undefined;
});

/** The agent dials a feature code: answered, confirmed, hung up by the switch. */
async function dialCode(phone: BaresipPhone, code: string): Promise<void> {
  phone.clearEvents();
  await phone.dial(code);
  await phone.waitEvent('CALL_ESTABLISHED', 10_000);
  await phone.waitEvent('CALL_CLOSED', 15_000);
}

describe('the case type keyed on the agent\'s phone', () => {
  it('after a call Erik dials *252: the contact has case type 2 set by the agent; *259, a code kort does not list, changes nothing', async () => {
    const r = running = await startCallbackCenter({ flowDir: flowDir() });
    const erik = await eriksPhone(r.sipPort);
    await expect.poll(() => r.app.acd.agent(ERIK)?.state, { timeout: 10_000 }).toBe('ready');
    const caller = await TrunkCaller.call(r.sipPort, CARD_NUMBER, '+46701740651');
    await erik.waitEvent('CALL_ESTABLISHED', 20_000);
    await caller.hangUp();
    await erik.waitEvent('CALL_CLOSED', 10_000);
    const started = r.callEvents.find((e) => e.type === 'call-started');
    if (started?.type !== 'call-started') throw new Error('no call started');
    history = SqliteHistory.open(join(r.config.dataDir, SQLITE_FILE));
    const fields = async () => {
      await r.app.contactRecords.flush();
      return (await history!.contact(started.callId))?.fields;
    };

    await dialCode(erik, '*252');
    expect(await fields()).toMatchObject({ caseType: '2', caseTypeBy: 'agent' });

    await dialCode(erik, '*259');
    expect(await fields()).toMatchObject({ caseType: '2', caseTypeBy: 'agent' });
  }, 60_000);
});
