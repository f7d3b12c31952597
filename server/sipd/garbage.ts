/**
 * Answering what could not be parsed (RFC 3261 section 8.2: a request we
 * cannot process gets 400 where a response can be addressed at all).
 *
 * A response needs the request's Via, From, To, Call-ID and CSeq; these are
 * lifted line by line from the raw text, since the message as a whole failed
 * to parse. Anything that does not look like a request, or an ACK, is dropped.
 */
import type { Source } from './transport.js';

const NEEDED = ['via', 'from', 'to', 'call-id', 'cseq'];
const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };

export function respondToGarbage(
  text: string,
  status: number,
  reason: string,
  source: Source,
  send: (text: string, dest: Source) => Promise<void>,
): void {
  const lines = text.split(/\r?\n/);
  const requestLine = /^([A-Za-z]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '');
  if (!requestLine || requestLine[1]!.toUpperCase() === 'ACK') return;
  const found = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = COMPACT[m[1]!.toLowerCase()] ?? m[1]!.toLowerCase();
    if (NEEDED.includes(name)) found.set(name, [...(found.get(name) ?? []), m[2]!.slice(0, 1024)]);
  }
  if (!NEEDED.every((n) => found.has(n))) return;
  const phrase = status === 513 ? 'Message Too Large' : 'Bad Request';
  const out = [`SIP/2.0 ${status} ${phrase}`];
  for (const via of found.get('via')!) out.push(`Via: ${via}`);
  out.push(`From: ${found.get('from')![0]}`, `To: ${found.get('to')![0]}`, `Call-ID: ${found.get('call-id')![0]}`,
    `CSeq: ${found.get('cseq')![0]}`, `Warning: 399 sipd "${reason.replace(/"/g, "'").slice(0, 100)}"`, 'Content-Length: 0', '', '');
  send(out.join('\r\n'), source).catch(() => {});
}
