/**
 * The JSON schema (draft-07) of `Config`: each setting's type, range and
 * default, the wording of its error (`errorHint`, see ./validation-kit.ts)
 * and, where its keywords do not say it, the kind of problem a client words
 * itself (`errorCode`, ./refusals.ts). Unknown keys are errors, so typos are
 * caught. What a schema cannot say (unique ids, references between
 * sections) is in ./rules.ts.
 */
import { EXCEPTION_HOURS_FORMS } from './hours-exceptions.js';
import { ANSWER_ON, CALLER_CLASSES, DESTINATIONS, DIGEST_ALGORITHMS, LOG_LEVELS, PRIORITY_RULES, TRUNK_TRANSPORTS, WEBHOOK_EVENTS } from './schema.js';

/** How a queue's routing steps work, as the schema describes them and the rules' messages repeat. */
export const STEPS_RULE =
  'steps widen the circle: each names who may answer (skill with an optional minLevel, group, or everyone: true) ' +
  'from afterSeconds of waiting on, in addition to the agents of every step before; ' +
  'the longest idle of them all is offered the call first';

export const E164_PATTERN = '^\\+[1-9]\\d{6,14}$';
export const EXTENSION_PATTERN = '^[0-9]{2,6}$';
/** A case type's code: the digits an agent keys after featureCodes.caseType. */
export const CASE_TYPE_CODE_PATTERN = '^[0-9]{1,4}$';

const port = { type: 'integer', minimum: 1, maximum: 65535, errorHint: 'must be a port number 1..65535' };
const e164 = { type: 'string', pattern: E164_PATTERN, errorHint: 'must be an E.164 number such as +46313900600', errorCode: 'bad-phone-number' };
const extension = { type: 'string', pattern: EXTENSION_PATTERN, errorHint: 'must be an extension of 2 to 6 digits', errorCode: 'bad-extension' };
const text = { type: 'string', minLength: 1, errorHint: 'must be a non-empty string' };
const seconds = { type: 'integer', minimum: 1, errorHint: 'must be a whole number of seconds >= 1' };
const secondsOrZero = { type: 'integer', minimum: 0, errorHint: 'must be a whole number of seconds >= 0' };
const count = { type: 'integer', minimum: 1, errorHint: 'must be a whole number >= 1' };
const userAgentFragments = { type: 'array', items: text, errorHint: 'must be a list of User-Agent fragments' };
const level = { type: 'integer', minimum: 1, maximum: 5, errorHint: 'must be a skill level 1..5' };
const name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', errorHint: 'must be a lower-case name of letters, digits, "-" and "_"', errorCode: 'bad-name' };
const isoTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$', errorHint: 'must be an ISO 8601 time with its offset, such as 2026-03-01T07:00:00Z', errorCode: 'bad-time' };
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
const destinations = {
  type: 'array',
  items: { type: 'string', enum: [...DESTINATIONS], errorHint: `must be one of ${DESTINATIONS.join(', ')}` },
  uniqueItems: true,
  errorHint: `must be a list of destinations out of ${DESTINATIONS.join(', ')}`,
};
const prefixes = {
  type: 'array',
  items: { type: 'string', pattern: '^\\+[0-9]{1,14}$', errorHint: 'must be an E.164 prefix such as "+46900"' },
  errorHint: 'must be a list of E.164 prefixes such as "+46900"',
};

/** Premium-rate numbers: Sweden's 0900, 0939 and 0944 (PTS numbering plan). */
export const DEFAULT_PREMIUM_PREFIXES = ['+46900', '+46939', '+46944'];
/**
 * Non-geographic codes where calls cost far more than any country's, and
 * where toll fraud sends its traffic (ITU-T E.164 assignments): satellite
 * (+870 Inmarsat, +881 global mobile satellite), international networks
 * (+882, +883), international premium rate (+979), shared cost (+808),
 * personal telecommunications (+878), humanitarian (+888) and trials (+991).
 */
export const DEFAULT_SPECIAL_PREFIXES = ['+870', '+878', '+881', '+882', '+883', '+888', '+808', '+979', '+991'];

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
        allowPlainWebSocket: { type: 'boolean', default: false, errorHint: 'must be true or false' },
        advertisedAddress: text,
        domain: hostname,
        registration: {
          type: 'object',
          additionalProperties: false,
          required: ['minExpires', 'maxExpires', 'defaultExpires'],
          properties: { minExpires: seconds, maxExpires: seconds, defaultExpires: seconds },
        },
        digest: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            algorithms: {
              type: 'array',
              items: { type: 'string', enum: [...DIGEST_ALGORITHMS], errorHint: `must be one of ${DIGEST_ALGORITHMS.join(', ')}` },
              minItems: 1,
              uniqueItems: true,
              default: ['SHA-256', 'MD5'],
              errorHint: `must be a list of one or more of ${DIGEST_ALGORITHMS.join(', ')}, the most preferred first`,
            },
            md5OnlyUserAgents: { ...userAgentFragments, default: ['baresip', 'SIP.js', 'SIPp'] },
          },
        },
        throttle: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            sourceFailures: { ...count, default: 10 },
            blockSeconds: { ...seconds, default: 900 },
            userFailures: { ...count, default: 20 },
            slowdownSeconds: { ...seconds, default: 900 },
            slowdownDelayMs: { type: 'integer', minimum: 0, maximum: 30_000, default: 2000, errorHint: 'must be a whole number of milliseconds 0..30000' },
            windowSeconds: { ...seconds, default: 60 },
            scannerUserAgents: {
              ...userAgentFragments,
              default: ['friendly-scanner', 'sipvicious', 'sipcli', 'VaxSIPUserAgent', 'sundayddr', 'sip-scan', 'sipscan', 'iWar', 'SIVuS', 'smap'],
            },
          },
        },
        sourceLimits: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            connections: { ...count, default: 20 },
            registeredConnections: { ...count, default: 500 },
            firstMessageSeconds: { ...seconds, default: 10 },
            idleSeconds: { ...seconds, default: 120 },
            messagesPerSecond: { ...count, default: 20 },
            messageBurst: { ...count, default: 100 },
            registeredMessagesPerSecond: { ...count, default: 500 },
            registeredMessageBurst: { ...count, default: 2000 },
          },
        },
        maxConcurrentCalls: { type: 'integer', minimum: 1, errorHint: 'must be a whole number of calls >= 1 (leave it out for as many as the RTP port range carries)' },
        maxEventLoopDelayMs: { type: 'integer', minimum: 1, errorHint: 'must be a whole number of milliseconds >= 1 (leave it out to not watch the delay)' },
        maxQueueDelayMs: {
          type: 'integer', minimum: 0, maximum: 60_000, default: 250,
          errorHint: 'must be a whole number of milliseconds 0..60000 (0: the embedded SIP server never refuses calls for its wait)',
        },
        engineThread: { type: 'boolean', default: true, errorHint: 'must be true or false' },
        sessionTimers: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { type: 'boolean', default: true, errorHint: 'must be true or false' },
            expiresSeconds: { type: 'integer', minimum: 90, maximum: 86_400, default: 1800, errorHint: 'must be a whole number of seconds 90..86400' },
            minSeconds: { type: 'integer', minimum: 90, maximum: 86_400, default: 90, errorHint: 'must be a whole number of seconds 90..86400 (RFC 4028 allows no less than 90)' },
          },
        },
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
      properties: { portMin: port, portMax: port, timeoutSeconds: { ...secondsOrZero, default: 60 } },
    },
    dataDir: text,
    logLevel: { type: 'string', enum: [...LOG_LEVELS], errorHint: `must be one of ${LOG_LEVELS.join(', ')}` },
    ivr: { type: 'object', additionalProperties: false, default: {}, properties: { alwaysOpen: { type: 'boolean', default: false, errorHint: 'must be true or false' } } },
    staffing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        intervalMinutes: { type: 'integer', enum: [15, 30, 60], default: 15, errorHint: 'must be 15, 30 or 60' },
        forecastWeeks: { type: 'integer', minimum: 1, maximum: 52, default: 8, errorHint: 'must be a whole number of weeks, 1 to 52' },
        shrinkage: { type: 'number', minimum: 0, maximum: 0.9, default: 0.3, errorHint: 'must be a share between 0 and 0.9, such as 0.3 for 30 %' },
        maxOccupancy: { type: 'number', minimum: 0.5, maximum: 1, default: 0.85, errorHint: 'must be a share between 0.5 and 1, such as 0.85 for 85 %' },
        shortfallMinutes: { type: 'integer', minimum: 1, maximum: 240, default: 10, errorHint: 'must be a whole number of minutes, 1 to 240' },
      },
    },
    drachtio: engine,
    freeswitch: engine,
    redisUrl: {
      type: ['string', 'null'],
      pattern: '^rediss?://',
      default: null,
      errorHint: 'must be a redis:// or rediss:// URL, or null for the in-process store',
    },
    databaseUrl: {
      type: ['string', 'null'],
      pattern: '^postgres(ql)?://[^\\s]+$',
      default: null,
      errorHint: 'must be a postgres:// or postgresql:// URL, or null for SQLite in dataDir',
    },
    adminPassword: {
      type: ['string', 'null'],
      minLength: 8,
      default: null,
      errorHint: 'must be a password of at least 8 characters, or null for a random one printed at first start',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        cert: { type: ['string', 'null'], minLength: 1, default: null, errorHint: 'must be the path of a PEM certificate file, or null' },
        key: { type: ['string', 'null'], minLength: 1, default: null, errorHint: 'must be the path of a PEM private key file, or null' },
      },
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
            description: STEPS_RULE,
            errorHint: 'must be a list of one or more routing steps, the first at afterSeconds 0',
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
          targetSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 60, errorHint: 'must be a whole number of seconds, 1 to 3600' },
          serviceLevelGoal: { type: 'number', minimum: 0.5, maximum: 0.99, default: 0.85, errorHint: 'must be a share between 0.5 and 0.99, such as 0.85 for 85 %' },
          callbackRetrySeconds: secondsOrZero,
          callbackMaxAttempts: { type: 'integer', minimum: 1, errorHint: 'must be a whole number >= 1' },
          callbackRingSeconds: seconds,
          caseTypes: {
            type: 'array',
            errorHint: 'must be a list of case types, each { code, name }',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'name'],
              properties: {
                code: { type: 'string', pattern: CASE_TYPE_CODE_PATTERN, errorHint: 'must be 1 to 4 digits in quotes, such as "1"' },
                name: text,
              },
            },
          },
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
          personalAgent: { ...extension, errorHint: 'must be the extension of an agent, 2 to 6 digits in quotes, such as "1002"' },
        },
      },
    },
    dialOut: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        allow: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: Object.fromEntries(CALLER_CLASSES.map((c) => [c, { ...destinations, default: ['national'] }])),
        },
        extensions: {
          type: 'object',
          propertyNames: { pattern: EXTENSION_PATTERN },
          additionalProperties: destinations,
          default: {},
          errorHint: 'must be a mapping of extension (2 to 6 digits, in quotes) to a list of destinations',
        },
        maxConcurrentCalls: { type: 'integer', minimum: 1, default: 30, errorHint: 'must be a whole number of calls >= 1' },
        maxCallsPerHour: { type: 'integer', minimum: 1, default: 300, errorHint: 'must be a whole number of calls >= 1' },
        premiumPrefixes: { ...prefixes, default: DEFAULT_PREMIUM_PREFIXES },
        specialPrefixes: { ...prefixes, default: DEFAULT_SPECIAL_PREFIXES },
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
        caseType: { ...featureCode, default: '*25' },
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
          pin: { type: 'string', pattern: '^[0-9]{6,12}$', errorHint: 'must be a PIN of 6 to 12 digits, in quotes' },
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
          on: { type: 'boolean', errorHint: 'must be true or false' },
          start: isoTime,
          end: isoTime,
        },
      },
    },
    webhooks: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secret'],
        properties: {
          // Whether it is a usable URL is a rule (./rules.ts): a pattern cannot say it, and the message must not echo it.
          url: text,
          secret: { type: 'string', minLength: 16, errorHint: 'must be a secret of at least 16 characters, shared with the receiver' },
          events: {
            type: 'array',
            items: { type: 'string', enum: [...WEBHOOK_EVENTS], errorHint: `must be one of ${WEBHOOK_EVENTS.join(', ')}` },
            minItems: 1,
            uniqueItems: true,
            errorHint: `must be a list of one or more of ${WEBHOOK_EVENTS.join(', ')} (leave it out for all)`,
          },
          maxAgeHours: { type: 'integer', minimum: 1, maximum: 8760, default: 72, errorHint: 'must be a whole number of hours 1..8760' },
        },
      },
    },
    hoursExceptions: {
      type: 'object',
      default: {},
      additionalProperties: {
        type: 'array',
        errorHint: 'must be a list of exceptions',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['date', 'hours'],
          properties: {
            date: { type: 'string', errorHint: 'must be a date such as "2026-12-23"', errorCode: 'bad-date' },
            until: { type: 'string', errorHint: 'must be a date such as "2026-12-26"', errorCode: 'bad-date' },
            hours: { type: 'string', errorHint: `must be ${EXCEPTION_HOURS_FORMS}`, errorCode: 'bad-hours' },
            note: { type: 'string', maxLength: 500, errorHint: 'must be a text of at most 500 characters' },
          },
        },
      },
      errorHint: 'must map services to lists of exceptions',
    },
    agentDesktop: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        pauseReasons: {
          type: 'array',
          default: ['Lunch', 'Möte', 'Utbildning', 'Administration'],
          minItems: 1,
          maxItems: 30,
          uniqueItems: true,
          items: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S', errorHint: 'must be a text of 1 to 100 characters, not only spaces' },
          errorHint: 'must be a list of 1 to 30 different reasons',
        },
        crmUrl: {
          type: ['string', 'null'],
          default: null,
          errorHint: 'must be an http(s) URL such as "https://crm.example.com/search?phone={caller}", or null',
        },
      },
    },
    statistics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        shortAbandonSeconds: {
          type: 'integer', minimum: 0, maximum: 60, default: 5,
          errorHint: 'must be a whole number of seconds from 0 to 60 (0: no abandon is short)',
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
          inboundAuth: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: {
              username: { type: 'string', pattern: '^[A-Za-z0-9._~-]{3,64}$', errorHint: 'must be 3 to 64 letters, digits or . _ ~ -' },
              password: { type: 'string', minLength: 16, errorHint: 'must be at least 16 characters: it lets its holder call in as the trunk from anywhere' },
            },
          },
          callerId: e164,
          answerTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 31, default: 4, errorHint: 'must be a whole number of seconds from 1 to 31' },
        },
      },
    },
  },
} as const;
