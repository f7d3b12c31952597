import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../server/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'vaxel-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes a YAML overlay to a temporary file and returns its absolute path. */
function overlay(yaml: string): string {
  const file = join(dir, `overlay-${++fileNo}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** The ConfigError message loadConfig throws for `env`, failing the test if it does not throw one. */
function errorFor(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig({ env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('the demo company in config/default.yaml', () => {
  const config: Config = loadConfig({ env: {} });

  it('loads and validates with the runtime contract defaults', () => {
    expect(config.company.name).toBe('Kustbanken');
    expect(config.sip).toMatchObject({ host: '0.0.0.0', port: 5060, wsPort: 8088, domain: 'kustbanken.local' });
    // No plain SIP over WebSocket beyond loopback unless the operator says so.
    expect(config.sip.allowPlainWebSocket).toBe(false);
    expect(config.http.port).toBe(8080);
    expect(config.rtp).toEqual({ portMin: 20000, portMax: 20999, timeoutSeconds: 60 });
    // Toll fraud: nothing but national numbers goes out through the trunk unless allowed.
    expect(config.dialOut.allow).toEqual({ extension: ['national'], callback: ['national'], transfer: ['national'], mobile: ['national'] });
    expect(config.dialOut.extensions).toEqual({});
    expect(config.dialOut.specialPrefixes).toEqual(expect.arrayContaining(['+870', '+881', '+882', '+883']));
    expect(config.dataDir).toBe('./data');
    expect(config.logLevel).toBe('info');
    expect(config.drachtio).toEqual({ host: null, port: 9022, secret: 'cymru' });
    expect(config.freeswitch.host).toBeNull();
    expect(config.redisUrl).toBeNull();
    const reg = config.sip.registration;
    expect(reg.minExpires).toBeLessThanOrEqual(reg.defaultExpires);
    expect(reg.defaultExpires).toBeLessThanOrEqual(reg.maxExpires);
    expect(config.sip.sessionTimers).toEqual({ enabled: true, expiresSeconds: 1800, minSeconds: 90 });
  });

  it('answers the main number and the nine local numbers, each with a service waiting in an existing queue', () => {
    const expected = ['+46313900600', ...Array.from({ length: 9 }, (_, i) => `+4631390060${i + 1}`)];
    expect(config.numbers.map((n) => n.number)).toEqual(expected);
    const queues = new Set(config.queues.map((q) => q.id));
    for (const n of config.numbers) {
      expect(n.service.length).toBeGreaterThan(0);
      expect(n.target).toBeUndefined();
      expect(queues.has(n.queue!)).toBe(true);
    }
    expect(config.numbers[0]!.service).toBe('Växel');
  });

  it('has the queues the demo flows name, with defaults filled in, and agents answering them', () => {
    expect(config.queues.map((q) => q.id)).toEqual(expect.arrayContaining(['vaxel', 'kundtjanst', 'kort', 'foretag']));
    const kort = config.queues.find((q) => q.id === 'kort')!;
    expect(kort.steps[0]).toEqual({ afterSeconds: 0, skill: 'kort', minLevel: 3 });
    expect(kort).toMatchObject({ priority: 'classes', ringTimeoutSeconds: 15, maxMissedOffers: 2, personalOverflowSeconds: 60, targetSeconds: 60 });
    for (const q of config.queues) {
      expect(config.extensions.some((e) => e.agent?.queues.includes(q.id)), q.id).toBe(true);
    }
    expect(config.extensions[0]!.agent).toMatchObject({ answerOn: 'phone', skills: { vaxel: 5 } });
  });

  it('has at least five agents, some with a mobile from the fiction range', () => {
    expect(config.extensions.length).toBeGreaterThanOrEqual(5);
    for (const e of config.extensions) {
      expect(e.name).not.toBe('');
      expect(e.password).toMatch(/demo/);
    }
    const mobiles = config.extensions.flatMap((e) => (e.mobile ? [e.mobile] : []));
    expect(mobiles.length).toBeGreaterThan(0);
    for (const m of mobiles) {
      const n = Number(m.slice('+467017406'.length));
      expect(m.startsWith('+467017406')).toBe(true);
      expect(n >= 5 && n <= 99).toBe(true);
    }
  });

  it('has one operator trunk presenting the main number', () => {
    expect(config.trunks).toHaveLength(1);
    expect(config.trunks[0]).toMatchObject({ name: 'operator', port: 5060, transport: 'udp', callerId: '+46313900600' });
    expect(config.trunks[0]!.trustedSources.length).toBeGreaterThan(0);
  });
});

describe('environment variables override the files', () => {
  const cases: Array<[string, string, (c: Config) => unknown, unknown]> = [
    ['SIP_PORT', '5070', (c) => c.sip.port, 5070],
    ['SIP_WS_PORT', '8089', (c) => c.sip.wsPort, 8089],
    ['HTTP_PORT', '9090', (c) => c.http.port, 9090],
    ['RTP_PORT_MIN', '20010', (c) => c.rtp.portMin, 20010],
    ['RTP_PORT_MAX', '20100', (c) => c.rtp.portMax, 20100],
    ['DATA_DIR', '/var/lib/vaxel', (c) => c.dataDir, '/var/lib/vaxel'],
    ['DRACHTIO_HOST', '127.0.0.5', (c) => c.drachtio.host, '127.0.0.5'],
    ['DRACHTIO_PORT', '9023', (c) => c.drachtio.port, 9023],
    ['DRACHTIO_SECRET', 'not-cymru', (c) => c.drachtio.secret, 'not-cymru'],
    ['FREESWITCH_HOST', 'fs.example', (c) => c.freeswitch.host, 'fs.example'],
    ['FREESWITCH_PORT', '8022', (c) => c.freeswitch.port, 8022],
    ['FREESWITCH_SECRET', 'not-cluecon', (c) => c.freeswitch.secret, 'not-cluecon'],
    ['REDIS_URL', 'redis://localhost:6379/0', (c) => c.redisUrl, 'redis://localhost:6379/0'],
    ['DATABASE_URL', 'postgresql://vaxel@db.example:5432/vaxel', (c) => c.databaseUrl, 'postgresql://vaxel@db.example:5432/vaxel'],
    ['LOG_LEVEL', 'debug', (c) => c.logLevel, 'debug'],
    ['ALWAYS_OPEN', '1', (c) => c.ivr.alwaysOpen, true],
    ['ADMIN_PASSWORD', 'a-long-admin-password', (c) => c.adminPassword, 'a-long-admin-password'],
  ];
  it.each(cases)('%s=%s applies', (name, value, get, expected) => {
    const before = get(loadConfig({ env: {} }));
    expect(before).not.toEqual(expected);
    expect(get(loadConfig({ env: { [name]: value } }))).toEqual(expected);
  });

  it('an empty variable changes nothing', () => {
    expect(loadConfig({ env: { SIP_PORT: '', DRACHTIO_HOST: '' } })).toEqual(loadConfig({ env: {} }));
  });

  it('the environment wins over the CONFIG file', () => {
    const file = overlay('sip:\n  port: 5080\nhttp:\n  port: 8081\n');
    const config = loadConfig({ env: { CONFIG: file, SIP_PORT: '5090' } });
    expect(config.sip.port).toBe(5090);
    expect(config.http.port).toBe(8081);
  });
});

describe('a CONFIG file is deep-merged over the defaults', () => {
  it('mappings merge key by key, lists replace', () => {
    const file = overlay(
      [
        'sip:',
        '  domain: example.test',
        'extensions:',
        '  - extension: "2001"',
        '    name: Test Agent',
        '    password: demo-2001',
        'numbers:',
        '  - number: "+46313900600"',
        '    service: Test',
        '    target: "2001"',
      ].join('\n'),
    );
    const config = loadConfig({ env: { CONFIG: file } });
    expect(config.sip.domain).toBe('example.test');
    expect(config.sip.port).toBe(5060);
    expect(config.sip.registration.defaultExpires).toBe(600);
    expect(config.extensions.map((e) => e.extension)).toEqual(['2001']);
    expect(config.numbers).toHaveLength(1);
  });

  it('an empty CONFIG file changes nothing', () => {
    expect(loadConfig({ env: { CONFIG: overlay('') } })).toEqual(loadConfig({ env: {} }));
  });

  it('a drachtio host set in the file is used', () => {
    const config = loadConfig({ env: { CONFIG: overlay('drachtio:\n  host: 127.0.0.1\n') } });
    expect(config.drachtio).toEqual({ host: '127.0.0.1', port: 9022, secret: 'cymru' });
  });
});

describe('bad configuration stops start-up with one line naming file, path and problem', () => {
  it('a YAML syntax error names the file and the line', () => {
    const file = overlay('sip:\n  port: 5060\n   domain: x\n');
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: line 2, column 9: invalid YAML: Nested mappings are not allowed in compact mappings`,
    );
  });

  it('a duplicate key is a YAML error on its line', () => {
    const file = overlay('http:\n  port: 8080\nhttp:\n  port: 8081\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: line 3, column 1: invalid YAML: Map keys must be unique`);
  });

  it('a file that is not a mapping', () => {
    const file = overlay('- a\n- b\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: must be a YAML mapping (key: value lines) at the top level`);
  });

  it('a missing CONFIG file', () => {
    const file = join(dir, 'does-not-exist.yaml');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: file not found`);
  });

  const fourNumbers = (fourth: string, target = '"1001"') =>
    [
      'numbers:',
      '  - { number: "+46313900600", service: Växel, target: "1001" }',
      '  - { number: "+46313900601", service: Kundtjänst, target: "1002" }',
      '  - { number: "+46313900602", service: Företag, target: "1003" }',
      `  - { number: ${fourth}, service: Bolån, target: ${target} }`,
    ].join('\n');

  it('a number that is not E.164', () => {
    const file = overlay(fourNumbers('"0313900603"'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[3].number: must be an E.164 number such as +46313900600, got "0313900603"`,
    );
  });

  it('an unquoted number (YAML reads an integer)', () => {
    const file = overlay(fourNumbers('+46313900603'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[3].number: must be an E.164 number such as +46313900600, got number 46313900603 (put it in quotes in YAML)`,
    );
  });

  it('a duplicate number', () => {
    const file = overlay(fourNumbers('"+46313900601"'));
    expect(errorFor({ CONFIG: file })).toBe(`${file}: numbers[3].number: duplicate number "+46313900601" (already at numbers[1])`);
  });

  it('a number whose target extension does not exist', () => {
    const file = overlay(fourNumbers('"+46313900603"', '"1999"'));
    expect(errorFor({ CONFIG: file })).toBe(`${file}: numbers[3].target: unknown extension "1999" (not in extensions)`);
  });

  it('a duplicate extension', () => {
    const file = overlay(
      [
        'extensions:',
        '  - { extension: "1001", name: Anna, password: demo-a }',
        '  - { extension: "1002", name: Erik, password: demo-b }',
        '  - { extension: "1003", name: Maja, password: demo-c }',
        '  - { extension: "1002", name: Oskar, password: demo-d }',
      ].join('\n'),
    );
    expect(errorFor({ CONFIG: file })).toBe(`${file}: extensions[3].extension: duplicate extension "1002" (already at extensions[1])`);
  });

  it('a missing required setting', () => {
    const file = overlay('extensions:\n  - { extension: "1001", password: demo-a }\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: extensions[0].name: is required`);
  });

  it('a required setting spelt wrong names the misspelling and the setting meant, not "is required"', () => {
    const file = overlay('extensions:\n  - { extension: "1001", name: Anna, pasword: demo-a }\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: extensions[0].pasword: is not a known setting (did you mean "password"?)`);
  });

  it('ALWAYS_OPEN must be 1 or 0', () => {
    expect(errorFor({ ALWAYS_OPEN: 'sometimes' })).toBe('environment variable ALWAYS_OPEN: ivr.alwaysOpen: must be 1 or 0 (true or false), got "sometimes"');
    expect(loadConfig({ env: { ALWAYS_OPEN: 'false' } }).ivr.alwaysOpen).toBe(false);
  });

  it('a misspelt setting, with a suggestion', () => {
    const file = overlay('sip:\n  wsport: 8089\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: sip.wsport: is not a known setting (did you mean "wsPort"?)`);
  });

  it('a port out of range in a file', () => {
    const file = overlay('http:\n  port: 70000\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: http.port: must be a port number 1..65535, got number 70000`);
  });

  it('session timers below RFC 4028\'s 90 seconds, or a Min-SE above the interval', () => {
    const tooBrief = overlay('sip:\n  sessionTimers: { minSeconds: 30 }\n');
    expect(errorFor({ CONFIG: tooBrief })).toBe(
      `${tooBrief}: sip.sessionTimers.minSeconds: must be a whole number of seconds 90..86400 (RFC 4028 allows no less than 90), got number 30`,
    );
    const upsideDown = overlay('sip:\n  sessionTimers: { expiresSeconds: 600, minSeconds: 900 }\n');
    expect(errorFor({ CONFIG: upsideDown })).toMatch(/sip\.sessionTimers\.minSeconds: must not be greater than sip\.sessionTimers\.expiresSeconds \(900 > 600\)/);
    expect(loadConfig({ env: { CONFIG: overlay('sip:\n  sessionTimers: { enabled: false }\n') } }).sip.sessionTimers)
      .toEqual({ enabled: false, expiresSeconds: 1800, minSeconds: 90 });
  });

  it('a bad log level', () => {
    const file = overlay('logLevel: loud\n');
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: logLevel: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
    );
  });

  it('dial-out rights for an extension that does not exist, and a destination that does not exist', () => {
    expect(errorFor({ CONFIG: overlay('dialOut:\n  extensions: { "4711": [national, international] }') })).toMatch(
      /dialOut\.extensions\.4711: unknown extension "4711" \(not in extensions\)$/);
    expect(errorFor({ CONFIG: overlay('dialOut:\n  allow: { callback: [national, everywhere] }') })).toMatch(
      /dialOut\.allow\.callback\[1\]: must be one of national, international, premium, special, got "everywhere"$/);
  });

  it('a bad trusted source address on the trunk', () => {
    const file = overlay(
      [
        'trunks:',
        '  - name: operator',
        '    host: sip.operator.example',
        '    port: 5060',
        '    transport: udp',
        '    trustedSources: [192.0.2.10, 198.51.100.0/33]',
        '    callerId: "+46313900600"',
      ].join('\n'),
    );
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: trunks[0].trustedSources[1]: must be an IP address, an address and port such as 192.0.2.10:5060, or a CIDR such as 192.0.2.0/24, got "198.51.100.0/33"`,
    );
  });

  it("a trunk's inbound credentials: a user name of its own, a password long enough, and neither echoed", () => {
    const trunk = (auth: string) => overlay([
      'trunks:',
      '  - name: operator',
      '    host: sip.operator.example',
      '    port: 5060',
      '    transport: udp',
      '    trustedSources: [192.0.2.10]',
      `    inboundAuth: ${auth}`,
      '    callerId: "+46313900600"',
    ].join('\n'));
    const taken = trunk('{ username: "1001", password: long-enough-secret-1 }');
    expect(errorFor({ CONFIG: taken })).toBe(
      `${taken}: trunks[0].inboundAuth.username: "1001" is already an extension or another trunk's user name: a trunk's must be its own`);
    const short = trunk('{ username: operator-in, password: short-secret }');
    const message = errorFor({ CONFIG: short });
    expect(message).toBe(`${short}: trunks[0].inboundAuth.password: must be at least 16 characters: it lets its holder call in as the trunk from anywhere, got a value that is not accepted`);
    expect(message).not.toContain('short-secret');
  });

  it('a secret value is never echoed in the message', () => {
    const file = overlay('drachtio:\n  secret: 12345\n');
    const message = errorFor({ CONFIG: file });
    expect(message).toBe(`${file}: drachtio.secret: must be a non-empty string, got a value that is not accepted (put it in quotes in YAML)`);
    expect(message).not.toContain('12345');
  });

  it('a DATABASE_URL that is not a PostgreSQL URL is refused without echoing it (it may hold the password)', () => {
    const message = errorFor({ DATABASE_URL: 'mysql://vaxel:hemligt@db.example/vaxel' });
    expect(message).toBe('environment variable DATABASE_URL: databaseUrl: must be a postgres:// or postgresql:// URL, or null for SQLite in dataDir, got a value that is not accepted');
    expect(message).not.toContain('hemligt');
  });

  it.each([
    ['SIP_PORT', 'abc', 'sip.port'],
    ['HTTP_PORT', '70000', 'http.port'],
    ['RTP_PORT_MIN', '0', 'rtp.portMin'],
    ['DRACHTIO_PORT', '9022x', 'drachtio.port'],
  ])('a bad port in %s=%s names the variable', (name, value, path) => {
    expect(errorFor({ [name]: value })).toBe(
      `environment variable ${name}: ${path}: must be a port number 1..65535, got "${value}"`,
    );
  });

  it('TLS_CERT and TLS_KEY set the certificate and key together; one alone names the other', () => {
    expect(loadConfig({ env: { TLS_CERT: '/etc/vaxel/cert.pem', TLS_KEY: '/etc/vaxel/key.pem' } }).tls).toEqual({ cert: '/etc/vaxel/cert.pem', key: '/etc/vaxel/key.pem' });
    expect(errorFor({ TLS_CERT: '/etc/vaxel/cert.pem' })).toMatch(/tls\.key: must be set too: HTTPS needs both a certificate \(TLS_CERT\) and its key \(TLS_KEY\)$/);
  });

  it('a short ADMIN_PASSWORD is refused without showing it', () => {
    const message = errorFor({ ADMIN_PASSWORD: 'admin' });
    expect(message).toBe('environment variable ADMIN_PASSWORD: adminPassword: must be a password of at least 8 characters, or null for a random one printed at first start, got a value that is not accepted');
  });

  it('an RTP range upside down names the variable that set it', () => {
    expect(errorFor({ RTP_PORT_MIN: '30000' })).toBe(
      'environment variable RTP_PORT_MIN: rtp.portMin: must not be greater than rtp.portMax (30000 > 20999)',
    );
  });

  it('a bad LOG_LEVEL names the variable', () => {
    expect(errorFor({ LOG_LEVEL: 'verbose' })).toBe(
      'environment variable LOG_LEVEL: logLevel: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });

  it('the file that holds the bad value is named, not the one that made it bad', () => {
    // The overlay replaces the queues; extensions[0] in the default file then answers a queue that is gone.
    const file = overlay('queues:\n  - { id: kort, name: Kort, steps: [{ afterSeconds: 0, everyone: true }] }\n');
    expect(errorFor({ CONFIG: file })).toMatch(
      /^(.*\/)?config\/default\.yaml: extensions\[0\]\.agent\.queues\[0\]: unknown queue "vaxel" \(queues: kort\)$/,
    );
  });

  const oneQueue = (step: string, extra = '') =>
    `queues:\n  - id: kort\n    name: Kort\n    steps:\n      - { afterSeconds: 0, skill: kort }\n      - ${step}\n${extra}`;

  it('a routing step that names both a skill and a group', () => {
    const file = overlay(oneQueue('{ afterSeconds: 60, skill: kort, group: frontoffice }'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: queues[0].steps[1]: must name exactly one of skill (with an optional minLevel), group, or everyone: true`,
    );
  });

  it('routing steps out of order', () => {
    const file = overlay(oneQueue('{ afterSeconds: 0, everyone: true }'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: queues[0].steps[1].afterSeconds: must be greater than the step before (0), got 0: ` +
        'steps widen the circle: each names who may answer (skill with an optional minLevel, group, or everyone: true) ' +
        'from afterSeconds of waiting on, in addition to the agents of every step before; ' +
        'the longest idle of them all is offered the call first',
    );
  });

  it('routing steps that do not start at 0', () => {
    const file = overlay('queues:\n  - { id: kort, name: Kort, steps: [{ afterSeconds: 30, skill: kort }] }\n');
    expect(errorFor({ CONFIG: file })).toMatch(
      /^.*: queues\[0\]\.steps\[0\]\.afterSeconds: the first step must start at 0 \(who may answer a new call\), got 30: steps widen the circle: .* in addition to the agents of every step before; /,
    );
  });

  it('a misspelt setting inside a list entry names the misspelling and the setting meant', () => {
    const file = overlay(oneQueue('{ aftreSeconds: 60, everyone: true }'));
    expect(errorFor({ CONFIG: file })).toBe(`${file}: queues[0].steps[1].aftreSeconds: is not a known setting (did you mean "afterSeconds"?)`);
  });

  it('a skill level outside 1..5', () => {
    const file = overlay(oneQueue('{ afterSeconds: 60, skill: kort, minLevel: 7 }'));
    expect(errorFor({ CONFIG: file })).toBe(`${file}: queues[0].steps[1].minLevel: must be a skill level 1..5, got number 7`);
  });

  it('a number whose queue does not exist', () => {
    const file = overlay('numbers:\n  - { number: "+46313900603", service: Kort, queue: kortt }\n');
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[0].queue: unknown queue "kortt" (queues: vaxel, kundtjanst, kort, foretag, radgivning)`,
    );
  });

  it('a number with neither a queue nor a target', () => {
    const file = overlay('numbers:\n  - { number: "+46313900603", service: Kort }\n');
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[0]: needs a queue (where its service's calls wait) or a target extension (direct dial)`,
    );
  });

  const personalNumber = (agent: string, extra = ''): string =>
    [
      'extensions:',
      '  - { extension: "1002", name: Erik, password: demo-b, agent: { queues: [kundtjanst] } }',
      '  - { extension: "1010", name: Reception, password: demo-r }',
      'numbers:',
      '  - { number: "+46313900601", service: Kundtjänst, queue: kundtjanst }',
      `  - { number: "+46313900610", service: Kundtjänst, queue: kundtjanst, personalAgent: ${agent}${extra} }`,
    ].join('\n');

  it("a number may lead to an agent's personal queue", () => {
    const config = loadConfig({ env: { CONFIG: overlay(personalNumber('"1002"')) } });
    expect(config.numbers[1]).toEqual({ number: '+46313900610', service: 'Kundtjänst', queue: 'kundtjanst', personalAgent: '1002' });
    expect(config.numbers[0]!.personalAgent).toBeUndefined();
  });

  it('a personal queue for an extension that does not exist', () => {
    const file = overlay(personalNumber('"1099"'));
    expect(errorFor({ CONFIG: file })).toBe(`${file}: numbers[1].personalAgent: unknown extension "1099" (not in extensions; agents: 1002)`);
  });

  it('a personal queue for an extension that is not an agent', () => {
    const file = overlay(personalNumber('"1010"'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[1].personalAgent: extension "1010" (extensions[1]) is not an agent: a personal queue is an agent's (agents: 1002)`,
    );
  });

  it('a personal queue named without quotes', () => {
    const file = overlay(personalNumber('1002'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[1].personalAgent: must be the extension of an agent, 2 to 6 digits in quotes, such as "1002", got number 1002 (put it in quotes in YAML)`,
    );
  });

  it('a personal queue on a number that rings an extension directly', () => {
    const file = overlay(personalNumber('"1002"', ', target: "1010"'));
    expect(errorFor({ CONFIG: file })).toBe(
      `${file}: numbers[1].personalAgent: goes with a queue, not a target (a number with target rings that extension directly)`,
    );
  });

  it('an agent answering on a mobile the extension does not have', () => {
    const file = overlay('extensions:\n  - { extension: "1003", name: Maja, password: demo-x, agent: { queues: [kort], answerOn: mobile } }\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: extensions[0].agent.answerOn: is mobile, but the extension has no mobile number`);
  });

  it('sip.engineThread: on by default, false keeps the SIP engine in the app\'s thread, anything but true or false refused', () => {
    expect(loadConfig({ env: {} }).sip.engineThread).toBe(true);
    expect(loadConfig({ env: { CONFIG: overlay('sip:\n  engineThread: false\n') } }).sip.engineThread).toBe(false);
    const file = overlay('sip:\n  engineThread: "yes"\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: sip.engineThread: must be true or false, got "yes"`);
  });

  it('a custom base file is named when it is wrong', () => {
    const base = overlay('company: { name: X }\n');
    expect(() => loadConfig({ env: {}, defaultFile: base })).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: `${base}: sip: is required`,
        source: base,
        path: 'sip',
        problem: 'is required',
      }),
    );
  });
});

describe('webhooks', () => {
  const SECRET = 'shared-with-the-crm-0123';

  it('none by default; a webhook gets every event type and 72 hours of backlog unless told', () => {
    expect(loadConfig({ env: {} }).webhooks).toEqual([]);
    const file = overlay(`webhooks:\n  - { url: "https://crm.example.com/hooks/vaxel?token=abc", secret: ${SECRET} }\n`);
    expect(loadConfig({ env: { CONFIG: file } }).webhooks).toEqual([
      { url: 'https://crm.example.com/hooks/vaxel?token=abc', secret: SECRET, maxAgeHours: 72 },
    ]);
  });

  it('a URL that is not a URL stops start-up, without echoing it (it may hold a token)', () => {
    const file = overlay(`webhooks:\n  - { url: "crm.example.com/hooks?token=s3cr3t-token", secret: ${SECRET} }\n`);
    const message = errorFor({ CONFIG: file });
    expect(message).toBe(`${file}: webhooks[0].url: must be an absolute http:// or https:// URL, such as https://crm.example.com/hooks/vaxel`);
    expect(message).not.toContain('s3cr3t-token');
  });

  it('a URL of another scheme', () => {
    const file = overlay(`webhooks:\n  - { url: "ftp://crm.example.com/in", secret: ${SECRET} }\n`);
    expect(errorFor({ CONFIG: file })).toBe(`${file}: webhooks[0].url: must be an http:// or https:// URL, got a ftp: URL`);
  });

  it('a URL with a password in it (HTTP clients refuse to send one)', () => {
    const file = overlay(`webhooks:\n  - { url: "https://vaxel:hunter2-pass@crm.example.com/in", secret: ${SECRET} }\n`);
    const message = errorFor({ CONFIG: file });
    expect(message).toBe(`${file}: webhooks[0].url: must not carry a user name or password (user:password@): the receiver checks the signature made with the secret instead`);
    expect(message).not.toContain('hunter2-pass');
  });

  it('the same URL twice', () => {
    const file = overlay(`webhooks:\n  - { url: "https://crm.example.com/in", secret: ${SECRET} }\n  - { url: "https://crm.example.com/in", secret: ${SECRET} }\n`);
    expect(errorFor({ CONFIG: file })).toBe(`${file}: webhooks[1].url: is the same URL as webhooks[0]: one entry per receiver`);
  });

  it('a short secret is refused and not echoed', () => {
    const file = overlay('webhooks:\n  - { url: "https://crm.example.com/in", secret: short-one }\n');
    const message = errorFor({ CONFIG: file });
    expect(message).toMatch(new RegExp(`^${file}: webhooks\\[0\\]\\.secret: must be a secret of at least 16 characters, shared with the receiver`));
    expect(message).not.toContain('short-one');
  });

  it('an unknown event type names the known ones', () => {
    const file = overlay(`webhooks:\n  - { url: "https://crm.example.com/in", secret: ${SECRET}, events: [call.answred] }\n`);
    expect(errorFor({ CONFIG: file })).toContain(`${file}: webhooks[0].events[0]: must be one of call.started, call.queued, call.offered`);
  });
});

describe('security settings', () => {
  it('default to SHA-256 before MD5, throttling on, and the usual scanners', () => {
    const { digest, throttle } = loadConfig({ env: {} }).sip;
    expect(digest.algorithms).toEqual(['SHA-256', 'MD5']);
    expect(digest.md5OnlyUserAgents).toEqual(['baresip', 'SIP.js', 'SIPp']);
    expect(throttle).toMatchObject({ sourceFailures: 10, blockSeconds: 900, userFailures: 20, slowdownSeconds: 900, slowdownDelayMs: 2000, windowSeconds: 60 });
    expect(throttle.scannerUserAgents).toEqual(expect.arrayContaining(['friendly-scanner', 'sipvicious', 'sipcli', 'VaxSIPUserAgent']));
  });

  it('limit each source address by default, registered addresses (an office behind NAT) less than strangers', () => {
    expect(loadConfig({ env: {} }).sip.sourceLimits).toEqual({
      connections: 20, registeredConnections: 500, firstMessageSeconds: 10, idleSeconds: 120,
      messagesPerSecond: 20, messageBurst: 100, registeredMessagesPerSecond: 500, registeredMessageBurst: 2000,
    });
  });

  it('refuse source limits that would hold a registered address tighter than a stranger, or a burst below a second', () => {
    const tighter = overlay('sip:\n  sourceLimits:\n    connections: 50\n    registeredConnections: 10\n');
    expect(errorFor({ CONFIG: tighter })).toMatch(/sip\.sourceLimits\.registeredConnections: must not be less than sip\.sourceLimits\.connections \(10 < 50\)/);
    const burst = overlay('sip:\n  sourceLimits:\n    messagesPerSecond: 50\n    messageBurst: 10\n');
    expect(errorFor({ CONFIG: burst })).toMatch(/sip\.sourceLimits\.messageBurst: must not be less than sip\.sourceLimits\.messagesPerSecond/);
    const zero = overlay('sip:\n  sourceLimits:\n    idleSeconds: 0\n');
    expect(errorFor({ CONFIG: zero })).toMatch(/sip\.sourceLimits\.idleSeconds: must be a whole number of seconds >= 1/);
  });

  it('refuse an algorithm the switch cannot compute', () => {
    const file = overlay('sip:\n  digest:\n    algorithms: [SHA-1]\n');
    expect(errorFor({ CONFIG: file })).toMatch(/sip\.digest\.algorithms\[0\]: must be one of SHA-256, MD5, got "SHA-1"$/);
  });

  it('refuse drachtio\'s demo secret for a drachtio-server on another machine, in one line that says what to do', () => {
    const message = errorFor({ DRACHTIO_HOST: '10.1.2.3' });
    expect(message).toMatch(/^config\/default\.yaml: drachtio\.secret: is drachtio's well-known demo secret, .*set DRACHTIO_SECRET/);
    expect(message.split('\n')).toHaveLength(1);
    expect(loadConfig({ env: { DRACHTIO_HOST: '10.1.2.3', DRACHTIO_SECRET: 'a-secret-of-our-own' } }).drachtio.host).toBe('10.1.2.3');
    expect(loadConfig({ env: { DRACHTIO_HOST: 'localhost' } }).drachtio.secret).toBe('cymru');
  });
});

describe('the agent desktop', () => {
  it('has pause reasons to pick from and no CRM link by default', () => {
    expect(loadConfig({ env: {} }).agentDesktop).toEqual({ pauseReasons: ['Lunch', 'Möte', 'Utbildning', 'Administration'], crmUrl: null });
  });

  it('takes a CRM link with the call placeholders', () => {
    const file = overlay('agentDesktop:\n  crmUrl: "https://crm.example.com/sok?tel={caller}&nr={dialled}&tj={service}"\n');
    expect(loadConfig({ env: { CONFIG: file } }).agentDesktop.crmUrl).toBe('https://crm.example.com/sok?tel={caller}&nr={dialled}&tj={service}');
  });

  it('refuses a CRM link with an unknown placeholder, a relative or a non-web one', () => {
    const unknown = overlay('agentDesktop:\n  crmUrl: "https://crm.example.com/sok?tel={phone}"\n');
    expect(errorFor({ CONFIG: unknown })).toBe(`${unknown}: agentDesktop.crmUrl: has an unknown placeholder {phone}: use {caller}, {dialled}, {service}`);
    const relative = overlay('agentDesktop:\n  crmUrl: "crm/sok?tel={caller}"\n');
    expect(errorFor({ CONFIG: relative })).toBe(
      `${relative}: agentDesktop.crmUrl: must be an absolute http:// or https:// URL, such as https://crm.example.com/search?phone={caller}`);
    const script = overlay('agentDesktop:\n  crmUrl: "javascript:alert({caller})"\n');
    expect(errorFor({ CONFIG: script })).toBe(`${script}: agentDesktop.crmUrl: must be an http:// or https:// URL, got a javascript: URL`);
  });

  it('refuses an empty list of pause reasons, a blank one and the same twice', () => {
    const empty = overlay('agentDesktop:\n  pauseReasons: []\n');
    expect(errorFor({ CONFIG: empty })).toMatch(/agentDesktop\.pauseReasons: must be a list of 1 to 30 different reasons, got a list$/);
    const blank = overlay('agentDesktop:\n  pauseReasons: [Lunch, "  "]\n');
    expect(errorFor({ CONFIG: blank })).toMatch(/agentDesktop\.pauseReasons\[1\]: must be a text of 1 to 100 characters, not only spaces, got "  "$/);
    const twice = overlay('agentDesktop:\n  pauseReasons: [Lunch, Lunch]\n');
    expect(errorFor({ CONFIG: twice })).toMatch(/agentDesktop\.pauseReasons: must be a list of 1 to 30 different reasons, got a list$/);
  });
});

describe('statistics.shortAbandonSeconds', () => {
  it('is 5 in the demo, may be set from 0 to 60, and anything else stops start-up naming it', () => {
    expect(loadConfig({ env: {} }).statistics).toEqual({ shortAbandonSeconds: 5 });
    expect(loadConfig({ env: { CONFIG: overlay('statistics:\n  shortAbandonSeconds: 10\n') } }).statistics.shortAbandonSeconds).toBe(10);
    const file = overlay('statistics:\n  shortAbandonSeconds: 90\n');
    expect(errorFor({ CONFIG: file })).toBe(`${file}: statistics.shortAbandonSeconds: must be a whole number of seconds from 0 to 60 (0: no abandon is short), got number 90`);
  });
});
