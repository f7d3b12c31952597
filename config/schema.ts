/**
 * The configuration's shape: the TypeScript type `Config`, its JSON schema
 * (draft-07, checked with ajv) and the cross-field rules a schema cannot say
 * (unique extensions and numbers, every number's target extension exists, ...).
 *
 * This module knows nothing about files or the environment: it turns a value
 * into "valid" or one `ConfigIssue` (a path and a problem). `server/config/load.ts`
 * adds which file or environment variable the offending value came from.
 */
import { isIP } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const TRUNK_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type TrunkTransport = (typeof TRUNK_TRANSPORTS)[number];

export interface CompanyConfig {
  name: string;
  /** Country calling code without "+", e.g. "46"; used to normalise national numbers. */
  countryCode: string;
  /** IANA time zone for opening hours and statistics intervals, e.g. "Europe/Stockholm". */
  timezone: string;
}

export interface RegistrationConfig {
  /** Seconds. A REGISTER asking for less gets 423 Interval Too Brief. */
  minExpires: number;
  /** Seconds. Longer requests are cut down to this. */
  maxExpires: number;
  /** Seconds. Used when the REGISTER names no expiry. */
  defaultExpires: number;
}

export interface SipConfig {
  host: string;
  port: number;
  wsPort: number;
  /**
   * The address phones and trunks reach us at, written in Via and Contact.
   * Unset: the host, or when that is 0.0.0.0 the machine's first non-loopback IPv4 address.
   */
  advertisedAddress?: string;
  /** Default realm / domain of the extensions, e.g. "kustbanken.local". */
  domain: string;
  registration: RegistrationConfig;
  /** New calls get 503 while this many are in progress; unset: no limit. */
  maxConcurrentCalls?: number;
  /** New calls get 503 while the event loop runs later than this (ms, smoothed over about a second); unset: not watched. */
  maxEventLoopDelayMs?: number;
}

export interface HttpConfig {
  host: string;
  port: number;
}

export interface RtpConfig {
  portMin: number;
  portMax: number;
}

/** A production engine (drachtio-server or FreeSWITCH). `host: null` means: use the embedded engine. */
export interface EngineConfig {
  host: string | null;
  port: number;
  secret: string;
}

export interface ExtensionConfig {
  /** 2 to 6 digits, e.g. "1001". */
  extension: string;
  /** Display name, e.g. "Anna Lindqvist". */
  name: string;
  /** SIP digest password. */
  password: string;
  /** E.164 mobile rung through the trunk (mobile extension). */
  mobile?: string;
  /** Present when the extension belongs to an ACD agent: what they can answer and where. */
  agent?: AgentConfig;
  /** An operator's phone: may switch avalanche messages on and off (featureCodes.avalancheToggle). */
  operator?: boolean;
}

export const ANSWER_ON = ['phone', 'mobile'] as const;
export type AnswerOn = (typeof ANSWER_ON)[number];

/**
 * An agent's profile on their extension. The agent's ACD id is the extension.
 * `answerOn: phone` rings every desk phone and softphone registered for the
 * extension at once, the first to answer taking the call; `mobile` rings
 * `mobile` through the trunk.
 */
export interface AgentConfig {
  /** Skill name -> level 1..5. */
  skills: Record<string, 1 | 2 | 3 | 4 | 5>;
  groups: string[];
  /** ACD queue ids the agent answers. */
  queues: string[];
  answerOn: AnswerOn;
}

/** One step of a queue's widening circle, as written in the file: exactly one of skill, group, everyone. */
export interface QueueStepConfig {
  afterSeconds: number;
  skill?: string;
  minLevel?: 1 | 2 | 3 | 4 | 5;
  group?: string;
  everyone?: true;
}

export const PRIORITY_RULES = ['classes', 'head-start'] as const;

/** An ACD queue: who may answer as the wait grows, and the rules of offering. */
export interface QueueConfigEntry {
  /** Lower-case id the flows' queue nodes name, e.g. "kundtjanst". */
  id: string;
  name: string;
  steps: QueueStepConfig[];
  /** classes: higher priority first; head-start: each point counts as headStartSecondsPerPoint of waiting. */
  priority: (typeof PRIORITY_RULES)[number];
  headStartSecondsPerPoint?: number;
  wrapUpSeconds: number;
  ringTimeoutSeconds: number;
  /** Unanswered offers in a row before the agent is paused "no answer". */
  maxMissedOffers: number;
  /** How long a call for one named agent waits for them before the queue's agents may take it. */
  personalOverflowSeconds: number;
  /** Position and estimated wait are spoken on entry and then every this many seconds (0: on entry only), unless the flow says otherwise. */
  announceEverySeconds: number;
  /** Seconds before a callback whose customer did not answer is dialled again (default 120). */
  callbackRetrySeconds?: number;
  /** Dial attempts before a callback is given up (default 3). */
  callbackMaxAttempts?: number;
  /** Seconds the customer's phone rings on a callback before it counts as no answer (default 30). */
  callbackRingSeconds?: number;
}

export interface NumberConfig {
  /** E.164 number callers dial, e.g. "+46313900601". */
  number: string;
  /** The brand / service the caller called, shown to the agent, e.g. "Kundtjänst". */
  service: string;
  /**
   * The ACD queue the service's calls wait in when its flow's queue node
   * names none. Numbers of one service share one queue.
   */
  queue?: string;
  /**
   * Direct dial instead of a flow: the number rings this extension (a personal
   * number, or a site without ACD). Must exist in `extensions`.
   */
  target?: string;
  /**
   * With `target` only: answer with our media and greet the caller (welcome
   * prompt, one key) before ringing the target, with media anchored.
   */
  greeting?: boolean;
}

export interface TrunkConfig {
  name: string;
  host: string;
  port: number;
  transport: TrunkTransport;
  username?: string;
  password?: string;
  /** IP addresses or CIDRs (IPv4 or IPv6) whose requests are treated as coming from this trunk. */
  trustedSources: string[];
  /** E.164 caller id presented on calls out through this trunk. */
  callerId: string;
}

/**
 * Codes an extension dials on its own phone. `pause` and
 * `avalancheToggle` take digits after the code: *23 pauses ("pause"), *2301
 * pauses with reason "01"; *78 followed by an avalanche message id toggles it.
 */
export interface FeatureCodesConfig {
  /** Log in to the ACD (ready). */
  login: string;
  /** Log out of the ACD (calls to the agent's own extension still ring). */
  logout: string;
  /** Pause; optional reason digits after the code. */
  pause: string;
  /** Ready again after a pause or wrap-up. */
  ready: string;
  /** Operators: record announcements by phone (runs the flow whose `numbers` list this code). */
  recordAnnouncements: string;
  /** Operators' extensions: switch a prepared avalanche message on or off (code + message id). */
  avalancheToggle: string;
}

/** Someone allowed to record announcements (with the PIN) and, from their extensions, toggle avalanche messages. */
export interface OperatorConfig {
  name: string;
  /** 4 to 12 digits, a secret: never logged or echoed in errors. */
  pin: string;
  /** Extensions that count as this operator's phones (avalanche toggling). */
  extensions: string[];
}

/** A prepared avalanche message an operator switches on and off by phone. */
export interface AvalancheConfig {
  /** Digits, dialled after the avalancheToggle code, e.g. "1" (*781). */
  id: string;
  /** The services (numbers[].service) whose callers hear it. */
  services: string[];
  /** The announcement slot played (recorded by phone with the recordAnnouncements code). */
  slot: string;
  language?: string;
}

export interface Config {
  company: CompanyConfig;
  sip: SipConfig;
  http: HttpConfig;
  rtp: RtpConfig;
  /** Announcements, recordings, persisted state. Relative paths are relative to the working directory. */
  dataDir: string;
  logLevel: LogLevel;
  drachtio: EngineConfig;
  freeswitch: EngineConfig;
  /** null: in-process store. */
  redisUrl: string | null;
  extensions: ExtensionConfig[];
  /** ACD queues; a number without `target` runs its flow, whose queue node puts the call in one of these. */
  queues: QueueConfigEntry[];
  numbers: NumberConfig[];
  trunks: TrunkConfig[];
  featureCodes: FeatureCodesConfig;
  operators: OperatorConfig[];
  avalanche: AvalancheConfig[];
}

/** One thing wrong with a configuration value: where (path segments) and what. */
export interface ConfigIssue {
  path: Array<string | number>;
  problem: string;
}

export const E164_PATTERN = '^\\+[1-9]\\d{6,14}$';
export const EXTENSION_PATTERN = '^[0-9]{2,6}$';

// `errorHint` is our own annotation keyword: the wording used when the value fails.
const port = { type: 'integer', minimum: 1, maximum: 65535, errorHint: 'must be a port number 1..65535' };
const e164 = { type: 'string', pattern: E164_PATTERN, errorHint: 'must be an E.164 number such as +46313900600' };
const extension = { type: 'string', pattern: EXTENSION_PATTERN, errorHint: 'must be an extension of 2 to 6 digits' };
const text = { type: 'string', minLength: 1, errorHint: 'must be a non-empty string' };
const seconds = { type: 'integer', minimum: 1, errorHint: 'must be a whole number of seconds >= 1' };
const secondsOrZero = { type: 'integer', minimum: 0, errorHint: 'must be a whole number of seconds >= 0' };
const level = { type: 'integer', minimum: 1, maximum: 5, errorHint: 'must be a skill level 1..5' };
const name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', errorHint: 'must be a lower-case name of letters, digits, "-" and "_"' };
const featureCode = {
  type: 'string',
  pattern: '^[*#][0-9*#]{1,5}$',
  errorHint: 'must be a code starting with * or # and 2 to 6 characters long, such as "*21" (in quotes)',
};
const hostname = {
  type: 'string',
  pattern: '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$',
  errorHint: 'must be a domain name such as kustbanken.local',
};
const engine = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'secret'],
  properties: {
    host: { type: ['string', 'null'], minLength: 1, default: null, errorHint: 'must be a host name or address, or null for the embedded engine' },
    port,
    secret: text,
  },
};

/** JSON schema (draft-07) of `Config`. Unknown keys are errors, so typos are caught. */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['company', 'sip', 'http', 'rtp', 'dataDir', 'logLevel', 'drachtio', 'freeswitch', 'extensions', 'numbers', 'trunks'],
  properties: {
    company: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'countryCode', 'timezone'],
      properties: {
        name: text,
        countryCode: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', errorHint: 'must be a country calling code without "+", such as "46"' },
        timezone: text,
      },
    },
    sip: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port', 'wsPort', 'domain', 'registration'],
      properties: {
        host: text,
        port,
        wsPort: port,
        advertisedAddress: text,
        domain: hostname,
        registration: {
          type: 'object',
          additionalProperties: false,
          required: ['minExpires', 'maxExpires', 'defaultExpires'],
          properties: { minExpires: seconds, maxExpires: seconds, defaultExpires: seconds },
        },
        maxConcurrentCalls: { type: 'integer', minimum: 1, errorHint: 'must be a whole number of calls >= 1 (leave it out for no limit)' },
        maxEventLoopDelayMs: { type: 'integer', minimum: 1, errorHint: 'must be a whole number of milliseconds >= 1 (leave it out to not watch the delay)' },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port'],
      properties: { host: text, port },
    },
    rtp: {
      type: 'object',
      additionalProperties: false,
      required: ['portMin', 'portMax'],
      properties: { portMin: port, portMax: port },
    },
    dataDir: text,
    logLevel: { type: 'string', enum: [...LOG_LEVELS], errorHint: `must be one of ${LOG_LEVELS.join(', ')}` },
    drachtio: engine,
    freeswitch: engine,
    redisUrl: {
      type: ['string', 'null'],
      pattern: '^rediss?://',
      default: null,
      errorHint: 'must be a redis:// or rediss:// URL, or null for the in-process store',
    },
    extensions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['extension', 'name', 'password'],
        properties: {
          extension,
          name: text,
          password: text,
          mobile: e164,
          operator: { type: 'boolean', errorHint: 'must be true or false' },
          agent: {
            type: 'object',
            additionalProperties: false,
            required: ['queues'],
            properties: {
              skills: { type: 'object', additionalProperties: level, default: {}, errorHint: 'must be a mapping of skill name to level 1..5' },
              groups: { type: 'array', items: name, default: [], errorHint: 'must be a list of group names' },
              queues: { type: 'array', items: name, minItems: 1, errorHint: 'must be a list of one or more queue ids' },
              answerOn: { type: 'string', enum: [...ANSWER_ON], default: 'phone', errorHint: `must be one of ${ANSWER_ON.join(', ')}` },
            },
          },
        },
      },
    },
    queues: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'steps'],
        properties: {
          id: name,
          name: text,
          steps: {
            type: 'array',
            minItems: 1,
            errorHint: 'must be a list of one or more routing steps',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['afterSeconds'],
              properties: {
                afterSeconds: secondsOrZero,
                skill: name,
                minLevel: level,
                group: name,
                everyone: { type: 'boolean', const: true, errorHint: 'must be true' },
              },
            },
          },
          priority: { type: 'string', enum: [...PRIORITY_RULES], default: 'classes', errorHint: `must be one of ${PRIORITY_RULES.join(', ')}` },
          headStartSecondsPerPoint: secondsOrZero,
          wrapUpSeconds: { ...secondsOrZero, default: 30 },
          ringTimeoutSeconds: { ...seconds, default: 20 },
          maxMissedOffers: { type: 'integer', minimum: 1, default: 2, errorHint: 'must be a whole number >= 1' },
          personalOverflowSeconds: { ...secondsOrZero, default: 60 },
          announceEverySeconds: { ...secondsOrZero, default: 60 },
          callbackRetrySeconds: secondsOrZero,
          callbackMaxAttempts: { type: 'integer', minimum: 1, errorHint: 'must be a whole number >= 1' },
          callbackRingSeconds: seconds,
        },
      },
    },
    numbers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['number', 'service'],
        properties: {
          number: e164,
          service: text,
          queue: name,
          target: extension,
          greeting: { type: 'boolean', errorHint: 'must be true or false' },
        },
      },
    },
    featureCodes: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        login: { ...featureCode, default: '*21' },
        logout: { ...featureCode, default: '*22' },
        pause: { ...featureCode, default: '*23' },
        ready: { ...featureCode, default: '*24' },
        recordAnnouncements: { ...featureCode, default: '*77' },
        avalancheToggle: { ...featureCode, default: '*78' },
      },
    },
    operators: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'pin'],
        properties: {
          name: text,
          pin: { type: 'string', pattern: '^[0-9]{4,12}$', errorHint: 'must be a PIN of 4 to 12 digits, in quotes' },
          extensions: { type: 'array', items: extension, default: [], errorHint: 'must be a list of extensions' },
        },
      },
    },
    avalanche: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'services', 'slot'],
        properties: {
          id: { type: 'string', pattern: '^[0-9]{1,4}$', errorHint: 'must be 1 to 4 digits, in quotes, such as "1"' },
          services: { type: 'array', items: text, minItems: 1, errorHint: 'must be a list of one or more services' },
          slot: name,
          language: { type: 'string', enum: ['sv', 'en'], errorHint: 'must be sv or en' },
        },
      },
    },
    trunks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'host', 'port', 'transport', 'trustedSources', 'callerId'],
        properties: {
          name: text,
          host: text,
          port,
          transport: { type: 'string', enum: [...TRUNK_TRANSPORTS], errorHint: `must be one of ${TRUNK_TRANSPORTS.join(', ')}` },
          username: text,
          password: text,
          trustedSources: { type: 'array', items: text },
          callerId: e164,
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false, useDefaults: true, verbose: true, strict: true });
ajv.addKeyword({ keyword: 'errorHint', schemaType: 'string' });
const validateShape = ajv.compile<Config>(configSchema);

/** `['numbers', 3, 'number']` -> `numbers[3].number`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

const SECRET_KEY = /password|secret|^pins?$/i;

/** A value as it should appear in an error message; secrets are never echoed. */
function describeValue(path: ReadonlyArray<string | number>, value: unknown): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_KEY.test(last)) return 'a value that is not accepted';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function typeName(t: unknown): string {
  const names = String(t).split(',');
  return names.map((n) => (n === 'null' ? 'null' : n === 'integer' ? 'a whole number' : n === 'array' ? 'a list' : n === 'object' ? 'a mapping' : `a ${n}`)).join(' or ');
}

function issueFromAjv(err: ErrorObject): ConfigIssue {
  const path = pointerToPath(err.instancePath);
  const hint = (err.parentSchema as { errorHint?: string } | undefined)?.errorHint;
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      return { path: [...path, missing], problem: 'is required' };
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const close = known
        .map((k) => ({ k, d: editDistance(extra, k) }))
        .filter((x) => x.d <= Math.max(1, Math.floor(x.k.length / 3)))
        .sort((x, y) => x.d - y.d)[0];
      const suggestion = close ? ` (did you mean "${close.k}"?)` : known.length ? ` (known settings: ${known.join(', ')})` : '';
      return { path: [...path, extra], problem: `is not a known setting${suggestion}` };
    }
    case 'type': {
      const expected = (err.params as { type: string }).type;
      const base = hint ?? `must be ${typeName(expected)}`;
      const quote = String(expected).startsWith('string') && typeof err.data === 'number' ? ' (put it in quotes in YAML)' : '';
      return { path, problem: `${base}, got ${describeValue(path, err.data)}${quote}` };
    }
    default: {
      const base = hint ?? `must satisfy ${err.keyword}: ${err.message ?? 'invalid'}`;
      return { path, problem: `${base}, got ${describeValue(path, err.data)}` };
    }
  }
}

function isIpOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return isIP(s) !== 0;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const family = isIP(addr);
  if (family === 0 || !/^(0|[1-9][0-9]*)$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** Cross-field rules, run on a value that already matches the schema. Returns the first problem. */
export function checkConfigRules(config: Config): ConfigIssue | null {
  const seenExt = new Map<string, number>();
  for (const [i, e] of config.extensions.entries()) {
    const prev = seenExt.get(e.extension);
    if (prev !== undefined) {
      return { path: ['extensions', i, 'extension'], problem: `duplicate extension "${e.extension}" (already at extensions[${prev}])` };
    }
    seenExt.set(e.extension, i);
  }
  const seenNum = new Map<string, number>();
  for (const [i, n] of config.numbers.entries()) {
    const prev = seenNum.get(n.number);
    if (prev !== undefined) {
      return { path: ['numbers', i, 'number'], problem: `duplicate number "${n.number}" (already at numbers[${prev}])` };
    }
    seenNum.set(n.number, i);
  }
  const queueIds = new Map<string, number>();
  for (const [i, q] of config.queues.entries()) {
    const prev = queueIds.get(q.id);
    if (prev !== undefined) return { path: ['queues', i, 'id'], problem: `duplicate queue id "${q.id}" (already at queues[${prev}])` };
    queueIds.set(q.id, i);
    let before = -1;
    for (const [j, step] of q.steps.entries()) {
      const kinds = [step.skill !== undefined, step.group !== undefined, step.everyone !== undefined].filter(Boolean).length;
      if (kinds !== 1) {
        return { path: ['queues', i, 'steps', j], problem: 'must name exactly one of skill (with an optional minLevel), group, or everyone: true' };
      }
      if (step.minLevel !== undefined && step.skill === undefined) {
        return { path: ['queues', i, 'steps', j, 'minLevel'], problem: 'goes with a skill' };
      }
      if (step.afterSeconds <= before) {
        return { path: ['queues', i, 'steps', j, 'afterSeconds'], problem: `must be greater than the step before (${before}), got ${step.afterSeconds}` };
      }
      before = step.afterSeconds;
    }
    if (q.steps[0]!.afterSeconds !== 0) {
      return { path: ['queues', i, 'steps', 0, 'afterSeconds'], problem: `the first step must start at 0 (who answers a new call), got ${q.steps[0]!.afterSeconds}` };
    }
    if (q.priority === 'head-start' && q.headStartSecondsPerPoint === undefined) {
      return { path: ['queues', i, 'headStartSecondsPerPoint'], problem: 'is required with priority: head-start (seconds of waiting one priority point is worth)' };
    }
  }
  const knownQueues = (): string => [...queueIds.keys()].join(', ') || 'none';
  for (const [i, e] of config.extensions.entries()) {
    if (!e.agent) continue;
    for (const [j, q] of e.agent.queues.entries()) {
      if (!queueIds.has(q)) return { path: ['extensions', i, 'agent', 'queues', j], problem: `unknown queue "${q}" (queues: ${knownQueues()})` };
    }
    if (e.agent.answerOn === 'mobile' && !e.mobile) {
      return { path: ['extensions', i, 'agent', 'answerOn'], problem: 'is mobile, but the extension has no mobile number' };
    }
  }
  const serviceQueue = new Map<string, { queue: string | undefined; at: number }>();
  for (const [i, n] of config.numbers.entries()) {
    if (n.target !== undefined && !seenExt.has(n.target)) {
      return { path: ['numbers', i, 'target'], problem: `unknown extension "${n.target}" (not in extensions)` };
    }
    if (n.greeting && n.target === undefined) {
      return { path: ['numbers', i, 'greeting'], problem: 'goes with a target extension (a number without target runs its IVR flow)' };
    }
    if (n.queue !== undefined && !queueIds.has(n.queue)) {
      return { path: ['numbers', i, 'queue'], problem: `unknown queue "${n.queue}" (queues: ${knownQueues()})` };
    }
    if (n.target === undefined && n.queue === undefined) {
      return { path: ['numbers', i], problem: 'needs a queue (where its service\'s calls wait) or a target extension (direct dial)' };
    }
    if (n.target === undefined) {
      const other = serviceQueue.get(n.service);
      if (other && other.queue !== n.queue) {
        return { path: ['numbers', i, 'queue'], problem: `service "${n.service}" already waits in queue "${other.queue}" (numbers[${other.at}]): one service, one queue` };
      }
      serviceQueue.set(n.service, { queue: n.queue, at: i });
    }
  }
  const seenTrunk = new Map<string, number>();
  for (const [i, t] of config.trunks.entries()) {
    const prev = seenTrunk.get(t.name);
    if (prev !== undefined) {
      return { path: ['trunks', i, 'name'], problem: `duplicate trunk name "${t.name}" (already at trunks[${prev}])` };
    }
    seenTrunk.set(t.name, i);
    for (const [j, src] of t.trustedSources.entries()) {
      if (!isIpOrCidr(src)) {
        return { path: ['trunks', i, 'trustedSources', j], problem: `must be an IP address or CIDR such as 192.0.2.0/24, got ${JSON.stringify(src)}` };
      }
    }
  }
  const codes = Object.entries(config.featureCodes) as Array<[keyof FeatureCodesConfig, string]>;
  for (const [i, [key, code]] of codes.entries()) {
    for (const [otherKey, other] of codes.slice(0, i)) {
      if (code.startsWith(other) || other.startsWith(code)) {
        return { path: ['featureCodes', key], problem: `"${code}" clashes with featureCodes.${otherKey} "${other}" (one must not begin with the other)` };
      }
    }
  }
  const pins = new Map<string, number>();
  for (const [i, o] of config.operators.entries()) {
    const prev = pins.get(o.pin);
    // Say where, never what: a PIN is a secret.
    if (prev !== undefined) return { path: ['operators', i, 'pin'], problem: `is the same PIN as operators[${prev}]: every operator needs their own` };
    pins.set(o.pin, i);
    for (const [j, ext] of o.extensions.entries()) {
      if (!seenExt.has(ext)) return { path: ['operators', i, 'extensions', j], problem: `unknown extension "${ext}" (not in extensions)` };
    }
  }
  const services = new Set(config.numbers.map((n) => n.service));
  const avalancheIds = new Map<string, number>();
  for (const [i, a] of config.avalanche.entries()) {
    const prev = avalancheIds.get(a.id);
    if (prev !== undefined) return { path: ['avalanche', i, 'id'], problem: `duplicate avalanche id "${a.id}" (already at avalanche[${prev}])` };
    avalancheIds.set(a.id, i);
    for (const [j, s] of a.services.entries()) {
      if (!services.has(s)) return { path: ['avalanche', i, 'services', j], problem: `unknown service "${s}" (not a numbers[].service)` };
    }
  }
  const { rtp, sip, http } = config;
  if (rtp.portMin > rtp.portMax) {
    return { path: ['rtp', 'portMin'], problem: `must not be greater than rtp.portMax (${rtp.portMin} > ${rtp.portMax})` };
  }
  const reg = sip.registration;
  if (reg.minExpires > reg.maxExpires) {
    return { path: ['sip', 'registration', 'minExpires'], problem: `must not be greater than sip.registration.maxExpires (${reg.minExpires} > ${reg.maxExpires})` };
  }
  if (reg.defaultExpires < reg.minExpires || reg.defaultExpires > reg.maxExpires) {
    return {
      path: ['sip', 'registration', 'defaultExpires'],
      problem: `must be between sip.registration.minExpires and maxExpires (${reg.minExpires}..${reg.maxExpires}), got ${reg.defaultExpires}`,
    };
  }
  // The embedded engine listens on TCP for SIP and for SIP over WebSocket; HTTP is TCP too.
  if (sip.wsPort === sip.port) {
    return { path: ['sip', 'wsPort'], problem: `must differ from sip.port (both ${sip.port})` };
  }
  if (http.port === sip.port || http.port === sip.wsPort) {
    return { path: ['http', 'port'], problem: `must differ from sip.port and sip.wsPort (${http.port} is taken)` };
  }
  if (sip.port >= rtp.portMin && sip.port <= rtp.portMax) {
    return { path: ['sip', 'port'], problem: `must lie outside the RTP range ${rtp.portMin}..${rtp.portMax}, got ${sip.port}` };
  }
  return null;
}

/**
 * Checks a value against the schema (filling defaults in place: engine hosts
 * and redisUrl become null when absent), then the cross-field rules.
 * Returns the first problem, or null when the value is a valid `Config`.
 */
export function validateConfig(value: unknown): ConfigIssue | null {
  if (!validateShape(value)) {
    const err = validateShape.errors?.[0];
    return err ? issueFromAjv(err) : { path: [], problem: 'is not a valid configuration' };
  }
  return checkConfigRules(value);
}
