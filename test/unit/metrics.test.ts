/**
 * The metrics (server/stats/metrics.ts) scraped through GET /metrics
 * (server/api/metrics.ts) over a real ACD, in the API with its sign-in and
 * roles (test/support/api.ts), with a supervisor's API token as a
 * Prometheus scrape job sends it.
 */
import type { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsRoutes } from '../../server/api/metrics.js';
import { ProductMetrics } from '../../server/stats/metrics.js';
import { agent } from './acd-fixtures.js';
import { buildTestApi, type Headers, type TestApi } from '../support/api.js';
import { liveCentre, type LiveCentre } from '../support/live.js';

let c: LiveCentre;
let t: TestApi;

afterEach(async () => {
  await t.close();
  c.live.stop();
  await c.acd.stop();
});

/** The API with GET /metrics at the root, serving `registry`. */
async function serve(registry: Registry): Promise<void> {
  t = await buildTestApi({ features: [{ prefix: '', plugin: metricsRoutes({ registry }) }] });
}

const getMetrics = (headers: Headers) => t.api.inject({ method: 'GET', url: '/metrics', headers });

/** The value of one sample line, e.g. `vaxel_agents{state="ready"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(): Promise<string> {
  const res = await getMetrics(t.bearer.supervisor);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('GET /metrics', () => {
  it('reports calls, queues, agents, media, SIP traffic, the webhook backlog and the event loop', async () => {
    c = await liveCentre({ agents: [agent('anna'), agent('bert'), agent('cleo')], loggedIn: ['anna'] });
    const metrics = new ProductMetrics();
    let backlog = 7;
    metrics.watch({ acd: c.acd, callsInProgress: () => 3, mediaEndpointsInUse: () => 4, webhookBacklog: () => backlog });
    await serve(metrics.registry);
    for (const id of ['call-1', 'call-2', 'call-3']) await c.arrive(id); // Anna is rung for the first
    await c.acd.login('cleo');
    await c.acd.pause('cleo', 'lunch');
    metrics.sip.request('INVITE');
    metrics.sip.response('INVITE', 486);
    metrics.sip.request('XYZZY'); // a peer's invention does not get a label of its own

    let text = await scrape();
    expect(sample(text, 'vaxel_calls_in_progress')).toBe(3);
    expect(sample(text, 'vaxel_queue_waiting{queue="support"}')).toBe(2);
    expect(sample(text, 'vaxel_agents{state="reserved"}')).toBe(1);
    expect(sample(text, 'vaxel_agents{state="paused"}')).toBe(1);
    expect(sample(text, 'vaxel_agents{state="logged-out"}')).toBe(1);
    expect(sample(text, 'vaxel_agents{state="ready"}')).toBe(0);
    expect(sample(text, 'vaxel_media_endpoints_in_use')).toBe(4);
    expect(sample(text, 'vaxel_webhook_backlog')).toBe(7);
    expect(sample(text, 'vaxel_sip_requests_received_total{method="INVITE"}')).toBe(1);
    expect(sample(text, 'vaxel_sip_requests_received_total{method="OTHER"}')).toBe(1);
    expect(sample(text, 'vaxel_sip_responses_sent_total{method="INVITE",code="486"}')).toBe(1);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);

    // Read when scraped.
    backlog = 0;
    await c.hangUp('call-2');
    text = await scrape();
    expect(sample(text, 'vaxel_webhook_backlog')).toBe(0);
    expect(sample(text, 'vaxel_queue_waiting{queue="support"}')).toBe(1);
  });

  it('keeps each product to its own registry, so several in one process do not clash', async () => {
    c = await liveCentre({ agents: [agent('anna')], loggedIn: [] });
    const one = new ProductMetrics();
    const two = new ProductMetrics();
    one.watch({ acd: c.acd, callsInProgress: () => 1, mediaEndpointsInUse: () => 0 });
    two.watch({ acd: c.acd, callsInProgress: () => 2, mediaEndpointsInUse: () => 0 });
    one.sip.request('OPTIONS');
    await serve(two.registry);
    const text = await scrape();
    expect(sample(text, 'vaxel_calls_in_progress')).toBe(2);
    expect(sample(text, 'vaxel_sip_requests_received_total{method="OPTIONS"}')).toBeUndefined();
    expect(sample(await one.registry.metrics(), 'vaxel_calls_in_progress')).toBe(1);
    // Without a webhook backlog to read, no such gauge.
    expect(text).not.toContain('vaxel_webhook_backlog');
  });

  it('is at /metrics for admins and supervisors, by API token or session; refuses operators, agents and strangers', async () => {
    c = await liveCentre({ agents: [agent('anna')], loggedIn: [] });
    await serve(new ProductMetrics().registry);
    for (const headers of [t.bearer.supervisor, t.bearer.admin, t.as.supervisor, t.as.admin]) {
      expect((await getMetrics(headers)).statusCode).toBe(200);
    }
    for (const headers of [t.bearer.operator, t.bearer.agent, t.as.operator, t.as.agent]) {
      const res = await getMetrics(headers);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await getMetrics({})).statusCode).toBe(401);
    expect((await getMetrics({ authorization: 'Bearer not-a-token' })).statusCode).toBe(401);
    expect((await t.api.inject({ method: 'GET', url: '/api/v1/metrics', headers: t.bearer.supervisor })).statusCode).toBe(404);
  });
});
