/**
 * The embedded drachtio-compatible SIP server: SIP on the wire below, the
 * drachtio wire protocol to applications above.
 *
 * It behaves like drachtio-server where drachtio-srf relies on it: it answers
 * 100 Trying to INVITEs itself, absorbs retransmissions, answers CANCEL with
 * 200 and the INVITE with 487 and tells the application, ACKs non-2xx
 * responses with the INVITE's branch, fills in the headers the application
 * leaves out, and keeps dialogs so the application can send in-dialog
 * requests by dialog id.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SipMessage, SipParseError, maxForwardsOf, parseMessage } from './message.js';
import { TransportLayer, sameTransport, uriTransport, type ConnectionInfo, type ConnectionLimits, type Source } from './transport.js';
import type { WebSocketListener } from './websocket-listener.js';
import { ControlServer, type AppConnection, type AppMessage } from './control.js';
import {
  DEFAULT_TIMERS, InviteClientTransaction, InviteServerTransaction, NonInviteClientTransaction,
  NonInviteServerTransaction, type ClientTransaction, type ServerTransaction, type TimerValues,
  type TransactionTransport,
} from './transactions.js';
import { Dialog, dialogIdOf, dialogKey, newBranch, newTag } from './dialog.js';
import { destinationOf, responseDestination, responseTo, stampReceived } from './responses.js';
import { respondToGarbage } from './garbage.js';
import { refusalOf } from './admission.js';
import { SourceRateLimit, type Standing } from './rate-limit.js';
import { LiveRegistrations } from './registrations.js';
import { DEFAULT_LOAD_SHEDDING, LoadShedder, QueueDelay, type LoadSheddingOptions } from './load-shedding.js';
import { ExpiringMap } from '../net/expiring-map.js';
import type { SourceLimitsConfig } from '../../config/schema.js';

export const SIPD_VERSION = 'v0.9.10-embedded';

/** Methods drachtio-server hands to applications when they arrive outside a dialog. */
const OUT_OF_DIALOG_METHODS = new Set(['INVITE', 'REGISTER', 'MESSAGE', 'OPTIONS', 'INFO', 'NOTIFY', 'SUBSCRIBE', 'PUBLISH']);
const DIALOG_FORMING = new Set(['INVITE', 'SUBSCRIBE']);

export interface SipServerOptions {
  host: string;
  advertisedAddress?: string;
  sipPort: number;
  /** SIP over WebSocket, secure with a certificate (./websocket-listener.ts); none without. */
  webSocket?: WebSocketListener;
  controlHost: string;
  controlPort: number;
  secret: string;
  logger: Logger;
  timers?: TimerValues;
  /** Asked before a new request outside a dialog gets any state: false drops it unanswered (blocked sources, scanners). */
  screen?: (req: SipMessage, source: Source) => boolean;
  /** Limits per source address (config `sip.sourceLimits`); absent: none, and a stream lives ten silent minutes. */
  sourceLimits?: SourceLimitsConfig;
  /** Addresses the source limits never apply to: the trunks'. */
  isTrusted?: (address: string) => boolean;
  /** When new INVITEs are refused as overloaded (./load-shedding.ts); what is left out: DEFAULT_LOAD_SHEDDING's. */
  loadShedding?: Partial<LoadSheddingOptions> & {
    /** The wait in ms, read every tick; default: probes through the UDP socket (tests inject their own). */
    delay?: () => number;
  };
}

/** INVITEs refused as overloaded are remembered this long (Timer B at the default T1), so their retransmissions are known. */
const REFUSED_MEMORY_MS = 32_000;
const MAX_REFUSED_REMEMBERED = 100_000;

interface ServerTxnRecord {
  id: string;
  txn: ServerTransaction;
  /** Ends the transaction with 500 if the application never sends a final response. */
  deadline?: NodeJS.Timeout;
  request: SipMessage;
  source: Source;
  app: AppConnection;
  toTag: string;
  dialog?: Dialog;
}

interface ClientTxnRecord {
  id: string;
  txn: ClientTransaction;
  request: SipMessage;
  dest: Source;
  app: AppConnection;
  dialog?: Dialog;
  /** A 2xx to this INVITE reached the application: later ones are retransmissions. */
  accepted?: boolean;
}

export class SipServer {
  readonly transport: TransportLayer;
  readonly control: ControlServer;
  private readonly log: Logger;
  private readonly timers: TimerValues;
  private readonly serverTxns = new Map<string, ServerTxnRecord>();
  private readonly serverTxnsById = new Map<string, ServerTxnRecord>();
  private readonly clientTxns = new Map<string, ClientTxnRecord>();
  private readonly clientTxnsById = new Map<string, ClientTxnRecord>();
  private readonly dialogs = new Map<string, Dialog>();
  private readonly dialogsByKey = new Map<string, Dialog>();
  private nextApp = 0;
  private readonly screen: SipServerOptions['screen'];
  private readonly registrations = new LiveRegistrations();
  /** Messages per source, counted before parsing; absent without `sourceLimits`. */
  readonly sourceRate?: SourceRateLimit;
  readonly shedder: LoadShedder;
  /** Transaction keys of INVITEs refused as overloaded. */
  private readonly refusedInvites = new ExpiringMap<string, true>(MAX_REFUSED_REMEMBERED, Date.now);

  constructor(opts: SipServerOptions) {
    this.log = opts.logger.child({ component: 'sipd' });
    this.timers = opts.timers ?? DEFAULT_TIMERS;
    this.screen = opts.screen;
    const standing = (address: string): Standing => (opts.isTrusted?.(address) ? 'trusted'
      : this.registrations.hasAddress(address) ? 'registered' : 'stranger');
    const limits = opts.sourceLimits;
    if (limits) {
      this.sourceRate = new SourceRateLimit({
        stranger: { perSecond: limits.messagesPerSecond, burst: limits.messageBurst },
        registered: { perSecond: limits.registeredMessagesPerSecond, burst: limits.registeredMessageBurst },
        standing,
        logger: this.log,
      });
    }
    this.transport = new TransportLayer({
      host: opts.host, port: opts.sipPort, webSocket: opts.webSocket, advertisedAddress: opts.advertisedAddress, logger: this.log,
      limits: limits && this.connectionLimits(limits, standing),
    });
    this.control = new ControlServer({
      host: opts.controlHost,
      port: opts.controlPort,
      secret: opts.secret,
      version: SIPD_VERSION,
      hostports: () => this.hostports(),
      logger: this.log,
    });
    this.transport.on('message', (text, source) => this.onNetworkMessage(text, source));
    this.transport.on('framingError', (error, source) => {
      this.log.warn({ reason: error.reason, peer: `${source.address}:${source.port}` }, 'closed a stream that could not be framed');
      if (error.head === undefined) return;
      const status = error.reason === 'message too large' ? 513 : 400;
      respondToGarbage(`${error.head}\r\n\r\n`, status, error.reason, source, (t, d) => this.sendRaw(t, d));
    });
    this.control.on('message', (conn, msg) => this.onAppMessage(conn, msg));
    const { delay: injected, ...given } = opts.loadShedding ?? {};
    const shedding: LoadSheddingOptions = { ...DEFAULT_LOAD_SHEDDING, ...given };
    let delay = injected;
    if (!delay) {
      const queue = new QueueDelay((payload) => this.transport.sendProbe(payload));
      this.transport.on('probe', (payload) => queue.received(payload));
      delay = () => queue.sample();
    }
    this.shedder = new LoadShedder(shedding, delay, this.log);
  }

  async start(): Promise<void> {
    await this.transport.start();
    await this.control.start();
    this.shedder.start();
    const ws = this.transport.webSocket;
    const webSocket = ws && `${ws.protocol}://${ws.address.includes(':') ? `[${ws.address}]` : ws.address}:${ws.port}`;
    this.log.info({ sip: this.hostports(), webSocket, control: this.control.port }, 'embedded SIP server listening');
  }

  async stop(): Promise<void> {
    this.shedder.stop();
    for (const r of this.serverTxns.values()) r.txn.terminate();
    for (const r of this.clientTxns.values()) r.txn.terminate();
    await this.control.stop();
    await this.transport.stop();
  }

  /** Counts of live state, so tests can show that nothing is left behind. */
  get stats(): { serverTransactions: number; clientTransactions: number; dialogs: number } {
    return { serverTransactions: this.serverTxns.size, clientTransactions: this.clientTxns.size, dialogs: this.dialogs.size };
  }

  private connectionLimits(limits: SourceLimitsConfig, standing: (address: string) => Standing): ConnectionLimits {
    const perStanding = { trusted: Infinity, registered: limits.registeredConnections, stranger: limits.connections };
    return {
      perSource: (address) => perStanding[standing(address)],
      firstMessageMs: limits.firstMessageSeconds * 1000,
      idleMs: limits.idleSeconds * 1000,
      inUse: (conn) => this.registrations.hasConnection(conn.id) || this.carriesCalls(conn),
    };
  }

  /** A dialog or a transaction still lives on the connection: in-dialog requests and responses will need it. */
  private carriesCalls(conn: ConnectionInfo): boolean {
    const on = (flow: Source): boolean => flow.connectionId === conn.id
      || (sameTransport(flow.protocol, conn.protocol) && flow.address === conn.address && flow.port === conn.port);
    for (const dialog of this.dialogs.values()) if (on(dialog.flow)) return true;
    for (const record of this.serverTxns.values()) if (on(record.source)) return true;
    for (const record of this.clientTxns.values()) if (on(record.dest)) return true;
    return false;
  }

  private hostports(): string {
    const list = [`udp/${this.transport.localHostport('udp')}`, `tcp/${this.transport.localHostport('tcp')}`];
    const ws = this.transport.webSocket;
    if (ws) list.push(`${ws.protocol}/${this.transport.localHostport(ws.protocol)}`);
    return list.join(',');
  }

  // ---------------------------------------------------------------- network side

  private onNetworkMessage(text: string, source: Source): void {
    if (this.sourceRate && !this.sourceRate.admits(source.address)) {
      this.refuseOverRate(text, source);
      return;
    }
    let msg: SipMessage;
    try {
      msg = parseMessage(text, { datagram: source.protocol === 'udp' });
      if (source.connectionId) this.transport.markEstablished(source.connectionId);
    } catch (err) {
      const reason = err instanceof SipParseError ? err.message : String(err);
      this.log.info({ reason, peer: `${source.protocol}:${source.address}:${source.port}` }, 'malformed SIP message');
      respondToGarbage(text, err instanceof SipParseError ? err.status : 400, reason, source, (t, d) => this.sendRaw(t, d));
      return;
    }
    try {
      if (msg.isRequest) this.onNetworkRequest(msg, source);
      else this.onNetworkResponse(msg);
    } catch (err) {
      // One line: a hostile message must not buy a stack trace in the log.
      const reason = err instanceof Error ? err.message : String(err);
      this.log.warn({ reason, callId: msg.callId.slice(0, 100) }, 'could not handle SIP message');
    }
  }

  /**
   * A message over its source's rate. A datagram is dropped: its source may
   * be forged, and an answer would only add traffic. On a stream the source
   * is real and an answer cheap (its lines are lifted, not parsed): 503 with
   * Retry-After, so a well-behaved client backs off.
   */
  private refuseOverRate(text: string, source: Source): void {
    if (source.protocol === 'udp') return;
    const retryAfter = String(this.sourceRate!.retryAfterSeconds(source.address));
    respondToGarbage(text, 503, 'over the message rate of its source', source, (t, d) => this.sendRaw(t, d),
      [['Retry-After', retryAfter]]);
  }

  private onNetworkRequest(req: SipMessage, source: Source): void {
    stampReceived(req, source);
    const inviteKey = serverKey(req, 'INVITE');

    if (req.method === 'ACK') {
      const invite = this.serverTxns.get(inviteKey);
      if (invite && invite.txn instanceof InviteServerTransaction && invite.txn.state === 'completed') {
        invite.txn.receiveAck(); // ACK for a non-2xx: ends in the transaction layer
        return;
      }
      this.onAckFor2xx(req, source);
      return;
    }
    if (req.method === 'CANCEL') {
      this.onCancel(req, source, inviteKey);
      return;
    }
    const key = serverKey(req, req.method);
    const existing = this.serverTxns.get(key);
    if (existing) {
      // Overloaded, a retransmission whose request is being worked on gets nothing: its 100 already went.
      if (!this.shedder.shedding || this.isFinished(existing)) existing.txn.receiveRetransmission();
      return;
    }
    if (maxForwardsOf(req) === 0 && req.method !== 'OPTIONS') {
      this.respondStateless(req, source, 483);
      return;
    }
    const toTag = req.tag('To');
    const dialog = toTag ? this.dialogsByKey.get(dialogKey(req.callId, toTag, req.tag('From') ?? '')) : undefined;
    if (!dialog && (toTag || req.method === 'BYE' || req.method === 'UPDATE')) {
      this.respondStateless(req, source, 481);
      return;
    }
    if (!dialog && this.screen?.(req, source) === false) return;
    if (!dialog && req.method === 'INVITE' && (this.shedder.shedding || this.refusedInvites.get(key))) {
      this.refuseAsOverloaded(req, source, key);
      return;
    }
    const app = dialog?.app ?? this.pickApp(req.method);
    const refusal = refusalOf(req, {
      inDialog: dialog !== undefined,
      known: OUT_OF_DIALOG_METHODS.has(req.method),
      handled: app !== undefined,
      inService: this.takenMethods().length > 0,
      allow: () => this.allowedMethods(),
    });
    if (refusal) {
      this.respondStateless(req, source, refusal.status, newTag(), refusal.headers);
      return;
    }
    if (!app || app.closed) {
      this.log.info({ callId: req.callId, method: req.method }, 'no application takes this request');
      if (req.method === 'INVITE') this.respondStateless(req, source, 100);
      this.respondStateless(req, source, dialog ? 481 : 503);
      return;
    }
    req.withoutPrototypeNames();
    const record = this.createServerTransaction(req, source, app);
    record.dialog = dialog;
    if (dialog) {
      dialog.remoteSeq = req.cseq.seq;
      // The dialog ends when the BYE arrives; the application still answers it.
      if (req.method === 'BYE') this.removeDialog(dialog);
    }
    if (req.method === 'INVITE') this.respond(record, responseTo(req, 100));
    this.toApp(app, 'network', req.toString(), source, record.id, dialog?.id ?? '', dialog ? [] : this.receivedOn(source));
  }

  /**
   * A new INVITE while overloaded: 503 with Retry-After, no state but the
   * key. Its retransmissions get the 503 again once the server has caught
   * up (the first was lost), and nothing while it has not: the caller's own
   * timers end the call.
   */
  private refuseAsOverloaded(req: SipMessage, source: Source, key: string): void {
    if (this.refusedInvites.get(key)) {
      if (!this.shedder.shedding) this.respondStateless(req, source, 503, newTag(), this.retryAfter());
      return;
    }
    this.refusedInvites.set(key, true, Date.now() + REFUSED_MEMORY_MS);
    this.shedder.refused();
    this.respondStateless(req, source, 503, newTag(), this.retryAfter());
  }

  private retryAfter(): Array<[string, string]> {
    return [['Retry-After', String(this.shedder.opts.retryAfterSeconds)]];
  }

  /** A `sip` message to the application; srf ignores it unless the leader has more than nine fields. */
  private toApp(app: AppConnection, origin: 'network' | 'application', text: string, peer: Source,
    txnId: string, dialogId: string, receivedOn: string[] = []): void {
    app.send(['sip', origin, String(Buffer.byteLength(text)), peer.protocol, peer.address, String(peer.port),
      stackTime(), txnId, dialogId, ...receivedOn, ''], text);
  }

  private onAckFor2xx(ack: SipMessage, source: Source): void {
    const dialog = this.dialogsByKey.get(dialogKey(ack.callId, ack.tag('To') ?? '', ack.tag('From') ?? ''));
    if (!dialog) return; // a stray ACK has no response (section 17.2.3)
    if (!dialog.inviteTransaction || dialog.inviteTransaction.state !== 'accepted') return; // retransmitted ACK
    dialog.inviteTransaction.ackFor2xx();
    this.toApp(dialog.app, 'network', ack.toString(), source, randomUUID(), dialog.id);
  }

  private onCancel(cancel: SipMessage, source: Source, inviteKey: string): void {
    const invite = this.serverTxns.get(inviteKey);
    if (!invite || !(invite.txn instanceof InviteServerTransaction)) {
      this.respondStateless(cancel, source, 481);
      return;
    }
    this.respondStateless(cancel, source, 200, invite.toTag);
    if (invite.txn.finalSent) return;
    this.respond(invite, responseTo(invite.request, 487, invite.toTag));
    this.toApp(invite.app, 'network', cancel.toString(), source, invite.id, '');
  }

  private onNetworkResponse(res: SipMessage): void {
    const key = `${res.topVia.branch ?? ''}|${res.cseq.method}`;
    const record = this.clientTxns.get(key);
    if (!record) {
      this.log.debug({ callId: res.callId, status: res.status }, 'response matches no transaction');
      return;
    }
    record.txn.receiveResponse(res, res.toString());
  }

  private onClientResponse(record: ClientTxnRecord, res: SipMessage): void {
    const isInvite = record.request.method === 'INVITE';
    if (isInvite && res.status >= 200 && res.status < 300) {
      if (record.accepted) {
        // A retransmitted 2xx: our ACK was lost (section 13.2.2.4).
        if (record.dialog?.lastAck) void this.sendRaw(record.dialog.lastAck, record.dialog.flow).catch(() => {});
        return;
      }
      record.accepted = true;
      // A re-INVITE's 2xx (the application's, within a dialog) goes to the application like the first one.
      if (!record.dialog) {
        record.dialog = Dialog.fromUac(record.request, res, record.dest, record.app);
        this.addDialog(record.dialog);
      }
    }
    if (record.request.method === 'BYE' && res.status >= 200 && record.dialog) this.removeDialog(record.dialog);
    // Every response to an INVITE carries the dialog id, so srf can address its ACK.
    const dialogId = record.dialog?.id ?? (isInvite ? dialogIdOf(record.request) : '');
    this.toApp(record.app, 'network', res.toString(), record.dest, record.id, dialogId);
  }

  // ------------------------------------------------------------ application side

  private onAppMessage(app: AppConnection, msg: AppMessage): void {
    if (msg.type === 'sip') {
      try {
        this.onAppSip(app, msg);
      } catch (err) {
        this.log.warn({ reason: errorText(err) }, 'application sent a message the server cannot use');
        app.respond(msg.msgId, ['NOK', (err as Error).message.replace(/[|\r\n]/g, ' ')]);
      }
      return;
    }
    app.respond(msg.msgId, ['NOK', `unsupported command ${msg.type}`]);
  }

  private onAppSip(app: AppConnection, msg: AppMessage): void {
    const [stackTxnId = '', stackDialogId = '', proxy = ''] = msg.args;
    const partial = parseMessage(msg.body, { datagram: false, validate: false });
    if (!partial.isRequest) {
      this.appResponse(app, msg.msgId, stackTxnId, partial);
    } else if (partial.method === 'CANCEL' && stackTxnId) {
      this.appCancel(app, msg.msgId, stackTxnId);
    } else if (stackDialogId) {
      this.appDialogRequest(app, msg.msgId, stackDialogId, partial);
    } else {
      this.appNewRequest(app, msg.msgId, partial, proxy);
    }
  }

  private appResponse(app: AppConnection, msgId: string, txnId: string, partial: SipMessage): void {
    const record = this.serverTxnsById.get(txnId);
    const finished = record?.txn instanceof InviteServerTransaction
      ? record.txn.finalSent && !(partial.status < 300 && record.txn.state === 'accepted')
      : record?.txn.state === 'completed';
    if (!record || finished) throw new Error('Response not sent due to unknown transaction');
    const { request } = record;
    // The application may choose the To tag of its first response (srf passes it in To).
    const appTag = partial.tag('To');
    if (appTag && !record.dialog) record.toTag = appTag;
    const res = responseTo(request, partial.status, record.toTag, partial.reason);
    for (const [name, value] of partial.headers) {
      if (!['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length'].includes(name)) res.append(name, value);
    }
    res.body = partial.body;
    const createsDialog = DIALOG_FORMING.has(request.method) && !record.dialog && partial.status > 100 && partial.status < 300;
    setDefaultContentType(res);
    if (createsDialog) {
      res.setIfAbsent('Contact', `<sip:${this.transport.localHostport(record.source.protocol)};transport=${uriTransport(record.source.protocol)}>`);
      for (const rr of request.getAll('Record-Route')) res.append('Record-Route', rr);
    }
    if (createsDialog && partial.status >= 200 && !record.dialog) {
      record.dialog = Dialog.fromUas(request, res, record.source, app);
      if (record.txn instanceof InviteServerTransaction) {
        record.dialog.inviteTransaction = record.txn;
        record.txn.onAckTimeout = () => this.onAckTimeout(record.dialog!);
      }
      this.addDialog(record.dialog);
    } else if (record.dialog && partial.status >= 200 && partial.status < 300
      && (request.method === 'INVITE' || request.method === 'UPDATE')) {
      record.dialog.updateTarget(request);
    }
    if (request.method === 'REGISTER') this.registrations.noteResponse(res, record.source);
    const text = this.respond(record, res);
    const dest = responseDestination(request, record.source);
    const dialogId = request.method === 'BYE' ? '' : record.dialog?.id ?? (DIALOG_FORMING.has(request.method) ? dialogIdOf(request) : '');
    app.respond(msgId, ['OK', 'application', String(Buffer.byteLength(text)), dest.protocol, dest.address,
      String(dest.port), stackTime(), record.id, dialogId, '', 'Msg sent:', ''], text);
  }

  private appCancel(app: AppConnection, msgId: string, txnId: string): void {
    const record = this.clientTxnsById.get(txnId);
    if (!record || !(record.txn instanceof InviteClientTransaction)) throw new Error(`unable to cancel unknown transaction id: ${txnId}`);
    const invite = record.request;
    // Section 9.1: a CANCEL copies the INVITE's Request-URI, Call-ID, From, To, Route and top Via.
    const cancel = SipMessage.request('CANCEL', invite.uri);
    cancel.append('Via', invite.listValues('Via')[0]!);
    for (const name of ['From', 'To', 'Call-ID']) cancel.append(name, invite.get(name)!);
    cancel.append('CSeq', `${invite.cseq.seq} CANCEL`);
    cancel.append('Max-Forwards', '70');
    for (const route of invite.getAll('Route')) cancel.append('Route', route);
    const sent = this.startClientTransaction(app, cancel, record.dest);
    app.respond(msgId, this.sentFields(sent), cancel.toString());
  }

  private appDialogRequest(app: AppConnection, msgId: string, dialogId: string, partial: SipMessage): void {
    const dialog = this.dialogs.get(dialogId);
    if (!dialog) {
      throw new Error(partial.method === 'ACK'
        ? 'ACK for non-success final response is automatically generated by server'
        : 'Server error: unable to find dialog for dialog id provided');
    }
    const hop = dialog.nextHop();
    const dest = hop.uri ? { ...destinationOf(hop.uri)!, connectionId: undefined } : dialog.flow;
    const req = dialog.buildRequest(partial, this.via(dest.protocol));
    setDefaultContentType(req);
    if (req.method === 'ACK') {
      dialog.lastAck = req.toString();
      void this.sendRaw(dialog.lastAck, dest).catch((err: unknown) => this.log.warn({ reason: errorText(err), callId: req.callId }, 'ACK not sent'));
      app.respond(msgId, ['OK', 'application', String(Buffer.byteLength(dialog.lastAck)), dest.protocol, dest.address,
        String(dest.port), stackTime(), randomUUID(), 'Msg sent:', ''], dialog.lastAck);
      return;
    }
    const record = this.startClientTransaction(app, req, dest);
    record.dialog = dialog;
    app.respond(msgId, this.sentFields(record), req.toString());
  }

  private appNewRequest(app: AppConnection, msgId: string, partial: SipMessage, proxy: string): void {
    if (partial.method === 'ACK') throw new Error('ACK for non-success final response is automatically generated by server');
    const dest = destinationOf(proxy || partial.uri);
    if (!dest) throw new Error(`invalid request-uri: ${proxy || partial.uri}`);
    const req = partial.clone();
    req.remove('Via').prepend('Via', this.via(dest.protocol));
    const local = this.transport.localHostport(dest.protocol);
    // drachtio-srf writes user@localhost and leaves the host to the server.
    for (const name of ['From', 'To', 'Contact', 'P-Asserted-Identity']) {
      const value = req.get(name);
      if (value?.includes('@localhost')) req.set(name, asNameAddr(value.replace('@localhost', `@${local}`)));
    }
    setDefaultContentType(req);
    req.setIfAbsent('Max-Forwards', '70');
    req.setIfAbsent('From', `<sip:${local}>`);
    if (!req.tag('From')) req.set('From', `${asNameAddr(req.get('From')!)};tag=${newTag()}`);
    req.setIfAbsent('To', `<${req.uri}>`);
    req.setIfAbsent('Call-ID', randomUUID());
    req.setIfAbsent('CSeq', `1 ${req.method}`);
    if (DIALOG_FORMING.has(req.method)) {
      req.setIfAbsent('Contact', `<sip:${local};transport=${uriTransport(dest.protocol)}>`);
    }
    const record = this.startClientTransaction(app, req, dest);
    app.respond(msgId, this.sentFields(record), req.toString());
  }

  private sentFields(record: ClientTxnRecord): string[] {
    const text = record.request.toString();
    return ['OK', 'application', String(Buffer.byteLength(text)), record.dest.protocol, record.dest.address,
      String(record.dest.port), stackTime(), record.id, 'Msg sent:', ''];
  }

  // ------------------------------------------------------------ transactions

  private createServerTransaction(req: SipMessage, source: Source, app: AppConnection): ServerTxnRecord {
    const key = serverKey(req, req.method);
    const dest = responseDestination(req, source);
    const wire = this.wire(dest);
    const txn = req.method === 'INVITE'
      ? new InviteServerTransaction(key, req, wire, this.timers)
      : new NonInviteServerTransaction(key, req, wire, this.timers);
    const record: ServerTxnRecord = { id: randomUUID(), txn, request: req, source, app, toTag: newTag() };
    txn.onTerminated = () => {
      clearTimeout(record.deadline);
      this.serverTxns.delete(key);
      this.serverTxnsById.delete(record.id);
    };
    this.serverTxns.set(key, record);
    this.serverTxnsById.set(record.id, record);
    this.armDeadline(record);
    return record;
  }

  /**
   * Every server transaction ends, whatever the application does: without a
   * final response in time (64*T1 for a non-INVITE, as the client's Timer F;
   * 360*T1 after the last provisional for an INVITE, three minutes at the
   * default T1, as a proxy's Timer C), the server answers 500 itself.
   */
  private armDeadline(record: ServerTxnRecord): void {
    clearTimeout(record.deadline);
    const ms = (record.request.method === 'INVITE' ? 360 : 64) * this.timers.T1;
    record.deadline = setTimeout(() => {
      if (this.isFinished(record)) return;
      this.log.warn({ callId: record.request.callId, method: record.request.method }, 'application sent no final response');
      this.respond(record, responseTo(record.request, 500, record.toTag, 'No Answer From Application'));
    }, ms);
    record.deadline.unref();
  }

  private isFinished(record: ServerTxnRecord): boolean {
    const { txn } = record;
    return txn instanceof InviteServerTransaction ? txn.finalSent : txn.state === 'completed' || txn.state === 'terminated';
  }

  /** Sends a response through its transaction and returns the text sent. */
  private respond(record: ServerTxnRecord, res: SipMessage): string {
    const text = res.toString();
    record.txn.respond(res.status, text);
    if (res.status >= 200) clearTimeout(record.deadline);
    else if (res.status > 100) this.armDeadline(record);
    return text;
  }

  private startClientTransaction(app: AppConnection, req: SipMessage, dest: Source): ClientTxnRecord {
    const key = `${req.topVia.branch}|${req.method}`;
    const text = req.toString();
    const wire = this.wire(dest);
    const record = { id: randomUUID(), request: req, dest, app } as ClientTxnRecord;
    const user = {
      onResponse: (res: SipMessage) => this.onClientResponse(record, res),
      onTimeout: (status: 408 | 503) => this.onClientResponse(record, responseTo(req, status, newTag())),
    };
    record.txn = req.method === 'INVITE'
      ? new InviteClientTransaction(key, req, text, wire, user, (res) => this.ackForNon2xx(req, res), this.timers)
      : new NonInviteClientTransaction(key, req, text, wire, user, this.timers);
    record.txn.onTerminated = () => {
      this.clientTxns.delete(key);
      this.clientTxnsById.delete(record.id);
    };
    this.clientTxns.set(key, record);
    this.clientTxnsById.set(record.id, record);
    record.txn.start();
    return record;
  }

  /** Section 17.1.1.3: the ACK for a non-2xx reuses the INVITE's branch and To tag of the response. */
  private ackForNon2xx(invite: SipMessage, res: SipMessage): string {
    const ack = SipMessage.request('ACK', invite.uri);
    ack.append('Via', invite.listValues('Via')[0]!);
    ack.append('From', invite.get('From')!);
    ack.append('To', res.get('To')!);
    ack.append('Call-ID', invite.callId);
    ack.append('CSeq', `${invite.cseq.seq} ACK`);
    ack.append('Max-Forwards', '70');
    for (const route of invite.getAll('Route')) ack.append('Route', route);
    return ack.toString();
  }

  private wire(dest: Source): TransactionTransport {
    return { reliable: dest.protocol !== 'udp', send: (text) => this.sendRaw(text, dest) };
  }

  private sendRaw(text: string, dest: Source): Promise<void> {
    return this.transport.send(text, dest);
  }

  private respondStateless(req: SipMessage, source: Source, status: number, toTag = newTag(),
    headers: Array<[string, string]> = []): void {
    const res = responseTo(req, status, toTag);
    for (const [name, value] of headers) res.append(name, value);
    const text = res.toString();
    void this.sendRaw(text, responseDestination(req, source)).catch((err) =>
      this.log.debug({ err, callId: req.callId }, 'stateless response not sent'));
  }

  private via(protocol: Source['protocol']): string {
    return `SIP/2.0/${protocol.toUpperCase()} ${this.transport.localHostport(protocol)};rport;branch=${newBranch()}`;
  }

  private receivedOn(source: Source): string[] {
    const [host, port] = this.transport.localHostport(source.protocol).split(':');
    return [host ?? '', port ?? ''];
  }

  /** What an Allow header lists: the methods some application takes, and those the server handles itself. */
  private allowedMethods(): string[] {
    return [...new Set([...this.takenMethods(), 'ACK', 'CANCEL', 'BYE'])];
  }

  private takenMethods(): string[] {
    return [...OUT_OF_DIALOG_METHODS].filter((m) => this.control.routesFor(m).length > 0);
  }

  private pickApp(method: string): AppConnection | undefined {
    const apps = this.control.routesFor(method);
    if (apps.length === 0) return undefined;
    return apps[this.nextApp++ % apps.length];
  }

  // ------------------------------------------------------------ dialogs

  private addDialog(dialog: Dialog): void {
    this.dialogs.set(dialog.id, dialog);
    this.dialogsByKey.set(dialog.key, dialog);
  }

  private removeDialog(dialog: Dialog): void {
    this.dialogs.delete(dialog.id);
    this.dialogsByKey.delete(dialog.key);
  }

  /**
   * The caller never ACKed our 2xx: end the call with a BYE and tell the
   * application with an unsolicited BYE, as drachtio-server does.
   */
  private onAckTimeout(dialog: Dialog): void {
    if (!this.dialogs.has(dialog.id)) return;
    this.log.warn({ callId: dialog.callId }, 'no ACK for 2xx: ending the dialog');
    const hop = dialog.nextHop();
    const dest = hop.uri ? destinationOf(hop.uri)! : dialog.flow;
    const bye = dialog.buildRequest(SipMessage.request('BYE', dialog.remoteTarget), this.via(dest.protocol));
    bye.set('Reason', 'SIP ;cause=200 ;text="ACK timeout"');
    this.removeDialog(dialog);
    this.startClientTransaction(dialog.app, bye, dest);
    this.toApp(dialog.app, 'application', bye.toString(), dest, 'unsolicited', dialog.id);
  }
}

/** drachtio-server labels an SDP body the application left unlabelled. */
function setDefaultContentType(message: SipMessage): void {
  if (message.body.startsWith('v=0')) message.setIfAbsent('Content-Type', 'application/sdp');
}

/** Header parameters need the angle-bracket form, or they would bind to the URI (section 20.10). */
function asNameAddr(value: string): string {
  return value.includes('<') ? value : `<${value.trim()}>`;
}

function serverKey(req: SipMessage, method: string): string {
  const via = req.topVia;
  return `${via.branch ?? ''}|${via.host}:${via.port ?? ''}|${method}`;
}

function stackTime(): string {
  return new Date().toISOString().slice(11, 23);
}

/** One line for the log: a failure on the wire is routine here, its stack says nothing. */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
