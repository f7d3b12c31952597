/**
 * A hang-up is a normal event, on the wire: a caller (Sara's desk phone,
 * 1005, baresip) hangs up in Kundtjänst's menu while its prompt plays, or
 * during the main number's greeting; the product's log (captured at debug
 * level) tells the hang-up at info level and holds no error and no stack
 * trace.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.js';
import { useListenedProduct } from '../support/listened-product.js';
import { startProduct } from '../support/product.js';
import { tempDir } from '../support/tmp.js';

const KUNDTJANST = '+46313900601';
const MAIN = '+46313900600';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Line = Record<string, unknown> & { level: number; msg: string };
const lines: Line[] = [];

function flows(): string {
  const dir = tempDir('hangup-logs-flows-');
  writeFileSync(join(dir, 'kundtjanst.yaml'), [
    'flow: kundtjanst', 'services: [Kundtjänst]', 'default: true', 'language: sv', 'nodes:',
    '  - { id: meny, type: menu, prompts: [welcome], timeoutSeconds: 5, retries: 2, branches: { "1": ko }, next: ko }',
    '  - { id: ko, type: queue, queue: kundtjanst }', '',
  ].join('\n'));
  return dir;
}

const centre = useListenedProduct(() => startProduct({
  flowDir: flows(),
  logger: createLogger('debug', { write: (line: string) => { lines.push(JSON.parse(line) as Line); } }),
  tweak: (c) => {
    const main = c.numbers.find((n) => n.number === MAIN)!;
    main.target = '1001';
    main.greeting = true;
    delete main.queue;
  },
}));

/** Sara calls `number`, hangs up after `afterMs`; resolves once the call is closed. */
async function callAndHangUp(number: string, afterMs: number): Promise<void> {
  centre.listener.clearEvents();
  await centre.listener.dial(`sip:${number}@127.0.0.1:${centre.product.sipPort}`);
  await centre.listener.waitEvent('CALL_ESTABLISHED', 10_000);
  await sleep(afterMs);
  await centre.listener.hangup();
  await centre.listener.waitEvent('CALL_CLOSED', 10_000);
}

function expectCalmLog(): void {
  expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  expect(lines.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
}

describe('a hang-up is logged as a normal event', () => {
  it('in a menu while its prompt plays: "caller hung up" at info, no error, no stack', async () => {
    lines.length = 0;
    await callAndHangUp(KUNDTJANST, 1_000);
    await expect.poll(() => centre.callEvents.some((e) => e.type === 'call-ended'), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => lines.some((l) => /flow stopped: hang-up/.test(l.msg)), { timeout: 5_000 }).toBe(true);
    expect(lines.filter((l) => l.msg === 'caller hung up').map((l) => l.level)).toEqual([30]);
    expectCalmLog();
    await expect.poll(() => centre.product.app.center.activeCalls, { timeout: 5_000 }).toBe(0);
  }, 30_000);

  it('during the greeting: no error, no stack', async () => {
    lines.length = 0;
    await callAndHangUp(MAIN, 500);
    await expect.poll(() => lines.some((l) => l.msg === 'caller hung up'), { timeout: 5_000 }).toBe(true);
    await sleep(500); // whatever the greeting does after the hang-up is logged by now
    expectCalmLog();
  }, 30_000);
});
