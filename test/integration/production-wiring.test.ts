/**
 * With DRACHTIO_HOST set the app starts no SIP engine of its own and works
 * through the one it is pointed at. Here that is our SIP server running on
 * its own, standing in for drachtio-server (which cannot run on this
 * machine); with a real drachtio-server the app code is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipServer } from '../../server/sipd/server.js';
import { startApp, type App } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/log.js';
import { freePort } from '../support/ports.js';
import { signInEachRole } from '../support/api.js';
import { assertSippOk, runSipp } from '../support/sipp.js';
import { TEST_ADMIN_PASSWORD, TRUNK_SOURCE_IP } from '../support/product.js';
import { tempDir } from '../support/tmp.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
let engine: SipServer;
let app: App;

beforeAll(async () => {
  engine = new SipServer({
    host: '127.0.0.1', sipPort: await freePort('both'), controlHost: '127.0.0.1',
    controlPort: await freePort('tcp'), secret: 'shared-secret', logger,
  });
  await engine.start();
  const config = loadConfig({
    env: { DRACHTIO_HOST: '127.0.0.1', DRACHTIO_PORT: String(engine.control.port), DRACHTIO_SECRET: 'shared-secret' },
  });
  config.trunks[0]!.trustedSources = [TRUNK_SOURCE_IP];
  config.dataDir = tempDir('data-');
  config.http = { host: '127.0.0.1', port: await freePort('tcp') };
  config.adminPassword = TEST_ADMIN_PASSWORD;
  app = await startApp(config, logger);
});

afterAll(async () => {
  await app?.stop();
  await engine?.stop();
});

describe('production wiring: the app on an external SIP engine', () => {
  it('starts no embedded engine when DRACHTIO_HOST is set', () => {
    expect(app.sipd).toBeUndefined();
  });

  it('answers requests that arrive at the external engine', async () => {
    assertSippOk(await runSipp({ scenario: 'uac-options.xml', remote: engine.transport.udpPort }), 1);
    const unknown = await runSipp({
      scenario: 'uac-404.xml', remote: engine.transport.udpPort, service: '+46313900699', extraArgs: ['-i', TRUNK_SOURCE_IP],
    });
    assertSippOk(unknown, 1);
  });

  it('counts the SIP traffic of the external engine in the metrics, as of the embedded one', async () => {
    const { bearer } = await signInEachRole(app.api, TEST_ADMIN_PASSWORD);
    const scrape = async (): Promise<string> => (await app.api.inject({ method: 'GET', url: '/metrics', headers: bearer.supervisor })).body;
    const count = (text: string, series: string): number => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? 0);
    const before = await scrape();
    assertSippOk(await runSipp({ scenario: 'uac-options.xml', remote: engine.transport.udpPort }), 1);
    const after = await scrape();
    expect(count(after, 'vaxel_sip_requests_received_total{method="OPTIONS"}') - count(before, 'vaxel_sip_requests_received_total{method="OPTIONS"}')).toBe(1);
    expect(count(after, 'vaxel_sip_responses_sent_total{method="OPTIONS",code="200"}') - count(before, 'vaxel_sip_responses_sent_total{method="OPTIONS",code="200"}')).toBe(1);
  });

  it('says clearly when the engine refuses its secret', async () => {
    const config = loadConfig({
      env: { DRACHTIO_HOST: '127.0.0.1', DRACHTIO_PORT: String(engine.control.port), DRACHTIO_SECRET: 'wrong-secret' },
    });
    config.dataDir = tempDir('data-');
    await expect(startApp(config, logger)).rejects.toThrow(/refused us/);
  });
});
