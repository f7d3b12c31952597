/**
 * Which addresses and connections carry a live registration, as the server
 * sees it pass: a 2xx to a REGISTER says for how long its contacts are
 * bound (Contact ;expires=, or Expires). The source limits use it to treat
 * an office's address as a known one, and the idle timeout to keep a
 * phone's connection open for as long as calls may be sent down it (RFC
 * 5626 section 5.3: a binding over a connection lives as long as that
 * connection).
 */
import type { SipMessage } from './message.js';
import type { Source } from './transport.js';
import { ExpiringMap } from '../net/expiring-map.js';

const MAX_TRACKED = 100_000;

export class LiveRegistrations {
  /** Key -> until when (ms) its longest binding lasts. */
  private readonly addresses: ExpiringMap<string, number>;
  private readonly connections: ExpiringMap<string, number>;

  constructor(private readonly now: () => number = Date.now) {
    this.addresses = new ExpiringMap(MAX_TRACKED, now);
    this.connections = new ExpiringMap(MAX_TRACKED, now);
  }

  /** A response the application sends to a REGISTER that came from `source`. */
  noteResponse(response: SipMessage, source: Source): void {
    if (response.status < 200 || response.status >= 300) return;
    const seconds = grantedSeconds(response);
    if (seconds <= 0) return;
    const until = this.now() + seconds * 1000;
    this.extend(this.addresses, source.address, until);
    if (source.connectionId) this.extend(this.connections, source.connectionId, until);
  }

  hasAddress(address: string): boolean {
    return this.addresses.get(address) !== undefined;
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.get(connectionId) !== undefined;
  }

  /** Another phone behind the same address may hold a longer binding: the longest counts. */
  private extend(map: ExpiringMap<string, number>, key: string, until: number): void {
    const longest = Math.max(until, map.get(key) ?? 0);
    map.set(key, longest, longest);
  }
}

/** The longest binding a REGISTER's 2xx lists; 0 when it lists none. */
function grantedSeconds(response: SipMessage): number {
  const fromContacts = response.getAll('Contact').flatMap((value) => [...value.matchAll(/;\s*expires\s*=\s*(\d+)/gi)])
    .map((m) => Number(m[1]));
  const header = Number(response.get('Expires') ?? 0);
  const contacts = response.getAll('Contact').length;
  return Math.max(0, ...fromContacts, contacts > 0 && Number.isFinite(header) ? header : 0);
}
