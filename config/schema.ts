/**
 * The configuration's shape: the TypeScript type `Config` and its parts, as
 * the rest of the product reads them. What a valid value is: the JSON schema
 * in ./json-schema.ts and the cross-field rules in ./rules.ts, checked
 * together by `validateConfig` (./validate.ts).
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const TRUNK_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type TrunkTransport = (typeof TRUNK_TRANSPORTS)[number];

/** Who places a call out through the trunk (the dial-out policy judges each alike). */
export const CALLER_CLASSES = ['extension', 'callback', 'transfer', 'mobile'] as const;
export type CallerClass = (typeof CALLER_CLASSES)[number];

/** Kinds of destination out through the trunk, from cheapest to costliest. */
export const DESTINATIONS = ['national', 'international', 'premium', 'special'] as const;
export type Destination = (typeof DESTINATIONS)[number];

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

export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** Digest authentication of the extensions (RFC 7616, RFC 8760). */
export interface DigestConfig {
  /** Offered in this order, the most preferred first; each a challenge of its own. */
  algorithms: DigestAlgorithm[];
  /** User-Agent fragments (any case) of clients that fail on a SHA-256 challenge: offered MD5 alone. */
  md5OnlyUserAgents: string[];
}

/**
 * Brute force and scanners. Failed authentications (wrong password, unknown
 * user, credentials for another request) are counted per source address and
 * per user name within `windowSeconds`; the operator trunk's addresses are
 * never blocked.
 */
export interface ThrottleConfig {
  /** This many failures from one address block it for `blockSeconds`: its requests are dropped unanswered. */
  sourceFailures: number;
  blockSeconds: number;
  /** This many failures for one user name slow it down for `slowdownSeconds`: each attempt waits `slowdownDelayMs`. */
  userFailures: number;
  slowdownSeconds: number;
  slowdownDelayMs: number;
  windowSeconds: number;
  /** User-Agent fragments (any case) of SIP scanners: their requests are dropped unanswered and their address blocked. */
  scannerUserAgents: string[];
}

/**
 * Limits per source address in the embedded SIP engine (server/sipd), ahead
 * of any parsing. Three standings: the trunks' trustedSources are never
 * limited; an address where an extension is registered (an office behind
 * NAT) has the `registered*` limits; any other address the first ones.
 */
export interface SourceLimitsConfig {
  /** TCP and WebSocket connections open at once from one address; more are closed at once. */
  connections: number;
  registeredConnections: number;
  /** A new connection that has sent no valid SIP message by then is closed. */
  firstMessageSeconds: number;
  /**
   * A connection silent (not even a CRLF keep-alive) this long is closed,
   * unless a registration granted on it or a call on it is still live.
   */
  idleSeconds: number;
  /** SIP messages a second from one address (a token bucket), with bursts of `messageBurst`. */
  messagesPerSecond: number;
  messageBurst: number;
  registeredMessagesPerSecond: number;
  registeredMessageBurst: number;
}

export interface SipConfig {
  host: string;
  port: number;
  wsPort: number;
  /**
   * Without a certificate, SIP over plain WebSocket listens on loopback only;
   * true: on `host` as well (credentials and calls then cross the network in clear).
   * With a certificate the WebSocket port is secure (WSS) on `host` whatever this says.
   */
  allowPlainWebSocket: boolean;
  /**
   * The address phones and trunks reach us at, written in Via and Contact.
   * Unset: the host, or when that is 0.0.0.0 the machine's first non-loopback IPv4 address.
   */
  advertisedAddress?: string;
  /** Default realm / domain of the extensions, e.g. "kustbanken.local". */
  domain: string;
  registration: RegistrationConfig;
  digest: DigestConfig;
  throttle: ThrottleConfig;
  sourceLimits: SourceLimitsConfig;
  /**
   * New calls get 503 while this many are in progress. Unset: derived from
   * the RTP port range (each call anchored through our media uses two
   * endpoints, each a port pair).
   */
  maxConcurrentCalls?: number;
  /** New calls get 503 while the event loop runs later than this (ms, smoothed over about a second); unset: not watched. */
  maxEventLoopDelayMs?: number;
  /**
   * The embedded SIP server refuses new INVITEs (503, Retry-After) while
   * datagrams wait longer than this in its socket (ms, smoothed over about
   * half a second; server/sipd/load-shedding.ts). 0: never.
   */
  maxQueueDelayMs: number;
  /**
   * The embedded SIP server runs on a thread of its own (a core of its own,
   * as drachtio-server has), not in the app's (server/sipd/engine-thread.ts).
   */
  engineThread: boolean;
  sessionTimers: SessionTimerConfig;
}

/**
 * SIP session timers (RFC 4028): every call the switch is party to is
 * refreshed (UPDATE, or re-INVITE with the same SDP) within its interval,
 * and ended on every leg when a refresh fails or none comes, so a lost BYE
 * cannot leave a call, and an agent, busy for ever.
 */
export interface SessionTimerConfig {
  enabled: boolean;
  /** Seconds: the interval we offer, and the longest we accept from a caller. */
  expiresSeconds: number;
  /** Seconds (90 or more, RFC 4028): an INVITE asking for less gets 422 with this Min-SE. */
  minSeconds: number;
}

export interface HttpConfig {
  host: string;
  port: number;
}

export interface RtpConfig {
  portMin: number;
  portMax: number;
  /**
   * Seconds without RTP from an answered leg (not on hold) before its call
   * is ended (a phone gone, a BYE lost): the agent is freed. 0: never.
   */
  timeoutSeconds: number;
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
  /** An operator's phone: may record announcements (with a PIN) and switch avalanche messages (featureCodes). */
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

/**
 * One step of a queue's widening circle, as written in the file: exactly one
 * of skill, group, everyone. From `afterSeconds` of waiting on, its agents
 * may answer as well as those of every step before (the circle only widens).
 */
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
  /** Who may answer as the wait grows: the first step at 0, then in increasing afterSeconds. */
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
  /** The service level's target: a call answered within this many seconds counts as answered in time (default 60). */
  targetSeconds: number;
  /** The share of calls to answer within targetSeconds that staffing plans for, 0.5..0.99 (default 0.85). */
  serviceLevelGoal: number;
  /** Seconds before a callback whose customer did not answer is dialled again (default 120). */
  callbackRetrySeconds?: number;
  /** Dial attempts before a callback is given up (default 3). */
  callbackMaxAttempts?: number;
  /** Seconds the customer's phone rings on a callback before it counts as no answer (default 30). */
  callbackRingSeconds?: number;
  /** The case types (ärendetyper) an agent may give a call of this queue at wrap-up, by code. */
  caseTypes?: CaseTypeConfig[];
}

/** One case type of a queue: the digits an agent keys (featureCodes.caseType + code) or picks, and its name. */
export interface CaseTypeConfig {
  /** 1 to 4 digits, unique in the queue, e.g. "1". */
  code: string;
  /** What it means, e.g. "Faktura". */
  name: string;
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
  /**
   * An agent's extension (one with an `agent` profile): calls to this number
   * wait in that agent's personal queue, for them first, then after the
   * queue's personalOverflowSeconds for any of the queue's agents. A flow's
   * queue node with an `agent` of its own decides instead.
   */
  personalAgent?: string;
}

export interface TrunkConfig {
  name: string;
  host: string;
  port: number;
  transport: TrunkTransport;
  username?: string;
  password?: string;
  /**
   * Where the trunk's requests come from: an IP address, optionally with a
   * port ("192.0.2.10:5060", "[2001:db8::1]:5060"), or a CIDR (any port).
   * Without a port, any port of that address counts as the trunk.
   */
  trustedSources: string[];
  /**
   * Credentials the trunk proves itself with (digest, RFC 3261 section 22.3)
   * when it cannot be told by its address: an INVITE from any address that
   * answers the challenge with these is the trunk's. Never good for REGISTER.
   */
  inboundAuth?: { username: string; password: string };
  /** E.164 caller id presented on calls out through this trunk. */
  callerId: string;
  /** A call out that gets no response at all (not even 100 Trying) this long is given up: the trunk is unreachable (default 4). */
  answerTimeoutSeconds?: number;
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
  /** Agents: the case type of their current or last call (code + the queue's case type code). */
  caseType: string;
}

/** Someone allowed to record announcements (with the PIN) and, from their extensions, toggle avalanche messages. */
export interface OperatorConfig {
  name: string;
  /** 6 to 12 digits, a secret: never logged or echoed in errors. */
  pin: string;
  /** Extensions that count as this operator's phones (recording announcements, avalanche toggling). */
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
  /**
   * Switched on (by phone or the API). It is heard while on and between
   * `start` and `end` (ISO 8601 times; either absent: open on that side).
   * Kept in the running configuration, so every instance agrees.
   */
  on?: boolean;
  start?: string;
  end?: string;
}

/**
 * A day or days on which a service keeps other hours than its flow says
 * (config/hours-exceptions.ts has the rule; dates and times are in
 * company.timezone).
 */
export interface HoursExceptionConfig {
  /** The first day, "YYYY-MM-DD": also the exception's key among its service's. */
  date: string;
  /** The last day (inclusive) of a range of days; absent: `date` only. */
  until?: string;
  /** "closed", "closed from 15:00", "open until 13:00" or "open 10:00-14:00". */
  hours: string;
  /** Why, for the people who read it later. */
  note?: string;
}

/**
 * The dial-out policy (server/sip/dial-out.ts): which destinations each kind
 * of caller may reach through the trunk, and how many calls may go out.
 */
export interface DialOutConfig {
  /** The destinations each caller class may dial; default national only. */
  allow: Record<CallerClass, Destination[]>;
  /** Extensions with destinations of their own: replaces `allow.extension` for that extension's calls. */
  extensions: Record<string, Destination[]>;
  /** Calls out through the trunk at once; the next is refused. */
  maxConcurrentCalls: number;
  /** Calls out through the trunk in any 60 minutes; the next is refused. */
  maxCallsPerHour: number;
  /** E.164 prefixes of premium-rate numbers (default Sweden's 0900, 0939, 0944). */
  premiumPrefixes: string[];
  /** E.164 prefixes of satellite and other non-geographic special ranges (default +881, +882, +883, +870 ...). */
  specialPrefixes: string[];
}

/**
 * What a CRM webhook can be sent (server/api/webhooks/events.ts): a call
 * arrived, was queued, offered to an agent, answered, abandoned, ended; a
 * callback was requested, done; a caller heard an avalanche message.
 */
export const WEBHOOK_EVENTS = [
  'call.started', 'call.queued', 'call.offered', 'call.answered', 'call.abandoned', 'call.ended',
  'callback.requested', 'callback.done', 'avalanche.heard', 'staffing.shortfall',
] as const;
/** Event types about no call: sent only to webhooks that name them in `events`, so a receiver of every call event keeps getting only those. */
export const OPT_IN_WEBHOOK_EVENTS: readonly WebhookEventType[] = ['staffing.shortfall'];
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** How staffing turns the contact records into agents needed (README "Staffing"). */
export interface StaffingConfig {
  /** Length of the forecast's and the plan's intervals, minutes. */
  intervalMinutes: 15 | 30 | 60;
  /** Weeks of history the forecast looks back over (same weekday). */
  forecastWeeks: number;
  /** Share of paid time not on the phones (meetings, breaks, training), 0..0.9. */
  shrinkage: number;
  /** Most of their time agents should spend on calls, 0.5..1. */
  maxOccupancy: number;
  /** Minutes ready agents must stay below need or plan before the shortfall alarm is raised. */
  shortfallMinutes: number;
}

/** A URL that receives call events as signed JSON (README "Webhooks"). */
export interface WebhookConfig {
  /** http:// or https://, without user:password@; may carry a token of the receiver's in its path or query (never logged). */
  url: string;
  /** Shared with the receiver, which checks each event's HMAC-SHA256 signature with it; at least 16 characters. */
  secret: string;
  /** The event types sent; absent: all of them. */
  events?: WebhookEventType[];
  /** Events a receiver has not taken this long (it is down) are dropped, oldest first, with an error in the log (default 72). */
  maxAgeHours: number;
}

/** The agent desktop page (server/web/desktop). */
export interface AgentDesktopConfig {
  /** What an agent pauses for, picked from this list in the page. */
  pauseReasons: string[];
  /**
   * The CRM page opened for an offer (screen pop): http(s), with `{caller}`,
   * `{dialled}` and `{service}` replaced by the call's values, URL-encoded;
   * null: no link.
   */
  crmUrl: string | null;
}

/** The placeholders a CRM URL template may hold, each replaced by the offered call's value. */
export const CRM_URL_PLACEHOLDERS = ['caller', 'dialled', 'service'] as const;

/** How the reports count (docs/statistics.md). */
export interface StatisticsConfig {
  /** A caller who hangs up within this many seconds of joining a queue is a short abandon: counted apart, outside the service level. */
  shortAbandonSeconds: number;
}

export interface Config {
  company: CompanyConfig;
  sip: SipConfig;
  http: HttpConfig;
  rtp: RtpConfig;
  /** Announcements, recordings, persisted state. Relative paths are relative to the working directory. */
  dataDir: string;
  logLevel: LogLevel;
  /** IVR flows: `alwaysOpen` (ALWAYS_OPEN) makes every hours node answer open, to try the demo's menus at any hour. */
  ivr: { alwaysOpen: boolean };
  staffing: StaffingConfig;
  drachtio: EngineConfig;
  freeswitch: EngineConfig;
  /** null: in-process store. */
  redisUrl: string | null;
  /** DATABASE_URL: PostgreSQL for the contact records; null: SQLite in dataDir. May hold a password: never echoed. */
  databaseUrl: string | null;
  /** ADMIN_PASSWORD: the first admin's password; null: a random one printed once when no user exists. A secret. */
  adminPassword: string | null;
  /** TLS_CERT / TLS_KEY (PEM files): both set, the API serves HTTPS; null: HTTP. */
  tls: { cert: string | null; key: string | null };
  extensions: ExtensionConfig[];
  /** ACD queues; a number without `target` runs its flow, whose queue node puts the call in one of these. */
  queues: QueueConfigEntry[];
  numbers: NumberConfig[];
  trunks: TrunkConfig[];
  dialOut: DialOutConfig;
  featureCodes: FeatureCodesConfig;
  operators: OperatorConfig[];
  avalanche: AvalancheConfig[];
  webhooks: WebhookConfig[];
  /** Service (numbers[].service) -> its exceptions to the opening hours of its flow, which they come before. */
  hoursExceptions: Record<string, HoursExceptionConfig[]>;
  agentDesktop: AgentDesktopConfig;
  statistics: StatisticsConfig;
}
