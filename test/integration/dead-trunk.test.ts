/**
 * A dead trunk, on the wire: the operator trunk is a socket on 127.0.0.3
 * that takes every packet and answers none (not even 100 Trying). A flow
 * transfers Kundtjänst's callers to an outside number through it. Within
 * the trunk's answer timeout (4 s, the default) `trunk-unreachable` is
 * raised and the caller (Sara's desk phone, 1005, baresip, recording what
 * she hears) hears "please hold" whole, then the flow's failed branch,
 * rather than 32 s of silence and a 408.
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptSet, promptFile } from '../../media/speech.js';
import type { CallEvent } from '../../server/calls/center.js';
import { startProduct, TRUNK_HOST_IP, type RunningProduct } from '../support/product.js';
import { startListeningPhone, stopAllBaresip, type BaresipPhone } from '../support/baresip.js';
import { heardWhole, readWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';

const KUNDTJANST = '+46313900601';
const OUTSIDE = '+46701740699';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let product: RunningProduct;
let sara: BaresipPhone;
let deadTrunk: Socket;
let invitesToTrunk = 0;
const callEvents: CallEvent[] = [];

function flows(): string {
  const dir = tempDir('dead-trunk-flows-');
  writeFileSync(join(dir, 'kundtjanst.yaml'), [
    'flow: kundtjanst', 'services: [Kundtjänst]', 'default: true', 'language: sv', 'nodes:',
    `  - { id: vidare, type: transfer, to: "${OUTSIDE}", timeoutSeconds: 30, branches: { failed: hejda } }`,
    '  - { id: hejda, type: hangup, prompts: [goodbye] }', '',
  ].join('\n'));
  return dir;
}

beforeAll(async () => {
  deadTrunk = createSocket('udp4');
  deadTrunk.on('message', (msg) => { if (msg.toString().startsWith('INVITE ')) invitesToTrunk++; });
  await new Promise<void>((resolve) => deadTrunk.bind(0, TRUNK_HOST_IP, resolve));
  product = await startProduct({ flowDir: flows(), trunkPort: deadTrunk.address().port });
  product.app.center.on('event', (e) => callEvents.push(e));
  sara = await startListeningPhone(product.sipPort);
}, 30_000);

afterAll(async () => {
  await stopAllBaresip();
  await product?.stop();
  deadTrunk?.close();
});

describe('a dead trunk', () => {
  it('a transfer to an outside number: trunk-unreachable and "please hold" within about 5 s, then the failed branch', async () => {
    await sara.dial(`sip:${KUNDTJANST}@127.0.0.1:${product.sipPort}`);
    await sara.waitEvent('CALL_ESTABLISHED', 10_000);
    const answeredAt = Date.now();
    await expect.poll(() => callEvents.some((e) => e.type === 'trunk-unreachable'), { timeout: 8_000 }).toBe(true);
    expect(Date.now() - answeredAt).toBeLessThan(6_000);
    expect(invitesToTrunk).toBeGreaterThan(0);
    const started = callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started')!;
    expect(callEvents.find((e) => e.type === 'trunk-unreachable')).toMatchObject({ callId: started.callId, uri: expect.stringContaining(OUTSIDE) });

    // The failed branch says goodbye and hangs up.
    await sara.waitEvent('CALL_CLOSED', 15_000);
    expect(callEvents.filter((e) => e.type === 'transfer')).toMatchObject([{ outcome: 'unavailable' }]);
    await expect.poll(() => sara.recordings().dec.length, { timeout: 5_000 }).toBe(1);
    await sleep(300); // the dump is closed with the call
    const heard = readWav(sara.recordings().dec[0]!);
    const prompts = loadPromptSet();
    const told = heardWhole(heard, readWav(promptFile(prompts, 'sv', 'please_hold')));
    expect(told, '"please hold"').toBeDefined();
    expect(told!.start).toBeLessThan(5.5);
    await expect.poll(() => product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  }, 40_000);
});
