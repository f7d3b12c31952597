/**
 * What the metrics count on the wire: SIP requests and the final responses
 * to them, counted in drachtio-srf's middleware against the embedded SIP
 * server (the same middleware sees drachtio-server's traffic), with SIPp on
 * loopback; and media endpoints in use on the embedded media engine.
 */
import Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedMediaServer } from '../../media/engine/index.js';
import { countEndpointsInUse } from '../../media/in-use.js';
import { createLogger } from '../../server/log.js';
import { SipServer } from '../../server/sipd/server.js';
import { watchSipTraffic } from '../../server/sip/traffic.js';
import { ProductMetrics } from '../../server/stats/metrics.js';
import { freePort, freePortRange } from '../support/ports.js';
import { assertSippOk, runSipp } from '../support/sipp.js';

const SECRET = 'metrics-secret';
let sipd: SipServer;
let srf: Srf;
let sipPort: number;
let metrics: ProductMetrics;

beforeAll(async () => {
  sipPort = await freePort('both');
  const controlPort = await freePort('tcp');
  sipd = new SipServer({
    host: '127.0.0.1', sipPort, controlHost: '127.0.0.1', controlPort, secret: SECRET,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  await sipd.start();
  srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    srf.on('connect', (err) => (err ? reject(err) : resolve()));
    void srf.connect({ host: '127.0.0.1', port: controlPort, secret: SECRET });
  });
  metrics = new ProductMetrics();
  watchSipTraffic(srf, metrics.sip);
  // What the switch does, in miniature: handlers that answer and do not pass the request on.
  srf.use('options', (_req, res) => res.send(200));
  srf.invite((_req, res) => res.send(404));
});

afterAll(async () => {
  srf?.disconnect();
  await sipd?.stop();
});

const sample = async (series: string): Promise<number | undefined> => {
  const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

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
