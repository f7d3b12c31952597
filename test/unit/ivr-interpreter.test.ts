import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Endpoint, EndpointEvents, PlayCollectOptions, PlayCollectResult, PlayOptions, PlayResult, RecordOptions, RecordResult,
} from '../../media/port.js';
import { loadPromptSet } from '../../media/speech.js';
import type {
  AvalancheMessage, CallbackRequest, CallbackResult, EnqueueRequest, EnqueueResult, IvrContext, IvrEvent, TransferRequest, TransferResult,
} from '../../server/ivr/context.js';
import type { Flow } from '../../server/ivr/flow.js';
import { runFlow } from '../../server/ivr/interpreter.js';
import { loadFlows } from '../../server/ivr/flow-set.js';
import { parseFlow } from '../../server/ivr/parse-flow.js';

const prompts = loadPromptSet();
const demo = loadFlows(path.resolve('ivr-flows'), { prompts });
const demoFlow = (name: string): Flow => demo.flows.get(name)!;

/** A flow from YAML text, as the loader would make it. */
function flow(yaml: string): Flow {
  return parseFlow(yaml, 'ivr-flows/test.yaml', path.resolve('ivr-flows'), { prompts }).flow;
}

/** The prompt name of a system prompt file (".../sv/welcome.wav" -> "welcome"), else the file as it is. */
function promptName(file: string): string {
  return file.startsWith(prompts.root) ? path.basename(file, '.wav') : file;
}

// ------------------------------------------------------------------------------------------
// A test stand-in for the media engine: an Endpoint of the media port (media/port.ts) that
// plays no audio. Every play finishes at once; what the caller keys at each playCollect
// comes from a script; `hold` keeps an operation going until stop() (a long prompt the
// caller hangs up in). It keeps a log of what was played, collected and recorded.
// ------------------------------------------------------------------------------------------

/** What the caller does during one playCollect: keys pressed ('' = silence until the timeout), or 'hold'. */
type CallerAction = string | 'hold';

interface MediaOp {
  op: 'play' | 'playCollect' | 'record';
  /** Prompt names for system prompts, else file paths. */
  files: string[];
  collect?: PlayCollectOptions;
  record?: RecordOptions;
}

class ScriptedMediaEndpoint extends EventEmitter<EndpointEvents> implements Endpoint {
  readonly id = 'scripted-endpoint';
  readonly localSdp = '';
  readonly log: MediaOp[] = [];
  /** One action per playCollect, in order. Running out of script is silence. */
  readonly keys: CallerAction[] = [];
  /** Plays whose files match hold until stop(). */
  holdPlay: (names: string[]) => boolean = () => false;
  recordMs = 4000;
  stops = 0;
  /** Called when an operation starts (e.g. to hang up right then). */
  onOperation: (op: MediaOp) => void = () => undefined;
  private pending: (() => void) | undefined;

  constructor(keys: CallerAction[] = []) {
    super();
    this.keys.push(...keys);
  }

  /** The operations as "op:name,name" strings, for compact expectations. */
  get trace(): string[] {
    return this.log.map((o) => `${o.op}:${o.files.join(',')}`);
  }

  private begin(entry: MediaOp): void {
    this.log.push(entry);
    this.onOperation(entry);
  }

  private hold<T>(interrupted: T): Promise<T> {
    return new Promise((resolve) => {
      this.pending = () => resolve(interrupted);
    });
  }

  play(file: string | string[], _opts?: PlayOptions): Promise<PlayResult> {
    const files = (Array.isArray(file) ? file : [file]).map(promptName);
    this.begin({ op: 'play', files });
    if (this.holdPlay(files)) return this.hold({ playbackSeconds: 1, playbackMilliseconds: 1000, interrupted: true });
    return Promise.resolve({ playbackSeconds: 2, playbackMilliseconds: 2000, interrupted: false });
  }

  playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult> {
    const files = (Array.isArray(opts.file) ? opts.file : [opts.file]).map(promptName);
    this.begin({ op: 'playCollect', files, collect: opts });
    const action = this.keys.shift() ?? '';
    if (action === 'hold') return this.hold({ digits: '', reason: 'interrupted', playbackMilliseconds: 500 });
    if (action === '') return Promise.resolve({ digits: '', reason: 'timeout', playbackMilliseconds: 2000 });
    const max = opts.max ?? 128;
    const term = opts.terminators ?? '#';
    const end = [...action].findIndex((k) => term.includes(k));
    const digits = (end >= 0 ? action.slice(0, end) : action).slice(0, max);
    return Promise.resolve({
      digits,
      reason: end >= 0 && end <= max ? 'terminator' : 'max-digits',
      ...(end >= 0 ? { terminatorUsed: action[end]! } : {}),
      playbackMilliseconds: 800,
    });
  }

  record(file: string, opts?: RecordOptions): Promise<RecordResult> {
    this.begin({ op: 'record', files: [file], ...(opts ? { record: opts } : {}) });
    return Promise.resolve({ recordMilliseconds: this.recordMs, reason: 'terminator', terminatorUsed: '#' });
  }

  stop(): void {
    this.stops++;
    const p = this.pending;
    this.pending = undefined;
    p?.();
  }

  bridge(): Promise<void> {
    return Promise.resolve();
  }

  unbridge(): Promise<void> {
    return Promise.resolve();
  }

  modify(): Promise<string> {
    return Promise.resolve('');
  }

  injectDtmf(): void {}

  destroy(): Promise<void> {
    this.stop();
    this.emit('destroy');
    return Promise.resolve();
  }
}

// ------------------------------------------------------------------------------------------
// A call: the context a call session would give the flow, with scripted hooks.
// ------------------------------------------------------------------------------------------

interface TestCallOptions {
  keys?: CallerAction[];
  service?: string;
  dialled?: string;
  language?: string;
  /** The dialled number's personal agent (config numbers[].personalAgent). */
  personalAgent?: string;
  /** ISO time of the call. */
  at?: string;
  avalanche?: AvalancheMessage[];
  enqueue?: (req: EnqueueRequest, signal: AbortSignal) => Promise<EnqueueResult>;
  offerCallback?: CallbackResult;
  transfer?: TransferResult;
  pins?: string[];
}

function testCall(opts: TestCallOptions = {}) {
  const ep = new ScriptedMediaEndpoint(opts.keys);
  const events: IvrEvent[] = [];
  const hangupController = new AbortController();
  const enqueued: EnqueueRequest[] = [];
  const enqueueSignals: AbortSignal[] = [];
  const callbacks: CallbackRequest[] = [];
  const transfers: TransferRequest[] = [];
  const saved: Array<{ slot: string; file: string }> = [];
  const recordings = new Map<string, string>();
  const avalancheLookups: string[] = [];
  let hungUpByUs = 0;
  let connected = false;
  let now = Date.parse(opts.at ?? '2026-11-23T10:00:00Z'); // a Monday, 11:00 in Stockholm

  const ctx: IvrContext = {
    endpoint: ep,
    call: {
      callId: 'call-1',
      caller: '+46701740650',
      dialled: opts.dialled ?? '+46313900601',
      service: opts.service ?? 'Kundtjänst',
      language: opts.language ?? 'sv',
      ...(opts.personalAgent !== undefined ? { personalAgent: opts.personalAgent } : {}),
    },
    variables: {},
    routing: { priority: 0, vip: false },
    prompts,
    logger: pino({ level: 'silent' }).child({ callId: 'call-1' }),
    events: { emit: (e) => void events.push(e) },
    hangupSignal: hangupController.signal,
    get connected() {
      return connected;
    },
    now: () => now,
    enqueue: async (req, signal) => {
      enqueued.push(req);
      enqueueSignals.push(signal);
      const result = await (opts.enqueue ? opts.enqueue(req, signal) : Promise.resolve({ outcome: 'answered', agentId: 'anna' } as const));
      if (result.outcome === 'answered') connected = true;
      return result;
    },
    offerCallback: (req) => {
      callbacks.push(req);
      return Promise.resolve(opts.offerCallback ?? { outcome: 'declined' });
    },
    transfer: (req) => {
      transfers.push(req);
      const result = opts.transfer ?? { outcome: 'connected' };
      if (result.outcome === 'connected') connected = true;
      return Promise.resolve(result);
    },
    hangup: () => {
      hungUpByUs++;
      return Promise.resolve();
    },
    announcements: {
      current: (slot) => Promise.resolve(recordings.get(slot)),
      verifyPin: (pin) => Promise.resolve((opts.pins ?? ['2468']).includes(pin)),
      draftFile: (slot, callId) => `/data/announcements/drafts/${slot}-${callId}.wav`,
      save: (slot, file) => {
        saved.push({ slot, file });
        recordings.set(slot, `/data/announcements/${slot}.wav`);
        return Promise.resolve();
      },
    },
    avalancheMessages: (service) => {
      avalancheLookups.push(service);
      return Promise.resolve(opts.avalanche ?? []);
    },
  };

  return {
    ctx,
    ep,
    events,
    enqueued,
    enqueueSignals,
    callbacks,
    transfers,
    saved,
    recordings,
    avalancheLookups,
    get hungUpByUs() {
      return hungUpByUs;
    },
    /** The caller hangs up. */
    hangUp: () => hangupController.abort(),
    /** Moves the call's clock. */
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    /** Node ids entered, in order. */
    path: () => events.flatMap((e) => (e.type === 'ivr-node' ? [e.node] : [])),
  };
}

/** Resolves once pending promise callbacks (a few hops of awaits) have run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ------------------------------------------------------------------------------------------

describe('a caller to Kundtjänst', () => {
  it('during opening hours hears the greeting and waits in the kundtjänst queue with the queue experience of the flow', async () => {
    const call = testCall({ at: '2026-11-23T10:00:00Z' });
    const result = await runFlow(demoFlow('kundtjanst'), call.ctx).result;

    expect(result).toEqual({ reason: 'completed', lastNode: 'ko', steps: 4 });
    expect(call.path()).toEqual(['oppettider', 'lavin', 'halsning', 'ko']);
    expect(call.ep.trace).toEqual(['play:welcome']);
    expect(call.avalancheLookups).toEqual(['Kundtjänst']);
    expect(call.enqueued).toEqual([
      {
        queueId: 'kundtjanst',
        priority: 0,
        maxWaitSeconds: 1200,
        experience: {
          music: 'default',
          announceEverySeconds: 60,
          offerCallbackAfterSeconds: 120,
          offerCallbackWhenWaitOverSeconds: 300,
          brandMessages: ['kustbanken-reklam'],
          brandMessageEverySeconds: 90,
        },
        data: { caller: '+46701740650', dialled: '+46313900601', service: 'Kundtjänst', language: 'sv', callId: 'call-1' },
      },
    ]);
    expect(call.events.at(-1)).toMatchObject({ type: 'ivr-ended', reason: 'completed', node: 'ko', callId: 'call-1', service: 'Kundtjänst' });
  });

  it('hears the greeting the operator recorded, once one is saved', async () => {
    const call = testCall();
    call.recordings.set('kundtjanst-halsning', '/data/announcements/kundtjanst-halsning.wav');
    await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.ep.trace).toEqual(['play:/data/announcements/kundtjanst-halsning.wav']);
  });

  it('on a Sunday hears that it is closed, is offered a callback, takes it and is thanked', async () => {
    const call = testCall({ at: '2026-11-22T12:00:00Z', offerCallback: { outcome: 'accepted', number: '+46701740650' } });
    const result = await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.path()).toEqual(['oppettider', 'stangt', 'callback-nar-vi-oppnar', 'tack']);
    expect(call.ep.trace).toEqual(['play:closed', 'play:thank_you']);
    expect(call.callbacks).toEqual([{ queueId: 'kundtjanst', priority: 0 }]);
    expect(call.hungUpByUs).toBe(1);
    expect(result.reason).toBe('completed');
  });

  it('on Julafton is closed, whatever the weekday', async () => {
    const call = testCall({ at: '2026-12-24T09:00:00Z' });
    await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.path().slice(0, 2)).toEqual(['oppettider', 'stangt']);
    expect(call.enqueued).toEqual([]);
  });

  it('who waits past the maximum wait is offered a callback, declines, and is told goodbye', async () => {
    const call = testCall({ enqueue: () => Promise.resolve({ outcome: 'overflow', waitedSeconds: 1200 }) });
    await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.path()).toEqual(['oppettider', 'lavin', 'halsning', 'ko', 'erbjud-callback', 'hejda']);
    expect(call.ep.trace).toEqual(['play:welcome', 'play:goodbye']);
  });
});

describe('avalanche messages', () => {
  const outage: AvalancheMessage[] = [
    { id: 'bankid-sv', file: '/data/avalanche/bankid-sv.wav', language: 'sv' },
    { id: 'bankid-en', file: '/data/avalanche/bankid-en.wav', language: 'en' },
  ];

  it("are played in the caller's language before the greeting", async () => {
    const call = testCall({ avalanche: outage });
    await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.ep.trace).toEqual(['play:/data/avalanche/bankid-sv.wav', 'play:welcome']);
    expect(call.events.find((e) => e.type === 'avalanche-played')).toMatchObject({ node: 'lavin', messageIds: ['bankid-sv'] });
    expect(call.events.some((e) => e.type === 'avalanche-deflected')).toBe(false);
  });

  it('a caller who hangs up while the message plays is counted as deflected, and the flow stops', async () => {
    const call = testCall({ avalanche: outage });
    call.ep.holdPlay = (files) => files[0] === '/data/avalanche/bankid-sv.wav';
    const run = runFlow(demoFlow('kundtjanst'), call.ctx);
    await settle();
    expect(run.current).toBe('lavin');
    call.hangUp();
    const result = await run.result;

    expect(result).toMatchObject({ reason: 'killed', lastNode: 'lavin' });
    expect(call.events.find((e) => e.type === 'avalanche-deflected')).toMatchObject({ messageIds: ['bankid-sv'], during: true, secondsAfter: 0 });
    expect(call.enqueued).toEqual([]);
  });

  it('a caller who hangs up within the deflection window after the message counts; later does not', async () => {
    for (const [seconds, counted] of [[8, true], [30, false]] as const) {
      const call = testCall({ avalanche: outage, enqueue: () => new Promise(() => undefined) });
      const run = runFlow(demoFlow('kundtjanst'), call.ctx);
      await settle();
      expect(run.current).toBe('ko');
      call.advance(seconds);
      call.hangUp();
      await run.result;
      const deflected = call.events.filter((e) => e.type === 'avalanche-deflected');
      expect(deflected, `${seconds} s after`).toHaveLength(counted ? 1 : 0);
      if (counted) expect(deflected[0]).toMatchObject({ during: false, secondsAfter: 8 });
    }
  });

  it('a caller an agent answered within the deflection window was served, not turned away', async () => {
    const call = testCall({ avalanche: outage });
    const result = await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.path()).toContain('ko');
    expect(result.reason).toBe('completed');
    call.advance(3);
    call.hangUp();
    expect(call.events.some((e) => e.type === 'avalanche-deflected')).toBe(false);
  });

  it('with no active message the flow goes straight on', async () => {
    const call = testCall({ avalanche: [] });
    await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(call.events.some((e) => e.type === 'avalanche-played')).toBe(false);
  });
});

describe('the växel language menu', () => {
  it('a caller who presses 2 continues in English, and the queue hears it', async () => {
    const call = testCall({ service: 'Växel', dialled: '+46313900600', keys: ['2'] });
    await runFlow(demoFlow('vaxel'), call.ctx).result;
    expect(call.path()).toEqual(['oppettider', 'lavin', 'sprakval', 'engelska', 'ko']);
    expect(call.ctx.call.language).toBe('en');
    expect(call.enqueued[0]).toMatchObject({ queueId: 'vaxel', data: { language: 'en' } });
    expect(call.ep.log[0]).toMatchObject({ op: 'playCollect', files: ['welcome'], collect: { min: 1, max: 1, timeout: 4000, terminators: '' } });
  });

  it('a caller who says nothing continues in Swedish after one retry', async () => {
    const call = testCall({ service: 'Växel', dialled: '+46313900600', keys: ['', ''] });
    await runFlow(demoFlow('vaxel'), call.ctx).result;
    expect(call.ep.trace).toEqual(['playCollect:welcome', 'playCollect:welcome']);
    expect(call.path()).toEqual(['oppettider', 'lavin', 'sprakval', 'svenska', 'ko']);
  });
});

describe('menus: retries, wrong keys and silence', () => {
  const MENU = `
nodes:
  - id: meny
    type: menu
    prompts: [welcome]
    retries: 2
    branches: { "1": privat, "2": foretag, invalid: fel, timeout: tyst }
  - { id: privat, type: queue, queue: privat }
  - { id: foretag, type: queue, queue: foretag }
  - { id: fel, type: hangup, prompts: [invalid_choice] }
  - { id: tyst, type: hangup, prompts: [goodbye] }
`;

  it('a wrong key plays "invalid choice" before the menu again, and a key pressed then counts', async () => {
    const call = testCall({ keys: ['7', '2'] });
    await runFlow(flow(MENU), call.ctx).result;
    expect(call.ep.trace).toEqual(['playCollect:welcome', 'playCollect:invalid_choice,welcome']);
    expect(call.enqueued[0]!.queueId).toBe('foretag');
  });

  it('after the retries a caller who keeps pressing wrong keys takes the invalid branch', async () => {
    const call = testCall({ keys: ['9', '8', '7'] });
    await runFlow(flow(MENU), call.ctx).result;
    expect(call.ep.log.filter((o) => o.op === 'playCollect')).toHaveLength(3);
    expect(call.path()).toEqual(['meny', 'fel']);
  });

  it('a silent caller hears the menu three times, then takes the timeout branch', async () => {
    const call = testCall({ keys: ['', '', ''] });
    await runFlow(flow(MENU), call.ctx).result;
    expect(call.ep.trace).toEqual(['playCollect:welcome', 'playCollect:welcome', 'playCollect:welcome', 'play:goodbye']);
    expect(call.path()).toEqual(['meny', 'tyst']);
  });

  it('with only an invalid branch, silence takes it too', async () => {
    const call = testCall({ keys: ['', '', ''] });
    await runFlow(flow(MENU.replace(', timeout: tyst', '').replace('  - { id: tyst, type: hangup, prompts: [goodbye] }\n', '')), call.ctx).result;
    expect(call.path()).toEqual(['meny', 'fel']);
  });

  it('the menu plays in the language the caller chose', async () => {
    const call = testCall({ keys: ['1'], language: 'en' });
    const run = runFlow(flow(MENU), call.ctx);
    await run.result;
    expect(call.ep.log[0]!.collect!.file).toEqual([path.join(prompts.root, 'en', 'welcome.wav')]);
  });
});

describe('hanging up stops the flow cleanly', () => {
  it('a caller who hangs up in the middle of a menu prompt: the prompt is stopped and nothing after it runs', async () => {
    const call = testCall({ service: 'Växel', keys: ['hold'] });
    const run = runFlow(demoFlow('vaxel'), call.ctx);
    await settle();
    expect(run.current).toBe('sprakval');
    call.hangUp();
    const result = await run.result;
    expect(result).toEqual({ reason: 'killed', lastNode: 'sprakval', steps: 3 });
    expect(call.ep.stops).toBeGreaterThan(0);
    expect(call.enqueued).toEqual([]);
    expect(call.events.at(-1)).toMatchObject({ type: 'ivr-ended', reason: 'killed', node: 'sprakval' });
  });

  it('the session can end a call waiting in the queue: the queue hook is told to let go', async () => {
    const call = testCall({ enqueue: () => new Promise(() => undefined) });
    const run = runFlow(demoFlow('kort-och-sparr'), call.ctx);
    await settle();
    expect(run.current).toBe('ko');
    const result = await run.kill();
    expect(result.reason).toBe('killed');
    expect(call.enqueueSignals[0]!.aborted).toBe(true);
  });

  it('a call that hung up before the flow started runs no node', async () => {
    const call = testCall();
    call.hangUp();
    const result = await runFlow(demoFlow('kundtjanst'), call.ctx).result;
    expect(result).toEqual({ reason: 'killed', steps: 0 });
    expect(call.ep.log).toEqual([]);
  });
});

describe('the loop guard', () => {
  it('a flow that goes round for ever is stopped after its maximum number of steps', async () => {
    const looping = flow(`
maxSteps: 25
nodes:
  - { id: hallo, type: play, prompts: [please_hold], next: igen }
  - { id: igen, type: goto, to: hallo }
`);
    const call = testCall();
    const result = await runFlow(looping, call.ctx).result;
    expect(result).toMatchObject({ reason: 'max-steps', steps: 25 });
    expect(call.ep.log).toHaveLength(13);
  });

  it('the step limit can be set per run', async () => {
    const call = testCall({ keys: Array(50).fill('5') });
    const menuLoop = flow(`
nodes:
  - { id: meny, type: menu, prompts: [welcome], retries: 0, branches: { "1": ko, invalid: meny } }
  - { id: ko, type: queue }
`);
    const result = await runFlow(menuLoop, call.ctx, { maxSteps: 10 }).result;
    expect(result).toMatchObject({ reason: 'max-steps', steps: 10, lastNode: 'meny' });
  });
});

describe('Kort och spärr: one number, straight to the queue', () => {
  it('the caller goes into the card queue without hearing a menu', async () => {
    const call = testCall({ service: 'Kort och spärr', dialled: '+46313900603' });
    await runFlow(demoFlow('kort-och-sparr'), call.ctx).result;
    expect(call.path()).toEqual(['ko']);
    expect(call.ep.log).toEqual([]);
    expect(call.enqueued[0]).toMatchObject({ queueId: 'kort', experience: { music: 'default', announceEverySeconds: 30 } });
  });
});

describe('the CRM lookup (http node)', () => {
  let server: Server;
  let base: string;
  const answers = new Map<string, { status?: number; body?: unknown; delayMs?: number }>();
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const key = new URL(req.url ?? '/', 'http://x').searchParams.get('caller') ?? '';
      const a = answers.get(key) ?? { body: {} };
      const timer = setTimeout(() => {
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
      }, a.delayMs ?? 0);
      res.on('close', () => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The process's first fetch loads its HTTP client, which on a busy machine alone can outlast the nodes' 300 ms timeout.
    await (await fetch(`${base}/warm-up`)).text();
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const crmFlow = (): Flow =>
    flow(`
nodes:
  - id: crm
    type: http
    url: "${base}/lookup?caller={{caller}}&service={{service}}"
    timeoutMs: 300
    next: ko
    branches: { fallback: reserv, radgivare: till-radgivare }
  - { id: till-radgivare, type: transfer, to: "1003", branches: { failed: ko } }
  - { id: ko, type: queue, queue: foretag }
  - { id: reserv, type: queue, queue: foretag, priority: 1 }
`);

  function caller(number: string) {
    const call = testCall({ service: 'Företag', dialled: '+46313900602' });
    (call.ctx.call as { caller: string }).caller = number;
    return call;
  }

  it('a VIP answer puts the caller ahead in the queue, and the variables travel with the call', async () => {
    answers.set('+46701740651', { body: { vip: true, variables: { kundnummer: 4711, segment: 'guld' } } });
    const call = caller('+46701740651');
    await runFlow(crmFlow(), call.ctx).result;
    expect(requests.at(-1)).toBe('/lookup?caller=%2B46701740651&service=F%C3%B6retag');
    expect(call.path()).toEqual(['crm', 'ko']);
    expect(call.enqueued[0]).toMatchObject({ priority: 10, data: { kundnummer: '4711', segment: 'guld', vip: 'true' } });
  });

  it("the caller's own serviceman from the CRM gets the call first: a personal queue call for that agent", async () => {
    answers.set('+46701740653', { body: { variables: { serviceman: '1004' } } });
    const call = caller('+46701740653');
    const personal = flow(`
nodes:
  - { id: crm, type: http, url: "${base}/lookup?caller={{caller}}", timeoutMs: 300, next: ko }
  - { id: ko, type: queue, queue: foretag, agent: "{{vars.serviceman}}" }
`);
    await runFlow(personal, call.ctx).result;
    expect(call.enqueued).toHaveLength(1);
    expect(call.enqueued[0]).toMatchObject({ queueId: 'foretag', personalAgentId: '1004', data: { serviceman: '1004' } });
  });

  it('a route in the answer rings the personal adviser', async () => {
    answers.set('+46701740652', { body: { route: 'radgivare' } });
    const call = caller('+46701740652');
    await runFlow(crmFlow(), call.ctx).result;
    expect(call.path()).toEqual(['crm', 'till-radgivare']);
    expect(call.transfers).toEqual([{ to: '1003', kind: 'extension', timeoutSeconds: 30 }]);
  });

  it('a route that is not a branch of the node is ignored', async () => {
    answers.set('+46701740653', { body: { route: 'okand' } });
    const call = caller('+46701740653');
    await runFlow(crmFlow(), call.ctx).result;
    expect(call.path()).toEqual(['crm', 'ko']);
  });

  it.each([
    ['does not answer in time', { delayMs: 2000, body: { vip: true } }],
    ['answers 500', { status: 500, body: { vip: true } }],
    ['answers something that is not JSON', { body: '<html>' }],
  ])('a CRM that %s sends the caller down the fallback branch', async (_, answer) => {
    answers.set('+46701740654', answer);
    const call = caller('+46701740654');
    const started = Date.now();
    await runFlow(crmFlow(), call.ctx).result;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(call.path()).toEqual(['crm', 'reserv']);
    expect(call.enqueued[0]!.priority).toBe(1);
  });

  it('a caller who hangs up during the lookup stops it at once', async () => {
    answers.set('+46701740655', { delayMs: 5000, body: {} });
    const call = caller('+46701740655');
    const run = runFlow(crmFlow(), call.ctx);
    await new Promise((r) => setTimeout(r, 50));
    call.hangUp();
    expect(await run.result).toMatchObject({ reason: 'killed', lastNode: 'crm' });
  });
});

describe('transfer', () => {
  it('an adviser who does not answer sends the caller to the queue', async () => {
    const call = testCall({ transfer: { outcome: 'failed', reason: 'no-answer' } });
    await runFlow(flow(`
nodes:
  - { id: radgivare, type: transfer, to: "+46701740605", timeoutSeconds: 20, branches: { failed: ko } }
  - { id: ko, type: queue }
`), call.ctx).result;
    expect(call.transfers).toEqual([{ to: '+46701740605', kind: 'number', timeoutSeconds: 20 }]);
    expect(call.path()).toEqual(['radgivare', 'ko']);
  });
});

describe('an operator records an announcement by phone', () => {
  it('PIN, slot, record after the beep, listen, save: the next caller hears the new recording', async () => {
    const operator = testCall({ dialled: '*77', keys: ['2468#', '3', '1'] });
    const result = await runFlow(demoFlow('inspelning'), operator.ctx).result;

    const draft = '/data/announcements/drafts/kundtjanst-halsning-call-1.wav';
    // After the PIN the operator hears which key records which slot.
    const menu = ['choose_slot',
      'press', 'number_1', 'slot_vaxel_sprakval', 'press', 'number_2', 'slot_vaxel_stangt',
      'press', 'number_3', 'slot_kundtjanst_halsning', 'press', 'number_4', 'slot_kundtjanst_stangt',
      'press', 'number_5', 'slot_kustbanken_reklam', 'press', 'number_6', 'slot_lavin_1', 'press', 'number_7', 'slot_lavin_2'];
    expect(operator.ep.trace).toEqual([
      'playCollect:enter_pin',
      `playCollect:${menu.join(',')}`,
      'play:record_after_beep',
      `record:${draft}`,
      `playCollect:${draft},press_1_save_2_rerecord`,
      'play:recording_saved',
      'play:goodbye',
    ]);
    expect(operator.ep.log[3]!.record).toMatchObject({ beep: true, timeLimitSecs: 120, silenceSecs: 5, terminators: '#' });
    expect(operator.saved).toEqual([{ slot: 'kundtjanst-halsning', file: draft }]);
    expect(operator.events.find((e) => e.type === 'announcement-saved')).toMatchObject({ slot: 'kundtjanst-halsning' });
    expect(result.reason).toBe('completed');

    // The next caller to Kundtjänst: the same store, the new greeting.
    const next = testCall();
    for (const [slot, file] of operator.recordings) next.recordings.set(slot, file);
    await runFlow(demoFlow('kundtjanst'), next.ctx).result;
    expect(next.ep.trace).toEqual(['play:/data/announcements/kundtjanst-halsning.wav']);
  });

  it('pressing 2 records again, and only the take that is saved counts', async () => {
    const operator = testCall({ dialled: '*77', keys: ['2468#', '5', '2', '1'] });
    await runFlow(demoFlow('inspelning'), operator.ctx).result;
    expect(operator.ep.log.filter((o) => o.op === 'record')).toHaveLength(2);
    expect(operator.saved.map((s) => s.slot)).toEqual(['kustbanken-reklam']);
  });

  it('a wrong PIN three times ends the call without recording anything', async () => {
    const operator = testCall({ dialled: '*77', keys: ['1111#', '2222#', '3333#'] });
    await runFlow(demoFlow('inspelning'), operator.ctx).result;
    expect(operator.ep.trace).toEqual([
      'playCollect:enter_pin',
      'playCollect:wrong_pin,enter_pin',
      'playCollect:wrong_pin,enter_pin',
      'play:wrong_pin',
      'play:goodbye',
    ]);
    expect(operator.saved).toEqual([]);
    expect(operator.path()).toEqual(['spela-in', 'hejda']);
  });

  it('an operator who hangs up while listening leaves the slot as it was', async () => {
    const operator = testCall({ dialled: '*77', keys: ['2468#', '3', 'hold'] });
    const run = runFlow(demoFlow('inspelning'), operator.ctx);
    await settle();
    operator.hangUp();
    expect((await run.result).reason).toBe('killed');
    expect(operator.saved).toEqual([]);
  });
});

describe('set, and a node that fails', () => {
  it('set fills variables from the call and sets the priority', async () => {
    const call = testCall();
    await runFlow(flow(`
nodes:
  - { id: markera, type: set, variables: { kanal: telefon, nummer: "{{dialled}}" }, priority: 3, next: ko }
  - { id: ko, type: queue }
`), call.ctx).result;
    expect(call.ctx.variables).toEqual({ kanal: 'telefon', nummer: '+46313900601' });
    expect(call.enqueued[0]!.priority).toBe(3);
  });

  it('a hook that throws ends the run with reason error, and the session is told', async () => {
    const call = testCall({ enqueue: () => Promise.reject(new Error('the ACD is down')) });
    const result = await runFlow(demoFlow('kort-och-sparr'), call.ctx).result;
    expect(result).toMatchObject({ reason: 'error', lastNode: 'ko' });
    expect(result.error?.message).toBe('the ACD is down');
  });
});

describe('personal queues', () => {
  const viaSet = (agent: string): Flow =>
    flow(`
nodes:
  - { id: handlaggare, type: set, variables: { serviceman: "1002" }, next: ko }
  - { id: ko, type: queue, queue: kundtjanst, agent: "${agent}" }
`);

  it("a queue node's agent, filled from a flow variable, queues the call for that agent", async () => {
    const call = testCall();
    await runFlow(viaSet('{{vars.serviceman}}'), call.ctx).result;
    expect(call.enqueued[0]).toMatchObject({ queueId: 'kundtjanst', personalAgentId: '1002' });
  });

  it('an agent that fills in empty makes an ordinary queue call, even on a personal number', async () => {
    const call = testCall({ personalAgent: '1004' });
    await runFlow(viaSet('{{vars.saknas}}'), call.ctx).result;
    expect(call.enqueued).toHaveLength(1);
    expect(call.enqueued[0]).not.toHaveProperty('personalAgentId');
  });

  it("a queue node without agent queues a call to an agent's personal number for that agent", async () => {
    const call = testCall({ personalAgent: '1004' });
    await runFlow(demoFlow('kort-och-sparr'), call.ctx).result;
    expect(call.enqueued[0]).toMatchObject({ queueId: 'kort', personalAgentId: '1004' });
  });

  it('a call to an ordinary number is an ordinary queue call', async () => {
    const call = testCall();
    await runFlow(demoFlow('kort-och-sparr'), call.ctx).result;
    expect(call.enqueued).toHaveLength(1);
    expect(call.enqueued[0]).not.toHaveProperty('personalAgentId');
  });
});
