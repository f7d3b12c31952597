/**
 * What the metrics count on the wire: SIP requests and the final responses
 * to them, counted in drachtio-srf's middleware against the embedded SIP
 * server (the same middleware sees drachtio-server's traffic), with SIPp on
 * loopback; media endpoints in use on the embedded media engine; and the
 * product's own GET /metrics, scraped over real HTTP with a supervisor's
 * API token as Prometheus would, while a SIPp caller waits and after.
 */
import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedMediaServer } from '../../media/engine/index.js';
import { countEndpointsInUse } from '../../media/in-use.js';
import { watchSipTraffic } from '../../server/sip/traffic.js';
import { ProductMetrics } from '../../server/stats/metrics.js';
import { signInEachRole } from '../support/api.js';
import { startSipdWithSrf, type SipdWithSrf } from '../support/embedded-sipd.js';
import { freePortRange } from '../support/ports.js';
import { startProduct, TEST_ADMIN_PASSWORD, TRUNK_SOURCE_IP } from '../support/product.js';
import { assertSippOk, runSipp } from '../support/sipp.js';
import { waitFor } from '../support/wait.js';

let sip: SipdWithSrf;
let srf: Srf;
let sipPort: number;
let metrics: ProductMetrics;

beforeAll(async () => {
  sip = await startSipdWithSrf();
  ({ srf, port: sipPort } = sip);
  metrics = new ProductMetrics();
  watchSipTraffic(srf, metrics.sip);
  // What the switch does, in miniature: handlers that answer and do not pass the request on.
  srf.use('options', (_req, res) => res.send(200));
  srf.invite((_req, res) => res.send(404));
});

afterAll(async () => {
  await sip?.stop();
});

/** The value of one sample line of a scrape, e.g. `vaxel_agents{state="ready"}`. */
function valueIn(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const sample = async (series: string): Promise<number | undefined> => valueIn(await metrics.registry.metrics(), series);

describe('metrics on the wire', () => {
  it('counts SIP requests by method and the final responses by method and code', async () => {
    assertSippOk(await runSipp({ scenario: 'uac-options.xml', remote: sipPort }), 1);
    assertSippOk(await runSipp({ scenario: 'uac-options.xml', remote: sipPort }), 1);
    assertSippOk(await runSipp({ scenario: 'uac-404.xml', remote: sipPort, service: '+46313900699' }), 1);
    expect(await sample('vaxel_sip_requests_received_total{method="OPTIONS"}')).toBe(2);
    expect(await sample('vaxel_sip_responses_sent_total{method="OPTIONS",code="200"}')).toBe(2);
    expect(await sample('vaxel_sip_requests_received_total{method="INVITE"}')).toBe(1);
    expect(await sample('vaxel_sip_responses_sent_total{method="INVITE",code="404"}')).toBe(1);
  });

  it('counts media endpoints from creation until destroyed', async () => {
    const portMin = await freePortRange(4, 'udp');
    const media = countEndpointsInUse(new EmbeddedMediaServer({ portMin, portMax: portMin + 3, bindAddress: '127.0.0.1' }));
    try {
      const a = await media.createEndpoint({});
      const b = await media.createEndpoint({});
      expect(media.endpointsInUse).toBe(2);
      await a.destroy();
      expect(media.endpointsInUse).toBe(1);
      await b.destroy();
      expect(media.endpointsInUse).toBe(0);
    } finally {
      await media.close();
    }
  });
});

describe('GET /metrics on the product', () => {
  it('counts a SIPp call as it waits in a queue and after it hung up; a supervisor token scrapes, an operator token is refused', async () => {
    const product = await startProduct();
    try {
      const { bearer } = await signInEachRole(product.app.api, TEST_ADMIN_PASSWORD);
      const scrape = async (): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${product.config.http.port}/metrics`, { headers: bearer.supervisor });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        return res.text();
      };
      const operator = await fetch(`http://127.0.0.1:${product.config.http.port}/metrics`, { headers: bearer.operator });
      expect(operator.status).toBe(403);

      const call = runSipp({
        scenario: 'uac-basic.xml', remote: product.sipPort, service: '+46313900603', durationMs: 3_000, extraArgs: ['-i', TRUNK_SOURCE_IP],
      });
      const kort = () => product.app.acd.snapshot().queues.find((q) => q.id === 'kort')!;
      await waitFor(() => kort().waiting === 1, { what: 'the caller waiting in kort' });
      const during = await scrape();
      expect(valueIn(during, 'vaxel_calls_in_progress')).toBe(1);
      expect(valueIn(during, 'vaxel_queue_waiting{queue="kort"}')).toBe(1);
      expect(valueIn(during, 'vaxel_media_endpoints_in_use')).toBeGreaterThanOrEqual(1);
      expect(valueIn(during, 'vaxel_sip_requests_received_total{method="INVITE"}')).toBe(1);
      expect(valueIn(during, 'vaxel_agents{state="logged-out"}')).toBe(product.app.acd.snapshot().agents.length);
      expect(valueIn(during, 'vaxel_webhook_backlog')).toBe(0);

      assertSippOk(await call, 1);
      await waitFor(() => product.app.center.activeCalls === 0, { what: 'the call over' });
      const after = await scrape();
      expect(valueIn(after, 'vaxel_calls_in_progress')).toBe(0);
      expect(valueIn(after, 'vaxel_queue_waiting{queue="kort"}')).toBe(0);
      expect(valueIn(after, 'vaxel_media_endpoints_in_use')).toBe(0);
      expect(valueIn(after, 'vaxel_sip_responses_sent_total{method="INVITE",code="200"}')).toBe(1);
    } finally {
      await product.stop();
    }
  });
});
