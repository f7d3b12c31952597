/**
 * The order of the router's steps (server/sip/router.ts), run through
 * drachtio-srf's own middleware dispatch with requests made by hand: what
 * refuses a call first, who reaches the feature codes, what the entrance
 * is handed, and how long a call holds its overload slot.
 */
import { createHash } from 'node:crypto';
import Srf from 'drachtio-srf';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/load.js';
import { createSwitch, type Switch } from '../../server/sip/switch.js';
import { OverloadGuard } from '../../server/sip/overload.js';
import { MAX_WAITING_PER_USER } from '../../server/sip/throttle.js';
import { attachRouter } from '../../server/sip/router.js';
import type { Caller, Entrance, FeatureCodeHandler } from '../../server/sip/ports.js';
import { RealClock } from '../../server/acd/index.js';

const TRUNK = '127.0.0.2';
const PHONE = '127.0.0.1';
const MAIN_NUMBER = '+46313900600';
const log = pino({ level: 'silent' });

interface Sent { status: number; headers: Record<string, string> }

/** What each part above the switch was asked. */
interface Asked {
  matched: string[];
  handled: Array<{ extension: string; code: string }>;
  answered: Array<{ caller: Caller; number: string }>;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function setUp(opts: { maxConcurrentCalls?: number; entrance?: Entrance; slowdownDelayMs?: number } = {}) {
  const config = loadConfig({ env: {} });
  config.trunks[0]!.trustedSources = [TRUNK];
  if (opts.slowdownDelayMs !== undefined) config.sip.throttle.slowdownDelayMs = opts.slowdownDelayMs;
  const srf = new Srf();
  const sw: Switch = createSwitch(srf, config, log, { clock: new RealClock() });
  sw.stop();
  const overload = new OverloadGuard({ ...(opts.maxConcurrentCalls !== undefined ? { maxConcurrentCalls: opts.maxConcurrentCalls } : {}), logger: log });
  const asked: Asked = { matched: [], handled: [], answered: [] };
  const features: FeatureCodeHandler = {
    match: (dialled) => {
      asked.matched.push(dialled);
      return dialled === '*21' ? { kind: 'login' } : undefined;
    },
    handle: async (_req, res, extension, code) => {
      asked.handled.push({ extension, code: code.kind });
      res.send(200);
    },
  };
  const entrance: Entrance = opts.entrance ?? {
    answer: async (_req, res, caller, number) => {
      asked.answered.push({ caller, number: number.number });
      res.send(200);
    },
  };
  const router = attachRouter({
    srf, directory: sw.directory, auth: sw.auth, throttle: sw.throttle, legs: sw.legs, overload, sessionTimers: sw.sessionTimers, logger: log,
    entrance, features,
    greeting: { answer: async (_req, res) => res.send(500) },
    onAnswered: () => async () => {},
  });
  const password = (extension: string): string => config.extensions.find((e) => e.extension === extension)!.password;
  return { srf, sw, router, overload, asked, password };
}

/** An INVITE from `source` for `dialled`; `auth` signs it as that extension with its password; `extra`: more headers (lower case). */
function invite(sw: Switch, source: string, dialled: string, auth?: { extension: string; password: string },
  extra: Record<string, string> = {}): Srf.SrfRequest {
  const uri = `sip:${dialled}@vaxel.local`;
  const headers: Record<string, string> = { 'call-id': `call-${Math.random()}`, ...extra };
  if (auth) {
    const nonce = /nonce="([^"]+)"/.exec(sw.auth.challenges(undefined)[0]!)![1]!;
    const ha1 = md5(`${auth.extension}:${sw.auth.realm}:${auth.password}`);
    const response = md5(`${ha1}:${nonce}:00000001:c0ffee:auth:${md5(`INVITE:${uri}`)}`);
    headers['proxy-authorization'] = `Digest username="${auth.extension}", realm="${sw.auth.realm}", nonce="${nonce}", uri="${uri}", `
      + `response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"`;
  }
  return {
    method: 'INVITE', uri, source_address: source, source_port: 5060, body: '',
    get: (name: string) => headers[name.toLowerCase()],
    getParsedHeader: () => ({ uri: 'sip:0701234567@operator' }),
    on: () => {},
  } as unknown as Srf.SrfRequest;
}

/** Runs the request through drachtio-srf's dispatch, as a request from the SIP server is; resolves with the final response. */
function dispatch(srf: Srf, req: Srf.SrfRequest): Promise<Sent> {
  return new Promise((resolve) => {
    let finished = false;
    const res = {
      get finalResponseSent() { return finished; },
      send: (status: number, opts?: { headers?: Record<string, string> }) => {
        if (status < 200) return;
        finished = true;
        resolve({ status, headers: opts?.headers ?? {} });
      },
    } as unknown as Srf.SrfResponse;
    (srf as unknown as { _app: { handle(req: Srf.SrfRequest, res: Srf.SrfResponse): void } })._app.handle(req, res);
  });
}

describe('the router takes a new call step by step', () => {
  it('an overloaded switch refuses a call with 503 before asking who is calling', async () => {
    const { srf, sw } = setUp({ maxConcurrentCalls: 0 });
    const refused = await dispatch(srf, invite(sw, PHONE, '1002'));
    expect(refused.status).toBe(503);
    expect(refused.headers['Retry-After']).toBeDefined();
  });

  it('a session interval below Min-SE gets 422 with the Min-SE before anyone is asked who is calling', async () => {
    const { srf, sw, asked } = setUp();
    const refused = await dispatch(srf, invite(sw, TRUNK, '+46313900601', undefined, { 'session-expires': '60;refresher=uac' }));
    expect(refused).toEqual({ status: 422, headers: { 'Min-SE': '90' } });
    expect(asked.answered).toEqual([]);
    const taken = await dispatch(srf, invite(sw, TRUNK, '+46313900601', undefined, { 'session-expires': '90' }));
    expect(taken.status).toBe(200);
  });

  it('a phone that does not prove its extension is challenged, and goes no further', async () => {
    const { srf, sw, asked } = setUp();
    const challenged = await dispatch(srf, invite(sw, PHONE, '*21'));
    expect(challenged.status).toBe(407);
    expect(challenged.headers['Proxy-Authenticate']).toMatch(/^Digest realm=/);
    expect(asked.matched).toEqual([]);
  });

  it('an extension dialling a feature code reaches the feature codes, as itself', async () => {
    const { srf, sw, asked, password } = setUp();
    const done = await dispatch(srf, invite(sw, PHONE, '*21', { extension: '1001', password: password('1001') }));
    expect(done.status).toBe(200);
    expect(asked.handled).toEqual([{ extension: '1001', code: 'login' }]);
  });

  it('a caller from the trunk never reaches the feature codes: the code is an unknown number', async () => {
    const { srf, sw, asked } = setUp();
    const refused = await dispatch(srf, invite(sw, TRUNK, '*21'));
    expect(refused.status).toBe(404);
    expect(asked.matched).toEqual([]);
    expect(asked.handled).toEqual([]);
  });

  it('a service number goes to the entrance with the caller the trunk presents', async () => {
    const { srf, sw, asked } = setUp();
    const answered = await dispatch(srf, invite(sw, TRUNK, MAIN_NUMBER));
    expect(answered.status).toBe(200);
    expect(asked.answered).toEqual([{ caller: { number: '0701234567', fromTrunk: true }, number: MAIN_NUMBER }]);
  });

  it('a call to the entrance holds its overload slot until the entrance is done with it', async () => {
    let finish!: () => void;
    const entrance: Entrance = {
      answer: async (_req, res) => {
        res.send(200);
        await new Promise<void>((resolve) => { finish = resolve; });
      },
    };
    const { srf, sw, overload } = setUp({ maxConcurrentCalls: 1, entrance });
    await dispatch(srf, invite(sw, TRUNK, MAIN_NUMBER));
    expect(overload.activeCalls).toBe(1);
    expect((await dispatch(srf, invite(sw, TRUNK, MAIN_NUMBER))).status).toBe(503);
    finish();
    await expect.poll(() => overload.activeCalls).toBe(0);
  });

  it('a user name guessed at from many addresses is slowed down: its owner still gets in, later; attempts beyond those waiting get 503 unchecked', async () => {
    const { srf, sw, asked, password } = setUp({ slowdownDelayMs: 300 });
    const { userFailures } = loadConfig({ env: {} }).sip.throttle;
    for (let i = 0; i < userFailures; i++) sw.throttle.failed(`203.0.113.${i}`, '1001');
    const started = Date.now();
    const waiting = Array.from({ length: MAX_WAITING_PER_USER }, () =>
      dispatch(srf, invite(sw, PHONE, '*21', { extension: '1001', password: password('1001') })));
    const turnedAway = await dispatch(srf, invite(sw, PHONE, '*21', { extension: '1001', password: 'guess' }));
    expect(turnedAway.status).toBe(503);
    expect(turnedAway.headers['Retry-After']).toBeDefined();
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual(Array(MAX_WAITING_PER_USER).fill(200));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(asked.handled).toHaveLength(MAX_WAITING_PER_USER);
  });

  it('a stopped router refuses new calls with 503', async () => {
    const { srf, sw, router, asked } = setUp();
    router.stop();
    expect((await dispatch(srf, invite(sw, TRUNK, MAIN_NUMBER))).status).toBe(503);
    expect(asked.answered).toEqual([]);
  });
});
