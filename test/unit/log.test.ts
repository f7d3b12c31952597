import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { consoleDestination, createLogger, scrubSecrets } from '../../server/log.js';

/** A logger writing into an array of lines. */
function capture(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, stream), lines, text: () => lines.join('\n') };
}

describe('secrets never reach the logs', () => {
  it('a password and a secret are redacted, the rest is kept', () => {
    const { logger, lines, text } = capture();
    logger.info({ extension: '1001', password: 'hunter2-demo', drachtio: { secret: 'cymru-demo' } }, 'registered');
    expect(lines).toHaveLength(1);
    expect(text()).not.toContain('hunter2-demo');
    expect(text()).not.toContain('cymru-demo');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ extension: '1001', password: '[Redacted]', drachtio: { secret: '[Redacted]' }, msg: 'registered' });
  });

  it('SIP authorization headers are redacted, in objects and in raw messages', () => {
    const { logger, text } = capture();
    logger.info({ headers: { authorization: 'Digest username="1001", response="abc123resp"', 'proxy-authorization': 'Digest response="def456resp"' } }, 'in');
    logger.info('received REGISTER sip:kustbanken.local SIP/2.0\r\nAuthorization: Digest username="1001", response="0a1b2c3d4e"\r\nCSeq: 1 REGISTER');
    expect(text()).not.toContain('abc123resp');
    expect(text()).not.toContain('def456resp');
    expect(text()).not.toContain('0a1b2c3d4e');
    expect(text()).toContain('CSeq: 1 REGISTER');
  });

  it('API secrets are redacted by their names: any password or token, cookies', () => {
    const { logger, text } = capture();
    logger.info({
      adminPassword: 'admin-pass-demo', body: { oldPassword: 'old-pass-demo', newPassword: 'new-pass-demo' },
      sessionToken: 'session-demo', headers: { cookie: 'vaxel_session=cookie-demo', 'set-cookie': 'vaxel_session=set-demo' },
      tokenId: '0123456789abcdef',
    }, 'api');
    expect(text()).not.toMatch(/admin-pass-demo|old-pass-demo|new-pass-demo|session-demo|cookie-demo|set-demo/);
    expect(text()).toContain('0123456789abcdef');
  });

  it('a whole configuration logged at any depth keeps its passwords out', () => {
    const { logger, text } = capture();
    const config = {
      extensions: [{ extension: '1001', password: 'ext-pass-demo' }],
      trunks: [{ name: 'operator', password: 'trunk-pass-demo' }],
      deep: { a: { b: { c: { secret: 'very-deep-demo' } } } },
      redisUrl: 'redis://app:redis-pass-demo@cache:6379',
    };
    logger.info({ config }, 'starting');
    expect(text()).not.toMatch(/ext-pass-demo|trunk-pass-demo|very-deep-demo|redis-pass-demo/);
    expect(text()).toContain('redis://app:[Redacted]@cache:6379');
    // the caller's object is left untouched
    expect(config.extensions[0]!.password).toBe('ext-pass-demo');
  });

  it('child logger bindings are redacted too', () => {
    const { logger, text, lines } = capture();
    logger.child({ callId: 'c1', trunk: { auth: { password: 'child-pass-demo' } } }).child({ leg: 'a' }).info('ringing');
    expect(text()).not.toContain('child-pass-demo');
    expect(JSON.parse(lines[0]!)).toMatchObject({ callId: 'c1', leg: 'a', msg: 'ringing' });
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud']);
  });

  it('scrubSecrets copies without mutating', () => {
    const input = { user: 'x', password: 'p', list: [{ secret: 's' }] };
    expect(scrubSecrets(input)).toEqual({ user: 'x', password: '[Redacted]', list: [{ secret: '[Redacted]' }] });
    expect(input.password).toBe('p');
  });
});

describe('logs a person can read at a terminal, JSON anywhere else', () => {
  /** A stdout stand-in: a terminal or not, keeping what is written. */
  function stdout(isTTY: boolean) {
    const chunks: string[] = [];
    const stream = Object.assign(new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }), { isTTY });
    return { stream, text: () => chunks.join('') };
  }

  it('not a terminal (a pipe, a file): pino writes its JSON lines itself', () => {
    expect(consoleDestination(stdout(false).stream)).toBeUndefined();
  });

  it('a terminal: one readable line a message, fields after it, secrets still redacted', async () => {
    const out = stdout(true);
    const logger = createLogger('info', consoleDestination(out.stream));
    logger.info({ extension: '1001', password: 'hunter2' }, 'phone registered');
    await expect.poll(out.text).toContain('phone registered');
    const text = out.text();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: phone registered\n/);
    expect(text).toContain('extension: "1001"');
    expect(text).not.toContain('hunter2');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });
});
