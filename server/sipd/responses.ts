/**
 * Building responses from requests (RFC 3261 section 8.2.6) and finding where
 * they go (section 18.2.2, with RFC 3581's rport).
 */
import { SipMessage, parseUri } from './message.js';
import type { Destination, Protocol, Source } from './transport.js';

export const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 183: 'Session Progress', 200: 'OK', 202: 'Accepted',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 414: 'Request-URI Too Long',
  415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 420: 'Bad Extension', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 483: 'Too Many Hops', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 500: 'Server Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  505: 'Version Not Supported', 513: 'Message Too Large',
};

/**
 * A response carrying the request's Via, From, To, Call-ID and CSeq; the To
 * tag is added for final responses and for provisional ones above 100.
 */
export function responseTo(request: SipMessage, status: number, toTag?: string, reason?: string): SipMessage {
  const res = SipMessage.response(status, reason ?? REASONS[status] ?? 'Unknown');
  for (const via of request.getAll('Via')) res.append('Via', via);
  res.append('From', request.get('From') ?? '');
  let to = request.get('To') ?? '';
  if (toTag && status > 100 && !request.tag('To')) to = `${to.includes('<') ? to : `<${to}>`};tag=${toTag}`;
  res.append('To', to);
  res.append('Call-ID', request.callId);
  res.append('CSeq', request.get('CSeq') ?? '');
  return res;
}

/**
 * Stamps the top Via with where the request really came from (section
 * 18.2.1, RFC 3581 section 4), so responses find their way back.
 */
export function stampReceived(request: SipMessage, source: Source): void {
  const vias = request.listValues('Via');
  const top = request.topVia;
  let stamped = top.raw;
  if (top.host !== source.address) stamped += `;received=${source.address}`;
  if (top.rport) stamped = stamped.replace(/;\s*rport(?=;|$|\s)/i, `;rport=${source.port}`);
  request.remove('Via');
  request.append('Via', stamped);
  for (const rest of vias.slice(1)) request.append('Via', rest);
}

/** Where a response to a request from `source` goes. */
export function responseDestination(request: SipMessage, source: Source): Source {
  if (source.protocol !== 'udp') return source;
  const top = request.topVia;
  // Symmetric response when rport is asked for; otherwise the port in Via (section 18.2.2).
  const port = top.rport || !top.port ? source.port : top.port;
  return { protocol: 'udp', address: source.address, port };
}

export function protocolOf(transportParam: string | undefined): Protocol {
  const t = (transportParam ?? 'udp').toLowerCase();
  if (t === 'tcp') return 'tcp';
  if (t === 'ws' || t === 'wss') return t;
  return 'udp';
}

/** The next hop for a URI (RFC 3263 without DNS SRV: host, port, transport param). */
export function destinationOf(uri: string): Destination | undefined {
  const parsed = parseUri(uri);
  if (!parsed) return undefined;
  const transport = parsed.getParam('transport') as string | undefined;
  const protocol = protocolOf(transport);
  return { protocol, address: parsed.host.replace(/^\[|\]$/g, ''), port: parsed.port ?? 5060 };
}
