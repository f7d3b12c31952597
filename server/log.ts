/**
 * The process logger (pino). Secrets are removed here, at the logger, never
 * at each call site:
 *
 * - pino `redact` paths for the usual places (password, secret, SIP
 *   Authorization / Proxy-Authorization headers, config dumps);
 * - a deep scrub of every logged object for keys named like a secret, at any
 *   depth (catches what fixed paths miss, e.g. a whole config logged);
 * - message strings and string values: the value of Authorization /
 *   Proxy-Authorization header lines (raw SIP in a message) and the password
 *   of URLs such as redis://user:pass@host are replaced.
 *
 * Use a child logger per call: `logger.child({ callId })`.
 *
 * Where the lines go (`consoleDestination`): a person at a terminal reads
 * them through pino-pretty (time, level, message, the fields after it);
 * anything else (a pipe, a file, a log collector) gets one JSON object a line.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const REDACTED = '[Redacted]';

/** pino redact paths (fast-redact syntax). */
export const REDACT_PATHS: readonly string[] = [
  'password',
  'secret',
  '*.password',
  '*.secret',
  '*.*.password',
  '*.*.secret',
  'authorization',
  '["proxy-authorization"]',
  'headers.authorization',
  'headers.Authorization',
  'headers["proxy-authorization"]',
  'headers["Proxy-Authorization"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers["proxy-authorization"]',
  '*.headers["Proxy-Authorization"]',
  'extensions[*].password',
  'trunks[*].password',
  'config.extensions[*].password',
  'config.trunks[*].password',
];

/** Keys whose value is a secret wherever they appear (any key ending in password or token: adminPassword, newPassword, sessionToken). */
const SECRET_KEY = /^(.*password|passwd|secret|pin|pins|authorization|proxy-authorization|www-authenticate-response|apikey|api[-_]key|.*token|cookie|set-cookie)$/i;
/** Header lines in raw SIP/HTTP text. */
const AUTH_HEADER_LINE = /((?:proxy-)?authorization\s*:)[^\r\n]*/gi;
/** user:password@ in URLs. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi;

const MAX_DEPTH = 8;

/** The string with Authorization header values and URL passwords replaced. */
export function scrubString(s: string): string {
  let out = s;
  if (/authorization/i.test(out)) out = out.replace(AUTH_HEADER_LINE, `$1 ${REDACTED}`);
  if (out.includes('://') && out.includes('@')) out = out.replace(URL_PASSWORD, `$1${REDACTED}@`);
  return out;
}

/**
 * A copy of `value` with secrets replaced by "[Redacted]" at any depth (the
 * original is not modified; unchanged parts are shared). Also useful before
 * returning configuration through the API.
 */
export function scrubSecrets<T>(value: T): T {
  return scrub(value, 0, new WeakSet()) as T;
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (value instanceof Error || ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = scrub(value[i], depth + 1, seen);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // class instances: leave to serializers
  let copy: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const next = SECRET_KEY.test(k) && v !== undefined && v !== null ? REDACTED : scrub(v, depth + 1, seen);
    if (next !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = next;
  }
  return copy ?? value;
}

/**
 * A pino logger at `level` writing to `destination` (default: stdout).
 * `level` is a pino level name: fatal, error, warn, info, debug, trace or silent.
 */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      log: (obj) => scrubSecrets(obj),
    },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((a) => (typeof a === 'string' ? scrubString(a) : a));
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino applies only the redact paths to child bindings; scrub them deeply too.
  // Children are created with Object.create(parent), so they inherit this override.
  const child = logger.child;
  logger.child = function scrubbedChild(this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return Reflect.apply(child, this, [scrubSecrets(bindings), childOptions]) as unknown;
  } as unknown as typeof logger.child;
  return logger;
}

/**
 * The process's log destination: readable lines (pino-pretty, in colour)
 * when stdout is a terminal, else undefined (pino's JSON lines on stdout).
 * Secrets are scrubbed before either sees a line. `terminal`: for a worker
 * thread, whose stdout is not the terminal itself even when the process's is.
 */
export function consoleDestination(stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  terminal = Boolean(stdout.isTTY)): DestinationStream | undefined {
  if (!terminal) return undefined;
  return pretty({
    colorize: stdout === process.stdout, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname',
    ...(stdout === process.stdout ? { sync: true } : { destination: stdout }),
  });
}
