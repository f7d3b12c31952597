/**
 * Dialog state (RFC 3261 section 12): what the server must remember to build
 * in-dialog requests for the application and to match requests from the
 * network to the dialog they belong to.
 */
import { randomBytes } from 'node:crypto';
import { SipMessage, parseUri } from './message.js';
import type { InviteServerTransaction } from './transactions.js';
import type { Source } from './transport.js';
import type { AppConnection } from './control.js';

/**
 * Tags and branches must be unguessable (RFC 3261 sections 19.3, 8.1.1.7):
 * cryptographic random bytes, drawn from a pool refilled 4 kB at a time, as
 * one call to the generator per tag cost more than the rest of the tag's use.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return hex;
}

export function newTag(): string {
  return randomHex(6);
}

export function newBranch(): string {
  return `z9hG4bK-${randomHex(8)}`;
}

/** drachtio's dialog id: the Call-ID and the From tag of the dialog-forming request. */
export function dialogIdOf(request: SipMessage): string {
  return `${request.callId};from-tag=${request.tag('From') ?? ''}`;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** The value of a From/To header without its tag, plus the tag. */
function withTag(value: string, tag: string): string {
  const bare = value.replace(/;\s*tag=[^;>]*/i, '').trim();
  return `${bare.includes('<') ? bare : `<${bare}>`};tag=${tag}`;
}

export class Dialog {
  /** The server transaction of the INVITE whose 2xx we retransmit until the ACK (UAS side). */
  inviteTransaction?: InviteServerTransaction;
  /** The ACK we sent for the 2xx, re-sent when the 2xx is retransmitted (UAC side). */
  lastAck?: string;

  private constructor(
    readonly id: string,
    readonly role: 'uas' | 'uac',
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** From (UAC) or To (UAS) of the dialog-creating request, without tag. */
    private readonly localParty: string,
    private readonly remoteParty: string,
    public remoteTarget: string,
    readonly routeSet: string[],
    public localSeq: number,
    public remoteSeq: number,
    readonly localContact: string,
    /** Where the peer is reached: the flow the dialog was created on. */
    readonly flow: Source,
    readonly app: AppConnection,
    /** The CSeq number of the last INVITE we sent in the dialog: its ACK carries it (section 13.2.2.4). */
    private inviteSeq: number,
  ) {}

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /** Section 12.1.1: the UAS builds its dialog from the request and its own 2xx. */
  static fromUas(request: SipMessage, response: SipMessage, flow: Source, app: AppConnection): Dialog {
    const localTag = response.tag('To') ?? '';
    const remoteTag = request.tag('From') ?? '';
    const seq = request.cseq.seq;
    return new Dialog(
      dialogIdOf(request), 'uas', request.callId, localTag, remoteTag,
      request.get('To')!, request.get('From')!,
      request.nameAddr('Contact')?.uri.toString() ?? request.uri,
      request.listValues('Record-Route'),
      seq, seq, response.get('Contact') ?? '', flow, app, seq,
    );
  }

  /** Section 12.1.2: the UAC builds its dialog from its request and the 2xx; the route set is reversed. */
  static fromUac(request: SipMessage, response: SipMessage, flow: Source, app: AppConnection): Dialog {
    const localTag = request.tag('From') ?? '';
    const remoteTag = response.tag('To') ?? '';
    const seq = request.cseq.seq;
    return new Dialog(
      dialogIdOf(request), 'uac', request.callId, localTag, remoteTag,
      request.get('From')!, request.get('To')!,
      response.nameAddr('Contact')?.uri.toString() ?? request.uri,
      response.listValues('Record-Route').reverse(),
      seq, 0, request.get('Contact') ?? '', flow, app, seq,
    );
  }

  /**
   * Section 12.2.1.1: an in-dialog request from the application's partial
   * message. Its own extra headers and body stay; the dialog's identity wins.
   */
  buildRequest(partial: SipMessage, via: string): SipMessage {
    const req = partial.clone();
    // drachtio-srf writes sip:placeholder when it has no URI of its own.
    if (req.method === 'ACK' || !req.uri || req.uri.includes('placeholder')) req.uri = this.remoteTarget;
    const seq = req.method === 'ACK' ? this.inviteSeq : ++this.localSeq;
    if (req.method === 'INVITE') this.inviteSeq = seq;
    req.remove('Via').prepend('Via', via);
    req.set('From', withTag(this.localParty, this.localTag));
    req.set('To', withTag(this.remoteParty, this.remoteTag));
    req.set('Call-ID', this.callId);
    req.set('CSeq', `${seq} ${req.method}`);
    req.set('Max-Forwards', '70');
    req.remove('Route');
    for (const route of this.routeSet) req.append('Route', route);
    if ((req.method === 'INVITE' || req.method === 'UPDATE') && this.localContact) req.setIfAbsent('Contact', this.localContact);
    return req;
  }

  /** A re-INVITE or UPDATE that succeeded may move the peer (section 12.2). */
  updateTarget(message: SipMessage): void {
    const contact = message.nameAddr('Contact');
    if (contact) this.remoteTarget = contact.uri.toString();
  }

  /** Where in-dialog requests go: the first loose route, or the flow the dialog lives on. */
  nextHop(): { uri?: string; flow: Source } {
    const first = this.routeSet[0];
    if (first) {
      const uri = /<([^>]+)>/.exec(first)?.[1] ?? first;
      return { uri, flow: this.flow };
    }
    const target = parseUri(this.remoteTarget);
    const unreachable = !target || target.host.endsWith('.invalid') || this.role === 'uas';
    return unreachable ? { flow: this.flow } : { uri: this.remoteTarget, flow: this.flow };
  }
}
