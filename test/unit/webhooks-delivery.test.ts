/**
 * Sending one webhook's events (server/api/webhooks/delivery.ts) to a real
 * HTTP receiver on loopback, with the pauses on the simulated clock: signed,
 * in order, retried with growing pauses while the receiver fails, dropped
 * when older than the maximum age, and resumed exactly once after a restart.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../server/acd/index.js';
import { retryDelayMs } from '../../server/api/webhooks/backoff.js';
import { WebhookDelivery } from '../../server/api/webhooks/delivery.js';
import type { WebhookEvent } from '../../server/api/webhooks/events.js';
import { DeliveryJournal } from '../../server/api/webhooks/journal.js';
import { webhookTargets, type WebhookTarget } from '../../server/api/webhooks/targets.js';
import { createLogger } from '../../server/log.js';
import { tempDir } from '../support/tmp.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'the-crm-shares-this-secret';
const START = Date.parse('2026-12-02T09:00:00Z');

let receiver: WebhookReceiver | undefined;
const running: WebhookDelivery[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await receiver?.down();
  receiver = undefined;
});

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _e, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  return { logger: createLogger('info', stream), lines };
}

let n = 0;
function event(clock: SimulatedClock, type: WebhookEvent['type'] = 'call.started'): WebhookEvent {
  n++;
  return {
    version: 1, id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type,
    time: new Date(clock.now()).toISOString(), callId: `call-${n}@example`, caller: '+46701740651',
  };
}

function target(url: string, maxAgeHours = 72): WebhookTarget {
  return webhookTargets({ webhooks: [{ url, secret: SECRET, maxAgeHours }] })[0]!;
}

async function delivery(
  clock: SimulatedClock, file: string, t: WebhookTarget, logger = capture().logger, retry = { firstMs: 1_000, maxMs: 8_000 },
): Promise<WebhookDelivery> {
  const d = new WebhookDelivery({ target: t, journal: await DeliveryJournal.open(file, logger), clock, logger, retry, random: () => 0 });
  running.push(d);
  d.start();
  return d;
}

describe('webhook delivery', () => {
  it('posts each event as signed JSON, in order, once', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    const clock = new SimulatedClock(START);
    const d = await delivery(clock, join(tempDir('webhooks-'), 'a.jsonl'), target(receiver.url));
    const events = [event(clock), event(clock, 'call.queued'), event(clock, 'call.ended')];
    for (const e of events) d.enqueue(e);
    expect(receiver.received).toEqual([]); // queued, not sent: the caller's code goes on at once
    await clock.advanceBy(0);

    expect(receiver.received.map((r) => r.event)).toEqual(events);
    for (const r of receiver.received) {
      expect(r.signed).toBe(true);
      expect(r.signedAt).toBe(START / 1000);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['vaxel-event-id']).toBe(r.event.id);
      expect(r.headers['vaxel-event-type']).toBe(r.event.type);
    }
    expect(d.backlog).toBe(0);
  });

  it('a webhook configured with `events` takes those types only', async () => {
    const clock = new SimulatedClock(START);
    const picky = webhookTargets({ webhooks: [{ url: 'https://crm.example.com/in', secret: SECRET, maxAgeHours: 72, events: ['call.answered', 'call.ended'] }] })[0]!;
    const d = await delivery(clock, join(tempDir('webhooks-'), 'a.jsonl'), picky);
    const types: Array<WebhookEvent['type']> = ['call.started', 'call.answered', 'call.ended', 'avalanche.heard'];
    expect(types.map((t) => d.wants(event(clock, t)))).toEqual([false, true, true, false]);
  });

  it('a failing receiver is tried again after 0.5-1 s, 1-2 s, 2-4 s ... up to the maximum, and the events behind wait their turn', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    receiver.status = 503;
    const clock = new SimulatedClock(START);
    const tries: Array<{ at: number; status: number }> = [];
    receiver.onRequest = (status) => tries.push({ at: clock.now() - START, status });
    const { logger, lines } = capture();
    const d = await delivery(clock, join(tempDir('webhooks-'), 'a.jsonl'), target(receiver.url), logger);
    const [first, second] = [event(clock), event(clock, 'call.queued')];
    d.enqueue(first);
    d.enqueue(second);
    // random() = 0: each pause is the lower half's edge, 500, 1000, 2000, 4000, then the cap's half, 4000.
    await clock.advanceBy(0);
    await clock.advanceTo(START + 499);
    expect(tries.map((t) => t.at)).toEqual([0]);
    await clock.advanceTo(START + 11_500);
    expect(tries.map((t) => t.at)).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500]);
    expect(d.backlog).toBe(2);
    receiver.status = 200;
    await clock.advanceTo(START + 15_500);
    expect(tries.map((t) => t.at)).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 15_500]);
    expect(receiver.types()).toEqual(['call.started', 'call.queued']);
    expect(receiver.received.map((r) => r.event.id)).toEqual([first.id, second.id]);
    expect(d.backlog).toBe(0);
    const warnings = lines.filter((l) => l.includes('webhook delivery failed'));
    expect(warnings).toHaveLength(6);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ failure: 'HTTP 503', failures: 1, eventId: first.id, callId: first.callId });
    // Neither the path nor the token of the URL, nor the secret, is logged.
    expect(lines.join('\n')).not.toMatch(/receiver-token-42|hooks\/vaxel|the-crm-shares-this-secret/);
  });

  it('a receiver that is down (connection refused) gets the events when it is back', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    await receiver.down();
    const clock = new SimulatedClock(START);
    const d = await delivery(clock, join(tempDir('webhooks-'), 'a.jsonl'), target(receiver.url));
    const e = event(clock);
    d.enqueue(e);
    await clock.advanceTo(START + 3_500);
    expect(d.backlog).toBe(1);
    await receiver.up();
    await clock.advanceTo(START + 7_500);
    expect(receiver.received.map((r) => r.event)).toEqual([e]);
  });

  it('events older than the maximum age are dropped with an error in the log; newer ones are sent', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    receiver.status = 500;
    const clock = new SimulatedClock(START);
    const { logger, lines } = capture();
    const d = await delivery(clock, join(tempDir('webhooks-'), 'a.jsonl'), target(receiver.url, 1), logger, { firstMs: 1_000, maxMs: 600_000 });
    const old = event(clock);
    d.enqueue(old);
    // Still failing an hour on: the next try finds the event too old.
    await clock.advanceTo(START + 3_900_000);
    expect(d.backlog).toBe(0);
    receiver.status = 204;
    const recent = event(clock);
    d.enqueue(recent);
    await clock.advanceBy(0);
    expect(receiver.received.map((r) => r.event.id)).toEqual([recent.id]);
    const dropped = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg?.toString().includes('older than the maximum age'));
    expect(dropped).toMatchObject([{ level: 50, dropped: 1, oldest: old.time, maxAgeHours: 1 }]);
  });

  it('stopped with events undelivered, started again on the same file: each is delivered once', async () => {
    receiver = await WebhookReceiver.start(SECRET);
    const file = join(tempDir('webhooks-'), 'a.jsonl');
    const clock = new SimulatedClock(START);
    const first = await delivery(clock, file, target(receiver.url));
    const delivered = event(clock);
    first.enqueue(delivered);
    await clock.advanceBy(0);
    receiver.status = 503;
    const waiting = [event(clock, 'call.queued'), event(clock, 'call.ended')];
    for (const e of waiting) first.enqueue(e);
    await clock.advanceBy(2_000);
    await first.stop();
    running.splice(running.indexOf(first), 1);

    receiver.status = 204;
    const second = await delivery(clock, file, target(receiver.url));
    expect(second.backlog).toBe(2);
    await clock.advanceBy(0);
    expect(receiver.received.map((r) => r.event.id)).toEqual([delivered.id, ...waiting.map((e) => e.id)]);
    expect(second.backlog).toBe(0);
  });
});

describe('the pause before the next try', () => {
  const policy = { firstMs: 1_000, maxMs: 300_000 };

  it('doubles with each failure, drawn from the upper half of its ceiling, and stops growing at the maximum', () => {
    const low = [1, 2, 3, 4].map((f) => retryDelayMs(f, policy, () => 0));
    const high = [1, 2, 3, 4].map((f) => retryDelayMs(f, policy, () => 0.999_999));
    expect(low).toEqual([500, 1_000, 2_000, 4_000]);
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(30, policy, () => 0)).toBe(150_000);
    expect(retryDelayMs(1_000, policy, () => 0.999_999)).toBe(300_000);
  });
});
