/**
 * The start-up summary a person sees at the terminal: where to register, an
 * account to try, which numbers lead where, whether the demo is open, where
 * the pages will be, and what to do when the address shown cannot be
 * reached from another machine.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/load.js';
import { startupSummary, type SummaryInput } from '../../server/console-summary.js';

const flows: Record<string, { name: string; description?: string }> = {
  Växel: { name: 'vaxel', description: 'Switchboard with a language choice' },
  Kundtjänst: { name: 'kundtjanst' },
};

function summary(over: Partial<SummaryInput> = {}, env: NodeJS.ProcessEnv = {}): string {
  return startupSummary({
    config: loadConfig({ env }),
    address: '192.0.2.20',
    flowOf: (_number, service) => flows[service] ?? { name: 'standard' },
    pagesServed: false,
    ...over,
  });
}

describe('the start-up summary of the demo', () => {
  const text = summary();

  it('says where to register, with the SIP and WebSocket ports, and an account with its demo password', () => {
    expect(text).toContain('192.0.2.20  port 5060 (UDP or TCP); softphones: ws://127.0.0.1:8088 (this machine only');
    expect(text).toContain('user 1001, password demo-1001');
    expect(text).toContain('1002 Erik Johansson');
  });

  it('softphones: wss:// with a certificate, plain ws:// on the address only when allowed beyond loopback', () => {
    expect(summary({}, { TLS_CERT: '/etc/vaxel/cert.pem', TLS_KEY: '/etc/vaxel/key.pem' })).toContain('softphones: wss://192.0.2.20:8088\n');
    const allowed = loadConfig({ env: {} });
    allowed.sip.allowPlainWebSocket = true;
    expect(summary({ config: allowed })).toContain('softphones: ws://192.0.2.20:8088\n');
    const local = loadConfig({ env: {} });
    local.sip.host = '127.0.0.1';
    expect(summary({ config: local, address: '127.0.0.1' })).toContain('softphones: ws://127.0.0.1:8088\n');
  });

  it('lists each number with its service and where it leads', () => {
    expect(text).toMatch(/\+46313900600 +Växel +flow vaxel: Switchboard with a language choice/);
    expect(text).toMatch(/\+46313900609 +Lantbruk +flow standard/);
    expect(text).toContain('*77 record announcements');
  });

  it('says the demo keeps office hours and how to open it at any hour', () => {
    expect(text).toContain('ALWAYS_OPEN=1');
    expect(summary({}, { ALWAYS_OPEN: '1' })).toContain('Opening hours: ignored (ALWAYS_OPEN)');
  });

  it('says the web pages are not built yet, and on which port they will be', () => {
    expect(text).toContain('Web pages: not built yet (they will be on HTTP port 8080).');
    expect(summary({}, { HTTP_PORT: '9090' })).toContain('HTTP port 9090');
  });

  it('says where the API and its reference are, over HTTPS when a certificate is configured', () => {
    expect(text).toContain('API: http://192.0.2.20:8080/api/v1, its reference at http://192.0.2.20:8080/api/docs');
    const https = summary({}, { TLS_CERT: '/etc/vaxel/cert.pem', TLS_KEY: '/etc/vaxel/key.pem' });
    expect(https).toContain('API: https://192.0.2.20:8080/api/v1, its reference at https://192.0.2.20:8080/api/docs');
  });

  it('says process settings need a restart, and that the files only seeded the running configuration', () => {
    expect(text).toContain('restart after editing them');
    expect(text).toContain('the files seeded it at the first start');
  });

  it('a reachable address gets no warning', () => {
    expect(text).not.toContain('advertisedAddress');
  });
});

describe('an address phones on other machines cannot reach', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['172.17.0.2', 'a container address'],
  ])('%s: says so and how to set sip.advertisedAddress', (address, what) => {
    const text = summary({ address });
    expect(text).toContain(`${address} is ${what}`);
    expect(text).toContain('sip.advertisedAddress');
    expect(text).toContain('CONFIG');
  });
});

describe('secrets', () => {
  it('a password that is not the public demo one is never printed', () => {
    const config = loadConfig({ env: {} });
    config.extensions[0]!.password = 'correct-horse-battery';
    const text = summary({ config });
    expect(text).not.toContain('correct-horse-battery');
    expect(text).toContain('user 1001, its password from your configuration');
    expect(text).not.toContain('every extension\'s password is demo-<extension>');
  });
});
