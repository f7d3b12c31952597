/**
 * Where and how the embedded engine serves SIP over WebSocket (RFC 7118).
 *
 * With a certificate (TLS_CERT / TLS_KEY) the port speaks secure WebSocket
 * only (wss://), on the SIP address. Without one it speaks plain ws://, and
 * only on loopback unless `sip.allowPlainWebSocket` is set: a browser page
 * served over HTTPS may not open a ws:// connection at all, and over plain
 * WebSocket the phones' digest exchanges and every call's signalling cross
 * the network readable. Plain WebSocket on this machine is for development.
 */
import type { SipConfig } from '../../config/schema.js';
import { isLoopbackAddress } from '../net/address.js';
import type { TlsFiles } from '../net/tls.js';

export interface WebSocketListener {
  port: number;
  /** The address it binds to. */
  host: string;
  /** With a certificate and key: TLS on every connection (WSS), nothing in clear. */
  tls?: TlsFiles;
}

type WebSocketSettings = Pick<SipConfig, 'host' | 'wsPort' | 'allowPlainWebSocket'>;

export function webSocketListener(sip: WebSocketSettings, tls: TlsFiles | undefined): WebSocketListener {
  return { port: sip.wsPort, host: webSocketHost(sip, tls !== undefined), ...(tls ? { tls } : {}) };
}

/** The address the WebSocket port binds to: the SIP address, or loopback for plain WebSocket not allowed beyond it. */
export function webSocketHost(sip: Pick<SipConfig, 'host' | 'allowPlainWebSocket'>, secure: boolean): string {
  if (secure || sip.allowPlainWebSocket || isLoopbackAddress(sip.host)) return sip.host;
  return sip.host.includes(':') ? '::1' : '127.0.0.1';
}
