/**
 * Answering what could not be parsed (RFC 3261 section 8.2: a request we
 * cannot process gets 400 where a response can be addressed at all; RFC
 * 4475 section 3.3.1: even one missing From, To or Call-ID).
 *
 * A response needs the request's Via to find its way back and its CSeq to
 * match the client transaction; From, To and Call-ID are copied when there.
 * These are lifted line by line from the raw text, since the message as a
 * whole failed to parse, or was not parsed at all (a message over its
 * source's rate gets 503 this way, for the price of a few regular
 * expressions). Anything that does not look like a request, or an ACK, is
 * dropped.
 */
import type { Source } from './transport.js';

const NEEDED = ['via', 'cseq'];
const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'];
const COMPACT = new Map([['v', 'via'], ['f', 'from'], ['t', 'to'], ['i', 'call-id']]);
/** A request line, however badly spaced, and whatever the version (505 needs an answer too). */
const REQUEST_LINE = /^([A-Za-z0-9!%*_+`'~.-]+) +.*\S +SIP\/\d+\.\d+ *$/;
const PHRASES = new Map([[400, 'Bad Request'], [414, 'Request-URI Too Long'], [503, 'Service Unavailable'],
  [505, 'Version Not Supported'], [513, 'Message Too Large']]);

export function respondToGarbage(
  text: string,
  status: number,
  reason: string,
  source: Source,
  send: (text: string, dest: Source) => Promise<void>,
  headers: Array<[string, string]> = [],
): void {
  const lines = text.split(/\r?\n/);
  const requestLine = REQUEST_LINE.exec(lines[0] ?? '');
  if (!requestLine || requestLine[1]!.toUpperCase() === 'ACK') return;
  const found = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const lower = m[1]!.toLowerCase();
    const name = COMPACT.get(lower) ?? lower;
    if (COPIED.includes(name)) found.set(name, [...(found.get(name) ?? []), m[2]!.slice(0, 1024)]);
  }
  if (!NEEDED.every((n) => found.has(n))) return;
  const out = [`SIP/2.0 ${status} ${PHRASES.get(status) ?? 'Bad Request'}`];
  for (const via of found.get('via')!) out.push(`Via: ${via}`);
  for (const [name, label] of [['from', 'From'], ['to', 'To'], ['call-id', 'Call-ID']] as const) {
    const value = found.get(name)?.[0];
    if (value !== undefined) out.push(`${label}: ${value}`);
  }
  out.push(`CSeq: ${found.get('cseq')![0]}`, ...headers.map(([name, value]) => `${name}: ${value}`), `Warning: 399 sipd "${reason.replace(/["\\]/g, "'").slice(0, 100)}"`,
    'Content-Length: 0', '', '');
  send(out.join('\r\n'), source).catch(() => {});
}
