/**
 * Announcements to a waiting caller queue up, never overwrite each other,
 * on the wire: with nobody logged in, a caller to Kundtjänst (whose flow
 * offers a callback when the estimated wait is long: with nobody staffing
 * the queue, at once) hears their place in line and the "press 1" offer
 * each whole, one after the other, then music. Sara's desk phone (1005,
 * baresip, in no queue of Kundtjänst) is the caller and records what she
 * hears; the prompts are found in her recording sample by sample.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPromptSet, promptFile } from '../../media/speech.js';
import { useListenedProduct } from '../support/listened-product.js';
import { startProduct } from '../support/product.js';
import { heardWhole, readWav } from '../support/audio.js';
import { tempDir } from '../support/tmp.js';

const KUNDTJANST = '+46313900601';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


function flows(): string {
  const dir = tempDir('queue-announcements-flows-');
  writeFileSync(join(dir, 'kundtjanst.yaml'), [
    'flow: kundtjanst', 'services: [Kundtjänst]', 'default: true', 'language: sv', 'nodes:',
    '  - id: ko', '    type: queue', '    queue: kundtjanst', '    music: default', '    announceEverySeconds: 60',
    '    offerCallbackWhenWaitOverSeconds: 120', '',
  ].join('\n'));
  return dir;
}

const centre = useListenedProduct(() => startProduct({ flowDir: flows() }));

describe('announcements to a waiting caller queue up', () => {
  it('nobody logged in: the caller hears their place in line whole, then the callback offer whole', async () => {
    await centre.listener.dial(`sip:${KUNDTJANST}@127.0.0.1:${centre.product.sipPort}`);
    await centre.listener.waitEvent('CALL_ESTABLISHED', 10_000);
    // Both are due at once; together they last about 7 s.
    await expect.poll(() => centre.callEvents.some((e) => e.type === 'queue-announcement'), { timeout: 5_000 }).toBe(true);
    await sleep(8_500);
    await centre.listener.hangup();
    await centre.listener.waitEvent('CALL_CLOSED', 10_000);
    await expect.poll(() => centre.listener.recordings().dec.length, { timeout: 5_000 }).toBe(1);
    await sleep(300); // the dump is closed with the call

    const heard = readWav(centre.listener.recordings().dec[0]!);
    const prompts = loadPromptSet();
    const sound = (name: string) => readWav(promptFile(prompts, 'sv', name));
    const prefix = heardWhole(heard, sound('queue_position_prefix'));
    expect(prefix, 'place in line: "du är nummer"').toBeDefined();
    const one = heardWhole(heard, sound('number_1'), prefix!.start);
    expect(one, 'place in line: "ett"').toBeDefined();
    const suffix = heardWhole(heard, sound('queue_position_suffix'), one!.start);
    expect(suffix, 'place in line: "i kön"').toBeDefined();
    const offer = heardWhole(heard, sound('press_1_callback'), suffix!.start);
    expect(offer, 'the callback offer').toBeDefined();
    // One after the other: the offer starts once the place in line is said.
    expect(offer!.start).toBeGreaterThanOrEqual(suffix!.end - 0.05);
    expect(offer!.start - suffix!.end).toBeLessThan(0.5);
  }, 40_000);
});
