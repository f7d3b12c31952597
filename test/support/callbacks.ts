/**
 * Callbacks on the wire: the product with the card-blocking queue offering
 * a callback, a caller from the operator network who takes the offer, and
 * Erik, the agent who makes the callback from his desk phone.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flowDir } from '../../server/app.js';
import { API_PREFIX } from '../../server/api/features.js';
import type { Config } from '../../config/schema.js';
import type { AcdEvent } from '../../server/acd/index.js';
import type { CallEvent } from '../../server/calls/center.js';
import { startProduct, TRUNK_SOURCE_IP, type RunningProduct } from './product.js';
import { assertSippOk, runSipp } from './sipp.js';
import { startBaresip, type BaresipPhone } from './baresip.js';
import { freePort, freePortRange } from './ports.js';
import { tempDir } from './tmp.js';

export const CARD_NUMBER = '+46313900603';
/** The agent (kort 4) who makes the callbacks in these tests. */
export const ERIK = '1002';

export type QueueSettings = Partial<Config['queues'][number]>;

/** The repo's flows, with the card-blocking queue offering a callback after 1 s (or as `offer` says). */
export function callbackFlows(offer = 'offerCallbackAfterSeconds: 1'): string {
  const dir = tempDir('flows-');
  cpSync(flowDir(), dir, { recursive: true });
  const file = join(dir, 'kort-och-sparr.yaml');
  writeFileSync(file, `${readFileSync(file, 'utf8').trimEnd()}\n    ${offer}\n`);
  return dir;
}

/** The card-blocking queue with its wrap-up shortened to 1 s, and `kort` over that. */
export function setUpKort(config: Config, kort: QueueSettings = {}): void {
  Object.assign(config.queues.find((q) => q.id === 'kort')!, { wrapUpSeconds: 1, ...kort });
}

export interface CallbackCenter extends RunningProduct {
  /** Where the trunk's far end is to listen. */
  trunkPort: number;
  acdEvents: AcdEvent[];
  callEvents: CallEvent[];
}

export interface CallbackCenterOptions {
  trunkPort?: number;
  flowDir?: string;
  kort?: QueueSettings;
  tweak?: (c: Config) => void;
}

/** The product on the callback flows (unless `flowDir`), recording its ACD and call events. */
export async function startCallbackCenter(opts: CallbackCenterOptions = {}): Promise<CallbackCenter> {
  const trunkPort = opts.trunkPort ?? (await freePort('both'));
  const product = await startProduct({
    flowDir: opts.flowDir ?? callbackFlows(),
    trunkPort,
    tweak: (c) => {
      setUpKort(c, opts.kort);
      opts.tweak?.(c);
    },
  });
  const center: CallbackCenter = { ...product, trunkPort, acdEvents: [], callEvents: [] };
  product.app.acd.on((e) => center.acdEvents.push(e));
  product.app.center.on('event', (e) => center.callEvents.push(e));
  return center;
}

/**
 * A caller from the operator network waits, presses 1, accepts the number
 * read back (RFC 4733) and is hung up on after the confirmation.
 */
export async function takeCallback(sipPort: number, number: string, caller: string): Promise<void> {
  const result = await runSipp({
    scenario: 'uac-callback-accept.xml', remote: sipPort, service: number, keys: { caller },
    mediaPort: await freePortRange(4, 'udp'), timeoutMs: 60_000, extraArgs: ['-i', TRUNK_SOURCE_IP],
  });
  assertSippOk(result, 1);
}

/** Erik's desk phone: answers by itself and sends a 1000 Hz tone. */
export async function eriksPhone(sipPort: number): Promise<BaresipPhone> {
  return startBaresip({
    user: ERIK, password: 'demo-1002', autoAnswer: true, audioSource: { toneHz: 1000, seconds: 60 },
    registrar: { host: '127.0.0.1', port: sipPort, transport: 'udp' },
  });
}

/** Erik's own user of the API and pages, an agent tied to his extension. */
export const ERIK_USER = { name: 'erik', password: 'erik-password-1' };

/** Makes ERIK_USER, as an admin (`adminHeaders`) does. */
export async function makeEriksUser(product: RunningProduct, adminHeaders: Record<string, string>): Promise<void> {
  const made = await product.app.api.inject({
    method: 'POST', url: `${API_PREFIX}/users`, headers: adminHeaders, payload: { ...ERIK_USER, role: 'agent', agentId: ERIK },
  });
  if (made.statusCode !== 201) throw new Error(`Erik's user was not made: HTTP ${made.statusCode} ${made.body}`);
}

export const eventTypes = (events: Array<{ type: string }>): string[] => events.map((e) => e.type);
