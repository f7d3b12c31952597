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
import { afterAll, describe, expect, it } from 'vitest';
import { loadPromptSet, promptFile } from '../../media/speech.js';
import type { CallEvent } from '../../server/calls/center.js';
import { useListenedProduct } from '../support/listened-product.js';
import { startProduct, TRUNK_HOST_IP } from '../support/product.js';
import { heardWhole, readWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';

const KUNDTJANST = '+46313900601';
const OUTSIDE = '+46701740699';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let deadTrunk: Socket | undefined;
let invitesToTrunk = 0;

function flows(): string {
  const dir = tempDir('dead-trunk-flows-');
  writeFileSync(join(dir, 'kundtjanst.yaml'), [
    'flow: kundtjanst', 'services: [Kundtjänst]', 'default: true', 'language: sv', 'nodes:',
    `  - { id: vidare, type: transfer, to: "${OUTSIDE}", timeoutSeconds: 30, branches: { failed: hejda } }`,
    '  - { id: hejda, type: hangup, prompts: [goodbye] }', '',
  ].join('\n'));
  return dir;
}

// Registered before the product's own hooks, so it runs after them (after-hooks run in reverse).
afterAll(() => {
  deadTrunk?.close();
});

const centre = useListenedProduct(async () => {
  const trunk = createSocket('udp4');
  deadTrunk = trunk;
  trunk.on('message', (msg) => { if (msg.toString().startsWith('INVITE ')) invitesToTrunk++; });
  await new Promise<void>((resolve) => trunk.bind(0, TRUNK_HOST_IP, resolve));
  return startProduct({ flowDir: flows(), trunkPort: trunk.address().port });
});

describe('a dead trunk', () => {
  it('a transfer to an outside number: trunk-unreachable and "please hold" within about 5 s, then the failed branch', async () => {
    await centre.listener.dial(`sip:${KUNDTJANST}@127.0.0.1:${centre.product.sipPort}`);
    await centre.listener.waitEvent('CALL_ESTABLISHED', 10_000);
    const answeredAt = Date.now();
    await expect.poll(() => centre.callEvents.some((e) => e.type === 'trunk-unreachable'), { timeout: 8_000 }).toBe(true);
    expect(Date.now() - answeredAt).toBeLessThan(6_000);
    expect(invitesToTrunk).toBeGreaterThan(0);
    const started = centre.callEvents.find((e): e is Extract<CallEvent, { type: 'call-started' }> => e.type === 'call-started')!;
    expect(centre.callEvents.find((e) => e.type === 'trunk-unreachable')).toMatchObject({ callId: started.callId, uri: expect.stringContaining(OUTSIDE) });

    // The failed branch says goodbye and hangs up.
    await centre.listener.waitEvent('CALL_CLOSED', 15_000);
    expect(centre.callEvents.filter((e) => e.type === 'transfer')).toMatchObject([{ outcome: 'unavailable' }]);
    await expect.poll(() => centre.listener.recordings().dec.length, { timeout: 5_000 }).toBe(1);
    await sleep(300); // the dump is closed with the call
    const heard = readWav(centre.listener.recordings().dec[0]!);
    const prompts = loadPromptSet();
    const told = heardWhole(heard, readWav(promptFile(prompts, 'sv', 'please_hold')));
    expect(told, '"please hold"').toBeDefined();
    expect(told!.start).toBeLessThan(5.5);
    await expect.poll(() => centre.product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  }, 40_000);
});
