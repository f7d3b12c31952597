/**
 * The ICE-lite side of a WebRTC endpoint (RFC 8445 §2.5): we have one host
 * candidate, never check, and answer the far end's connectivity checks.
 *
 * A check counts only when its USERNAME starts with our ufrag and its
 * MESSAGE-INTEGRITY verifies with our password (§7.3); the answer carries
 * XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY with our password and FINGERPRINT.
 * The address of a valid check is where media may come from and go to:
 * the first one until the far end nominates one (USE-CANDIDATE).
 *
 * Consent (RFC 7675): a full agent keeps checking every few seconds while
 * it wants our media. A lite agent cannot ask, so a valid check on the
 * selected address is the consent, and its age is what the endpoint
 * watches.
 */
import type { RemoteInfo } from 'node:dgram';
import { classes, Message, methods, parseMessage } from 'werift';
import type { IceCredentials } from './webrtc-sdp.js';

export interface IceAddress {
  address: string;
  port: number;
}

/** RFC 7983 §7: a first byte of 0-3 is STUN. */
export function isStun(buf: Buffer): boolean {
  return buf.length >= 20 && buf[0]! <= 3;
}

const key = (a: IceAddress): string => `${a.address}:${a.port}`;

export class IceLiteAgent {
  /** Where media goes: the nominated address, else the first that checked. */
  selected: IceAddress | undefined;
  /** Clock time of the last valid check from the selected address. */
  lastConsentMs: number | undefined;
  /** Checks refused for wrong credentials (for the failure's log line). */
  refusedChecks = 0;
  private readonly valid = new Set<string>();
  private readonly password: Buffer;

  constructor(private readonly local: IceCredentials) {
    this.password = Buffer.from(local.pwd, 'utf8');
  }

  /** Whether a datagram comes from an address that passed a check. */
  isValid(from: IceAddress): boolean {
    return this.valid.has(key(from));
  }

  /**
   * Handles a STUN datagram: the response to send back, or undefined when
   * it is not a check we answer (wrong credentials, not a request, garbage).
   */
  handle(msg: Buffer, from: RemoteInfo, nowMs: number): Buffer | undefined {
    let request: Message | undefined;
    let verified: Message | undefined;
    try {
      request = parseMessage(msg);
      // Parsed again with our password: werift drops a message whose MESSAGE-INTEGRITY does not verify.
      verified = request ? parseMessage(msg, this.password) : undefined;
    } catch {
      return undefined;
    }
    if (!request || request.messageMethod !== methods.BINDING || request.messageClass !== classes.REQUEST) return undefined;
    const keys = request.attributesKeys;
    const username = keys.includes('USERNAME') ? String(request.getAttributeValue('USERNAME')) : '';
    if (!verified || !keys.includes('MESSAGE-INTEGRITY') || !username.startsWith(`${this.local.ufrag}:`)) {
      this.refusedChecks += 1;
      return undefined;
    }
    const address: IceAddress = { address: from.address, port: from.port };
    this.valid.add(key(address));
    if (!this.selected || keys.includes('USE-CANDIDATE')) this.selected = address;
    if (key(this.selected) === key(address)) this.lastConsentMs = nowMs;
    const response = new Message(methods.BINDING, classes.RESPONSE, request.transactionId);
    response.setAttribute('XOR-MAPPED-ADDRESS', [address.address, address.port]).addMessageIntegrity(this.password).addFingerprint();
    return response.bytes;
  }
}
