/**
 * The registrar for agent extensions (RFC 3261 section 10.3): digest
 * authentication (./proof.ts), contact bindings with expiry, and the flow
 * each binding was registered on, so calls reach phones behind NAT and
 * softphones on their WebSocket.
 *
 * An address-of-record that is no extension gets the same answers as one
 * that is (a challenge, then 403), so that REGISTER tells nobody which
 * extensions exist.
 *
 * Instances sharing one Redis share their bindings (SharedBindings): each
 * publishes the bindings it took, and an extension's contacts are its own
 * and those another instance took over UDP, which this instance reaches
 * from its own address. A binding over a connection (TCP, TLS, WebSocket)
 * can only be used by the instance holding that connection, so the others
 * do not list it. The log-in rule follows the instance that took the
 * REGISTER (its changes are the ones `onChange` reports), and a binding of
 * another instance that expires unrefreshed (that instance died) is
 * reported by whichever instance removes it from the shared store.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { RegistrationConfig } from '../../config/schema.js';
import { proveIdentity, refuseCredentials, type Prover } from './proof.js';

export interface Flow {
  protocol: string;
  address: string;
  port: number;
}

export interface Binding {
  /** The Contact URI the phone registered. */
  uri: string;
  expiresAt: number;
  flow: Flow;
  registeredAt: number;
  userAgent?: string;
}

/** The bindings of every instance on a shared store (server/store/redis-bindings.ts on Redis). */
export interface SharedBindings {
  /** Tells the others of a binding this instance took, or (undefined) that it is gone. */
  publish(extension: string, uri: string, binding: Binding | undefined): void;
  /** The bindings of `extension` the other instances took, as last told (expired ones too). */
  others(extension: string): Binding[];
  /** Every binding of the others, for the sweep. */
  allOthers(): Array<{ extension: string; binding: Binding }>;
  /** Removes another instance's binding that expired, unless it was renewed meanwhile; true for the one caller that removed it. */
  expire(extension: string, binding: Binding): Promise<boolean>;
}

export interface RegistrarOptions extends Prover {
  expiry: RegistrationConfig;
  logger: Logger;
  now?: () => number;
  /** Several instances on one Redis: the others' bindings. */
  shared?: SharedBindings;
}

const SWEEP_MS = 30_000;

export class Registrar {
  private readonly bindings = new Map<string, Map<string, Binding>>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly listeners = new Set<(extension: string) => void>();

  constructor(private readonly opts: RegistrarOptions) {
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Live bindings of an extension (this instance's, and the others' over UDP), the most recently registered first. */
  contactsOf(extension: string): Binding[] {
    const now = this.now();
    const own = this.bindings.get(extension) ?? new Map<string, Binding>();
    const others = (this.opts.shared?.others(extension) ?? []).filter((b) => b.flow.protocol === 'udp' && !own.has(b.uri));
    return [...own.values(), ...others]
      .filter((b) => b.expiresAt > now)
      .sort((a, b) => b.registeredAt - a.registeredAt);
  }

  /** Forgets one binding, e.g. when the connection it was registered on is gone (RFC 5626 section 5.3). */
  remove(extension: string, uri: string): void {
    const map = this.bindings.get(extension);
    if (map?.delete(uri)) this.opts.shared?.publish(extension, uri, undefined);
    if (map?.size === 0) this.bindings.delete(extension);
    this.changed(extension);
  }

  /**
   * Called after an extension's bindings changed (registered, refreshed,
   * unregistered, expired, removed); `contactsOf` says what is live now.
   * Returns a function that stops listening.
   */
  onChange(listener: (extension: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(extension: string): void {
    for (const l of this.listeners) {
      try {
        l(extension);
      } catch (err) {
        this.opts.logger.error({ err, extension }, 'registration listener failed');
      }
    }
  }

  readonly handle = async (req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> => {
    const log = this.opts.logger.child({ callId: req.get('Call-ID') });
    const username = await proveIdentity(req, res, this.opts, 'www', log);
    if (username === undefined) return;
    const extension = /^sips?:([^@;]+)@/.exec(req.getParsedHeader('To').uri)?.[1];
    if (username !== extension) {
      refuseCredentials(req, res, this.opts, username, 'credentials of another extension', log);
      return;
    }
    this.applyContacts(req, res, extension, log);
  };

  private applyContacts(req: Srf.SrfRequest, res: Srf.SrfResponse, extension: string, log: Logger): void {
    const { minExpires, maxExpires, defaultExpires } = this.opts.expiry;
    const headerExpires = req.has('Expires') ? Number(req.get('Expires')) : undefined;
    const contactHeader = req.get('Contact');
    const current = this.bindings.get(extension) ?? new Map<string, Binding>();

    if (contactHeader?.trim() === '*') {
      // Section 10.3 step 6: "*" removes every binding, and only with Expires: 0.
      if (headerExpires !== 0) {
        res.send(400);
        return;
      }
      for (const uri of current.keys()) this.opts.shared?.publish(extension, uri, undefined);
      this.bindings.delete(extension);
      log.info({ extension }, 'all bindings removed');
      res.send(200);
      this.changed(extension);
      return;
    }

    const contacts = contactHeader ? req.getParsedHeader('Contact') : [];
    const updates: Array<{ uri: string; expires: number }> = [];
    for (const contact of contacts) {
      const requested = Number(contact.params?.expires ?? headerExpires ?? defaultExpires);
      if (!Number.isFinite(requested) || requested < 0) {
        res.send(400);
        return;
      }
      if (requested > 0 && requested < minExpires) {
        res.send(423, { headers: { 'Min-Expires': String(minExpires) } });
        return;
      }
      updates.push({ uri: contact.uri, expires: Math.min(requested, maxExpires) });
    }

    const now = this.now();
    const flow: Flow = { protocol: req.protocol, address: req.source_address, port: Number(req.source_port) };
    for (const { uri, expires } of updates) {
      const binding = expires === 0 ? undefined
        : { uri, expiresAt: now + expires * 1000, flow, registeredAt: now, userAgent: req.get('User-Agent') };
      if (binding) current.set(uri, binding);
      else current.delete(uri);
      this.opts.shared?.publish(extension, uri, binding);
    }
    if (current.size > 0) this.bindings.set(extension, current);
    else this.bindings.delete(extension);
    if (updates.length) log.info({ extension, flow, contacts: updates }, 'registration updated');

    const live = this.contactsOf(extension);
    const headers: Record<string, string> = {};
    if (live.length) {
      headers.Contact = live.map((b) => `<${b.uri}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`).join(', ');
    }
    res.send(200, { headers });
    if (updates.length) this.changed(extension);
  }

  private sweep(): void {
    const now = this.now();
    for (const [extension, map] of this.bindings) {
      const before = map.size;
      for (const [uri, b] of map) {
        if (b.expiresAt > now) continue;
        map.delete(uri);
        this.opts.shared?.publish(extension, uri, undefined);
      }
      if (map.size === 0) this.bindings.delete(extension);
      if (map.size !== before) this.changed(extension);
    }
    const { shared } = this.opts;
    for (const { extension, binding } of shared?.allOthers() ?? []) {
      if (binding.expiresAt > now) continue;
      shared!.expire(extension, binding).then((removed) => { if (removed) this.changed(extension); }, (err: unknown) => {
        this.opts.logger.warn({ err, extension }, 'cannot remove an expired binding from the shared store');
      });
    }
  }
}
